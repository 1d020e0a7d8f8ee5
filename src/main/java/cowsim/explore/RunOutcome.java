package cowsim.explore;

import cowsim.report.Verdict;
import cowsim.sim.SimResult;
import cowsim.stats.Stat;
import java.util.List;

/**
 * One explored run: what explore.json lists per run.
 *
 * @param index 0 for the first run
 * @param seed the run's seed
 * @param traceHash the trace hash, or null in concurrent mode
 * @param pass whether the run met its scenario's expectations
 * @param kinds what the failure is counted under (empty when it passed), see {@link Failures}
 * @param result the whole result
 * @param verdict the verdict
 * @param schedule the conductor's decisions (null in concurrent mode, and for passing runs of an
 *     exploration)
 */
public record RunOutcome(
    int index, long seed, String traceHash, boolean pass, List<String> kinds, SimResult result, Verdict verdict, ScheduleRecord schedule) {

  /** The same outcome without its decisions (a long exploration keeps only failing runs' ones). */
  public RunOutcome withoutSchedule() {
    return new RunOutcome(index, seed, traceHash, pass, kinds, result, verdict, null);
  }

  public long cycles() {
    return result.stat(Stat.CYCLES);
  }

  public long messages() {
    return result.stat(Stat.MESSAGES);
  }
}
