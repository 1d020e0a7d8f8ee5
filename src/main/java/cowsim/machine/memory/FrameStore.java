package cowsim.machine.memory;

import java.util.Arrays;

/**
 * The contents of physical memory: 4 KiB frames of 512 longs, stored sparsely.
 *
 * <p>A frame has no storage until a non-zero value is written to it, and loses it again on
 * {@link #zeroFrame}; reads of never-written memory return 0, as from freshly zeroed RAM. Frames are
 * grouped into chunks of 512 behind a directory so an untouched 1 GiB machine costs a few KiB.
 *
 * <p>Memory is accessed in aligned 8-byte words only (page-table entries, counters, markers).
 * Misaligned or out-of-range physical addresses are simulator bugs and throw
 * IllegalArgumentException. Not thread-safe: owned by the memory actor, which is what makes the
 * read-modify-write operations atomic with respect to CPUs.
 */
public final class FrameStore {
  public static final int FRAME_SHIFT = 12;
  public static final int FRAME_BYTES = 1 << FRAME_SHIFT;
  public static final int WORDS_PER_FRAME = FRAME_BYTES / 8;
  /** Keeps the directory at most 8 Mi references. */
  public static final long MAX_FRAMES = 1L << 32;

  private static final int CHUNK_SHIFT = 9;
  private static final int CHUNK_FRAMES = 1 << CHUNK_SHIFT;

  private final long totalFrames;
  private final long limit;
  private final long[][][] chunks;
  private long populated;

  public FrameStore(long totalFrames) {
    if (totalFrames < 1 || totalFrames > MAX_FRAMES) {
      throw new IllegalArgumentException("totalFrames must be 1.." + MAX_FRAMES + ": " + totalFrames);
    }
    this.totalFrames = totalFrames;
    this.limit = totalFrames << FRAME_SHIFT;
    this.chunks = new long[(int) ((totalFrames + CHUNK_FRAMES - 1) >>> CHUNK_SHIFT)][][];
  }

  public long totalFrames() {
    return totalFrames;
  }

  // ---- word access ----

  public long read(long paddr) {
    checkAddress(paddr);
    long[] f = frameOrNull(paddr >>> FRAME_SHIFT);
    return f == null ? 0 : f[wordIndex(paddr)];
  }

  public void write(long paddr, long value) {
    checkAddress(paddr);
    long frame = paddr >>> FRAME_SHIFT;
    long[] f = frameOrNull(frame);
    if (f == null) {
      // Storing 0 into untouched memory changes nothing observable, so keep it sparse.
      if (value == 0) return;
      f = populate(frame);
    }
    f[wordIndex(paddr)] = value;
  }

  /** Stores value if the word equals expected. @return the old value (== expected on success) */
  public long compareAndSwap(long paddr, long expected, long value) {
    long old = read(paddr);
    if (old == expected) write(paddr, value);
    return old;
  }

  /** @return the old value */
  public long exchange(long paddr, long value) {
    long old = read(paddr);
    write(paddr, value);
    return old;
  }

  /** @return the old value */
  public long fetchOr(long paddr, long bits) {
    long old = read(paddr);
    write(paddr, old | bits);
    return old;
  }

  /** @return the old value */
  public long fetchAnd(long paddr, long bits) {
    long old = read(paddr);
    write(paddr, old & bits);
    return old;
  }

  /** @return the old value; wraps silently like x86 lock xadd */
  public long fetchAdd(long paddr, long delta) {
    long old = read(paddr);
    write(paddr, old + delta);
    return old;
  }

  // ---- whole frames ----

  /** A fresh copy of the frame (512 longs); the caller may keep and modify it. */
  public long[] readFrame(long frame) {
    long[] out = new long[WORDS_PER_FRAME];
    readFrame(frame, out);
    return out;
  }

