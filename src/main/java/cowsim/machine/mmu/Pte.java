package cowsim.machine.mmu;

/** An x86-64 page-table entry (any level), encoded as the raw 64-bit value the hardware reads. */
public final class Pte {
  public static final long P = 1L << 0;
  public static final long RW = 1L << 1;
  public static final long US = 1L << 2;
  public static final long PWT = 1L << 3;
  public static final long PCD = 1L << 4;
  public static final long A = 1L << 5;
  public static final long D = 1L << 6;
  /** Page size at PD/PDPT level; at PT level the same bit is PAT, so only PageWalk knows which it is. */
  public static final long PS = 1L << 7;
  public static final long G = 1L << 8;
  /** Software-available bit 9: strat9 marks copy-on-write mappings with it (hardware ignores it). */
  public static final long COW = 1L << 9;
  public static final long NX = 1L << 63;

  /** Physical address bits 51..12 (MAXPHYADDR = 52). */
  public static final long ADDR_MASK = 0x000F_FFFF_FFFF_F000L;
  /** Largest frame number that fits in ADDR_MASK. */
  public static final long MAX_FRAME = ADDR_MASK >>> 12;

  private Pte() {}

  /**
   * Builds an entry; flags may be any bits outside ADDR_MASK (including the software bits 52..62).
   *
   * @throws IllegalArgumentException if the frame does not fit or flags overlap the address field
   */
  public static long make(long frameNumber, long flags) {
    if (frameNumber < 0 || frameNumber > MAX_FRAME) {
      throw new IllegalArgumentException("frame out of range: 0x" + Long.toHexString(frameNumber));
    }
    if ((flags & ADDR_MASK) != 0) {
      throw new IllegalArgumentException("flags overlap address bits: 0x" + Long.toHexString(flags));
    }
    return (frameNumber << 12) | flags;
  }

  public static long frame(long pte) {
    return (pte & ADDR_MASK) >>> 12;
  }

  /** Physical address of the frame (or of the huge page / next table) this entry points to. */
  public static long address(long pte) {
    return pte & ADDR_MASK;
  }

  /** Every bit outside the address field. */
  public static long flags(long pte) {
    return pte & ~ADDR_MASK;
  }

  public static long withFlags(long pte, long flags) {
    return pte | (flags & ~ADDR_MASK);
  }

  public static long withoutFlags(long pte, long flags) {
    return pte & ~(flags & ~ADDR_MASK);
  }

  /** Same flags, different frame: used when a CoW fault gives the page its private copy. */
  public static long withFrame(long pte, long frameNumber) {
    return make(frameNumber, pte & ~ADDR_MASK);
  }

  public static boolean present(long pte) {
    return (pte & P) != 0;
  }

  public static boolean writable(long pte) {
    return (pte & RW) != 0;
  }

  public static boolean user(long pte) {
    return (pte & US) != 0;
  }

  public static boolean accessed(long pte) {
    return (pte & A) != 0;
  }

  public static boolean dirty(long pte) {
    return (pte & D) != 0;
  }

  public static boolean huge(long pte) {
    return (pte & PS) != 0;
  }

  public static boolean global(long pte) {
    return (pte & G) != 0;
  }

  public static boolean cow(long pte) {
    return (pte & COW) != 0;
  }

  public static boolean nx(long pte) {
    return (pte & NX) != 0;
  }

  /** Log form, e.g. {@code frame 0x1a3 P RW US A D COW}; flags in bit order, absent ones omitted. */
  public static String describe(long pte) {
    StringBuilder sb = new StringBuilder(48);
    sb.append("frame 0x").append(Long.toHexString(frame(pte)));
    if (present(pte)) sb.append(" P");
    if (writable(pte)) sb.append(" RW");
    if (user(pte)) sb.append(" US");
    if ((pte & PWT) != 0) sb.append(" PWT");
    if ((pte & PCD) != 0) sb.append(" PCD");
    if (accessed(pte)) sb.append(" A");
    if (dirty(pte)) sb.append(" D");
    if (huge(pte)) sb.append(" PS");
    if (global(pte)) sb.append(" G");
    if (cow(pte)) sb.append(" COW");
    if (nx(pte)) sb.append(" NX");
    return sb.toString();
  }
}
