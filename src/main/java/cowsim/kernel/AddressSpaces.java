package cowsim.kernel;

import cowsim.machine.mmu.Pte;
import cowsim.machine.observe.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * Address-space work the kernel does on the CPU that asked for it: building one at process
 * start, demand-zero mapping, unmapping ranges (munmap, exit), changing protection (mprotect),
 * freeing the page-table frames, and strat9's {@code AddressSpace::clone_cow} for fork.
 */
public final class AddressSpaces {

  private AddressSpaces() {}

  /** PTE flags of a user page in a VMA. */
  public static long userFlags(boolean writable) {
    return Pte.P | Pte.US | (writable ? Pte.RW : 0);
  }

  /** How many pages the areas span (a count: nothing here builds a list of them). */
  public static long pageCount(List<Vma> vmas) {
    long n = 0;
    for (Vma v : vmas) {
      n += v.pages();
    }
    return n;
  }

  /**
   * The page starts of the areas, in order, for a flush: or null when there are more than
   * {@code max} of them, which the flush treats as "everything" (above the flush ceiling it flushes
   * the whole TLB anyway). So no list is ever longer than the ceiling, whatever the areas' size.
   */
  public static long[] flushList(List<Vma> vmas, int max) {
    long n = pageCount(vmas);
    if (n > max) {
      return null;
    }
    long[] out = new long[(int) n];
    int i = 0;
    for (Vma v : vmas) {
      for (long a = v.start(); a < v.end(); a += 4096) {
        out[i++] = a;
      }
    }
    return out;
  }

  /**
   * A new PML4 that shares the kernel half (PML4 slot 511, the one the model populates).
   * k gets the frame, or -1 when out of memory.
   */
  public static void newPml4(Hardware hw, LongConsumer k) {
    hw.allocate(
        pml4 -> {
          if (pml4 < 0) {
            k.accept(-1);
            return;
          }
          hw.report(new Event.RootCreated(hw.now(), hw.cpu(), pml4));
          long slot = Layout.KERNEL_PML4_SLOT * 8L;
          hw.writeFrame(
              pml4,
              null,
              () ->
                  hw.read(
                      (Layout.KERNEL_PML4 << 12) + slot,
                      e -> hw.write((pml4 << 12) + slot, e, () -> k.accept(pml4))));
        });
  }

  /**
   * Demand paging: allocate, zero, map with the VMA's protection, frame_inc_ref, local flush.
   * k gets null on success or an error.
   */
  public static void demandZero(Hardware hw, long pml4, long page, boolean writable, Consumer<String> k) {
    hw.allocate(
        f -> {
          if (f < 0) {
            k.accept("out of memory for a demand-zero page");
            return;
          }
          Runnable zeroed =
              () ->
                  locked(
                      hw,
                      pml4,
                      done ->
                          PageTables.mapTo(
                              hw,
                              pml4,
                              page,
                              f,
                              userFlags(writable),
                              res -> {
                                if (res == PageTables.ALREADY_MAPPED) {
                                  // a sibling mapped it first: theirs stands.
                                  done.accept(() -> hw.free(f, () -> k.accept(null)));
                                } else if (res == PageTables.FRAME_ALLOCATION_FAILED) {
                                  done.accept(() -> hw.free(f, () -> k.accept("out of memory for a page table")));
                                } else {
                                  // folio_add_new_anon_rmap (under the lock, as do_anonymous_page's)
                                  Rmap.addNewAnon(hw, f, () -> FrameRefs.incRef(
                                      hw,
                                      f,
                                      () -> {
                                        hw.invlpg(page);
                                        hw.log("demand-zero {}: frame {}", CowFault.hex(page), CowFault.hex(f));
                                        done.accept(() -> k.accept(null));
                                      }));
                                }
                              }));
          if (hw.policy().mistake() == Mistake.DEMAND_ZERO_NO_CLEAR) { // MISTAKE: not zeroed
            zeroed.run();
            return;
          }
          hw.writeFrame(f, null, zeroed);
        });
  }

