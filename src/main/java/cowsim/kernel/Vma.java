package cowsim.kernel;

/** A user virtual memory area [start, end): anonymous, private, demand-paged. */
public record Vma(long start, long end, boolean writable) {

  public Vma {
    if ((start & 0xfff) != 0 || (end & 0xfff) != 0 || end <= start) {
      throw new IllegalArgumentException("bad VMA [" + Long.toHexString(start) + ", " + Long.toHexString(end) + ")");
    }
  }

  public boolean contains(long va) {
    return va >= start && va < end;
  }

  public long pages() {
    return (end - start) >>> 12;
  }

  @Override
  public String toString() {
    return String.format("[%#x, %#x) %s", start, end, writable ? "rw" : "r");
  }
}
