package cowsim.kernel;

import cowsim.check.Event;
import cowsim.machine.mmu.Pte;
import java.util.function.Consumer;

/**
 * strat9's {@code handle_cow_fault} (fork.rs), step for step in the reference's order: translate,
 * require bit 9, read the refcount; sole owner: make writable, flush; otherwise allocate, copy,
 * unmap, map the copy, increment the new frame, invlpg, decrement the old. No lock and no
 * recheck, as written, so siblings on other CPUs interleave between any two steps.
 */
public final class CowFault {

  private CowFault() {}

  /**
   * @param k gets null when the fault was resolved (Ok), or the error string strat9 returns
   */
  public static void handle(Hardware hw, long pml4, long virtAddr, Consumer<String> done) {
    hw.report(new Event.OpBegin(hw.now(), hw.cpu(), pml4, "cow fault"));
    Consumer<String> k =
        err -> {
          hw.report(new Event.OpEnd(hw.now(), hw.cpu(), pml4, "cow fault"));
          done.accept(err);
        };
    KernelCounters c = hw.counters();
    c.cowFaults++;
    long page = virtAddr & ~0xfffL;
    PageTables.translate(
        hw,
        pml4,
        page,
        leaf -> {
          if (!leaf.mapped4k()) {
            k.accept("Page not mapped or huge page");
            return;
          }
          long flags = Pte.flags(leaf.entry());
          if (!Pte.cow(flags)) {
            k.accept("Not a COW page");
            return;
          }
          long oldFrame = Pte.frame(leaf.entry());
          hw.refGet(
              oldFrame,
              refcount -> {
                long newFlags = (flags | Pte.RW) & ~Pte.COW;
                if (refcount == 1) {
                  // Case 1: sole owner, make it writable in place.
                  PageTables.updateFlags(
                      hw,
                      pml4,
                      page,
                      newFlags,
                      ok -> {
                        if (!ok) {
                          k.accept("Failed to update flags");
                          return;
                        }
                        hw.invlpg(page); // MapperFlush::flush()
                        hw.invlpg(page); // local_invlpg(): "only the current CPU can hold this CR3"
                        c.cowReuses++;
                        hw.log("cow fault {}: frame {} refcount 1, made writable in place", hex(page), hex(oldFrame));
                        k.accept(null);
                      });
                  return;
                }
                copy(hw, pml4, page, flags, newFlags, oldFrame, refcount, k);
              });
        });
  }

  /** Case 2: shared page, copy to a new frame. */
  private static void copy(
      Hardware hw, long pml4, long page, long flags, long newFlags, long oldFrame, long refcount, Consumer<String> k) {
    hw.allocate(
        newFrame -> {
          if (newFrame < 0) {
            hw.log("cow fault {}: OOM during COW copy", hex(page));
            k.accept("OOM during COW copy");
            return;
          }
          hw.readFrame(
              oldFrame,
              data ->
                  hw.writeFrame(
                      newFrame,
                      data,
                      () -> {
                        hw.counters().cowCopies++;
                        hw.log("cow fault {}: frame {} refcount {}, copied to frame {}", hex(page), hex(oldFrame), refcount, hex(newFrame));
                        PageTables.unmap(
                            hw,
                            pml4,
                            page,
                            unmapped -> {
                              if (unmapped < 0) {
                                // `?` returns here: the new frame is not freed (as written).
                                k.accept("Failed to unmap old COW frame");
                                return;
                              }
                              remap(hw, pml4, page, flags, newFlags, oldFrame, newFrame, k);
                            });
                      }));
        });
  }

  private static void remap(
      Hardware hw, long pml4, long page, long flags, long newFlags, long oldFrame, long newFrame, Consumer<String> k) {
    PageTables.mapTo(
        hw,
        pml4,
        page,
        newFrame,
        newFlags,
        res -> {
          if (res != PageTables.MAPPED) {
            hw.log("cow fault {}: map of frame {} failed, restoring frame {}", hex(page), hex(newFrame), hex(oldFrame));
            PageTables.mapTo(
                hw,
                pml4,
                page,
                oldFrame,
                flags,
                ignored -> hw.free(newFrame, () -> k.accept("Failed to map new COW frame")));
            return;
          }
          hw.invlpg(page); // MapperFlush::flush()
          hw.refAdd(
              newFrame,
              1,
              ignored -> {
                hw.invlpg(page); // local_invlpg()
                FrameRefs.decRef(hw, oldFrame, () -> k.accept(null));
              });
        });
  }

  static String hex(long v) {
    return "0x" + Long.toHexString(v);
  }
}
