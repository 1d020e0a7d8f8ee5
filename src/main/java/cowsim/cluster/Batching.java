package cowsim.cluster;

/**
 * How many runs one work item carries: about {@code targetNanos} of runs at the exploration's
 * run time measured so far ({@code first} runs while none is measured), never more than
 * {@code max}, and at most a {@code split}-th of each slot's share of the runs still to hand out,
 * so batches shrink as an exploration nears its end (the last items are single runs: no worker is
 * left with a long tail while the others idle). Each batch costs the coordinator about a
 * millisecond of CPU whatever its size (the reliable-delivery round trip over Artery): batches of
 * long runs stay small (few runs redone when a worker dies), batches of short ones grow. Pure.
 *
 * @param max the largest batch (cowsim.cluster.batch-max)
 * @param split how many batches each slot's share of what is left is cut into at least
 *     (cowsim.cluster.batch-split)
 * @param targetNanos the run time a batch carries (cowsim.cluster.batch-time)
 * @param first the size of a batch while no run time is known (cowsim.cluster.batch-first)
 */
public record Batching(int max, int split, long targetNanos, int first) {

  public Batching {
    if (max < 1 || split < 1 || first < 1) {
      throw new IllegalArgumentException("batch-max, batch-split and batch-first must be at least 1");
    }
    if (targetNanos <= 0) {
      throw new IllegalArgumentException("batch-time must be above 0");
    }
  }

  /**
   * The size of the next batch with {@code left} runs to hand out to {@code slots} slots (none
   * known: one), a run taking {@code nanosPerRun} (0 or less: not known yet).
   */
  public int size(int left, int slots, double nanosPerRun) {
    long share = (long) Math.max(1, slots) * split;
    long bySplit = (left + share - 1) / share;
    long byTime = nanosPerRun > 0 ? (long) Math.min(Integer.MAX_VALUE, targetNanos / nanosPerRun) : first;
    return (int) Math.max(1, Math.min(Math.min(max, byTime), bySplit));
  }
}
