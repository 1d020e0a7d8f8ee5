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
    mapStep(hw, pml4, va, 4, frame, flags, k);
  }

  private static void mapStep(
      Hardware hw, long table, long va, int level, long frame, long flags, IntConsumer k) {
    long addr = entryAddr(table, va, level);
    hw.read(
        addr,
        e -> {
          if (level == 1) {
            if (Pte.present(e)) {
              k.accept(ALREADY_MAPPED);
            } else {
              hw.write(addr, Pte.make(frame, flags), () -> k.accept(MAPPED));
            }
          } else if (Pte.present(e)) {
            if (Pte.huge(e)) {
              k.accept(ALREADY_MAPPED);
            } else {
              mapStep(hw, Pte.frame(e), va, level - 1, frame, flags, k);
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
                              () -> mapStep(hw, t, va, level - 1, frame, flags, k)));
                });
          }
        });
  }

  /**
   * unmap: clears a present 4 KiB PTE and gives back its frame, or -1 when the page was not
   * mapped (PageNotMapped). Like the crate, it does not flush: the caller decides.
   */
  public static void unmap(Hardware hw, long pml4, long va, LongConsumer k) {
    translate(
        hw,
        pml4,
        va,
        leaf -> {
          if (!leaf.mapped4k()) {
            k.accept(-1);
            return;
          }
          hw.write(leaf.entryAddr(), 0, () -> k.accept(Pte.frame(leaf.entry())));
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
