package cowsim.kernel;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The catalogue of deliberate kernel mistakes: test equipment for {@code cowsim mutants}, never
 * part of a profile. Each one is a real kernel code path on the simulated machine (the same
 * messages a kernel with that bug would send), switched on by {@code kernel.mistake = NAME} over
 * any profile, and each breaks one step of one kernel function. The kernel code tests for it at
 * that step only ({@code if (hw.policy().mistake() == Mistake.X)}).
 *
 * <p>This enum is the one declaration of each mistake: the scenario reader validates against it,
 * and {@code mutants --help}, the README table (checked by a test) and the command's table are
 * derived from it.
 */
public enum Mistake {
  /** No mistake: the kernel as the profile says. */
  NONE("none", Paths.BOTH, "no mistake", "", null),

  // ---------------------------------------------------------------- COW fault
  COW_NO_RECHECK(
      "cow-no-recheck",
      Paths.LINUX,
      "skip the PTE recheck after taking the page-table lock (use the PTE read before the lock)",
      "wp_page_copy / do_wp_page: the pte_same() recheck under the PTL (CowFault.locked)",
      null),
  COW_REUSE_AT_TWO(
      "cow-reuse-at-two",
      Paths.BOTH,
      "reuse the page in place while its refcount is still 2 (off by one: refcount <= 2)",
      "handle_cow_fault / wp_can_reuse_anon_folio: the refcount == 1 test (CowFault.handle, CowFault.locked)",
      null),
  COW_REUSE_NO_INVLPG(
      "cow-reuse-no-invlpg",
      Paths.BOTH,
      "skip the local invlpg after making the page writable in place",
      "handle_cow_fault: flush() and local_invlpg after update_flags (CowFault.handle, CowFault.locked)",
      "the page fault already dropped this CPU's entry for the address (SDM 4.10.4.1) and the kernel fills"
          + " no user entry before it returns; other CPUs hold at most read-only entries, which cost one"
          + " spurious fault (x86 Linux does not flush here either)"),
  COW_KEEP_COW_BIT(
      "cow-keep-cow-bit",
      Paths.BOTH,
      "make the page writable but leave bit 9 (COW) set",
      "handle_cow_fault: the new flags (RW on, COW off) of the reuse and of the copy (CowFault)",
      null),
  COW_COPY_ZERO_FILL(
      "cow-copy-zero-fill",
      Paths.BOTH,
      "zero the new frame instead of copying the old one into it",
      "handle_cow_fault / wp_page_copy: the 4096-byte copy (copy_user_highpage) (CowFault.allocateAndCopy)",
      null),
  COW_NO_NEW_INCREF(
      "cow-no-new-incref",
      Paths.BOTH,
      "forget the refcount increment of the new frame after mapping the copy",
      "handle_cow_fault: frame_inc_ref(new_frame) / wp_page_copy: folio_add_new_anon_rmap (CowFault.remap, CowFault.lockedCopy)",
      null),
  COW_DOUBLE_DECREMENT(
      "cow-double-decrement",
      Paths.BOTH,
      "decrement the old frame twice after the copy",
      "handle_cow_fault: frame_dec_ref(old_frame) / wp_page_copy: folio_put(old) (CowFault.dropOld)",
      null),
  COW_NO_REMOTE_FLUSH(
      "cow-no-remote-flush",
      Paths.LINUX,
      "after clearing the old PTE, flush only this CPU (no shootdown to the other CPUs of mm_cpumask)",
      "wp_page_copy: ptep_clear_flush -> flush_tlb_page (CowFault.lockedCopy, CowFault.finish)",
      null),
  COW_COPY_NO_LOCAL_FLUSH(
      "cow-copy-no-local-flush",
      Paths.BOTH,
      "after the copy, skip this CPU's own invalidation (the remote shootdown still happens)",
      "handle_cow_fault: flush() and local_invlpg after map_to / ptep_clear_flush's local part (CowFault.remap, CowFault.lockedCopy)",
      "the page fault already dropped this CPU's entry for the address (SDM 4.10.4.1) and nothing on this"
          + " CPU refills it while the kernel handles the fault"),
  COW_FREE_BEFORE_FLUSH(
      "cow-free-before-flush",
      Paths.LINUX,
      "drop the old frame's reference right after clearing its PTE, before the shootdown is acknowledged",
      "wp_page_copy: folio_put(old) after ptep_clear_flush (tlb.free-after-flush ignored) (CowFault.lockedCopy, CowFault.finish)",
      null),
  COW_UNLOCK_EARLY(
      "cow-unlock-early",
      Paths.LINUX,
      "release the page-table lock right after clearing the old PTE, before the flush and the new PTE",
      "wp_page_copy: pte_unmap_unlock after set_pte_at (CowFault.lockedCopy)",
      null),