  /**
   * The flags of a PTE mapping the shared zero page: present, user, read-only whatever the VMA
   * allows; in a writable VMA also bit 9 (copy-on-write), so a write fault takes the COW path,
   * which gives the page a fresh zeroed frame ({@link CowFault}); in a read-only one a write is
   * the access error it is for any read-only page. mprotect only moves bit 9 ({@link #protectPages}).
   */
  public static long zeroPageFlags(boolean writable) {
    return Pte.P | Pte.US | (writable ? Pte.COW : 0);
  }

  /** Whether a PTE maps the shared zero page (Linux's is_zero_pfn: a special PTE, no reference). */
  public static boolean zeroPage(long pte) {
    return Pte.present(pte) && Pte.frame(pte) == Layout.ZERO_FRAME;
  }

  /**
   * A read fault on an untouched page under {@code fault.read-untouched = zero-page}, as Linux's
   * do_anonymous_page without FAULT_FLAG_WRITE: the PTE maps {@code my_zero_pfn} read-only
   * (pte_mkspecial), under the page-table lock; no frame is allocated and no reference taken, and
   * nothing is flushed (update_mmu_cache only: the faulting CPU dropped its entry at the fault).
   * A PTE a sibling mapped first stands. k gets null on success or an error.
   */
  public static void mapZeroPage(Hardware hw, long pml4, long page, boolean writable, Consumer<String> k) {
    locked(
        hw,
        pml4,
        done ->
            PageTables.mapTo(
                hw,
                pml4,
                page,
                Layout.ZERO_FRAME,
                zeroPageFlags(writable),
                res -> {
                  if (res == PageTables.FRAME_ALLOCATION_FAILED) {
                    done.accept(() -> k.accept("out of memory for a page table"));
                    return;
                  }
                  hw.log("zero page {}: mapped read-only", CowFault.hex(page));
                  done.accept(() -> k.accept(null));
                }));
  }

  /**
   * Runs {@code body} holding the address space's page-table lock when the policy takes it
   * ({@code cow-fault.lock = page-table}), without it otherwise (strat9). The body hands back
   * what to do after the unlock.
   */
  static void locked(Hardware hw, long pml4, Consumer<Consumer<Runnable>> body) {
    if (!hw.policy().cowLock()) {
      body.accept(Runnable::run);
      return;
    }
    hw.lock(pml4, () -> body.accept(after -> hw.unlock(pml4, after)));
  }

  /**
   * Fault in every page of the areas (populate = true), in order, each with its area's
   * protection; the first error ends it. k gets null or that error.
   */
  public static void populate(Hardware hw, long pml4, List<Vma> vmas, Consumer<String> k) {
    List<Vma> list = List.copyOf(vmas);
    String[] error = new String[1];
    Async.loop(
        0,
        list.size(),
        (r, nextArea) -> {
          if (error[0] != null) {
            nextArea.run();
            return;
          }
          Vma v = list.get(r);
          Async.range(
              v.start(),
              v.end(),
              (page, next) -> {
                boolean huge = v.hugeBlockFits(page) && page == HugePages.block(page);
                Consumer<String> after = err -> {
                  error[0] = err;
                  next.accept(err != null ? v.end() : page + (huge ? HugePages.SIZE : 4096));
                };
                if (huge) {
                  HugePages.demand(hw, pml4, page, v.writable(), after);
                } else {
                  demandZero(hw, pml4, page, v.writable(), after);
                }
              },
              nextArea);
        },
        () -> k.accept(error[0]));
  }

