package cowsim.kernel;

import cowsim.machine.mmu.Pte;
import cowsim.machine.mmu.VirtualAddress;
import java.util.function.Consumer;
import java.util.function.IntConsumer;
import java.util.function.LongConsumer;

/**
 * The kernel's page-table mapper (the x86_64 crate's OffsetPageTable as strat9 uses it): every
 * operation walks the 4-level tables in simulated memory with one message per entry read or
 * written. Nothing here locks a table, as in strat9.
 */
public final class PageTables {

  /** The entry a walk stopped at: the 4 KiB PTE (level 1), a huge leaf, or a non-present entry. */
  public record Leaf(long entryAddr, long entry, int level) {
    public boolean present() {
      return Pte.present(entry);
    }

    public boolean mapped4k() {
      return level == 1 && Pte.present(entry);
    }

    /** A present PD entry with PS: a 2 MiB page. */
    public boolean mapped2m() {
      return level == 2 && Pte.present(entry) && Pte.huge(entry);
    }

    /**
     * Where a walk over [va, end) goes on after {@code va}, the page this leaf was read for: the
     * next page, as strat9's walk goes page by page; but past a table entry that is not present
     * (a PD entry spans 2 MiB, a PDPT entry 1 GiB, a PML4 entry 512 GiB), where no page can be
     * mapped, when the range still has a page table's worth of pages ({@link #TABLE_PAGES}) or
     * more under it: a walk spends at most that many steps under one absent entry, and no more
     * than one step on each absent entry a range covers whole.
     */
    public long next(long va, long end) {
      long page = (va & ~0xfffL) + 4096;
      if (mapped2m()) {
        return spanEnd(va, 2); // one step for the whole 2 MiB page
      }
      if (present() || level == 1) {
        return page;
      }
      long span = spanEnd(va, level);
      long left = (Math.min(span, end) - (va & ~0xfffL)) >>> 12;
      return left >= TABLE_PAGES ? span : page;
    }
  }

  /** Pages one page table maps: 512. */
  public static final long TABLE_PAGES = 512;

  /** The first address after the span that the level-{@code level} entry for {@code va} covers. */
  public static long spanEnd(long va, int level) {
    int shift = 12 + 9 * (level - 1);
    return ((va >>> shift) + 1) << shift;
  }

  /** What {@link #unmap(Hardware, long, long, long, Unmapped)} found: the frame, and where to go on. */
  @FunctionalInterface
  public interface Unmapped {
    /**
     * @param frame the frame the PTE's reference is on (the frame it mapped, or the head of the
     *     split 2 MiB block it belongs to), or -1 when the page was not mapped
     * @param order the buddy order to free {@code frame} with when its last reference goes
     * @param next the next address a walk over the range must look at ({@link Leaf#next})
     */
    void done(long frame, int order, long next);
  }

  /** mapTo results, as the x86_64 crate's MapToError. */
  public static final int MAPPED = 0;

  public static final int ALREADY_MAPPED = 1;
  public static final int FRAME_ALLOCATION_FAILED = 2;

  /** Flags of an intermediate table entry: the leaf decides the permissions. */
  public static final long TABLE_FLAGS = Pte.P | Pte.RW | Pte.US;

  private PageTables() {}

  public static long entryAddr(long tableFrame, long va, int level) {
    return (tableFrame << 12) + 8L * VirtualAddress.index(va, level);
  }

  /** translate(): read from the PML4 down to the leaf. */
  public static void translate(Hardware hw, long pml4, long va, Consumer<Leaf> k) {
    step(hw, pml4, va, 4, k);
  }

  private static void step(Hardware hw, long table, long va, int level, Consumer<Leaf> k) {
    long addr = entryAddr(table, va, level);
    hw.read(
        addr,
        e -> {
          if (!Pte.present(e) || level == 1 || (level <= 3 && Pte.huge(e))) {
            k.accept(new Leaf(addr, e, level));
          } else {
            step(hw, Pte.frame(e), va, level - 1, k);
          }
        });
  }