  // ---------------------------------------------------------------- fork
  FORK_NO_REFCOUNT(
      "fork-no-refcount",
      Paths.BOTH,
      "forget the refcount increment of a frame the child now shares",
      "clone_cow: frame_inc_ref / copy_present_pte: folio_dup_rmap (AddressSpaces.cloneOne)",
      null),
  FORK_CHILD_WRITABLE(
      "fork-child-writable",
      Paths.BOTH,
      "map the child's side with the parent's flags: still writable, no COW bit",
      "clone_cow: the child's flags (RW off, bit 9 on) / copy_present_pte (AddressSpaces.cloneOne)",
      null),
  FORK_PARENT_WRITABLE(
      "fork-parent-writable",
      Paths.BOTH,
      "leave the parent's PTE writable (forget to write-protect the parent side)",
      "clone_cow: the parent's PTE write / copy_present_pte: ptep_set_wrprotect (AddressSpaces.cloneOne)",
      null),
  FORK_FLUSH_FIRST(
      "fork-flush-first",
      Paths.BOTH,
      "flush the TLBs before write-protecting the pages instead of after",
      "clone_cow: shootdown_all after the loop / dup_mmap: flush_tlb_mm after copy_page_range (AddressSpaces.cloneCow)",
      null),
  FORK_OOM_NO_TEARDOWN(
      "fork-oom-no-teardown",
      Paths.BOTH,
      "when clone_cow runs out of memory, drop the half-built child address space without tearing it down",
      "sys_fork error path: the child's teardown / dup_mmap's mmput on failure (AddressSpaces.cloneCow)",
      null),

  // ---------------------------------------------------------------- TLB shootdown
  SHOOTDOWN_ONE_SHORT(
      "shootdown-one-short",
      Paths.LINUX,
      "leave the last CPU of mm_cpumask out of every shootdown",
      "flush_tlb_mm_range / native_flush_tlb_multi: the target cpumask (TlbFlush.mmCpus)",
      null),

  // ---------------------------------------------------------------- munmap, exit
  MUNMAP_NO_FLUSH(
      "munmap-no-flush",
      Paths.BOTH,
      "munmap flushes no TLB at all, not even this CPU's, and frees the frames at once",
      "munmap: the local flush per page and the final shootdown / zap_pte_range + tlb_finish_mmu (KernelOnCpu.syscall munmap)",
      null),
  MUNMAP_FREE_BEFORE_FLUSH(
      "munmap-free-before-flush",
      Paths.LINUX,
      "munmap drops each frame's reference as it unmaps it, before the shootdown is acknowledged",
      "zap_pte_range: frames go to the mmu_gather and are freed after tlb_flush_mmu (AddressSpaces.unmapPages)",
      null),
  UNMAP_NO_DECREMENT(
      "unmap-no-decrement",
      Paths.BOTH,
      "forget to decrement the frame when unmapping a page (munmap and exit teardown)",
      "munmap loop: frame_dec_ref / zap_pte_range: page_remove_rmap + put (AddressSpaces.unmapPages)",
      null),

  // ---------------------------------------------------------------- mprotect
  MPROTECT_NO_SHOOTDOWN(
      "mprotect-no-shootdown",
      Paths.LINUX,
      "mprotect flushes only this CPU, not the other CPUs running the address space",
      "change_protection: flush_tlb_range over mm_cpumask (KernelOnCpu.syscall mprotect)",
      null),
  MPROTECT_FLUSH_FIRST(
      "mprotect-flush-first",
      Paths.LINUX,
      "mprotect flushes before rewriting the PTEs instead of after",
      "change_protection: flush_tlb_range after change_pte_range (KernelOnCpu.syscall mprotect)",
      null),

  // ---------------------------------------------------------------- wait4, demand paging
  WAIT4_RAW_STATUS(
      "wait4-raw-status",
      Paths.BOTH,
      "wait4 writes the status word through the PTE's frame without resolving copy-on-write",
      "wait: the status store to user memory / put_user's fault (KernelOnCpu.putStatus)",
      null),
  DEMAND_ZERO_NO_CLEAR(
      "demand-zero-no-clear",
      Paths.BOTH,
      "map a fresh frame for a demand-zero fault without zeroing it",
      "demand paging: the zeroed frame / do_anonymous_page: vma_alloc_zeroed_movable_folio (AddressSpaces.demandZero)",
      null),

