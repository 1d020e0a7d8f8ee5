package cowsim.stress;

import cowsim.report.Output;
import cowsim.report.OutputException;
import cowsim.report.Verdict;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioException;
import cowsim.scenario.ScenarioLoader;
import cowsim.sim.SimResult;
import cowsim.sim.Simulation;
import cowsim.stats.Progress;
import cowsim.stats.Stat;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One stress run: generate the workload, write it as {@code DIR/stress.conf} (with the command
 * line's overrides baked in), load that file, run it, and judge it.
 */
public final class Stress {

  /** The scenario file a stress run writes and runs. */
  public static final String FILE = "stress.conf";

  /** What happened. */
  public record Outcome(SimResult result, Verdict verdict, Path scenarioFile, boolean stoppedByDuration) {
    /** Whether SIGINT or SIGTERM stopped the run (its {@link cowsim.sim.RunStop}): judged on what was found so far. */
    public boolean interrupted() {
      return result.ending() == SimResult.Ending.INTERRUPTED;
    }
  }

  private final StressSpec spec;
  private final List<String> sets;
  private final Output out;
  private final boolean logs;

  /** @param out the checked output directory (stress.conf, logs) */
  public Stress(StressSpec spec, List<String> sets, Output out, boolean logs) {
    this.spec = spec;
    this.sets = sets == null ? List.of() : List.copyOf(sets);
    this.out = out;
    this.logs = logs;
  }

  /** Generates and validates the scenario, writes it, and loads it back from the file. */
  public Scenario prepare() throws ScenarioException, OutputException {
    String text = new Generator(spec).scenario();
    Path file = out.resolve(FILE);
    // validated with the overrides first, so a bad --set is reported as the --set it is
    ScenarioLoader.parse(text, file.toString(), sets);
    StringBuilder sb = new StringBuilder(text);
    if (!sets.isEmpty()) {
      sb.append("# command-line overrides (--set)\n");
      for (String s : sets) {
        int eq = s.indexOf('=');
        sb.append(s, 0, eq).append(" = ").append(s.substring(eq + 1)).append('\n');
      }
    }
    out.writeString(FILE, sb.toString());
    return ScenarioLoader.load(file, List.of());
  }

  /** The per-actor log directory (created), or null without --logs. */
  public Path logs() throws OutputException {
    return logs ? out.sub("logs").dir() : null;
  }

  /** Runs the prepared scenario and judges it (the command writes report.json). */
  public Outcome run(Scenario s, Path logDirectory) {
    return run(s, logDirectory, new Progress());
  }

  /**
   * As {@link #run(Scenario, Path)}, counting the run's live progress into {@code progress} (a
   * display reads it).
   */
  public Outcome run(Scenario s, Path logDirectory, Progress progress) {
    return run(s, logDirectory, progress, new Simulation());
  }

  /** As {@link #run(Scenario, Path, Progress)}, on the command's {@code simulation}. */
  public Outcome run(Scenario s, Path logDirectory, Progress progress, Simulation simulation) {
    return run(s, logDirectory, progress, simulation, null);
  }

  /** As {@link #run(Scenario, Path, Progress, Simulation)}, stopped early when {@code stop} (if not null) is requested. */
  public Outcome run(Scenario s, Path logDirectory, Progress progress, Simulation simulation, cowsim.sim.RunStop stop) {
    String logDir = logDirectory == null ? null : logDirectory.toString();
    SimResult r = simulation.run(s, logDir, null, progress, stop);
    Verdict v = Verdict.judge(r);
    boolean byDuration = false;
    if (spec.duration() != null && r.ending() == SimResult.Ending.LIMIT && r.endDetail() != null && r.endDetail().startsWith("timeout")) {
      // the wall-time budget ran out: a result, not an error; judged on what was found so far
      byDuration = true;
      List<String> failures = new ArrayList<>();
      for (String f : v.failures()) {
        if (!f.equals(r.endDetail()) && !f.contains("exit code null")) {
          failures.add(f);
        }
      }
      v = new Verdict(failures.isEmpty(), List.copyOf(failures), failures.isEmpty() ? Verdict.MET : Verdict.NOT_MET);
    }
    return new Outcome(r, v, out.resolve(FILE), byDuration);
  }

  /** The throughput line. */
  public static void printThroughput(PrintStream out, SimResult r) {
    long ms = Math.max(1, r.stat(Stat.HOST_MILLIS));
    out.printf("throughput: %,d memory ops in %,d ms = %,.0f ops/s; %,d messages = %,.0f messages/s%n",
        r.stat(Stat.MEMORY_OPS), ms, r.stat(Stat.MEMORY_OPS) * 1000.0 / ms, r.stat(Stat.MESSAGES), r.stat(Stat.MESSAGES) * 1000.0 / ms);
  }
}
