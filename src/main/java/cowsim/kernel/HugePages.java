package cowsim.kernel;

import cowsim.machine.mmu.Pte;
import java.util.function.Consumer;

/**
 * The kernel's 2 MiB pages: one PD entry with PS set maps an order-9 block of 512 frames whose
 * refcount lives on its head frame (Linux's compound page) until the block is split.
 *
 * <ul>
 *   <li>Demand paging ({@link #demand}): Linux's do_huge_pmd_anonymous_page: allocate the block,
 *       clear it (clear_huge_page: 512 frame writes), then under the page-table lock map it with
 *       one PD entry unless the PMD was populated meanwhile, take the head's reference, flush.
 *   <li>A write fault on a copy-on-write huge page ({@link #cowFault}), by {@code huge.cow-fault}:
 *       strat9 refuses it (handled by the caller, {@link CowFault}); {@code split} follows
 *       do_huge_pmd_wp_page: under the page-table lock, recheck the PMD; a sole owner (head
 *       refcount 1) gets the entry back writable in place, a shared page is split
 *       ({@link #split}) and the fault falls back to a 4 KiB COW fault; {@code copy} copies the
 *       whole block into a new one (Linux before 5.8's do_huge_pmd_wp_page_fallback removal).
 *   <li>Splitting ({@link #split}) follows __split_huge_pmd_locked for an anonymous PMD, in its
 *       order: pmdp_invalidate (the PD entry is cleared and the huge translation flushed on every
 *       CPU running the address space), then a page table with 512 PTEs carrying the PMD's
 *       protection (read-only and COW stay) goes in (pmd_populate; see {@link #fill}), each marked
 *       {@link #COMPOUND}. The block stays one allocation with its count on the head (Linux does
 *       not split the folio here): the 512 PTEs hold 512 references where the PMD held one.
 *   <li>Unmapping ({@link #unmap}): strat9 decrements the head and frees one 4 KiB frame
 *       (frame_dec_ref); Linux (zap_huge_pmd) drops the block's reference and frees the whole
 *       block at 0. A PTE of a split block ({@link #COMPOUND}) drops its reference on the head the
 *       same way, wherever it is unmapped, copied or forked.
 * </ul>
 */
public final class HugePages {

  /** Frames in a 2 MiB page. */
  public static final int FRAMES = 512;
  /** The buddy order of a 2 MiB block. */
  public static final int ORDER = 9;
  /** Bytes in a 2 MiB page. */
  public static final long SIZE = 2L << 20;

  private HugePages() {}

  /** The 2 MiB-aligned address of the page holding va. */
  public static long block(long va) {
    return va & -SIZE;
  }

  /** PD-entry flags of a huge user page. */
  static long hugeFlags(boolean writable) {
    return AddressSpaces.userFlags(writable) | Pte.PS;
  }

  // ---------------------------------------------------------------- demand paging

  /** A not-present fault whose PD entry is empty, in a VMA a whole 2 MiB block fits: map one. */
  public static void demand(Hardware hw, long pml4, long va, boolean writable, Consumer<String> k) {
    long block = block(va);
    hw.allocate(
        ORDER,
        head -> {
          if (head < 0) {
            k.accept("out of memory for a 2 MiB page");
            return;
          }
          Runnable zeroed =
              () ->
                  AddressSpaces.locked(
                      hw,
                      pml4,
                      done ->
                          PageTables.mapHuge(
                              hw,
                              pml4,
                              block,
                              head,
                              hugeFlags(writable),
                              res -> {
                                if (res == PageTables.ALREADY_MAPPED) {
                                  // a sibling mapped it (or split it) first: theirs stands
                                  done.accept(() -> hw.free(head, ORDER, () -> k.accept(null)));
                                } else if (res == PageTables.FRAME_ALLOCATION_FAILED) {
                                  done.accept(() -> hw.free(head, ORDER, () -> k.accept("out of memory for a page table")));
                                } else {
                                  FrameRefs.incRef(
                                      hw,
                                      head,
                                      () -> {
                                        hw.invlpg(block);
                                        hw.counters().hugeFaults++;
                                        hw.log("demand-zero {}: 2 MiB block at frame {}", CowFault.hex(block), CowFault.hex(head));
                                        done.accept(() -> k.accept(null));
                                      });
                                }
                              }));
          if (hw.policy().mistake() == Mistake.DEMAND_ZERO_NO_CLEAR) { // MISTAKE: not zeroed
            zeroed.run();
            return;
          }
          Async.loop(0, FRAMES, (i, next) -> hw.writeFrame(head + i, null, next), zeroed);
        });
  }