  // ---------------------------------------------------------------- 2 MiB pages
  HUGE_SPLIT_NO_FLUSH(
      "huge-split-no-flush",
      Paths.LINUX,
      "split a 2 MiB page without flushing its huge translation on the other CPUs (only this CPU's)",
      "__split_huge_pmd_locked: pmdp_invalidate's flush_pmd_tlb_range over mm_cpumask (HugePages.split)",
      "the 2 MiB entry another CPU keeps maps the same frames with the same rights as the 512 PTEs the split"
          + " writes, and every later change to a page of the block (the COW copy that follows the split, munmap,"
          + " mprotect) shoots down an address inside it, which drops the whole 2 MiB entry (invlpg of any address"
          + " in a huge page does); a use in between is inside the open fault. Real x86 leaves a TLB with both page"
          + " sizes for one address undefined; the oracle reports a use of a split page's 2 MiB entry once its"
          + " operation has flushed or ended (stale-tlb)"),
  HUGE_SPLIT_NO_REF(
      "huge-split-no-ref",
      Paths.LINUX,
      "split a 2 MiB page without a reference for each new PTE (the head keeps the PMD's one for all 512)",
      "__split_huge_pmd_locked: folio_ref_add(folio, HPAGE_PMD_NR - 1) (HugePages.addSplitRefs)",
      null),

  // ---------------------------------------------------------------- pins and the reuse decision
  GUP_PIN_IGNORED_AT_FORK(
      "gup-pin-ignored-at-fork",
      Paths.LINUX,
      "fork shares a pinned exclusive anonymous page (clears its AnonExclusive bit) instead of copying it for the child",
      "copy_present_pte: page_try_dup_anon_rmap's folio_needs_cow_for_dma test, then copy_present_page (Rmap.tryDupAnon)",
      null),
  FORK_NO_MAPCOUNT_DUP(
      "fork-no-mapcount-dup",
      Paths.LINUX,
      "fork shares an anonymous page with the child without counting the child's mapping (the map count stays 1)",
      "copy_present_pte: page_try_dup_anon_rmap's atomic_inc of the page's _mapcount (Rmap.tryDupAnon)",
      null),
  COW_REUSE_BY_MAPCOUNT(
      "cow-reuse-by-mapcount",
      Paths.LINUX,
      "under anon-exclusive, reuse a shared page whose map count is 1 (the pre-5.8 test) instead of asking the AnonExclusive bit and the refcount",
      "do_wp_page: PageAnonExclusive / wp_can_reuse_anon_folio (CowFault.decide)",
      null),
  // ---------------------------------------------------------------- madvise
  MADVISE_NO_NESTED_FLUSH(
      "madvise-no-nested-flush",
      Paths.LINUX,
      "madvise(MADV_DONTNEED) skips the mm_tlb_flush_nested check: a walk that cleared nothing flushes nothing",
      "tlb_finish_mmu: force = mm_tlb_flush_nested(mm) (KernelOnCpu.madvise)",
      null);

  /** Which profile's code path a mistake lives on. */
  public enum Paths {
    /** the path both profiles take */
    BOTH("strat9, linux"),
    /** a path only the linux profile (or its knobs) takes: page-table lock, mm-cpus, free-after-flush */
    LINUX("linux");

    public final String text;

    Paths(String text) {
      this.text = text;
    }
  }

  /** The name in {@code kernel.mistake = NAME}. */
  public final String key;

  /** Which profile's paths contain the broken step (under the other it changes nothing). */
  public final Paths paths;

  /** One line: what the kernel does wrong. */
  public final String description;

  /** The kernel function (strat9 / Linux) and the step it breaks, and where it is in cowsim. */
  public final String where;

  /**
   * Why the mistake cannot do harm in this model, or null. A harmless mistake is still run by
   * {@code mutants}, but kept out of its score with this reason printed.
   */
  public final String harmless;

  Mistake(String key, Paths paths, String description, String where, String harmless) {
    this.key = key;
    this.paths = paths;
    this.description = description;
    this.where = where;
    this.harmless = harmless;
  }

  /** Every mistake (not {@link #NONE}), in catalogue order. */
  public static List<Mistake> catalogue() {
    List<Mistake> out = new ArrayList<>(Arrays.asList(values()));
    out.remove(NONE);
    return List.copyOf(out);
  }

  /** Every valid value of {@code kernel.mistake}: {@code none}, then the catalogue. */
  public static List<String> names() {
    return Arrays.stream(values()).map(m -> m.key).toList();
  }

  public static Optional<Mistake> of(String key) {
    for (Mistake m : values()) {
      if (m.key.equals(key)) {
        return Optional.of(m);
      }
    }
    return Optional.empty();
  }

  public boolean isHarmless() {
    return harmless != null;
  }
}
