package cowsim.kernel;

import cowsim.machine.mmu.Pte;
import cowsim.machine.observe.Event;
import cowsim.kernel.KernelPolicy.CowReuse;
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
    unlocked(hw, pml4, page, k);
  }

  /**
   * A huge leaf: strat9's translate yields a 2 MiB mapping and handle_cow_fault returns "Page not
   * mapped or huge page"; with {@code huge.cow-fault} = split or copy (on the page-table lock's
   * path, {@code cow-fault.lock = page-table}; without it the fault is refused as in strat9) the
   * huge path runs instead, and after a split ({@link HugePages#FALLBACK}) the fault is handled
   * again at 4 KiB.
   */
  private static boolean huge(Hardware hw, long pml4, long page, PageTables.Leaf leaf, Runnable again, Consumer<String> k) {
    if (!leaf.mapped2m() || !hw.policy().cowLock() || hw.policy().get(Knob.HUGE_COW_FAULT) == KernelPolicy.HugeCowFault.REFAULT) {
      return false;
    }
    HugePages.cowFault(hw, pml4, page, leaf, res -> {
      if (HugePages.FALLBACK.equals(res)) {
        again.run();
      } else {
        k.accept(res);
      }
    });
    return true;
  }

  /** strat9's handle_cow_fault as written: no lock, no recheck. */
  private static void unlocked(Hardware hw, long pml4, long page, Consumer<String> k) {
    KernelCounters c = hw.counters();
    PageTables.translate(
        hw,
        pml4,
        page,
        leaf -> {
          if (!leaf.mapped4k()) {
            if (!huge(hw, pml4, page, leaf, () -> unlocked(hw, pml4, page, k), k)) {
              k.accept("Page not mapped or huge page");
            }
            return;
          }
          long flags = Pte.flags(leaf.entry());
          if (!Pte.cow(flags)) {
            k.accept("Not a COW page");
            return;
          }
          long oldFrame = Pte.frame(leaf.entry());
          if (oldFrame == Layout.ZERO_FRAME) {
            // the shared zero page: never reused, never counted (do_wp_page -> wp_page_copy)
            copy(hw, pml4, page, flags, writableFlags(hw, flags), oldFrame, 0, k);
            return;
          }
          hw.refGet(
              oldFrame,
              refcount -> {
                long newFlags = writableFlags(hw, flags);
                if (reuse(hw, refcount)) {
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
                        if (hw.policy().mistake() != Mistake.COW_REUSE_NO_INVLPG) { // MISTAKE: no invlpg
                          hw.invlpg(page); // MapperFlush::flush()
                          hw.invlpg(page); // local_invlpg(): "only the current CPU can hold this CR3"
                        }
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
          boolean local = hw.policy().cowFaultFlush() != KernelPolicy.Flush.NONE
              && hw.policy().mistake() != Mistake.COW_COPY_NO_LOCAL_FLUSH; // MISTAKE: no local flush
          if (local) {
            hw.invlpg(page); // MapperFlush::flush()
          }
          if (hw.policy().mistake() == Mistake.COW_NO_NEW_INCREF) { // MISTAKE: no frame_inc_ref(new)
            if (local) {
              hw.invlpg(page); // local_invlpg()
            }
            finish(hw, pml4, page, oldFrame, k);
            return;
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
    if (p.cowFaultFlush() != KernelPolicy.Flush.MM_CPUS
        || p.mistake() == Mistake.COW_NO_REMOTE_FLUSH) { // MISTAKE: no remote flush
      dropOld(hw, oldFrame, () -> k.accept(null));
      return;
    }
    Runnable remote =
        () -> TlbFlush.mmCpus(hw, pml4, true, others -> hw.shootdown(others, new long[] {page}, () -> k.accept(null)));
    if (p.freeAfterFlush() && p.mistake() != Mistake.COW_FREE_BEFORE_FLUSH) { // MISTAKE: free before the acks
      TlbFlush.mmCpus(
          hw, pml4, true, others -> hw.shootdown(others, new long[] {page}, () -> dropOld(hw, oldFrame, () -> k.accept(null))));
    } else {
      dropOld(hw, oldFrame, remote);
    }
  }

  /** frame_dec_ref(old_frame), the last step of a copy. */
  private static void dropOld(Hardware hw, long oldFrame, Runnable k) {
    dropOld(hw, oldFrame, 0, k);
  }

  /** The same for a reference on a block's head ({@code order} 9: a frame of a split 2 MiB page). */
  private static void dropOld(Hardware hw, long oldFrame, int order, Runnable k) {
    if (oldFrame == Layout.ZERO_FRAME) {
      k.run(); // wp_page_copy: old_folio is NULL for the zero page, nothing to put
      return;
    }
    if (hw.policy().mistake() == Mistake.COW_DOUBLE_DECREMENT) { // MISTAKE: decremented twice
      FrameRefs.decRef(hw, oldFrame, order, () -> FrameRefs.decRef(hw, oldFrame, order, k));
      return;
    }
    FrameRefs.decRef(hw, oldFrame, order, k);
  }

  /** The sole-owner test: reuse the frame in place. */
  private static boolean reuse(Hardware hw, long refcount) {
    if (hw.policy().mistake() == Mistake.COW_REUSE_AT_TWO) { // MISTAKE: off by one
      return refcount <= 2;
    }
    return refcount == 1;
  }

  /** The resolved page's flags: writable, no longer copy-on-write. */
  private static long writableFlags(Hardware hw, long flags) {
    if (hw.policy().mistake() == Mistake.COW_KEEP_COW_BIT) { // MISTAKE: bit 9 stays set
      return flags | Pte.RW;
    }
    return (flags | Pte.RW) & ~Pte.COW;
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
    PageTables.translate(
        hw,
        pml4,
        page,
        leaf -> {
          if (!leaf.mapped4k()) {
            if (!huge(hw, pml4, page, leaf, () -> locked(hw, pml4, page, k), k)) {
              k.accept("Page not mapped or huge page");
            }
            return;
          }
          if (!Pte.cow(leaf.entry())) {
            k.accept("Not a COW page");
            return;
          }
          hw.lock(
              pml4,
              () -> {
                if (hw.policy().mistake() == Mistake.COW_NO_RECHECK) { // MISTAKE: no recheck under the lock
                  underLock(hw, pml4, page, leaf.entryAddr(), leaf.entry(), k);
                  return;
                }
                hw.read(
                    leaf.entryAddr(),
                    now -> {
                      long ad = Pte.A | Pte.D;
                      if ((now & ~ad) != (leaf.entry() & ~ad)) {
                        // changed under us (another CPU resolved it): retry the access
                        hw.unlock(pml4, () -> k.accept(null));
                        return;
                      }
                      underLock(hw, pml4, page, leaf.entryAddr(), now, k);
                    });
              });
        });
  }

  /** With the lock held and the PTE ({@code now}) rechecked: reuse in place or copy. */
  private static void underLock(Hardware hw, long pml4, long page, long pteAddr, long now, Consumer<String> k) {
    KernelCounters c = hw.counters();
    long oldFrame = Pte.frame(now);
    long newFlags = writableFlags(hw, Pte.flags(now));
    // a frame of a split 2 MiB page: its reference is the block's, on the head
    long ref = HugePages.refFrame(now);
    int order = HugePages.refOrder(now);
    if (oldFrame == Layout.ZERO_FRAME) {
      // do_wp_page on the zero pfn (vm_normal_page is NULL): wp_page_copy, no reuse, no reference
      lockedCopy(hw, pml4, page, pteAddr, oldFrame, ref, order, newFlags, 0, k);
      return;
    }
    decide(
        hw,
        oldFrame,
        ref,
        order,
        (reuse, count) -> {
          if (reuse) {
            hw.write(
                pteAddr,
                Pte.make(oldFrame, newFlags),
                () -> {
                  if (hw.policy().mistake() != Mistake.COW_REUSE_NO_INVLPG) { // MISTAKE: no invlpg
                    hw.invlpg(page);
                  }
                  c.cowReuses++;
                  hw.log("cow fault {}: frame {} refcount 1, made writable in place (locked)", hex(page), hex(oldFrame));
                  hw.unlock(pml4, () -> k.accept(null));
                });
            return;
          }
          lockedCopy(hw, pml4, page, pteAddr, oldFrame, ref, order, newFlags & ~HugePages.COMPOUND, count, k);
        });
  }

  /** The reuse decision and the count it was taken on (for the log). */
  private interface Decision {
    void decided(boolean reuse, long count);
  }

  /**
   * The reuse decision of do_wp_page ({@code cow.reuse}): refcount (5.9's page_count == 1, and
   * strat9's), mapcount (before 5.8: reuse_swap_page, the map count is 1), anon-exclusive (5.19+:
   * PageAnonExclusive, else wp_can_reuse_anon_folio's refcount == 1, which sets the bit). A frame
   * of a split 2 MiB page has no map count here: the refcount decides.
   */
  private static void decide(Hardware hw, long oldFrame, long ref, int order, Decision k) {
    CowReuse how = hw.policy().get(Knob.COW_REUSE);
    if (how == CowReuse.ANON_EXCLUSIVE && hw.policy().mistake() == Mistake.COW_REUSE_BY_MAPCOUNT) { // MISTAKE: the map count decides
      how = CowReuse.MAPCOUNT;
    }
    if (order != 0 || how == CowReuse.REFCOUNT) {
      hw.refGet(ref, refcount -> k.decided(reuse(hw, refcount), refcount));
      return;
    }
    if (how == CowReuse.MAPCOUNT) {
      hw.auxGet(oldFrame, w -> k.decided((w & Rmap.COUNT) == 1, w & Rmap.COUNT));
      return;
    }
    hw.auxGet(
        oldFrame,
        w -> {
          if ((w & Rmap.EXCLUSIVE) != 0) {
            k.decided(true, 1);
            return;
          }
          hw.refGet(
              ref,
              refcount -> {
                if (!reuse(hw, refcount)) {
                  k.decided(false, refcount);
                  return;
                }
                hw.auxBits(oldFrame, Rmap.EXCLUSIVE, 0, old -> k.decided(true, refcount)); // SetPageAnonExclusive
              });
        });
  }

  private static void lockedCopy(
      Hardware hw, long pml4, long page, long pteAddr, long oldFrame, long ref, int order, long newFlags, long refcount,
      Consumer<String> k) {
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
                () -> {
                  Mistake m = hw.policy().mistake();
                  Runnable mapCopy = () -> lockedMap(hw, pml4, pteAddr, ref, order, newFrame, newFlags, k);
                  Runnable flush = () -> lockedFlush(hw, pml4, page, mapCopy);
                  if (m == Mistake.COW_UNLOCK_EARLY) { // MISTAKE: unlocked before the flush and the new PTE
                    flush = () -> hw.unlock(pml4, () -> lockedFlush(hw, pml4, page, mapCopy));
                  }
                  if (m == Mistake.COW_FREE_BEFORE_FLUSH) { // MISTAKE: old frame dropped before the flush
                    dropOld(hw, ref, order, flush);
                  } else {
                    flush.run();
                  }
                }));
  }

  /** ptep_clear_flush's flush: as the policy says (local, or local plus mm_cpumask). */
  private static void lockedFlush(Hardware hw, long pml4, long page, Runnable k) {
    Mistake m = hw.policy().mistake();
    KernelPolicy.Flush how = hw.policy().cowFaultFlush();
    if (m == Mistake.COW_NO_REMOTE_FLUSH && how == KernelPolicy.Flush.MM_CPUS) { // MISTAKE: this CPU only
      how = KernelPolicy.Flush.LOCAL;
    }
    if (m == Mistake.COW_COPY_NO_LOCAL_FLUSH) { // MISTAKE: the other CPUs only
      if (how == KernelPolicy.Flush.MM_CPUS) {
        TlbFlush.mmCpus(hw, pml4, true, others -> hw.shootdown(others, new long[] {page}, k));
      } else {
        k.run();
      }
      return;
    }
    TlbFlush.after(hw, how, pml4, new long[] {page}, k);
  }

  /** set_pte_at of the copy, its reference, the unlock, then the old frame's reference. */
  private static void lockedMap(
      Hardware hw, long pml4, long pteAddr, long oldFrame, int order, long newFrame, long newFlags, Consumer<String> k) {
    Mistake m = hw.policy().mistake();
    boolean unlocked = m == Mistake.COW_UNLOCK_EARLY;
    boolean dropped = m == Mistake.COW_FREE_BEFORE_FLUSH;
    Runnable last = () -> {
      Runnable end = () -> k.accept(null);
      Runnable drop = dropped ? end : () -> dropOld(hw, oldFrame, order, end);
      if (unlocked) {
        drop.run();
      } else {
        hw.unlock(pml4, drop);
      }
    };
    // page_remove_rmap(old) after set_pte_at (a split 2 MiB page's frame keeps no map count)
    // (nor does the zero page: vm_normal_page is NULL for it)
    Runnable removed = order == 0 && oldFrame != Layout.ZERO_FRAME ? () -> Rmap.remove(hw, oldFrame, last) : last;
    Rmap.addNewAnon(  // folio_add_new_anon_rmap before set_pte_at
        hw,
        newFrame,
        () -> hw.write(
            pteAddr,
            Pte.make(newFrame, newFlags),
            () -> {
              if (m == Mistake.COW_NO_NEW_INCREF) { // MISTAKE: no reference for the copy
                removed.run();
                return;
              }
              FrameRefs.incRef(hw, newFrame, removed);
            }));
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
          Runnable copied =
              () -> {
                hw.counters().cowCopies++;
                hw.log("cow fault {}: frame {} refcount {}, copied to frame {}{}", hex(page), hex(oldFrame), refcount, hex(newFrame), how);
                k.accept(newFrame);
              };
          if (oldFrame == Layout.ZERO_FRAME) {
            // wp_page_copy: is_zero_pfn -> vma_alloc_zeroed_movable_folio, nothing to copy
            hw.writeFrame(newFrame, null, copied);
            return;
          }
          if (hw.policy().mistake() == Mistake.COW_COPY_ZERO_FILL) { // MISTAKE: zeroed, not copied
            hw.writeFrame(newFrame, null, copied);
            return;
          }
          hw.readFrame(oldFrame, data -> hw.writeFrame(newFrame, data, copied));
        });
  }
}