  /**
   * munmap's loop (strat9): for each mapped page, unmap, local flush, decrement the frame.
   * {@code how = none} skips the flush; {@code mm-cpus} adds a shootdown of the range to the
   * other CPUs running the address space at the end. With {@code tlb.free-after-flush} the frames
   * are decremented only after that shootdown. With {@code munmap.stop-at-untouched} a range
   * covering a whole region stops at its first never-touched page (strat9's leak).
   *
   * <p>The walk goes page by page, as strat9's does, but where it finds no table at all (a
   * non-present PD, PDPT or PML4 entry) over a page table's worth of the range's pages or more, it
   * goes on after that entry's whole span ({@link PageTables.Leaf#next}): no page there can be
   * mapped, so strat9's page-by-page walk would find every one of them untouched (and stop at the
   * first, under stop-at-untouched, as this walk does). Linux's zap_pmd_range and its upper levels
   * skip an empty entry the same way. So a walk costs the page-table entries present in the range
   * (and at most 511 steps under an absent entry at each end), not the range's size; a range of a
   * few pages is walked exactly as strat9 walks it.
   *
   * @param wholeRegions the ranges are whole regions (exit teardown, or munmap of a whole VMA)
   */
  public static void unmapPages(
      Hardware hw, long pml4, List<Vma> ranges, KernelPolicy.Flush how, boolean wholeRegions, Runnable k) {
    unmapPages(hw, pml4, ranges, how, wholeRegions, null, k);
  }

  /**
   * The same, {@code nested} (or null) saying at the end of the walk whether to flush the range
   * even though this walk cleared nothing (madvise's tlb_finish_mmu under mm_tlb_flush_nested).
   *
   * <p>The shootdown's rule under {@code tlb.flush-unchanged = never} (Linux): the other CPUs are
   * flushed only when this walk cleared a present PTE or PD entry (zap_pte_range's
   * tlb_remove_tlb_entry widens the mmu_gather's range, and tlb_flush_mmu_tlbonly returns at once
   * while {@code tlb->end == 0}), or when {@code nested} forces it; the frames kept for after the
   * flush are then none.
   */
  public static void unmapPages(
      Hardware hw, long pml4, List<Vma> ranges, KernelPolicy.Flush how, boolean wholeRegions,
      Consumer<Consumer<Boolean>> nested, Runnable k) {
    KernelPolicy p = hw.policy();
    boolean defer = p.freeAfterFlush() && how == KernelPolicy.Flush.MM_CPUS
        && p.mistake() != Mistake.MUNMAP_FREE_BEFORE_FLUSH; // MISTAKE: each frame dropped before the shootdown
    List<long[]> later = new ArrayList<>(); // {frame, order}
    List<Vma> list = List.copyOf(ranges);
    boolean stop = p.stopAtUntouched() && wholeRegions;
    boolean[] cleared = new boolean[2]; // PTEs, PMDs: the flush's stride (tlb_get_unmap_shift)
    Async.loop(
        0,
        list.size(),
        (r, nextRange) -> {
          Vma region = list.get(r);
          Async.Step[] step = new Async.Step[1]; // a split page is walked again: step[0] itself
          step[0] =
              (page, next) ->
                  locked(
                      hw,
                      pml4,
                      done -> {
                        PageTables.unmap(
                            hw,
                            pml4,
                            page,
                            region.end(),
                            (frame, order, after) -> {
                              if (frame < 0) {
                                if (stop) {
                                  // strat9: the region's teardown ends here
                                  hw.log("unmap of region {} stops at untouched page {}", region, CowFault.hex(page));
                                  done.accept(() -> next.accept(region.end()));
                                } else {
                                  done.accept(() -> next.accept(after));
                                }
                                return;
                              }
                              cleared[0] = true;
                              if (hw.logEnabled()) {
                                hw.log("unmap {}: frame {}", CowFault.hex(page), CowFault.hex(frame));
                              }
                              if (how != KernelPolicy.Flush.NONE && hw.cr3() == pml4) {
                                hw.invlpg(page);
                              }
                              if (frame == Layout.ZERO_FRAME) {
                                // zap_pte_range: vm_normal_page is NULL for the zero pfn; the PTE
                                // is cleared and flushed, no reference dropped
                                done.accept(() -> next.accept(after));
                                return;
                              }
                              Runnable drop = () -> dropRef(hw, frame, order, defer, later, () -> done.accept(() -> next.accept(after)), k2 -> done.accept(k2), () -> next.accept(after));
                              if (order == 0) {
                                Rmap.remove(hw, frame, drop); // zap_pte_range: page_remove_rmap
                              } else {
                                drop.run();
                              }
                            },
                            leaf -> unmapHuge(hw, pml4, region, page, leaf, how, defer, later, cleared, done, next,
                                () -> step[0].run(page, next)));
                      });
          Async.range(region.start(), region.end(), step[0], nextRange);
        },
        () -> {
          Runnable dropAll =
              () -> Async.loop(0, later.size(), (i, next) -> FrameRefs.decRef(hw, later.get(i)[0], (int) later.get(i)[1], next), k);
          if (how != KernelPolicy.Flush.MM_CPUS) {
            dropAll.run();
            return;
          }
          long[] pages = cleared[1] && !cleared[0]
              ? hugeFlushList(list, p.flushCeiling())
              : flushList(list, p.flushCeiling()); // null: more than the ceiling, a full flush
          Runnable shootdown = () -> TlbFlush.mmCpus(hw, pml4, true, others -> hw.shootdown(others, pages, dropAll));
          boolean changed = cleared[0] || cleared[1] || p.get(Knob.TLB_FLUSH_UNCHANGED);
          if (nested == null) {
            (changed ? shootdown : dropAll).run();
          } else {
            nested.accept(force -> (changed || force ? shootdown : dropAll).run());
          }
        });
  }

