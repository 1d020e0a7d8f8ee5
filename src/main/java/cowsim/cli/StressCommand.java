package cowsim.cli;

import cowsim.report.Output;
import cowsim.report.RunReport;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioException;
import cowsim.sim.Simulation;
import cowsim.sim.SimulationHost;
import cowsim.stats.Progress;
import cowsim.stress.Mix;
import cowsim.stress.ProgressBar;
import cowsim.stress.Stress;
import cowsim.stress.StressSpec;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cowsim stress}: a seeded random workload of real programs, run and judged. */
@Command(
    name = "stress",
    mixinStandardHelpOptions = true,
    description = {
      "Generate a seeded random workload (programs in the assembly language: fork, clone, exit, mmap, munmap,",
      "mprotect, store, load), write it to DIR/stress.conf, run it and report the violations with their histories."},
    footer = {"", "Exit codes: 0 no violation, 1 violations (or failed asserts), 2 bad input or output, 3 simulator error or a limit",
        "hit with nothing found. With --duration, stopping at the time limit is a result: the run is judged on what",
        "it found so far (violations found before it ran out: exit code 1)."})
final class StressCommand extends WritesOutput implements Interruptible {

  StressCommand() {
    super(true);
  }

  /** The run's stop: requested before the run starts, the run stops as soon as it is up. */
  private final cowsim.sim.RunStop stop = new cowsim.sim.RunStop();

  /**
   * SIGINT or SIGTERM: the run is stopped where it is (at once if it has not started) and judged
   * on what it found so far, as when a {@code --duration} runs out (ending {@code interrupted});
   * the command then writes its report, marked incomplete, and the replay command of a failure as
   * usual. After the run, while it writes, the command just finishes.
   */
  @Override
  public boolean interrupt() {
    System.out.println();
    System.out.println("interrupted: stopping the run; it is judged on what was found so far");
    System.out.flush();
    stop.request();
    return true;
  }

  @Option(names = "--cpus", paramLabel = "N", description = "Simulated CPUs, 1..4096 (default ${DEFAULT-VALUE}).", defaultValue = "8")
  int cpus;

  @Option(names = "--processes", paramLabel = "P", description = "Processes (default: CPUs / threads-per-process, at least 1).")
  Integer processes;

  @Option(names = "--threads-per-process", paramLabel = "T", description = "Threads per process, 1..64 (default ${DEFAULT-VALUE}).", defaultValue = "2")
  int threads;

  @Option(names = "--ops", paramLabel = "K", description = "Total user memory operations to aim at (default ${DEFAULT-VALUE}).", defaultValue = "100000")
  long ops;

  @Option(names = "--mix", paramLabel = "KIND=W,...", description = "Operation weights: fork, clone, exit, mmap, munmap, mprotect, store, load (default "
      + "fork=2,clone=1,exit=1,mmap=2,munmap=2,mprotect=1,store=45,load=46).")
  String mix;

  @Option(names = "--pages-per-process", paramLabel = "N", description = "Pages of each process's populated data region, 2..4096 (default ${DEFAULT-VALUE}).", defaultValue = "16")
  int pages;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override any scenario key, e.g. --set kernel.profile=linux (repeatable).")
  List<String> sets = new ArrayList<>();

  @Option(names = "--mode", paramLabel = "MODE", description = "deterministic (default; replayable) or concurrent.", defaultValue = "deterministic")
  String mode;

  @Option(names = "--seed", paramLabel = "N", description = "Seed of the generator and the run (default ${DEFAULT-VALUE}).", defaultValue = "1")
  long seed;

  @picocli.CommandLine.Mixin LogArgs logArgs;

