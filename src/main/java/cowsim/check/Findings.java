package cowsim.check;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.LongConsumer;

/**
 * What the monitors found: each violation once (a monitor names its duplicates with a key), the
 * first {@code maxPerKind} of a kind in full with their histories, and a count of every kind.
 */
final class Findings {

  private final History history;
  private final int maxPerKind;
  private final LongConsumer onViolation;
  private final List<Violation> violations = new ArrayList<>();
  private final Map<ViolationKind, Integer> counts = new EnumMap<>(ViolationKind.class);
  private final Set<String> seen = new HashSet<>();

  /**
   * @param onViolation told the running total after each new violation (progress displays), or null
   */
  Findings(History history, int maxPerKind, LongConsumer onViolation) {
    this.history = history;
    this.maxPerKind = maxPerKind;
    this.onViolation = onViolation;
  }

  /**
   * Report a violation. True (always): monitors return it to say the event was judged.
   *
   * @param dedup what makes two findings the same violation (reported once)
   * @param historyFrame the frame whose history to show, or -1
   * @param page the page whose history to show, or null
   */
  boolean report(
      ViolationKind kind, int cpu, long pid, long tid, long va, long frame, long cycle, String detail, String dedup, long historyFrame, Shadow.Mapping page) {
    return report(kind, cpu, pid, tid, va, frame, cycle, () -> detail, dedup, historyFrame, page);
  }

  /**
   * As above, the detail written only for a violation that is listed (a repeat or one beyond the
   * kind's limit is only counted): checks that report on many events build no text for those.
   */
  boolean report(
      ViolationKind kind, int cpu, long pid, long tid, long va, long frame, long cycle, java.util.function.Supplier<String> detail, String dedup,
      long historyFrame, Shadow.Mapping page) {
    if (!seen.add(kind.key + dedup)) {
      return true;
    }
    int n = counts.merge(kind, 1, Integer::sum);
    if (onViolation != null) {
      onViolation.accept(total());
    }
    if (n <= maxPerKind) {
      violations.add(new Violation(kind, cpu, pid, tid, va, frame, cycle, detail.get(), history.of(historyFrame, page)));
    }
    return true;
  }

  /** A violation whose history is the frame's. */
  boolean report(ViolationKind kind, int cpu, long pid, long tid, long va, long frame, long cycle, String detail, String dedup) {
    return report(kind, cpu, pid, tid, va, frame, cycle, detail, dedup, frame, null);
  }

  /** A violation whose history is the frame's, its detail written only when it is listed. */
  boolean report(
      ViolationKind kind, int cpu, long pid, long tid, long va, long frame, long cycle, java.util.function.Supplier<String> detail, String dedup) {
    return report(kind, cpu, pid, tid, va, frame, cycle, detail, dedup, frame, null);
  }

  List<Violation> violations() {
    return List.copyOf(violations);
  }

  Map<ViolationKind, Integer> counts() {
    return Map.copyOf(counts);
  }

  private long total() {
    long t = 0;
    for (int n : counts.values()) {
      t += n;
    }
    return t;
  }

  static String key(Object... parts) {
    return java.util.Arrays.toString(parts);
  }
}