  /**
   * A frame reference taken out of a PTE or PMD: dropped now, kept for after the shootdown
   * ({@code defer}), or not at all (the mistake).
   */
  private static void dropRef(
      Hardware hw, long frame, int order, boolean defer, List<long[]> later, Runnable walkOn,
      Consumer<Runnable> done, Runnable next) {
    if (hw.policy().mistake() == Mistake.UNMAP_NO_DECREMENT) { // MISTAKE: no frame_dec_ref
      walkOn.run();
    } else if (defer) {
      later.add(new long[] {frame, order});
      walkOn.run();
    } else {
      done.accept(() -> FrameRefs.decRef(hw, frame, order, next));
    }
  }

  /**
   * A 2 MiB leaf in a range being unmapped. Wholly inside the range: zap_huge_pmd (the PD entry
   * cleared, this CPU's entry invalidated, the block's reference dropped; strat9 frees the head
   * as one 4 KiB frame). Partly: Linux splits it first (__split_huge_pmd) and the walk looks at
   * the same page again; strat9's 4 KiB unmap fails on the huge parent entry and the walk goes on
   * past it.
   */
  private static void unmapHuge(
      Hardware hw, long pml4, Vma region, long page, PageTables.Leaf leaf, KernelPolicy.Flush how, boolean defer,
      List<long[]> later, boolean[] cleared, Consumer<Runnable> done, java.util.function.LongConsumer next, Runnable again) {
    long block = HugePages.block(page);
    long after = block + HugePages.SIZE;
    boolean linux = hw.policy().get(Knob.HUGE_UNMAP);
    if (block < region.start() || after > region.end()) {
      if (linux) {
        HugePages.split(hw, pml4, page, leaf.entryAddr(), leaf.entry(), err -> done.accept(err == null ? again : () -> next.accept(after)));
      } else {
        done.accept(() -> next.accept(Math.min(after, region.end())));
      }
      return;
    }
    long head = Pte.frame(leaf.entry());
    hw.write(
        leaf.entryAddr(),
        0,
        () -> {
          cleared[1] = true;
          hw.log("unmap {}: 2 MiB block at frame {}", CowFault.hex(block), CowFault.hex(head));
          if (how != KernelPolicy.Flush.NONE && hw.cr3() == pml4) {
            hw.invlpg(block);
          }
          int order = linux ? HugePages.ORDER : 0;
          dropRef(hw, head, order, defer, later, () -> done.accept(() -> next.accept(after)), done, () -> next.accept(after));
        });
  }

