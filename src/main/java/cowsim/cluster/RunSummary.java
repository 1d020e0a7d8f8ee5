package cowsim.cluster;

import cowsim.explore.RunOutcome;
import cowsim.explore.ScheduleSpec;
import cowsim.explore.Strategy;
import cowsim.report.Verdict;
import cowsim.scenario.Scenario;
import cowsim.sim.SimResult;
import cowsim.stats.Stat;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a worker sends back for one run: what explore.json, the summary, mutants and compare use per run. The
 * coordinator replays the one failure it reports in full (runs are deterministic).
 *
 * @param error the simulator error's one-line description, or null
 */
public record RunSummary(
    int index, long seed, String traceHash, boolean pass, List<String> kinds, Map<String, Long> stats, Map<String, Integer> violations, String ending,
    String endDetail, List<String> failures, int exitCode, String error) implements ClusterMessage {

  /** The most a summary may take (by {@link #sizeEstimate}): one Results message must stay within Artery's frame (reference.conf). */
  static final int MAX_BYTES = 128 * 1024;

  /** A string cut to fit: its first characters, then how many were left out. */
  static final int CUT_CHARS = 4096;

  /** At most this many failures are kept of a summary cut to fit, then a line saying how many more. */
  static final int CUT_FAILURES = 64;

  /** The summary of a run: its cycles and messages, and the values of {@code stats} besides. */
  static RunSummary of(RunOutcome o, List<Stat> stats) {
    SimResult r = o.result();
    Map<String, Long> values = new LinkedHashMap<>();
    values.put(Stat.CYCLES.key, o.cycles());
    values.put(Stat.MESSAGES.key, o.messages());
    for (Stat s : stats) {
      values.put(s.key, r.stat(s));
    }
    return new RunSummary(o.index(), o.seed(), o.traceHash(), o.pass(), List.copyOf(o.kinds()), values, Map.copyOf(r.violationCounts()), r.ending().name(),
        r.endDetail(), List.copyOf(o.verdict().failures()), o.verdict().exitCode(), r.error() == null ? null : String.valueOf(r.error())).fitted();
  }

  /**
   * The bytes this summary takes on the wire at most (UTF-8: 3 bytes a char, and a little for
   * each number and string): what decides how many go in one Results message.
   */
  long sizeEstimate() {
    long n = 64 + chars(traceHash) + chars(ending) + chars(endDetail) + chars(error);
    for (String k : kinds) {
      n += chars(k);
    }
    for (String k : stats.keySet()) {
      n += chars(k) + 10;
    }
    for (String k : violations.keySet()) {
      n += chars(k) + 5;
    }
    for (String f : failures) {
      n += chars(f);
    }
    return n;
  }

  private static long chars(String s) {
    return s == null ? 1 : 5 + 3L * s.length();
  }

  /**
   * This summary, or, if it would take more than {@link #MAX_BYTES} (a simulator error with a
   * huge description, thousands of failed checks), the same with its texts cut: what the
   * coordinator's summary counts (kinds, outcome, stats) is whole, and the runs it reports in full
   * (the lowest failure, the first error) it replays itself.
   */
  RunSummary fitted() {
    if (sizeEstimate() <= MAX_BYTES) {
      return this;
    }
    List<String> f = new java.util.ArrayList<>();
    for (int i = 0; i < Math.min(CUT_FAILURES, failures.size()); i++) {
      f.add(cut(failures.get(i)));
    }
    if (failures.size() > CUT_FAILURES) {
      f.add("(" + (failures.size() - CUT_FAILURES) + " more failures left out: the answer was too long)");
    }
    return new RunSummary(index, seed, traceHash, pass, kinds, stats, violations, ending, cut(endDetail), List.copyOf(f), exitCode, cut(error));
  }

  private static String cut(String s) {
    return s == null || s.length() <= CUT_CHARS ? s : s.substring(0, CUT_CHARS) + "... (" + (s.length() - CUT_CHARS) + " more characters)";
  }

  /** A run whose worker thread threw (a simulator bug outside the run's own catch). */
  static RunSummary crashed(int index, long seed, Throwable t) {
    String e = String.valueOf(t);
    return new RunSummary(index, seed, null, false, List.of("simulator_error"), Map.of(), Map.of(), SimResult.Ending.SIMULATOR_ERROR.name(), e,
        List.of("simulator error: " + e), Verdict.SIMULATOR, e).fitted();
  }

  /** The outcome as the explore summary reads it: counts, ending and verdict, no history or schedule. */
  RunOutcome toOutcome(Scenario s) {
    SimResult r = new SimResult(s.withSeed(seed), SimResult.Ending.valueOf(ending), endDetail, traceHash, stats, List.of(), List.of(), List.of(),
        List.of(), List.of(), violations, error == null ? null : new RemoteError(error), true, Duration.ZERO);
    return new RunOutcome(index, seed, traceHash, pass, kinds, r, new Verdict(pass, failures, exitCode), null);
  }

  /** A simulator error that happened on a worker: its description only (the coordinator replays the run for the stack trace). */
  static final class RemoteError extends RuntimeException {
    RemoteError(String description) {
      super(description, null, false, false);
    }
  }

  /** A schedule spec as it travels: the strategy by name and its knobs (explore never sends a replayed schedule). */
  public record Spec(String strategy, int depth, long maxJitter, long window, long pctSteps, List<Long> changePoints) implements ClusterMessage {
    static Spec of(ScheduleSpec s) {
      if (s.replay() != null) {
        throw new IllegalArgumentException("a replayed schedule does not go to workers");
      }
      return new Spec(s.strategy().name(), s.depth(), s.maxJitter(), s.window(), s.pctSteps(), s.changePoints());
    }

    ScheduleSpec toSpec() {
      return new ScheduleSpec(Strategy.valueOf(strategy), depth, maxJitter, window, pctSteps, changePoints, null);
    }
  }
}
