package cowsim.machine.memory;

import java.util.Arrays;

/**
 * A Linux-style binary buddy allocator over physical frames [0, totalFrames).
 *
 * <p>Deterministic: allocate takes the lowest-addressed free block of the smallest sufficient order
 * and splits it keeping the low half, so a scenario replays to the same frame numbers. Kernel bugs
 * (double free, wrong order) come back as {@link FreeResult} values for the simulator's checker;
 * only simulator bugs (bad arguments to allocate/reserve) throw. An allocated block can be split
 * into single frames ({@link #split}, Linux's split_page), each then freed on its own.
 *
 * <p>Per-order free lists are {@link SummaryBitmap}s indexed by block number, and one state byte per
 * frame records allocated block heads and reserved frames: about 1.3 bytes per frame, no boxing and
 * no allocation after construction. Not thread-safe: owned by one actor.
 */
public final class BuddyAllocator {
  public static final long NONE = -1L;
  public static final int DEFAULT_MAX_ORDER = 10;
  /** Limited by the per-frame state array. */
  public static final long MAX_FRAMES = Integer.MAX_VALUE - 8;
  public static final int MAX_SUPPORTED_ORDER = 30;

  /**
   * Outcome of {@link #free} and {@link #split} (both check the same: frame heads an allocated
   * block of that order); everything but OK leaves the allocator unchanged.
   */
  public enum FreeResult {
    OK,
    /**
     * Only the first 2^order frames of a larger allocated block went back (the block was split
     * first); the rest stays allocated. strat9's buddy takes a 4 KiB free of a 2 MiB block's head
     * this way (its frame_dec_ref frees "always as a single 4 KiB frame").
     */
    PART,
    /** The frame is free: a double free, or a free of something never allocated. */
    NOT_ALLOCATED,
    /** The frame heads an allocated block of another order. */
    WRONG_ORDER,
    /** The frame lies inside an allocated block but is not its first frame. */
    NOT_BLOCK_START,
    /** The frame was reserved, never handed out. */
    RESERVED,
    /** The frame number is outside [0, totalFrames). */
    OUT_OF_RANGE;

    public boolean ok() {
      return this == OK || this == PART;
    }
  }

  private static final byte FREE_OR_TAIL = 0;
  private static final byte RESERVED_FRAME = -1;

  private final long totalFrames;
  private final int maxOrder;
  private final SummaryBitmap[] freeLists;
  private final int[] freeCounts;
  /** Per frame: order+1 at the head of an allocated block, RESERVED_FRAME, else FREE_OR_TAIL. */
  private final byte[] state;

  private long freeFrames;
  private long allocatedFrames;
  private long reservedFrames;
  private long allocations;
  private long frees;
  private long splits;
  private long failures;

  public BuddyAllocator(long totalFrames) {
    this(totalFrames, DEFAULT_MAX_ORDER);
  }

  public BuddyAllocator(long totalFrames, int maxOrder) {
    if (totalFrames < 1 || totalFrames > MAX_FRAMES) {
      throw new IllegalArgumentException("totalFrames must be 1.." + MAX_FRAMES + ": " + totalFrames);
    }
    if (maxOrder < 0 || maxOrder > MAX_SUPPORTED_ORDER) {
      throw new IllegalArgumentException(
          "maxOrder must be 0.." + MAX_SUPPORTED_ORDER + ": " + maxOrder);
    }
    this.totalFrames = totalFrames;
    this.maxOrder = maxOrder;
    this.freeLists = new SummaryBitmap[maxOrder + 1];
    this.freeCounts = new int[maxOrder + 1];
    for (int o = 0; o <= maxOrder; o++) {
      freeLists[o] = new SummaryBitmap(((totalFrames - 1) >>> o) + 1);
    }
    this.state = new byte[(int) totalFrames];
    long p = 0;
    while (p < totalFrames) {
      int o = Math.min(maxOrder, Long.numberOfTrailingZeros(p));
      while (p + (1L << o) > totalFrames) o--;
      pushFree(p, o);
      p += 1L << o;
    }
    freeFrames = totalFrames;
  }

  /**
   * Takes a block of 2^order frames.
   *
   * @return its first frame, or {@link #NONE} when no block of that order can be formed
   * @throws IllegalArgumentException if order is outside 0..maxOrder
   */
  public long allocate(int order) {
    checkOrder(order);
    for (int k = order; k <= maxOrder; k++) {
      if (freeCounts[k] == 0) continue;
      long frame = popLowest(k);
      while (k > order) {
        k--;
        pushFree(frame + (1L << k), k);
      }
      state[(int) frame] = (byte) (order + 1);
      long size = 1L << order;
      freeFrames -= size;
      allocatedFrames += size;
      allocations++;
      return frame;
    }
    failures++;
    return NONE;
  }