  /**
   * The flush list when only 2 MiB entries were cleared: one address per 2 MiB page, as Linux
   * flushes with a PMD stride then; null above the ceiling.
   */
  static long[] hugeFlushList(List<Vma> vmas, int max) {
    List<Long> out = new ArrayList<>();
    for (Vma v : vmas) {
      for (long a = HugePages.block(v.start()); a < v.end(); a += HugePages.SIZE) {
        out.add(a);
        if (out.size() > max) {
          return null;
        }
      }
    }
    return out.stream().mapToLong(Long::longValue).toArray();
  }

  /**
   * mprotect's page loop: rewrite each present PTE's RW bit (a COW page stays read-only). strat9
   * flushes nothing afterwards, not even locally. As {@link #unmapPages}, the walk goes on past
   * the span of a table entry that is not present.
   */
  public static void protectPages(Hardware hw, long pml4, List<Vma> ranges, Runnable k) {
    protectPages(hw, pml4, ranges, lost -> k.run());
  }

  /**
   * The same; k hears whether a present PTE or PD entry lost its write permission, the one change
   * that needs a flush (x86's pte_needs_flush, which change_pte_range asks before
   * tlb_flush_pte_range: an upgrade, or a software bit, needs none; a later access through the
   * old entry takes a spurious fault at most).
   */
  public static void protectPages(Hardware hw, long pml4, List<Vma> ranges, Consumer<Boolean> k) {
    boolean[] lost = new boolean[1];
    List<Vma> list = List.copyOf(ranges);
    Async.loop(
        0,
        list.size(),
        (r, nextRange) -> {
          Vma v = list.get(r);
          Async.Step[] step = new Async.Step[1]; // a split page is walked again: step[0] itself
          step[0] =
              (page, next) ->
                  locked(
                      hw,
                      pml4,
                      done ->
                          PageTables.translate(
                              hw,
                              pml4,
                              page,
                              leaf -> {
                                long after = leaf.next(page, v.end());
                                if (leaf.mapped2m()) {
                                  lost[0] |= Pte.writable(leaf.entry()) && !v.writable();
                                  protectHuge(hw, pml4, v, page, leaf, done, next, () -> step[0].run(page, next));
                                  return;
                                }
                                if (!leaf.mapped4k()) {
                                  done.accept(() -> next.accept(after));
                                  return;
                                }
                                boolean writable = v.writable();
                                long e = leaf.entry();
                                long ne = writable && !Pte.cow(e) ? e | Pte.RW : e & ~Pte.RW;
                                if (zeroPage(e)) {
                                  // never writable (change_pte_range keeps a special PTE read-only);
                                  // bit 9 follows the VMA, so a write fault copies it only when allowed
                                  ne = writable ? e | Pte.COW : e & ~Pte.COW;
                                }
                                if (ne == e) {
                                  done.accept(() -> next.accept(after));
                                } else {
                                  lost[0] |= Pte.writable(e) && !Pte.writable(ne);
                                  hw.write(leaf.entryAddr(), ne, () -> done.accept(() -> next.accept(after)));
                                }
                              }));
          Async.range(v.start(), v.end(), step[0], nextRange);
        },
        () -> k.accept(lost[0]));
  }

  /**
   * A 2 MiB leaf in an mprotect range: wholly inside, its PD entry's RW bit is rewritten as a
   * PTE's would be (change_huge_pmd); partly, Linux splits it first and looks at the same page
   * again, strat9's 4 KiB update_flags fails on the huge parent entry and leaves it as it is.
   */
  private static void protectHuge(
      Hardware hw, long pml4, Vma v, long page, PageTables.Leaf leaf, Consumer<Runnable> done,
      java.util.function.LongConsumer next, Runnable again) {
    long block = HugePages.block(page);
    long after = block + HugePages.SIZE;
    if (block < v.start() || after > v.end()) {
      if (hw.policy().get(Knob.HUGE_UNMAP)) {
        HugePages.split(hw, pml4, page, leaf.entryAddr(), leaf.entry(), err -> done.accept(err == null ? again : () -> next.accept(after)));
      } else {
        done.accept(() -> next.accept(Math.min(after, v.end())));
      }
      return;
    }
    long e = leaf.entry();
    long ne = v.writable() && !Pte.cow(e) ? e | Pte.RW : e & ~Pte.RW;
    if (ne == e) {
      done.accept(() -> next.accept(after));
    } else {
      hw.write(leaf.entryAddr(), ne, () -> done.accept(() -> next.accept(after)));
    }
  }

