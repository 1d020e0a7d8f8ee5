package cowsim.machine.interconnect;

import java.util.Map;

/**
 * A component's counters at the end of a run.
 *
 * @param counters named counters summed across components into the report's {@code stats}
 * @param detail component-specific facts (per-CPU detail, process table), or null
 * @param clock the component's virtual clock
 */
public record NodeStats(int node, Map<String, Long> counters, Object detail, long clock) {}