  /** Returns a block, merging it with free buddies; misuse is reported, not thrown. */
  public FreeResult free(long frame, int order) {
    FreeResult check = checkBlock(frame, order);
    if (check == FreeResult.WRONG_ORDER && state[(int) frame] - 1 > order) {
      split(frame, state[(int) frame] - 1); // the head of a larger block: the rest stays allocated
      free(frame, order);
      return FreeResult.PART;
    }
    if (check != FreeResult.OK) return check;

    state[(int) frame] = FREE_OR_TAIL;
    long size = 1L << order;
    freeFrames += size;
    allocatedFrames -= size;
    frees++;
    long f = frame;
    int o = order;
    while (o < maxOrder) {
      long buddy = f ^ (1L << o);
      if (buddy >= totalFrames || !freeLists[o].get(buddy >>> o)) break;
      freeLists[o].clear(buddy >>> o);
      freeCounts[o]--;
      f = Math.min(f, buddy);
      o++;
    }
    pushFree(f, o);
    return FreeResult.OK;
  }

  /**
   * Linux's split_page: the allocated block of 2^order frames at {@code frame} becomes 2^order
   * allocated blocks of order 0, each freed on its own ({@code free(f, 0)}) and merged with its
   * free buddies as usual, so freeing all of them restores the free blocks the block came from.
   * Refused, as {@link #free} refuses, unless {@code frame} heads an allocated block of exactly
   * that order; nothing changes then. Splitting an order-0 block changes nothing.
   */
  public FreeResult split(long frame, int order) {
    FreeResult check = checkBlock(frame, order);
    if (check != FreeResult.OK) return check;
    Arrays.fill(state, (int) frame, (int) (frame + (1L << order)), (byte) 1);
    splits++;
    return FreeResult.OK;
  }

  /** Whether frame heads an allocated block of exactly this order, or why not. */
  private FreeResult checkBlock(long frame, int order) {
    if (frame < 0 || frame >= totalFrames) return FreeResult.OUT_OF_RANGE;
    byte s = state[(int) frame];
    if (s == RESERVED_FRAME) return FreeResult.RESERVED;
    if (s == FREE_OR_TAIL) {
      return blockStart(frame) == NONE ? FreeResult.NOT_ALLOCATED : FreeResult.NOT_BLOCK_START;
    }
    if (s != order + 1) return FreeResult.WRONG_ORDER;
    return FreeResult.OK;
  }

  /**
   * Takes [firstFrame, firstFrame+count) out of circulation for good (frame 0, kernel image, page
   * tables set up before the simulation starts). Free blocks are split around the range. Reserved
   * frames are neither free nor allocated and cannot be freed.
   *
   * @throws IllegalArgumentException if the range leaves [0, totalFrames)
   * @throws IllegalStateException if any frame in the range is not free (nothing is changed then)
   */
  public void reserve(long firstFrame, long count) {
    if (firstFrame < 0 || count < 0 || firstFrame > totalFrames - count) {
      throw new IllegalArgumentException(
          "reserve range out of bounds: first=" + firstFrame + " count=" + count);
    }
    long end = firstFrame + count;
    // Validate everything first so a failed reserve leaves no half-split blocks behind.
    for (long p = firstFrame; p < end; ) {
      int o = freeOrderContaining(p);
      if (o < 0) throw new IllegalStateException("cannot reserve frame " + p + ": not free");
      p = (p & -(1L << o)) + (1L << o);
    }
    for (long p = firstFrame; p < end; ) {
      int o = freeOrderContaining(p);
      long head = p & -(1L << o);
      long size = 1L << o;
      freeLists[o].clear(head >>> o);
      freeCounts[o]--;
      if (head >= firstFrame && head + size <= end) {
        Arrays.fill(state, (int) head, (int) (head + size), RESERVED_FRAME);
        freeFrames -= size;
        reservedFrames += size;
        p = head + size;
      } else {
        pushFree(head, o - 1);
        pushFree(head + (size >>> 1), o - 1);
      }
    }
  }

  // ---- queries ----

  /** Whether the frame lies inside a block returned by allocate and not yet freed. */
  public boolean isAllocated(long frame) {
    return blockStart(frame) != NONE;
  }

  public boolean isReserved(long frame) {
    return frame >= 0 && frame < totalFrames && state[(int) frame] == RESERVED_FRAME;
  }