  /** Frees the user page-table frames (PT, PD, PDPT below PML4 slots 0..255), then the PML4. */
  public static void freeTables(Hardware hw, long pml4, Runnable k) {
    freeLowerTables(hw, pml4, () -> hw.free(pml4, k));
  }

  /** Frees the user page-table frames below PML4 slots 0..255 (free_pgtables), not the PML4. */
  static void freeLowerTables(Hardware hw, long pml4, Runnable k) {
    hw.readFrame(
        pml4,
        top ->
            Async.loop(
                0,
                256,
                (i, next) -> {
                  if (!Pte.present(top[i])) {
                    next.run();
                  } else {
                    freeTable(hw, Pte.frame(top[i]), 3, next);
                  }
                },
                k));
  }

  private static void freeTable(Hardware hw, long table, int level, Runnable k) {
    if (level == 1) {
      hw.free(table, k);
      return;
    }
    hw.readFrame(
        table,
        entries ->
            Async.loop(
                0,
                512,
                (i, next) -> {
                  if (!Pte.present(entries[i]) || Pte.huge(entries[i])) {
                    next.run();
                  } else {
                    freeTable(hw, Pte.frame(entries[i]), level - 1, next);
                  }
                },
                () -> hw.free(table, k)));
  }

  /** Tear down a dead process's address space: user pages, then the page-table frames. */
  public static void teardown(Hardware hw, long pml4, List<Vma> vmas, Runnable k) {
    if (pml4 == 0) {
      k.run(); // it died before its PML4 existed
      return;
    }
    // the process is dead: no other CPU runs this address space any more. exit_mmap takes
    // mmap_write_lock around unmap_vmas and free_pgtables; nobody can contend (no thread is
    // left), but a lock leaked by a kernel path shows here as a lockup. The PML4 is freed after
    // the unlock, as mmdrop frees the pgd after exit_mmap (the lock word lives in its metadata).
    MmapLock.write(
        hw,
        pml4,
        () ->
            unmapPages(
                hw,
                pml4,
                vmas,
                KernelPolicy.Flush.LOCAL,
                true,
                () -> freeLowerTables(hw, pml4, () -> MmapLock.writeUnlock(hw, pml4, () -> hw.free(pml4, k)))));
  }

  /** A page clone_cow processed: where, what the parent had, and the shared frame. */
  private record Processed(long entryAddr, long original, long frame, boolean counted) {}