  /**
   * map_to: creates missing tables (allocated, zeroed, linked), then writes the PTE unless one
   * is already present.
   */
  public static void mapTo(Hardware hw, long pml4, long va, long frame, long flags, IntConsumer k) {
    mapStep(hw, pml4, va, 4, 1, frame, flags, k);
  }

  /**
   * map_to of a 2 MiB page: creates missing tables down to the PD, then writes the PD entry
   * (flags include PS) unless the PD entry is present (a huge page or a page table).
   */
  public static void mapHuge(Hardware hw, long pml4, long va, long frame, long flags, IntConsumer k) {
    mapStep(hw, pml4, va, 4, 2, frame, flags, k);
  }

  /** One level of a map: the leaf is written at {@code leafLevel} (1: a PTE, 2: a 2 MiB PD entry). */
  private static void mapStep(
      Hardware hw, long table, long va, int level, int leafLevel, long frame, long flags, IntConsumer k) {
    long addr = entryAddr(table, va, level);
    hw.read(
        addr,
        e -> {
          if (level == leafLevel) {
            if (Pte.present(e)) {
              k.accept(ALREADY_MAPPED);
            } else {
              hw.write(addr, Pte.make(frame, flags), () -> k.accept(MAPPED));
            }
          } else if (Pte.present(e)) {
            if (Pte.huge(e)) {
              k.accept(ALREADY_MAPPED);
            } else {
              mapStep(hw, Pte.frame(e), va, level - 1, leafLevel, frame, flags, k);
            }
          } else {
            hw.allocate(
                t -> {
                  if (t < 0) {
                    k.accept(FRAME_ALLOCATION_FAILED);
                    return;
                  }
                  hw.writeFrame(
                      t,
                      null,
                      () ->
                          hw.write(
                              addr,
                              Pte.make(t, TABLE_FLAGS),
                              () -> mapStep(hw, t, va, level - 1, leafLevel, frame, flags, k)));
                });
          }
        });
  }

  /**
   * unmap: clears a present 4 KiB PTE and gives back its frame, or -1 when the page was not
   * mapped (PageNotMapped). Like the crate, it does not flush: the caller decides.
   */
  public static void unmap(Hardware hw, long pml4, long va, LongConsumer k) {
    unmap(hw, pml4, va, va + 4096, (frame, order, next) -> k.accept(frame));
  }

  /** unmap of va in a walk over [va, end), also saying where the walk goes on ({@link Leaf#next}). */
  public static void unmap(Hardware hw, long pml4, long va, long end, Unmapped k) {
    unmap(hw, pml4, va, end, k, null);
  }

  /**
   * The same, handing a 2 MiB leaf to {@code onHuge} untouched (null: treated as not mapped, as
   * the x86_64 crate's 4 KiB unmap fails on a huge parent entry).
   */
  public static void unmap(Hardware hw, long pml4, long va, long end, Unmapped k, Consumer<Leaf> onHuge) {
    translate(
        hw,
        pml4,
        va,
        leaf -> {
          if (onHuge != null && leaf.mapped2m()) {
            onHuge.accept(leaf);
            return;
          }
          if (!leaf.mapped4k()) {
            k.done(-1, 0, leaf.next(va, end));
            return;
          }
          long e = leaf.entry();
          // a frame of a split 2 MiB page hands back its reference frame, the block's head
          hw.write(leaf.entryAddr(), 0, () -> k.done(HugePages.refFrame(e), HugePages.refOrder(e), leaf.next(va, end)));
        });
  }

  /** update_flags: rewrites a present 4 KiB PTE's flags, keeping its frame. */
  public static void updateFlags(Hardware hw, long pml4, long va, long flags, Consumer<Boolean> k) {
    translate(
        hw,
        pml4,
        va,
        leaf -> {
          if (!leaf.mapped4k()) {
            k.accept(false);
            return;
          }
          hw.write(leaf.entryAddr(), Pte.make(Pte.frame(leaf.entry()), flags), () -> k.accept(true));
        });
  }
}