  /** Copies the frame into {@code into} (at least 512 longs), avoiding an allocation. */
  public void readFrame(long frame, long[] into) {
    checkFrame(frame);
    if (into.length < WORDS_PER_FRAME) {
      throw new IllegalArgumentException("buffer must hold 512 longs: " + into.length);
    }
    long[] f = frameOrNull(frame);
    if (f == null) {
      Arrays.fill(into, 0, WORDS_PER_FRAME, 0L);
    } else {
      System.arraycopy(f, 0, into, 0, WORDS_PER_FRAME);
    }
  }

  /**
   * Replaces the frame's contents with a copy of {@code contents} (exactly 512 longs); the caller's
   * array is never retained. An all-zero frame releases its storage.
   */
  public void writeFrame(long frame, long[] contents) {
    checkFrame(frame);
    if (contents.length != WORDS_PER_FRAME) {
      throw new IllegalArgumentException("frame contents must be 512 longs: " + contents.length);
    }
    if (allZero(contents)) {
      zeroFrame(frame);
      return;
    }
    long[] f = frameOrNull(frame);
    if (f == null) f = populate(frame);
    System.arraycopy(contents, 0, f, 0, WORDS_PER_FRAME);
  }

  /** dst := src, the copy step of a CoW fault, without an intermediate array. */
  public void copyFrame(long srcFrame, long dstFrame) {
    checkFrame(srcFrame);
    checkFrame(dstFrame);
    if (srcFrame == dstFrame) return;
    long[] src = frameOrNull(srcFrame);
    if (src == null) {
      zeroFrame(dstFrame);
      return;
    }
    long[] dst = frameOrNull(dstFrame);
    if (dst == null) dst = populate(dstFrame);
    System.arraycopy(src, 0, dst, 0, WORDS_PER_FRAME);
  }

  /** Makes the frame read as zeros and drops its storage. */
  public void zeroFrame(long frame) {
    checkFrame(frame);
    long[][] chunk = chunks[(int) (frame >>> CHUNK_SHIFT)];
    if (chunk == null) return;
    int i = (int) (frame & (CHUNK_FRAMES - 1));
    if (chunk[i] != null) {
      chunk[i] = null;
      populated--;
    }
  }

  /** Whether the frame currently has storage (has been written with something non-zero). */
  public boolean populated(long frame) {
    checkFrame(frame);
    return frameOrNull(frame) != null;
  }

  public long populatedFrames() {
    return populated;
  }

  /** Bytes of frame contents held (populated frames x 4 KiB); directory overhead not counted. */
  public long bytesHeld() {
    return populated * FRAME_BYTES;
  }

  // ---- internals ----

  private long[] frameOrNull(long frame) {
    long[][] chunk = chunks[(int) (frame >>> CHUNK_SHIFT)];
    return chunk == null ? null : chunk[(int) (frame & (CHUNK_FRAMES - 1))];
  }

  private long[] populate(long frame) {
    int c = (int) (frame >>> CHUNK_SHIFT);
    long[][] chunk = chunks[c];
    if (chunk == null) {
      chunk = new long[CHUNK_FRAMES][];
      chunks[c] = chunk;
    }
    long[] f = new long[WORDS_PER_FRAME];
    chunk[(int) (frame & (CHUNK_FRAMES - 1))] = f;
    populated++;
    return f;
  }

  private static int wordIndex(long paddr) {
    return (int) ((paddr >>> 3) & (WORDS_PER_FRAME - 1));
  }

  private static boolean allZero(long[] a) {
    for (long v : a) {
      if (v != 0) return false;
    }
    return true;
  }

  private void checkAddress(long paddr) {
    if ((paddr & 7) != 0 || paddr < 0 || paddr >= limit) {
      throw new IllegalArgumentException(
          "bad physical address 0x" + Long.toHexString(paddr)
              + ((paddr & 7) != 0 ? " (not 8-byte aligned)" : " (outside memory)"));
    }
  }

  private void checkFrame(long frame) {
    if (frame < 0 || frame >= totalFrames) {
      throw new IllegalArgumentException("frame out of range: 0x" + Long.toHexString(frame));
    }
  }
}
