package cowsim.cli;

import cowsim.report.RunReport;
import cowsim.report.Verdict;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioException;
import cowsim.sim.SimResult;
import cowsim.sim.Simulation;
import cowsim.sim.SimulationHost;
import cowsim.report.Output;
import cowsim.report.OutputException;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cowsim run [FILE]}: run a scenario, print the summary, write report.json and logs. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = "Run a scenario (default: the bundled fork-cow-basic) and judge it against its expect block.",
    footer = {"", "Exit codes: 0 expectations met, 1 not met, 2 bad input or output (--out unusable, a report that could not be written),",
        "3 simulator error (stack trace in DIR/error.txt) or a limit hit with no violation found."})
final class RunCommand extends WritesOutput {

  RunCommand() {
    super(true);
  }


  @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "Scenario file (HOCON).")
  Path file;

  @Mixin ScenarioArgs args;

  @Mixin ScheduleArgs schedule;

  @picocli.CommandLine.Mixin LogArgs logArgs;

  @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: runs/<name>-<timestamp>).")
  Path out;

  @Option(names = "--quiet", description = "Print only the outcome line.")
  boolean quiet;

  @Option(names = "--trace", paramLabel = "FILE", description = "Write the run's timeline as a Perfetto trace (open it in ui.perfetto.dev).")
  Path trace;


  @Override
  public Integer call() throws OutputException {
    com.typesafe.config.Config config = com.typesafe.config.ConfigFactory.load();
    Scenario s;
    cowsim.explore.ScheduleSpec spec;
    try {
      s = args.load(file);
      ScheduleArgs.Resolved resolved = schedule.resolve(s, args.seed, config);
      s = resolved.scenario();
      spec = resolved.spec();
    } catch (ScenarioException e) {
      System.err.println(e.getMessage());
      return 2;
    }
    Path fallback = Path.of("runs", s.name() + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS")));
    output = Output.prepare(out, fallback, config);
    Path logs = output.sub("logs").dir();
    long since = LogHealth.mark();
    SimResult r;
    try (SimulationHost host = new SimulationHost(config)) {
      Scenario run = s;
      r = trace == null ? new Simulation(host).run(s, logs.toString(), spec)
          : cowsim.trace.TraceFile.record(trace, s.name(), new Simulation(host), sim -> sim.run(run, logs.toString(), spec), SimResult::violations);
    }
    if (trace != null) {
      System.out.println("trace: " + trace + "   (open it in https://ui.perfetto.dev)");
    }
    Verdict v = Verdict.judge(r);
    if (quiet) {
      System.out.println(RunReport.outcomeLine(r, v));
    } else {
      RunReport.print(System.out, r, v);
    }
    if (!spec.isTimeOrder()) {
      System.out.println("schedule: " + spec.describe());
    }
    String replay = ExploreCommand.JAR + " run" + (file == null ? "" : " " + ExploreCommand.quote(file.toString()))
        + (schedule.fromFile() ? "" : " --seed " + s.seed()) + schedule.replayArgs() + args.replayArgs();
    return RunOutput.finish(output, r, v, spec.describe(), replay, logs, since, System.out, System.err);
  }
}
