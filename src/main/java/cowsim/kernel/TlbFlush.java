package cowsim.kernel;

import java.util.function.Consumer;

/**
 * After a kernel path changed PTEs of an address space: invalidate as the policy says. Local
 * invalidation is invlpg per page, or a CR3 reload above the flush ceiling; {@code mm-cpus} adds
 * shootdown IPIs to the other CPUs running the address space (Linux's mm_cpumask);
 * {@code all-cpus-full} is strat9's shootdown_all.
 */
public final class TlbFlush {

  private TlbFlush() {}

  /**
   * @param pages the pages changed, or null for "the whole address space" (or more pages than the
   *     flush ceiling: {@link AddressSpaces#flushList})
   */
  public static void after(Hardware hw, KernelPolicy.Flush how, long cr3, long[] pages, Runnable k) {
    KernelPolicy p = hw.policy();
    boolean full = pages == null || pages.length > p.flushCeiling();
    switch (how) {
      case NONE:
        bumpThen(hw, cr3, k);
        return;
      case ALL_CPUS_FULL:
        bumpThen(hw, cr3, () -> hw.shootdownAll(k));
        return;
      case LOCAL:
        local(hw, cr3, pages, full);
        bumpThen(hw, cr3, k);
        return;
      case MM_CPUS:
      default:
        local(hw, cr3, pages, full);
        mmCpus(hw, cr3, true, others -> hw.shootdown(others, full ? null : pages, k));
    }
  }

  private static void local(Hardware hw, long cr3, long[] pages, boolean full) {
    if (hw.cr3() != cr3) {
      return; // this CPU does not run that address space
    }
    if (full) {
      hw.writeCr3(cr3);
    } else {
      for (long va : pages) {
        hw.invlpg(va);
      }
    }
  }

  /** With PCID the address space's generation moves on every change (for the switch-in check). */
  private static void bumpThen(Hardware hw, long cr3, Runnable k) {
    if (hw.policy().pcid()) {
      mmCpus(hw, cr3, true, ignored -> k.run());
    } else {
      k.run();
    }
  }

  /** The other CPUs running the address space now. */
  public static void mmCpus(Hardware hw, long cr3, boolean bump, Consumer<int[]> k) {
    hw.call(
        tag -> new KernelState.MmCpus(tag, hw.cpu(), cr3, bump),
        r -> {
          int[] cpus = ((KernelState.CpuList) r).cpus();
          if (hw.policy().mistake() == Mistake.SHOOTDOWN_ONE_SHORT && cpus.length > 0) { // MISTAKE: one CPU too few
            cpus = java.util.Arrays.copyOf(cpus, cpus.length - 1);
          }
          k.accept(cpus);
        });
  }
}
