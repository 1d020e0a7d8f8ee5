package cowsim.scenario;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a run must produce for the scenario to pass.
 *
 * @param exitCode the exit code every process (forked ones included) must exit with, or null
 * @param exitCodes per declared process name (forked children inherit the name), in file order
 * @param stats exact values of report statistics, names from {@link #STAT_NAMES}, in file order
 * @param violations violation kinds from {@link #VIOLATION_KINDS} that must occur, and no others
 */
public record Expect(
    Integer exitCode,
    Map<String, Integer> exitCodes,
    Map<String, Long> stats,
    List<String> violations) {

  /** Statistic names, shared with the run report. */
  public static final List<String> STAT_NAMES =
      List.of(
          "cycles",
          "instructions",
          "memory_ops",
          "tlb_hits",
          "tlb_misses",
          "page_walks",
          "page_faults",
          "demand_zero_faults",
          "cow_faults",
          "cow_copies",
          "cow_reuses",
          "spurious_faults",
          "invlpg",
          "tlb_flushes",
          "ipis",
          "forks",
          "threads",
          "exits",
          "context_switches",
          "frames_total",
          "frames_allocated",
          "frames_freed",
          "frames_in_use",
          "messages");

  /** Violation kinds the checkers report, shared with the run report and the command line. */
  public static final List<String> VIOLATION_KINDS = cowsim.check.ViolationKind.keys();

  public Expect {
    // Map.copyOf would lose the file order that reports print in.
    exitCodes = Collections.unmodifiableMap(new LinkedHashMap<>(exitCodes));
    stats = Collections.unmodifiableMap(new LinkedHashMap<>(stats));
    violations = List.copyOf(violations);
  }

  /** Expects nothing beyond the absence of violations. */
  public static Expect none() {
    return new Expect(null, Map.of(), Map.of(), List.of());
  }
}
