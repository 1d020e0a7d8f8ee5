package cowsim.machine.memory;

/**
 * A buddy free list: a bitmap with summary levels for O(log64 n) set, clear and lowest-set-bit.
 *
 * <p>Bit i of level k+1 is set iff word i of level k is non-zero, so finding the lowest free block
 * never scans, and nothing is boxed or allocated after construction.
 */
final class SummaryBitmap {
  /** levels[0] holds the bits; the last level is a single word. */
  private final long[][] levels;

  SummaryBitmap(long bits) {
    if (bits < 1 || bits > (long) Integer.MAX_VALUE * 64) {
      throw new IllegalArgumentException("bitmap size out of range: " + bits);
    }
    int depth = 1;
    for (long words = (bits + 63) >>> 6; words > 1; words = (words + 63) >>> 6) depth++;
    levels = new long[depth][];
    long words = (bits + 63) >>> 6;
    for (int l = 0; l < depth; l++) {
      levels[l] = new long[(int) words];
      words = (words + 63) >>> 6;
    }
  }

  boolean get(long i) {
    return (levels[0][(int) (i >>> 6)] & (1L << i)) != 0;
  }

  void set(long i) {
    for (long[] level : levels) {
      int w = (int) (i >>> 6);
      long old = level[w];
      level[w] = old | (1L << i);
      if (old != 0) return;
      i = w;
    }
  }

  void clear(long i) {
    for (long[] level : levels) {
      int w = (int) (i >>> 6);
      long now = level[w] & ~(1L << i);
      level[w] = now;
      if (now != 0) return;
      i = w;
    }
  }

  /** Lowest set bit, or -1. */
  long first() {
    int top = levels.length - 1;
    if (levels[top][0] == 0) return -1;
    long idx = 0;
    for (int l = top; l >= 0; l--) {
      idx = (idx << 6) + Long.numberOfTrailingZeros(levels[l][(int) idx]);
    }
    return idx;
  }
}
