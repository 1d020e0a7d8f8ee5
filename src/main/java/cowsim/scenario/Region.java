package cowsim.scenario;

/**
 * One anonymous user-memory mapping a process starts with: {@code [at, at + size)}.
 *
 * @param at first byte, page-aligned, at or above {@link Machine#PAGE_SIZE}
 * @param size length in bytes, a positive multiple of {@link Machine#PAGE_SIZE}
 * @param writable {@code prot = rw} (true) or {@code prot = r} (false)
 * @param populate whether frames are allocated at start rather than on first touch
 * @param pageSize {@code page-size}: {@link Machine#PAGE_SIZE} or {@link #HUGE_PAGE_SIZE} (then
 *     {@code at} and {@code size} are multiples of it, and the kernel's VMA is a huge one)
 */
public record Region(long at, long size, boolean writable, boolean populate, long pageSize) {
  /** The end of the user half of the address space (exclusive). */
  public static final long USER_END = 0x0000_8000_0000_0000L;

  /** {@code page-size = 2 MiB}: bytes in a huge page (the kernel's {@code Vma.HUGE_PAGE}). */
  public static final long HUGE_PAGE_SIZE = 2L << 20;

  /** A region of 4 KiB pages. */
  public Region(long at, long size, boolean writable, boolean populate) {
    this(at, size, writable, populate, Machine.PAGE_SIZE);
  }

  /** Whether the region is of 2 MiB pages. */
  public boolean huge() {
    return pageSize == HUGE_PAGE_SIZE;
  }

  /** One past the last byte. */
  public long end() {
    return at + size;
  }

  public boolean contains(long address) {
    return address >= at && address - at < size;
  }

  public boolean overlaps(long otherAt, long otherSize) {
    return at < otherAt + otherSize && otherAt < at + size;
  }

  public boolean overlaps(Region other) {
    return overlaps(other.at, other.size);
  }
}
