package cowsim.sim;

import cowsim.kernel.ProcessInfo;
import cowsim.machine.cpu.CpuActor;
import cowsim.scenario.Scenario;
import cowsim.stats.Distribution;
import cowsim.stats.Stat;
import java.util.List;
import java.util.Map;

/**
 * What one run produced, before it is judged against the scenario's expectations.
 *
 * @param ending how the run ended
 * @param traceHash SHA-256 of the delivered messages (deterministic mode), else null
 * @param stats every stat of {@link Stat}, by name, in report order
 * @param violations what the correctness oracles found, in the order found (at most 32 of a kind)
 * @param violationCounts how many of each kind were found, listed or not
 * @param error the simulator bug that ended the run, or null
 * @param complete whether every component reported at the end; false when the run ended in a
 *     simulator error (the counters and violations are those collected until then) or its
 *     machine never stopped
 * @param machineTime host time the machine ran: from the boot interrupts to the moment the run's
 *     end was known (every process exited, quiescence, a limit or a crash). What a run costs
 *     besides is set-up (the scenario's processes, spawning the actors), collecting the counters,
 *     the oracle's end-of-run checks, stopping the actors and assembling this result. Zero when
 *     the run's guardian did not report. In no report or output: a benchmark's measure
 * @param distributions every distribution stat of {@link Stat}, merged over the CPUs (empty when
 *     nothing sampled it)
 */
public record SimResult(
    Scenario scenario,
    Ending ending,
    String endDetail,
    String traceHash,
    Map<String, Long> stats,
    List<ProcessInfo> processes,
    List<CpuActor.CpuDetail> cpus,
    List<String> liveTasks,
    List<String> assertionFailures,
    List<cowsim.check.Violation> violations,
    Map<String, Integer> violationCounts,
    Throwable error,
    boolean complete,
    java.time.Duration machineTime,
    Map<Stat, Distribution> distributions) {

  public SimResult {
    distributions = Map.copyOf(distributions);
  }

  /** A result without distributions (tests that build one by hand). */
  public SimResult(
      Scenario scenario,
      Ending ending,
      String endDetail,
      String traceHash,
      Map<String, Long> stats,
      List<ProcessInfo> processes,
      List<CpuActor.CpuDetail> cpus,
      List<String> liveTasks,
      List<String> assertionFailures,
      List<cowsim.check.Violation> violations,
      Map<String, Integer> violationCounts,
      Throwable error,
      boolean complete,
      java.time.Duration machineTime) {
    this(scenario, ending, endDetail, traceHash, stats, processes, cpus, liveTasks, assertionFailures, violations, violationCounts, error, complete,
        machineTime, Map.of());
  }

  /** How a run ended. */
  public enum Ending {
    /** Every process exited (and, in deterministic mode, no message was left). */
    ALL_EXITED,
    /** No message left but some task never finished. */
    DEADLOCK,
    /** A scenario limit (max-cycles, timeout) stopped it. */
    LIMIT,
    /**
     * SIGINT or SIGTERM stopped it ({@code stress}; a {@link RunStop}): judged on what was found
     * so far, as a {@code --duration} that ran out.
     */
    INTERRUPTED,
    /** A Java exception or error (a stack overflow, out of memory) in the run: a simulator bug. */
    SIMULATOR_ERROR
  }

  public long stat(Stat s) {
    return stats.getOrDefault(s.key, 0L);
  }

  /** A distribution stat's samples (none when nothing sampled it). */
  public Distribution distribution(Stat s) {
    if (!s.distribution()) {
      throw new IllegalArgumentException(s.key + " is a counter, not a distribution");
    }
    Distribution d = distributions.get(s);
    return d != null ? d : new Distribution();
  }

  /** A stat by its name in reports and {@code expect.stats}; the name must be in {@link Stat}. */
  public long stat(String name) {
    Stat s = Stat.of(name);
    if (s == null) {
      throw new IllegalArgumentException("no stat '" + name + "' (known: " + String.join(", ", Stat.keys()) + ")");
    }
    return stat(s);
  }
}
