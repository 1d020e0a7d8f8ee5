package cowsim.cluster;

/**
 * How many runs one work item carries: at most {@code max}, and at most a {@code split}-th of
 * each slot's share of the runs still to hand out, so batches shrink as an exploration nears its
 * end (the last items are single runs: no worker is left with a long tail while the others
 * idle). Pure.
 *
 * @param max the largest batch (cowsim.cluster.batch-max)
 * @param split how many batches each slot's share of what is left is cut into at least
 *     (cowsim.cluster.batch-split)
 */
public record Batching(int max, int split) {

  public Batching {
    if (max < 1 || split < 1) {
      throw new IllegalArgumentException("batch-max and batch-split must be at least 1");
    }
  }

  /** The size of the next batch with {@code left} runs to hand out to {@code slots} slots (none known: one). */
  public int size(int left, int slots) {
    long share = (long) Math.max(1, slots) * split;
    long n = (left + share - 1) / share;
    return (int) Math.max(1, Math.min(max, n));
  }
}