  /**
   * strat9's clone_cow: walks the VMAs; a present writable page loses WRITABLE and gains bit 9 in
   * the parent, the child maps the same frame with the same flags, and the frame's refcount is
   * incremented; read-only pages are shared as they are; untouched pages are not copied. Then
   * shootdown_all(). On failure the parent's flags are restored and each processed page is
   * decremented, then the child's teardown decrements again (strat9's double decrement).
   * k gets the child's PML4, or -1 on out of memory.
   */
  public static void cloneCow(Hardware hw, long parentPml4, List<Vma> vmas, LongConsumer then) {
    hw.report(new Event.OpBegin(hw.now(), hw.cpu(), parentPml4, "fork"));
    LongConsumer k =
        child -> {
          hw.report(new Event.OpEnd(hw.now(), hw.cpu(), parentPml4, "fork"));
          then.accept(child);
        };
    newPml4(
        hw,
        child -> {
          if (child < 0) {
            k.accept(-1);
            return;
          }
          List<Vma> areas = List.copyOf(vmas);
          List<Processed> doneList = new ArrayList<>();
          boolean[] failed = new boolean[1];
          boolean flushFirst = hw.policy().mistake() == Mistake.FORK_FLUSH_FIRST;
          // page by page over each VMA, as strat9; past a table entry that is not present, the
          // walk goes on after its span (no page there can be mapped: see unmapPages)
          Runnable clone = () -> Async.loop(
              0,
              areas.size(),
              (r, nextArea) -> {
                if (failed[0]) {
                  nextArea.run();
                  return;
                }
                Vma v = areas.get(r);
                Async.range(
                    v.start(),
                    v.end(),
                    (va, next) ->
                        locked(
                            hw,
                            parentPml4,
                            done ->
                                cloneOne(
                                    hw, parentPml4, child, va, v.end(), doneList, failed,
                                    after -> done.accept(() -> next.accept(failed[0] ? v.end() : after)))),
                    nextArea);
              },
              () -> {
                if (!failed[0]) {
                  if (flushFirst) {
                    k.accept(child);
                    return;
                  }
                  // dup_mmap ends with flush_tlb_mm(oldmm) whatever it copied: fork flushes even when
                  // no PTE was write-protected (tlb.flush-unchanged does not apply here)
                  TlbFlush.after(hw, hw.policy().forkFlush(), parentPml4, null, () -> k.accept(child));
                  return;
                }
                hw.log("fork: out of memory in clone_cow, rolling back {} pages", doneList.size());
                Runnable teardownChild = () -> teardown(hw, child, vmas, () -> k.accept(-1));
                if (hw.policy().mistake() == Mistake.FORK_OOM_NO_TEARDOWN) { // MISTAKE: the half-built child is dropped
                  teardownChild = () -> k.accept(-1);
                }
                Runnable afterRollback = teardownChild;
                rollback(
                    hw,
                    hw.policy().forkRollbackTeardownOnly() ? List.of() : doneList,
                    () -> TlbFlush.after(hw, hw.policy().forkFlush(), parentPml4, null, afterRollback));
              });
          if (flushFirst) { // MISTAKE: the flush comes before the PTEs are write-protected
            TlbFlush.after(hw, hw.policy().forkFlush(), parentPml4, null, clone);
          } else {
            clone.run();
          }
        });
  }

