package cowsim.scenario;

import cowsim.check.ViolationKind;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a run must produce for the scenario to pass.
 *
 * @param exitCode the exit code every process (forked ones included) must exit with, or null
 * @param exitCodes per declared process name (forked children inherit the name), in file order
 * @param stats exact values of report statistics, in file order; names from the stats registry
 *     {@link cowsim.stats.Stat}, host time excepted
 * @param violations violation kinds that must occur, and no others
 */
public record Expect(
    Integer exitCode,
    Map<String, Integer> exitCodes,
    Map<String, Long> stats,
    List<ViolationKind> violations) {

  /** Violation kinds the checkers report, shared with the run report and the command line. */
  public static final List<String> VIOLATION_KINDS = ViolationKind.keys();

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