  // ---------------------------------------------------------------- the COW fault

  /**
   * A write fault on a present huge leaf, with {@code huge.cow-fault} = split or copy. {@code k}
   * gets null when the fault is resolved (the access is retried), {@link #FALLBACK} when the PMD
   * was split and the caller must handle the fault again at 4 KiB, or strat9's error string.
   */
  static void cowFault(Hardware hw, long pml4, long va, PageTables.Leaf leaf, Consumer<String> k) {
    if (!Pte.cow(leaf.entry())) {
      k.accept("Not a COW page");
      return;
    }
    KernelPolicy p = hw.policy();
    boolean lock = p.cowLock();
    Runnable body =
        () ->
            hw.read(
                leaf.entryAddr(),
                now -> {
                  long ad = Pte.A | Pte.D;
                  if ((now & ~ad) != (leaf.entry() & ~ad)) {
                    unlockThen(hw, pml4, lock, () -> k.accept(null)); // changed meanwhile: retry
                    return;
                  }
                  long head = Pte.frame(now);
                  hw.refGet(
                      head,
                      refcount -> {
                        if (refcount == 1) {
                          long writable = (now | Pte.RW) & ~Pte.COW;
                          hw.write(
                              leaf.entryAddr(),
                              writable,
                              () -> {
                                hw.invlpg(block(va));
                                hw.counters().cowReuses++;
                                hw.log("cow fault {}: 2 MiB block at frame {} refcount 1, made writable in place", CowFault.hex(va), CowFault.hex(head));
                                unlockThen(hw, pml4, lock, () -> k.accept(null));
                              });
                          return;
                        }
                        if (p.get(Knob.HUGE_COW_FAULT) == KernelPolicy.HugeCowFault.COPY) {
                          copy(hw, pml4, va, leaf.entryAddr(), now, refcount, () -> unlockThen(hw, pml4, lock, () -> k.accept(null)));
                          return;
                        }
                        split(
                            hw,
                            pml4,
                            va,
                            leaf.entryAddr(),
                            now,
                            err -> unlockThen(hw, pml4, lock, () -> k.accept(err == null ? FALLBACK : err)));
                      });
                });
    if (lock) {
      hw.lock(pml4, body);
    } else {
      body.run();
    }
  }

  /** What {@link #cowFault} hands back when the PMD was split: handle the fault at 4 KiB. */
  static final String FALLBACK = "VM_FAULT_FALLBACK";

  private static void unlockThen(Hardware hw, long pml4, boolean lock, Runnable k) {
    if (lock) {
      hw.unlock(pml4, k);
    } else {
      k.run();
    }
  }

  /** Copy the whole block into a new one, map it writable, flush, drop the old block. */
  private static void copy(Hardware hw, long pml4, long va, long pdAddr, long entry, long refcount, Runnable k) {
    long block = block(va);
    long old = Pte.frame(entry);
    hw.allocate(
        ORDER,
        head -> {
          if (head < 0) {
            hw.log("cow fault {}: OOM copying a 2 MiB page", CowFault.hex(va));
            k.run(); // VM_FAULT_OOM: the access faults again
            return;
          }
          Async.loop(
              0,
              FRAMES,
              (i, next) -> hw.readFrame(old + i, data -> hw.writeFrame(head + i, data, next)),
              () ->
                  hw.write(
                      pdAddr,
                      Pte.make(head, (Pte.flags(entry) | Pte.RW) & ~Pte.COW),
                      () ->
                          FrameRefs.incRef(
                              hw,
                              head,
                              () ->
                                  TlbFlush.after(
                                      hw,
                                      hw.policy().cowFaultFlush(),
                                      pml4,
                                      new long[] {block},
                                      () -> {
                                        hw.counters().cowCopies++;
                                        hw.log("cow fault {}: 2 MiB block at frame {} refcount {}, copied to frame {}", CowFault.hex(va), CowFault.hex(old), refcount, CowFault.hex(head));
                                        FrameRefs.decRef(hw, old, ORDER, k);
                                      }))));
        });
  }

  // ---------------------------------------------------------------- splitting a PMD

