package cowsim.kernel;

import cowsim.machine.mmu.Pte;
import cowsim.machine.mmu.VirtualAddress;
import java.util.function.Consumer;

/**
 * strat9's page-fault path: a user write to a present write-protected page tries
 * handle_cow_fault; if that returns an error, the generic handler runs: outside every VMA the
 * task is killed; an unmapped page inside a VMA is demand-zeroed (a whole 2 MiB page when the VMA
 * is huge, the block fits in it and no page table is there yet: {@link HugePages#demand}); a page that is already present
 * counts as handled and the instruction is retried (which is how a failed COW fault or a write
 * to a read-only page re-faults forever).
 *
 * <p>With {@code mm-lock = rw} the whole path runs under the address space's mmap_lock taken
 * for reading, as Linux's do_user_addr_fault does, so it never overlaps a fork, munmap or
 * mprotect of the same address space.
 *
 * <p>Accounting (Linux's mm_account_fault, at the end of handle_mm_fault): every fault that ends
 * in a retry counts one minor fault for the current task ({@link Hardware#accountFault}): a page
 * mapped, a COW copy or reuse, and a fault that only found the work done (a spurious fault after
 * a stale TLB entry, a sibling that resolved the same page first). A fault that kills the task
 * (outside every VMA, a write to a read-only page under linux, out of memory) counts nothing,
 * as bad_area never reaches handle_mm_fault and VM_FAULT_ERROR is not accounted. Faults taken by
 * the kernel's copy-to-user and copy-from-user count as the task's, as in Linux. No fault is
 * major (nothing is read from a disk). strat9's refault loop counts each retried fault.
 */
public final class PageFaultHandler {

  private PageFaultHandler() {}

  /**
   * @param present the P bit of the error code (a protection fault, not a missing page)
   * @param retry resume: the faulting access is retried
   * @param kill the task must die, with the reason
   */
  public static void handle(
      Hardware hw, long pid, long va, boolean write, boolean present, Runnable retry, Consumer<String> kill) {
    hw.counters().pageFaults++;
    long pml4 = hw.cr3();
    if (!VirtualAddress.user(va)) {
      kill.accept("page fault at non-user or non-canonical address " + CowFault.hex(va));
      return;
    }
    Runnable accounted = () -> {
      hw.accountFault(); // mm_account_fault: current->min_flt++
      retry.run();
    };
    // do_user_addr_fault -> lock_mm_and_find_vma: mmap_read_lock before the VMA lookup; every
    // way out (retry, SIGSEGV, out of memory) drops it first (mmap_read_unlock, bad_area)
    Runnable unlockThenRetry = MmapLock.afterReadUnlock(hw, pml4, accounted);
    Consumer<String> unlockThenKill = MmapLock.afterReadUnlock(hw, pml4, kill);
    MmapLock.read(hw, pml4, () -> underLock(hw, pid, pml4, va, write, present, unlockThenRetry, unlockThenKill));
  }

  private static void underLock(
      Hardware hw, long pid, long pml4, long va, boolean write, boolean present, Runnable retry, Consumer<String> kill) {
    if (write && present) {
      CowFault.handle(
          hw,
          pml4,
          va,
          err -> {
            if (err == null) {
              retry.run();
            } else {
              hw.log("cow fault {}: {}", CowFault.hex(va), err);
              generic(hw, pid, pml4, va, write, retry, kill);
            }
          });
      return;
    }
    generic(hw, pid, pml4, va, write, retry, kill);
  }

  private static void generic(
      Hardware hw, long pid, long pml4, long va, boolean write, Runnable retry, Consumer<String> kill) {
    hw.call(
        tag -> new KernelState.FindVma(tag, pid, va),
        answer -> {
          Vma vma = ((KernelState.VmaAnswer) answer).vma();
          if (vma == null) {
            kill.accept("page fault at " + CowFault.hex(va) + " outside every VMA");
            return;
          }
          long page = va & ~0xfffL;
          PageTables.translate(
              hw,
              pml4,
              page,
              leaf -> {
                if (leaf.present()) {
                  boolean allowed = !write || Pte.writable(leaf.entry());
                  if (allowed) {
                    hw.counters().spuriousFaults++; // a stale TLB entry: the PTE allows it now
                  } else if (hw.policy().killOnPresentPage() && !Pte.cow(leaf.entry())) {
                    // (a page that became copy-on-write meanwhile, a sibling's fork between the
                    // two translations, is retried: the next fault takes the COW path)
                    kill.accept((write ? "write to read-only page " : "access to page ") + CowFault.hex(page) + " (SIGSEGV)");
                    return;
                  }
                  retry.run(); // "already present": counts as handled
                  return;
                }
                if (leaf.level() >= 2 && vma.hugeBlockFits(page)) {
                  // no page table under the PD entry: a 2 MiB page (do_huge_pmd_anonymous_page)
                  HugePages.demand(hw, pml4, page, vma.writable(), err -> {
                    if (err != null) {
                      kill.accept(err);
                    } else {
                      retry.run();
                    }
                  });
                  return;
                }
                if (!write && hw.policy().get(Knob.FAULT_READ_UNTOUCHED)) {
                  // do_anonymous_page: !(vmf->flags & FAULT_FLAG_WRITE) -> the shared zero page
                  AddressSpaces.mapZeroPage(hw, pml4, page, vma.writable(), err -> {
                    if (err != null) {
                      kill.accept(err);
                    } else {
                      retry.run();
                    }
                  });
                  return;
                }
                AddressSpaces.demandZero(
                    hw,
                    pml4,
                    page,
                    vma.writable(),
                    err -> {
                      if (err != null) {
                        kill.accept(err);
                      } else {
                        hw.counters().demandZeroFaults++;
                        retry.run();
                      }
                    });
              });
        });
  }
}
