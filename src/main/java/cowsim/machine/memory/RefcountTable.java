package cowsim.machine.memory;

/**
 * strat9's per-frame metadata array: a 32-bit reference count and a flags byte per physical frame.
 *
 * <p>Counts are plain Java ints so they wrap exactly like strat9's u32 counters: a decrement from 0
 * yields 0xFFFFFFFF (-1 as an int) and an increment past 0x7FFFFFFF goes negative, silently. The
 * simulator's checker relies on seeing the wrapped value, so nothing here saturates or throws on
 * overflow. Read counts as unsigned with {@link Integer#toUnsignedLong} when logging. Flag bit
 * meanings belong to the kernel model, not to this table. Not thread-safe.
 */
public final class RefcountTable {
  private final int[] counts;
  /** one past the highest frame whose count was ever written: every count from here on is 0 */
  private int written;
  private final byte[] flags;
  /** A second 64-bit word per frame (its meaning belongs to the kernel model), all 0 at start. */
  private final long[] aux;

  public RefcountTable(long totalFrames) {
    if (totalFrames < 1 || totalFrames > BuddyAllocator.MAX_FRAMES) {
      throw new IllegalArgumentException(
          "totalFrames must be 1.." + BuddyAllocator.MAX_FRAMES + ": " + totalFrames);
    }
    counts = new int[(int) totalFrames];
    flags = new byte[(int) totalFrames];
    aux = new long[(int) totalFrames];
  }

  /** The frame's second word. */
  public long aux(long frame) {
    return aux[index(frame)];
  }

  /** Adds delta to the second word (64-bit wrap-around). @return the value before the add */
  public long fetchAddAux(long frame, long delta) {
    int i = index(frame);
    long old = aux[i];
    aux[i] = old + delta;
    return old;
  }

  /** Sets the bits {@code set}, then clears the bits {@code clear}, in one step. @return the value before */
  public long updateAux(long frame, long set, long clear) {
    int i = index(frame);
    long old = aux[i];
    aux[i] = (old | set) & ~clear;
    return old;
  }

  public long totalFrames() {
    return counts.length;
  }

  /**
   * One past the highest frame whose count was ever written: every frame from here on counts 0,
   * so a scan for the non-zero counts stops here (a large memory's untouched frames cost nothing).
   */
  public long writtenFrames() {
    return written;
  }

  public int get(long frame) {
    return counts[index(frame)];
  }

  public void set(long frame, int value) {
    int i = index(frame);
    counts[i] = value;
    written = Math.max(written, i + 1);
  }

  /** Adds delta with 32-bit wrap-around. @return the value before the add */
  public int fetchAdd(long frame, int delta) {
    int i = index(frame);
    int old = counts[i];
    counts[i] = old + delta;
    written = Math.max(written, i + 1);
    return old;
  }

  public byte flags(long frame) {
    return flags[index(frame)];
  }

  public void setFlags(long frame, byte value) {
    flags[index(frame)] = value;
  }

  /** @return the flags before the change */
  public byte orFlags(long frame, byte bits) {
    int i = index(frame);
    byte old = flags[i];
    flags[i] = (byte) (old | bits);
    return old;
  }

  /** @return the flags before the change */
  public byte clearFlags(long frame, byte bits) {
    int i = index(frame);
    byte old = flags[i];
    flags[i] = (byte) (old & ~bits);
    return old;
  }

  private int index(long frame) {
    // Checked as a long: a bare (int) cast would let a huge frame number alias a small one.
    if (frame < 0 || frame >= counts.length) {
      throw new IllegalArgumentException("frame out of range: " + frame);
    }
    return (int) frame;
  }
}
