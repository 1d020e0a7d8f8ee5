package cowsim.scenario;

import cowsim.kernel.Layout;

/**
 * The frames a machine needs before any program runs: the kernel's reserved frames, and for every
 * process its PML4, the pages of its stack and of its populated regions (512, an aligned block, a
 * 2 MiB page) and the page tables that map them. A lower bound, so the loader refuses only what
 * cannot possibly fit: each process counts one table per level it must have (a PML4; a PDPT and a
 * PD once anything is mapped; a page table once a 4 KiB page is), not the exact number its
 * addresses need.
 */
final class FrameBudget {
  private static final long PAGE = Machine.PAGE_SIZE;
  private static final long FRAMES_PER_HUGE = Region.HUGE_PAGE_SIZE / PAGE;

  private final long frames;
  private final long hugeBlocks;
  private long needed = Layout.RESERVED_FRAMES;
  private long hugePages;
  private boolean mapped;
  private boolean mapped4k;

  FrameBudget(long frames) {
    this.frames = frames;
    this.hugeBlocks =
        Math.max(0, frames / FRAMES_PER_HUGE - (Layout.RESERVED_FRAMES + FRAMES_PER_HUGE - 1) / FRAMES_PER_HUGE);
  }

  /** The machine's frames. */
  long frames() {
    return frames;
  }

  /** The frames needed so far. */
  long needed() {
    return needed;
  }

  /** The 2 MiB pages populated so far. */
  long hugePages() {
    return hugePages;
  }

  /** The 512-frame aligned blocks that are free of the kernel's reserved frames. */
  long hugeBlocks() {
    return hugeBlocks;
  }

  /** A new process: its PML4, then its stack (4 KiB pages, set up eagerly). */
  void process(long stackBytes) {
    mapped = false;
    mapped4k = false;
    needed += 1;
    if (stackBytes > 0) {
      map(stackBytes, false);
    }
  }

  /** A populated region of the current process. */
  void map(long bytes, boolean huge) {
    if (!mapped) {
      mapped = true;
      needed += 2;
    }
    if (!huge && !mapped4k) {
      mapped4k = true;
      needed += 1;
    }
    needed += bytes / PAGE;
    if (huge) {
      hugePages += bytes / Region.HUGE_PAGE_SIZE;
    }
  }

  /** Whether everything counted so far fits the machine's frames. */
  boolean fits() {
    return needed <= frames;
  }

  /** Whether the 2 MiB pages counted so far have an aligned block each. */
  boolean hugeFits() {
    return hugePages <= hugeBlocks;
  }
}