  public boolean isFree(long frame) {
    return frame >= 0 && frame < totalFrames && freeOrderContaining(frame) >= 0;
  }

  /** First frame of the allocated block containing frame, or NONE. */
  public long blockStart(long frame) {
    if (frame < 0 || frame >= totalFrames) return NONE;
    for (int o = 0; o <= maxOrder; o++) {
      long head = frame & -(1L << o);
      if (state[(int) head] == o + 1) return head;
    }
    return NONE;
  }

  /** Order of the allocated block that starts at frame, or -1 if no allocated block starts there. */
  public int allocatedOrder(long frame) {
    if (frame < 0 || frame >= totalFrames) return -1;
    byte s = state[(int) frame];
    return s > 0 ? s - 1 : -1;
  }

  public long totalFrames() {
    return totalFrames;
  }

  public int maxOrder() {
    return maxOrder;
  }

  public long freeFrames() {
    return freeFrames;
  }

  public long allocatedFrames() {
    return allocatedFrames;
  }

  public long reservedFrames() {
    return reservedFrames;
  }

  public int freeBlocks(int order) {
    checkOrder(order);
    return freeCounts[order];
  }

  /** Successful allocate calls. */
  public long allocations() {
    return allocations;
  }

  /** Successful free calls. */
  public long frees() {
    return frees;
  }

  /** Successful split calls. */
  public long splits() {
    return splits;
  }

  /** allocate calls that returned NONE. */
  public long allocationFailures() {
    return failures;
  }

  // ---- internals ----

  /** Order of the free block containing frame, or -1. */
  private int freeOrderContaining(long frame) {
    for (int o = 0; o <= maxOrder; o++) {
      if (freeLists[o].get(frame >>> o)) return o;
    }
    return -1;
  }

  private void pushFree(long frame, int order) {
    freeLists[order].set(frame >>> order);
    freeCounts[order]++;
  }

  private long popLowest(int order) {
    long block = freeLists[order].first();
    freeLists[order].clear(block);
    freeCounts[order]--;
    return block << order;
  }

  private void checkOrder(int order) {
    if (order < 0 || order > maxOrder) {
      throw new IllegalArgumentException("order must be 0.." + maxOrder + ": " + order);
    }
  }

  /** Cross-checks counters, free lists and state bytes; O(totalFrames), for tests. */
  void checkConsistency() {
    long free = 0;
    long alloc = 0;
    long reserved = 0;
    byte[] seen = new byte[(int) totalFrames];
    for (int o = 0; o <= maxOrder; o++) {
      int count = 0;
      long blocks = ((totalFrames - 1) >>> o) + 1;
      for (long b = 0; b < blocks; b++) {
        if (!freeLists[o].get(b)) continue;
        count++;
        long head = b << o;
        if (head + (1L << o) > totalFrames) throw new IllegalStateException("block past end " + head);
        for (long f = head; f < head + (1L << o); f++) {
          if (seen[(int) f] != 0 || state[(int) f] != FREE_OR_TAIL) {
            throw new IllegalStateException("free block overlaps at frame " + f);
          }
          seen[(int) f] = 1;
        }
        if (o < maxOrder) {
          long buddy = head ^ (1L << o);
          if (buddy < totalFrames && freeLists[o].get(buddy >>> o)) {
            throw new IllegalStateException("uncoalesced buddies at order " + o + ": " + head);
          }
        }
        free += 1L << o;
      }
      if (count != freeCounts[o]) throw new IllegalStateException("free count mismatch order " + o);
    }
    for (long f = 0; f < totalFrames; f++) {
      byte s = state[(int) f];
      if (s == RESERVED_FRAME) {
        if (seen[(int) f] != 0) throw new IllegalStateException("reserved frame is free " + f);
        seen[(int) f] = 1;
        reserved++;
      } else if (s > 0) {
        long size = 1L << (s - 1);
        if ((f & (size - 1)) != 0 || f + size > totalFrames) {
          throw new IllegalStateException("misplaced block head " + f);
        }
        for (long g = f; g < f + size; g++) {
          if (seen[(int) g] != 0) throw new IllegalStateException("allocated frame overlaps " + g);
          seen[(int) g] = 1;
        }
        alloc += size;
      }
    }
    for (long f = 0; f < totalFrames; f++) {
      if (seen[(int) f] == 0) throw new IllegalStateException("frame leaked " + f);
    }
    if (free != freeFrames || alloc != allocatedFrames || reserved != reservedFrames) {
      throw new IllegalStateException("frame counters disagree with structures");
    }
  }
}