  /** One page of clone_cow (under the parent's page-table lock when the policy takes it). */
  /** {@code then} gets the address the walk over [va, end) goes on from ({@link PageTables.Leaf#next}). */
  private static void cloneOne(
      Hardware hw, long parentPml4, long child, long va, long end, List<Processed> done, boolean[] failed,
      LongConsumer then) {
    PageTables.translate(
        hw,
        parentPml4,
        va,
        leaf -> {
          Runnable next = () -> then.accept(leaf.next(va, end));
          boolean huge = leaf.mapped2m();
          if (!leaf.mapped4k() && !huge) {
            next.run(); // never touched: the child only inherits the VMA
            return;
          }
          long e = leaf.entry();
          long frame = Pte.frame(e);
          // the reference the child's mapping takes: a 2 MiB page's, or a split one's, is on its head
          long ref = huge ? frame : HugePages.refFrame(e);
          long at = huge ? HugePages.block(va) : va;
          boolean[] dupped = {false}; // page_try_dup_anon_rmap counted the child's mapping
          Runnable mapChild =
              () -> {
                long childFlags =
                    Pte.writable(e) ? (Pte.flags(e) & ~Pte.RW) | Pte.COW : Pte.flags(e);
                if (hw.policy().mistake() == Mistake.FORK_CHILD_WRITABLE) { // MISTAKE: the child's side stays writable
                  childFlags = Pte.flags(e);
                }
                java.util.function.IntConsumer mapped =
                    res -> {
                      if (res != PageTables.MAPPED) {
                        failed[0] = true;
                        done.add(new Processed(leaf.entryAddr(), e, ref, false));
                        if (dupped[0]) {
                          // no child PTE after all (its page table could not be allocated): the
                          // map count goes back. Linux allocates the child's PTE table first
                          // (copy_pte_range's pte_alloc_map_lock), so no dup precedes the failure
                          Rmap.remove(hw, frame, next);
                        } else {
                          next.run();
                        }
                        return;
                      }
                      if (ref == Layout.ZERO_FRAME) {
                        // copy_present_pte: vm_normal_page is NULL for the zero pfn, the PTE is
                        // copied as it is and no reference is taken
                        done.add(new Processed(leaf.entryAddr(), e, ref, false));
                        next.run();
                        return;
                      }
                      if (hw.policy().mistake() == Mistake.FORK_NO_REFCOUNT) { // MISTAKE: no frame_inc_ref
                        done.add(new Processed(leaf.entryAddr(), e, ref, true)); // (the rollback still decrements)
                        next.run();
                        return;
                      }
                      FrameRefs.incRef(
                          hw,
                          ref,
                          () -> {
                            done.add(new Processed(leaf.entryAddr(), e, ref, true));
                            next.run();
                          });
                    };
                if (huge) {
                  PageTables.mapHuge(hw, child, at, frame, childFlags, mapped);
                } else {
                  PageTables.mapTo(hw, child, at, frame, childFlags, mapped);
                }
              };
          Runnable share = () -> {
            if (hw.logEnabled()) {
              hw.log("clone_cow {}: frame {} {}", CowFault.hex(va), CowFault.hex(frame), Pte.writable(e) ? "COW-marked, shared with the child" : "shared as it is");
            }
            if (Pte.writable(e) && hw.policy().mistake() != Mistake.FORK_PARENT_WRITABLE) { // MISTAKE: parent not write-protected
              hw.write(leaf.entryAddr(), (e & ~Pte.RW) | Pte.COW, mapChild);
            } else {
              mapChild.run();
            }
          };
          if (huge || ref != frame || frame == Layout.ZERO_FRAME) {
            share.run(); // a 2 MiB page keeps no map count here, nor does the zero page
            return;
          }
          // copy_present_pte: page_try_dup_anon_rmap before the write-protect
          Rmap.tryDupAnon(hw, frame, shared -> {
            if (shared) {
              dupped[0] = hw.policy().mistake() != Mistake.FORK_NO_MAPCOUNT_DUP;
              share.run();
            } else {
              copyPinned(hw, child, va, e, leaf, done, failed, next);
            }
          });
        });
  }

  /**
   * copy_present_page: a pinned exclusive page is not shared with the child; the child gets its
   * own copy, mapped with the parent's flags (the parent's PTE stays as it is, writable).
   */
  private static void copyPinned(
      Hardware hw, long child, long va, long e, PageTables.Leaf leaf, List<Processed> done, boolean[] failed, Runnable next) {
    long frame = Pte.frame(e);
    hw.allocate(
        f -> {
          if (f < 0) {
            failed[0] = true;
            next.run();
            return;
          }
          hw.log("clone_cow {}: frame {} may be pinned, copied for the child to frame {}", CowFault.hex(va), CowFault.hex(frame), CowFault.hex(f));
          hw.readFrame(frame, data -> hw.writeFrame(f, data, () -> Rmap.addNewAnon(hw, f, () ->
              PageTables.mapTo(hw, child, va, f, Pte.flags(e) & ~Pte.COW, res -> {
                if (res != PageTables.MAPPED) {
                  failed[0] = true;
                  hw.free(f, next);
                  return;
                }
                FrameRefs.incRef(hw, f, () -> {
                  done.add(new Processed(leaf.entryAddr(), e, f, true));
                  next.run();
                });
              }))));
        });
  }

  private static void rollback(Hardware hw, List<Processed> done, Runnable k) {
    Async.loop(
        0,
        done.size(),
        (i, next) -> {
          Processed p = done.get(i);
          hw.write(
              p.entryAddr(),
              p.original(),
              () -> {
                if (p.counted()) {
                  FrameRefs.decRef(hw, p.frame(), next);
                } else {
                  next.run();
                }
              });
        },
        k);
  }
}
