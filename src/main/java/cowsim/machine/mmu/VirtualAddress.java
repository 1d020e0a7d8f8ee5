package cowsim.machine.mmu;

/** An x86-64 48-bit virtual address as 4-level paging splits it: four table indices + offset. */
public final class VirtualAddress {
  public static final int PAGE_SHIFT = 12;
  public static final long PAGE_SIZE = 1L << PAGE_SHIFT;
  public static final int ENTRIES = 512;
  /** Bits of a page number: 48-bit addresses minus the 12-bit offset. */
  public static final int PAGE_NUMBER_BITS = 36;
  public static final long PAGE_NUMBER_MASK = (1L << PAGE_NUMBER_BITS) - 1;
  /** Highest user (lower-half) address. */
  public static final long USER_TOP = 0x0000_7FFF_FFFF_FFFFL;
  /** Lowest kernel (upper-half) address. */
  public static final long KERNEL_BASE = 0xFFFF_8000_0000_0000L;

  private static final long OFFSET_MASK = PAGE_SIZE - 1;
  private static final int INDEX_MASK = ENTRIES - 1;

  private VirtualAddress() {}

  /** Bits 63..47 all equal, i.e. the value is bit 47 sign-extended. */
  public static boolean canonical(long va) {
    return ((va << 16) >> 16) == va;
  }

  /** Canonical and in the lower half (bits 63..47 all zero). */
  public static boolean user(long va) {
    return (va >>> 47) == 0;
  }

  /** Canonical and in the upper half (bits 63..47 all one). */
  public static boolean kernel(long va) {
    return (va >> 47) == -1L;
  }

  public static int pml4Index(long va) {
    return (int) (va >>> 39) & INDEX_MASK;
  }

  public static int pdptIndex(long va) {
    return (int) (va >>> 30) & INDEX_MASK;
  }

  public static int pdIndex(long va) {
    return (int) (va >>> 21) & INDEX_MASK;
  }

  public static int ptIndex(long va) {
    return (int) (va >>> 12) & INDEX_MASK;
  }

  /**
   * Table index used at a walk level: 4 = PML4, 3 = PDPT, 2 = PD, 1 = PT.
   *
   * @throws IllegalArgumentException for any other level
   */
  public static int index(long va, int level) {
    return (int) (va >>> levelShift(level)) & INDEX_MASK;
  }

  /** Lowest address bit translated by one entry at this level: 12, 21, 30, 39. */
  public static int levelShift(int level) {
    if (level < 1 || level > 4) {
      throw new IllegalArgumentException("paging level must be 1..4: " + level);
    }
    return PAGE_SHIFT + 9 * (level - 1);
  }

  /** Virtual page number: bits 47..12, so upper-half addresses do not become huge negative numbers. */
  public static long pageNumber(long va) {
    return (va >>> PAGE_SHIFT) & PAGE_NUMBER_MASK;
  }

  /** Inverse of pageNumber: the canonical (sign-extended) address of the page. */
  public static long fromPageNumber(long vpn) {
    return ((vpn & PAGE_NUMBER_MASK) << (PAGE_SHIFT + 16)) >> 16;
  }

  public static long pageBase(long va) {
    return va & ~OFFSET_MASK;
  }

  public static int offset(long va) {
    return (int) (va & OFFSET_MASK);
  }
}
