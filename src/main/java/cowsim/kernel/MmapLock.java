package cowsim.kernel;

import java.util.function.Consumer;

/**
 * Linux's mmap_lock (include/linux/mmap_lock.h), with {@code mm-lock = rw}: one reader-writer
 * lock per address space, kept in simulated memory (the PML4 frame's metadata) and changed with
 * atomic messages, so taking it costs cycles and a waiter spins. fork (dup_mmap), mmap
 * (vm_mmap_pgoff), munmap (__vm_munmap), mprotect (do_mprotect_pkey) and exit's teardown
 * (exit_mmap) take it for writing; the page-fault path (lock_mm_and_find_vma in
 * do_user_addr_fault) takes it for reading. With {@code mm-lock = none} (strat9) every call runs
 * its continuation at once.
 *
 * <p>Lock order: mmap_lock, then the page-table lock. No path holds it while it blocks in the
 * scheduler (wait4 does not hold it; its status store takes it only on a fault).
 */
public final class MmapLock {

  private MmapLock() {}

  private static boolean on(Hardware hw) {
    return hw.policy().mmLock() == KernelPolicy.MmLock.RW;
  }

  /** mmap_write_lock(mm). */
  public static void write(Hardware hw, long pml4, Runnable k) {
    if (on(hw)) {
      hw.mmapLock(pml4, true, k);
    } else {
      k.run();
    }
  }

  /** mmap_write_unlock(mm). */
  public static void writeUnlock(Hardware hw, long pml4, Runnable k) {
    if (on(hw)) {
      hw.mmapUnlock(pml4, true, k);
    } else {
      k.run();
    }
  }

  /** mmap_read_lock(mm). */
  public static void read(Hardware hw, long pml4, Runnable k) {
    if (on(hw)) {
      hw.mmapLock(pml4, false, k);
    } else {
      k.run();
    }
  }

  /** mmap_read_unlock(mm). */
  public static void readUnlock(Hardware hw, long pml4, Runnable k) {
    if (on(hw)) {
      hw.mmapUnlock(pml4, false, k);
    } else {
      k.run();
    }
  }

  /** {@code k} wrapped so that it runs after mmap_read_unlock. */
  static Runnable afterReadUnlock(Hardware hw, long pml4, Runnable k) {
    return () -> readUnlock(hw, pml4, k);
  }

  /** {@code k} wrapped so that it gets its value after mmap_read_unlock. */
  static <T> Consumer<T> afterReadUnlock(Hardware hw, long pml4, Consumer<T> k) {
    return v -> readUnlock(hw, pml4, () -> k.accept(v));
  }
}