  @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: runs/stress-<timestamp>).")
  Path out;

  @Option(names = "--duration", paramLabel = "TIME", description = "Stop after this much wall time (e.g. 30s, 2m, 500ms) and report what was found.")
  String duration;

  @Option(names = "--trace", paramLabel = "FILE", description = "When the run fails, replay it (deterministic mode) and write its timeline as a Perfetto trace.")
  Path trace;

  @Option(names = "--logs", description = "Write the per-actor logs to DIR/logs (slow on big runs; `run DIR/stress.conf` writes them too).")
  boolean logs;


  @Override
  public Integer call() throws Exception {
    StressSpec spec;
    try {
      Duration d = duration == null ? null : parseDuration(duration);
      int p = processes != null ? processes : Math.max(1, cpus / Math.max(1, threads));
      spec = new StressSpec(cpus, p, threads, ops, Mix.parse(mix), pages, seed, mode, d, 0);
    } catch (IllegalArgumentException e) {
      System.err.println("cowsim: " + e.getMessage());
      return 2;
    }
    Path fallback = Path.of("runs", "stress-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS")));
    com.typesafe.config.Config config = com.typesafe.config.ConfigFactory.load();
    output = Output.prepare(out, fallback, config);
    Path dir = output.dir();
    Stress stress = new Stress(spec, sets, output, logs);
    Scenario s;
    try {
      s = stress.prepare();
    } catch (ScenarioException e) {
      System.err.println(e.getMessage());
      return 2;
    }
    Progress progress = new Progress();
    System.out.println("stress: " + new cowsim.stress.Generator(spec).describe() + ", " + spec.mode() + ", profile " + s.kernel().profile());
    System.out.println("scenario: " + dir.resolve(Stress.FILE));
    Stress.Outcome o;
    Path logDir = stress.logs();
    long since = LogHealth.mark();
    try (SimulationHost host = new SimulationHost(config); ProgressBar bar = new ProgressBar(System.out, System.console() != null, spec.ops(), progress)) {
      o = stress.run(s, logDir, progress, new Simulation(host), stop);
    }
    RunReport.print(System.out, o.result(), o.verdict());
    Stress.printThroughput(System.out, o.result());
    if (o.stoppedByDuration()) {
      System.out.println("stopped: the --duration of " + duration + " ran out; judged on what was found so far");
    }
    if (o.interrupted()) {
      System.out.println("stopped: interrupted by SIGINT/SIGTERM; judged on what was found so far (report.json: ending interrupted)");
    }
    boolean deterministic = s.mode() == cowsim.scenario.Mode.DETERMINISTIC;
    String replay = "java -jar target/cowsim.jar run " + o.scenarioFile() + (deterministic ? "" : " --mode deterministic");
    if (!o.result().violations().isEmpty() || !o.verdict().pass()) {
      if (deterministic && trace != null) {
        try (SimulationHost host = new SimulationHost(config)) {
          cowsim.trace.TraceFile.record(trace, s.name(), new Simulation(host), sim -> sim.run(s, null), cowsim.sim.SimResult::violations);
        }
        System.out.println("trace: " + trace + "   (the failing run replayed; open it in https://ui.perfetto.dev)");
      }
      if (deterministic) {
        System.out.println("replay: " + replay + "   (deterministic: the same schedule, seed " + s.seed() + "; logs in the run's DIR/logs)");
      } else {
        System.out.println("replay: " + replay + "   (concurrent runs are not replayable; this runs the same programs deterministically)");
      }
    }
    return RunOutput.finish(output, o.result(), o.verdict(), null, replay, logDir, since, System.out, System.err);
  }

  /**
   * 30s, 2m, 500ms, 1h, or a bare number of seconds: ASCII digits with an optional fraction, more
   * than 0 and at most the scenario loader's limit for limits.timeout (24 days).
   */
  static Duration parseDuration(String text) {
    Duration d = parseDurationText(text);
    if (d.isZero() || d.isNegative() || d.compareTo(cowsim.scenario.Limits.MAX_TIMEOUT) > 0) {
      throw new IllegalArgumentException("--duration: must be more than 0 and at most " + cowsim.scenario.Limits.MAX_TIMEOUT.toDays() + " days, got '" + text + "'");
    }
    return d;
  }

  private static Duration parseDurationText(String text) {
    String t = text.trim().toLowerCase(java.util.Locale.ROOT);
    if (!t.matches("[0-9]+(\\.[0-9]+)?\\s*(ms|s|m|h)?")) {
      throw new IllegalArgumentException("--duration: expected a time like 30s, 2m or 500ms, got '" + text + "'");
    }
    try {
      if (t.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2).trim()));
      } else if (t.endsWith("s")) {
        return Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1).trim()) * 1000));
      } else if (t.endsWith("m")) {
        return Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1).trim()) * 60_000));
      } else if (t.endsWith("h")) {
        return Duration.ofMillis(Math.round(Double.parseDouble(t.substring(0, t.length() - 1).trim()) * 3_600_000));
      }
      return Duration.ofMillis(Math.round(Double.parseDouble(t) * 1000));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("--duration: expected a time like 30s, 2m or 500ms, got '" + text + "'");
    }
  }
}
