package cowsim.explore.systematic;

import java.util.Arrays;
import java.util.OptionalDouble;

/**
 * An estimate of how many schedules of the bound level being run are still to run, from the
 * branching observed so far at that level; for the progress line, labelled as an estimate.
 *
 * <p>The tree at level K. The search takes prefixes from the queue of K in order; each one taken
 * is run (or skipped as covered) and queues, at the tail of the same queue, a child for each
 * non-preemptive alternative at a step after its last forced choice (preemptive ones go to
 * K + 1). A prefix is placed by that step {@code s}: the later it is, the fewer steps are left to
 * branch at, so a prefix's subtree is mostly a function of {@code s}.
 *
 * <p>The rule (Knuth's estimator, 1975, with the branching measured per step instead of along
 * one random path): for every step {@code j}, {@code a(j)} = children queued at step {@code j} so
 * far / prefixes taken so far whose last forced step is before {@code j} (the mean number of
 * alternatives a prefix that could branch at {@code j} took there; runs that ended before
 * {@code j} count with none). A prefix at {@code s} then has about {@code D(s) = prod over j > s of
 * (1 + a(j))} prefixes in its subtree, itself included: a child at {@code j} branches again at the
 * steps after {@code j}, as a sibling taking other alternatives would. The estimate of schedules
 * left is the sum of {@code D(s)} over the queued prefixes, times the share of prefixes taken so
 * far that were run (the rest were skipped as covered). If the alternatives at each step were
 * independent with the observed means, this is the expected size; on the real tree it is an
 * estimate, rough early in a level (few prefixes measured) and exact, 0, when the queue is empty.
 * None before any prefix was taken.
 *
 * <p>Pure arithmetic over counts; the search feeds it ({@link SystematicSearch}). Steps are
 * counted from -1 (the root prefix forces nothing).
 */
public final class LevelEstimate {

  private long[] queuedAt = new long[64]; // index s + 1: prefixes waiting whose last forced step is s
  private long[] takenAt = new long[64]; // prefixes taken (run or skipped) whose last forced step is s
  private long[] childrenAt = new long[64]; // children queued at step s (their last forced step)
  private long taken;
  private long ran;
  private long queued;

  private void fit(int i) {
    if (i >= queuedAt.length) {
      int n = Math.max(i + 1, queuedAt.length * 2);
      queuedAt = Arrays.copyOf(queuedAt, n);
      takenAt = Arrays.copyOf(takenAt, n);
      childrenAt = Arrays.copyOf(childrenAt, n);
    }
  }

  private static int index(long step) {
    if (step < -1 || step >= Integer.MAX_VALUE - 1) {
      throw new IllegalArgumentException("step " + step);
    }
    return (int) step + 1;
  }

  /** A prefix waiting at the level when it starts, its last forced choice at {@code step}. */
  public void queued(long step) {
    int i = index(step);
    fit(i);
    queuedAt[i]++;
    queued++;
  }

  /** A child queued at this level by the prefix being run, its forced choice at {@code step}. */
  public void child(long step) {
    queued(step);
    childrenAt[index(step)]++;
  }

  /** A queued prefix taken and run; call before its {@link #child} calls. */
  public void ran(long step) {
    take(step);
    ran++;
  }

  /** A queued prefix taken and skipped as covered (it has no children). */
  public void skipped(long step) {
    take(step);
  }

  private void take(long step) {
    int i = index(step);
    if (i >= queuedAt.length || queuedAt[i] == 0) {
      throw new IllegalStateException("no prefix at step " + step + " is queued");
    }
    queuedAt[i]--;
    queued--;
    takenAt[i]++;
    taken++;
  }

  /** Prefixes waiting now. */
  public long queued() {
    return queued;
  }

  /** Schedules run at this level so far. */
  public long ran() {
    return ran;
  }

  /**
   * Schedules at this level still to run, estimated (not rounded, at least 0; infinite only if
   * the product overflows a double); empty before any prefix was taken, unless none is queued.
   */
  public OptionalDouble remaining() {
    if (queued == 0) {
      return OptionalDouble.of(0);
    }
    if (taken == 0) {
      return OptionalDouble.empty();
    }
    int n = queuedAt.length;
    // exposure(j): prefixes taken whose last forced step is before j
    long[] exposure = new long[n];
    long e = 0;
    for (int i = 0; i < n; i++) {
      exposure[i] = e;
      e += takenAt[i];
    }
    double sum = 0;
    double d = 1; // D at index i: product over j > i of (1 + a(j))
    for (int i = n - 1; i >= 0; i--) {
      sum += queuedAt[i] * d;
      if (exposure[i] > 0) {
        d *= 1 + (double) childrenAt[i] / exposure[i];
      }
    }
    return OptionalDouble.of(sum * ran / taken);
  }

  /**
   * The progress line's estimate part for level {@code k}: schedules left, the share done, and
   * the time left at {@code perSecond} schedules per second.
   */
  public String describe(int k, double perSecond) {
    OptionalDouble left = remaining();
    if (left.isEmpty()) {
      return "no estimate yet";
    }
    double l = left.getAsDouble();
    double share = ran + l == 0 ? 100 : 100.0 * ran / (ran + l);
    String eta = perSecond > 0 ? "ETA " + duration(l / perSecond) + " at " + Math.round(perSecond) + " schedules/s" : "no rate yet";
    return String.format("estimate: about %s schedules left at K = %d (%.1f%% of the level done; %s)", count(l), k, share, eta);
  }

  /** A count as "1234", "1.23e+07". */
  static String count(double x) {
    return x < 1e7 ? String.valueOf(Math.round(x)) : String.format("%.2e", x);
  }

  /** A duration in seconds as "42 s", "3 min 05 s", "2 h 10 min", "3 d 4 h" or "more than 100 years". */
  static String duration(double seconds) {
    if (!(seconds < 100 * 365.25 * 86_400)) {
      return "more than 100 years";
    }
    long s = Math.round(seconds);
    if (s < 60) {
      return s + " s";
    }
    if (s < 3600) {
      return String.format("%d min %02d s", s / 60, s % 60);
    }
    if (s < 86_400) {
      return String.format("%d h %02d min", s / 3600, s % 3600 / 60);
    }
    return String.format("%d d %d h", s / 86_400, s % 86_400 / 3600);
  }
}
