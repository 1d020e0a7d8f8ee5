package cowsim.cli;

import cowsim.report.RunReport;
import cowsim.report.Verdict;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioException;
import cowsim.sim.SimResult;
import cowsim.sim.Simulation;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cowsim run [FILE]}: run a scenario, print the summary, write report.json and logs. */
@Command(
    name = "run",
    mixinStandardHelpOptions = true,
    description = "Run a scenario (default: the bundled fork-cow-basic) and judge it against its expect block.",
    footer = {"", "Exit codes: 0 expectations met, 1 not met, 2 bad input, 3 simulator error or a limit hit with no violation found."})
final class RunCommand implements Callable<Integer> {

  @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "Scenario file (HOCON).")
  Path file;

  @Mixin ScenarioArgs args;

  @Mixin ScheduleArgs schedule;

  @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: runs/<name>-<timestamp>).")
  Path out;

  @Option(names = "--quiet", description = "Print only the outcome line.")
  boolean quiet;

  @Override
  public Integer call() throws IOException {
    Scenario s;
    cowsim.explore.ScheduleSpec spec;
    try {
      s = args.load(file);
      ScheduleArgs.Resolved resolved = schedule.resolve(s, args.seed, com.typesafe.config.ConfigFactory.load());
      s = resolved.scenario();
      spec = resolved.spec();
    } catch (ScenarioException e) {
      System.err.println(e.getMessage());
      return 2;
    }
    Path dir = out != null ? out : Path.of("runs", s.name() + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS")));
    Files.createDirectories(dir.resolve("logs"));
    SimResult r = new Simulation().run(s, dir.resolve("logs").toString(), spec);
    Verdict v = Verdict.judge(r);
    RunReport.write(dir, r, v, spec.describe());
    if (r.error() != null) {
      StringWriter sw = new StringWriter();
      r.error().printStackTrace(new PrintWriter(sw));
      Files.writeString(dir.resolve("error.txt"), sw.toString());
    }
    if (quiet) {
      System.out.println("outcome: " + (v.pass() ? "pass" : "fail") + " (" + r.endDetail() + ")");
    } else {
      RunReport.print(System.out, r, v);
    }
    if (!spec.isTimeOrder()) {
      System.out.println("schedule: " + spec.describe());
    }
    System.out.println("report: " + dir.resolve("report.json") + "   logs: " + dir.resolve("logs"));
    if (r.error() != null) {
      System.err.println("cowsim: simulator error (a Java exception inside an actor): " + r.error() + "; stack trace in " + dir.resolve("error.txt"));
    }
    return v.exitCode();
  }
}
