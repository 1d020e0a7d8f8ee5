package cowsim.explore;

import cowsim.check.ViolationKind;
import cowsim.report.Verdict;
import cowsim.sim.SimResult;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** How exploration classifies a run: failed or not, and by which kinds. */
public final class Failures {

  private Failures() {}

  /**
   * The violation kinds of a run, in the order first found. This is the one place that decides
   * what a "violation kind" is for exploration: the oracles' kinds, plus the pseudo-kind {@code
   * assertion} when a program's {@code assert} failed (until the oracles report those
   * themselves; then drop the second part).
   */
  public static List<ViolationKind> violationKinds(SimResult r) {
    Set<ViolationKind> kinds = new LinkedHashSet<>();
    for (cowsim.check.Violation v : r.violations()) {
      kinds.add(v.kind());
    }
    if (!r.assertionFailures().isEmpty()) {
      kinds.add(ViolationKind.ASSERTION);
    }
    return List.copyOf(kinds);
  }

  /**
   * What a failed run is counted under: its violation kinds, or, when it has none, how it went
   * wrong otherwise ({@code deadlock}, {@code limit}, {@code simulator_error}, or {@code
   * expectations} for an exit code or statistic that did not match). Empty when the run passed.
   */
  public static List<String> failureKinds(SimResult r, Verdict v) {
    if (v.pass()) {
      return List.of();
    }
    List<ViolationKind> kinds = violationKinds(r);
    if (!kinds.isEmpty()) {
      return kinds.stream().map(k -> k.key).toList();
    }
    if (r.ending() != SimResult.Ending.ALL_EXITED) {
      return List.of(r.ending().name().toLowerCase(Locale.ROOT));
    }
    return List.of("expectations");
  }
}
