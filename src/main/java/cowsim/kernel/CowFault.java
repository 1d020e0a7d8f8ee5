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
    long opPage = virtAddr & ~0xfffL;
    hw.report(new Event.OpBegin(hw.now(), hw.cpu(), pml4, "cow fault", opPage, opPage + 4096));
    Consumer<String> k =
        err -> {
          hw.report(new Event.OpEnd(hw.now(), hw.cpu(), pml4, "cow fault", opPage, opPage + 4096));
          done.accept(err);
        };
    KernelCounters c = hw.counters();
    c.cowFaults++;
    long page = virtAddr & ~0xfffL;
    if (hw.policy().cowLock()) {
      locked(hw, pml4, page, k);
      return;
    }
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
    allocateAndCopy(
        hw,
        page,
        oldFrame,
        refcount,
        "",
        () -> k.accept("OOM during COW copy"),
        newFrame ->
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
                }));
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
          boolean local = hw.policy().cowFaultFlush() != KernelPolicy.Flush.NONE;
          if (local) {
            hw.invlpg(page); // MapperFlush::flush()
          }
          hw.refAdd(
              newFrame,
              1,
              ignored -> {
                if (local) {
                  hw.invlpg(page); // local_invlpg()
                }
                finish(hw, pml4, page, oldFrame, k);
              });
        });
  }

  /**
   * The old frame's decrement and, with {@code tlb.cow-fault = mm-cpus}, the remote flush: strat9
   * decrements before any remote flush; {@code tlb.free-after-flush} waits for the acks first.
   */
  private static void finish(Hardware hw, long pml4, long page, long oldFrame, Consumer<String> k) {
    KernelPolicy p = hw.policy();
    if (p.cowFaultFlush() != KernelPolicy.Flush.MM_CPUS) {
      FrameRefs.decRef(hw, oldFrame, () -> k.accept(null));
      return;
    }
    Runnable remote =
        () -> TlbFlush.mmCpus(hw, pml4, true, others -> hw.shootdown(others, new long[] {page}, () -> k.accept(null)));
    if (p.freeAfterFlush()) {
      TlbFlush.mmCpus(
          hw, pml4, true, others -> hw.shootdown(others, new long[] {page}, () -> FrameRefs.decRef(hw, oldFrame, () -> k.accept(null))));
    } else {
      FrameRefs.decRef(hw, oldFrame, remote);
    }
  }

  static String hex(long v) {
    return "0x" + Long.toHexString(v);
  }

  /**
   * {@code cow-fault.lock = page-table}, as Linux's wp_page_copy: the address space's page-table
   * lock is taken (an atomic in simulated memory), the PTE rechecked under it, the old PTE cleared
   * and flushed before the copy is mapped, and the old frame dropped last.
   */
  private static void locked(Hardware hw, long pml4, long page, Consumer<String> k) {
    KernelCounters c = hw.counters();
    PageTables.translate(
        hw,
        pml4,
        page,
        leaf -> {
          if (!leaf.mapped4k()) {
            k.accept("Page not mapped or huge page");
            return;
          }
          if (!Pte.cow(leaf.entry())) {
            k.accept("Not a COW page");
            return;
          }
          hw.lock(
              pml4,
              () ->
                  hw.read(
                      leaf.entryAddr(),
                      now -> {
                        long ad = Pte.A | Pte.D;
                        if ((now & ~ad) != (leaf.entry() & ~ad)) {
                          // changed under us (another CPU resolved it): retry the access
                          hw.unlock(pml4, () -> k.accept(null));
                          return;
                        }
                        long oldFrame = Pte.frame(now);
                        long newFlags = (Pte.flags(now) | Pte.RW) & ~Pte.COW;
                        hw.refGet(
                            oldFrame,
                            refcount -> {
                              if (refcount == 1) {
                                hw.write(
                                    leaf.entryAddr(),
                                    Pte.make(oldFrame, newFlags),
                                    () -> {
                                      hw.invlpg(page);
                                      c.cowReuses++;
                                      hw.log("cow fault {}: frame {} refcount 1, made writable in place (locked)", hex(page), hex(oldFrame));
                                      hw.unlock(pml4, () -> k.accept(null));
                                    });
                                return;
                              }
                              lockedCopy(hw, pml4, page, leaf.entryAddr(), oldFrame, newFlags, refcount, k);
                            });
                      }));
        });
  }

  private static void lockedCopy(
      Hardware hw, long pml4, long page, long pteAddr, long oldFrame, long newFlags, long refcount, Consumer<String> k) {
    allocateAndCopy(
        hw,
        page,
        oldFrame,
        refcount,
        " (locked)",
        () -> hw.unlock(pml4, () -> k.accept("OOM during COW copy")),
        // ptep_clear_flush: clear, flush as the policy says, then the new PTE
        newFrame ->
            hw.write(
                pteAddr,
                0,
                () ->
                    TlbFlush.after(
                        hw,
                        hw.policy().cowFaultFlush(),
                        pml4,
                        new long[] {page},
                        () ->
                            hw.write(
                                pteAddr,
                                Pte.make(newFrame, newFlags),
                                () ->
                                    FrameRefs.incRef(
                                        hw,
                                        newFrame,
                                        () -> hw.unlock(pml4, () -> FrameRefs.decRef(hw, oldFrame, () -> k.accept(null))))))));
  }

  /** Allocate a frame and copy the old one into it (4096 bytes); k gets the new frame. */
  private static void allocateAndCopy(
      Hardware hw, long page, long oldFrame, long refcount, String how, Runnable outOfMemory, java.util.function.LongConsumer k) {
    hw.allocate(
        newFrame -> {
          if (newFrame < 0) {
            hw.log("cow fault {}: OOM during COW copy", hex(page));
            outOfMemory.run();
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
                        hw.log("cow fault {}: frame {} refcount {}, copied to frame {}{}", hex(page), hex(oldFrame), refcount, hex(newFrame), how);
                        k.accept(newFrame);
                      }));
        });
  }
}