  /**
   * __split_huge_pmd_locked for the PD entry {@code entry} at {@code pdAddr} (the caller holds
   * the page-table lock when the policy takes it). {@code k} gets null, or an error (no memory
   * for the page table: the PD entry is put back).
   */
  static void split(Hardware hw, long pml4, long va, long pdAddr, long entry, Consumer<String> k) {
    long block = block(va);
    long head = Pte.frame(entry);
    // pmdp_invalidate: the PMD is cleared and the huge translation flushed everywhere it may be
    hw.write(
        pdAddr,
        0,
        () -> {
          KernelPolicy.Flush how = hw.policy().cowFaultFlush();
          if (hw.policy().mistake() == Mistake.HUGE_SPLIT_NO_FLUSH) { // MISTAKE: only this CPU flushed
            how = KernelPolicy.Flush.LOCAL;
          }
          TlbFlush.after(
              hw,
              how,
              pml4,
              new long[] {block},
              () ->
                  hw.allocate(
                      table -> {
                        if (table < 0) {
                          hw.write(pdAddr, entry, () -> k.accept("out of memory for a page table (split)"));
                          return;
                        }
                        hw.writeFrame(
                            table,
                            null,
                            () ->
                                // pmd_populate, then the 512 PTEs (see fill)
                                hw.write(
                                    pdAddr,
                                    Pte.make(table, PageTables.TABLE_FLAGS),
                                    () ->
                                        fill(
                                            hw,
                                            table,
                                            entry,
                                            () -> addSplitRefs(hw, head, () -> {
                                              hw.counters().hugeSplits++;
                                              hw.log("split 2 MiB page {}: frame {} now 512 PTEs in table {}", CowFault.hex(block), CowFault.hex(head), CowFault.hex(table));
                                              k.accept(null);
                                            }))));
                      }));
        });
  }

  /**
   * The 512 PTEs of a split: frame head + i, the PMD's flags without PS (bit 7 is PAT in a PTE),
   * one store each. Linux fills the deposited table before pmd_populate links it; here the table
   * is linked first (empty) and filled under the page-table lock, so the oracle sees every PTE
   * as it is written. The difference is invisible to the kernel's paths, which take the lock
   * and recheck; a walker that misses meanwhile faults, as it would on Linux's invalidated PMD.
   */
  private static void fill(Hardware hw, long table, long entry, Runnable k) {
    long head = Pte.frame(entry);
    long flags = (Pte.flags(entry) & ~Pte.PS) | COMPOUND;
    Async.loop(0, FRAMES, (i, next) -> hw.write((table << 12) + 8L * i, Pte.make(head + i, flags), next), k);
  }

  /**
   * The split's references: each of the 512 PTEs holds one on the block, as the PMD held one,
   * so the head gains 511 (__split_huge_pmd_locked: folio_ref_add(folio, HPAGE_PMD_NR - 1)).
   */
  private static void addSplitRefs(Hardware hw, long head, Runnable k) {
    if (hw.policy().mistake() == Mistake.HUGE_SPLIT_NO_REF) { // MISTAKE: the PTEs take no references
      k.run();
      return;
    }
    hw.refAdd(head, FRAMES - 1, old -> k.run());
  }

  // ---------------------------------------------------------------- unmapping

  /**
   * zap_huge_pmd, or strat9's frame_dec_ref of the head: the PD entry at {@code pdAddr} is
   * cleared and the mapping's reference dropped (flushing is the caller's).
   */
  static void unmap(Hardware hw, long pdAddr, long entry, Runnable k) {
    long head = Pte.frame(entry);
    hw.write(
        pdAddr,
        0,
        () -> {
          if (hw.policy().mistake() == Mistake.UNMAP_NO_DECREMENT) { // MISTAKE: no frame_dec_ref
            k.run();
          } else if (!hw.policy().get(Knob.HUGE_UNMAP)) {
            FrameRefs.decRef(hw, head, k); // strat9: one 4 KiB frame goes back at 0
          } else {
            FrameRefs.decRef(hw, head, ORDER, k);
          }
        });
  }

  // ---------------------------------------------------------------- frames of a block mapped by PTEs

  /**
   * Software-available PTE bit 10: the PTE maps one frame of a 2 MiB block (it came from a split),
   * so its reference is the block's, on the head frame ({@code frame & ~511}): Linux's
   * compound_head() / page_folio(), here without a read of struct page because blocks are
   * 512-frame aligned.
   */
  public static final long COMPOUND = 1L << 10;

  /** The frame whose refcount a PTE's reference lives on: the block's head for a split block. */
  static long refFrame(long pte) {
    long f = Pte.frame(pte);
    return (pte & COMPOUND) != 0 ? f & ~(FRAMES - 1L) : f;
  }

  /** The buddy order to free a PTE's reference frame with at 0. */
  static int refOrder(long pte) {
    return (pte & COMPOUND) != 0 ? ORDER : 0;
  }
}
