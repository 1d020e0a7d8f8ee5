package cowsim.machine.interconnect;

import cowsim.stats.Distribution;
import java.util.Map;

/**
 * A component's counters at the end of a run.
 *
 * @param counters named counters summed across components into the report's {@code stats}
 * @param detail component-specific facts (per-CPU detail, process table), or null
 * @param clock the component's virtual clock
 * @param distributions named distributions (a {@code cowsim.stats.Stat} of kind distribution),
 *     merged across components; copies, which the component no longer changes
 */
public record NodeStats(int node, Map<String, Long> counters, Object detail, long clock, Map<String, Distribution> distributions) {

  public NodeStats {
    distributions = Map.copyOf(distributions);
  }

  /** A component without distributions. */
  public NodeStats(int node, Map<String, Long> counters, Object detail, long clock) {
    this(node, counters, detail, clock, Map.of());
  }
}
