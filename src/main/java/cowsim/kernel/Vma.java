package cowsim.kernel;

/**
 * A user virtual memory area [start, end): anonymous, private, demand-paged.
 *
 * <p>A {@code huge} area is one of 2 MiB pages (mmap's {@code MAP_HUGETLB}, a scenario region's
 * {@code page-size = 2 MiB}): a fault maps a 2 MiB page where the whole 2 MiB-aligned block around
 * the address lies inside the area ({@link #hugeBlockFits}), a 4 KiB one elsewhere. Its start and
 * end need only be 4 KiB-aligned: munmap and mprotect may cut a huge area anywhere, as Linux cuts
 * a transparent-huge-page VMA, and the pieces stay huge.
 */
public record Vma(long start, long end, boolean writable, boolean huge) {

  /** Bytes in a 2 MiB page (x86-64's PMD-level page). */
  public static final long HUGE_PAGE = 2L << 20;

  public Vma {
    if ((start & 0xfff) != 0 || (end & 0xfff) != 0 || end <= start) {
      throw new IllegalArgumentException("bad VMA [" + Long.toHexString(start) + ", " + Long.toHexString(end) + ")");
    }
  }

  /** An area of 4 KiB pages. */
  public Vma(long start, long end, boolean writable) {
    this(start, end, writable, false);
  }

  public boolean contains(long va) {
    return va >= start && va < end;
  }

  public long pages() {
    return (end - start) >>> 12;
  }

  /**
   * Whether a fault at va maps a 2 MiB page: the area is huge and the 2 MiB-aligned block holding
   * va lies entirely inside [start, end).
   */
  public boolean hugeBlockFits(long va) {
    long block = va & -HUGE_PAGE;
    return huge && block >= start && end - block >= HUGE_PAGE;
  }

  @Override
  public String toString() {
    return String.format("[%#x, %#x) %s%s", start, end, writable ? "rw" : "r", huge ? " 2M" : "");
  }
}
