package cowsim.kernel;

import cowsim.isa.RegisterFile;
import cowsim.machine.interconnect.Latencies;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;

/**
 * The CPU as the kernel code running on it sees it. Every physical-memory operation is one
 * message and completes later through its continuation, so other CPUs' steps interleave between
 * any two steps of a kernel path. Continuations run inside the CPU actor; never block.
 */
public interface Hardware extends cowsim.machine.cpu.CpuServices {

  KernelCounters counters();

  // ---- physical memory, the allocator, the MMU: in CpuServices; here the kernel tables ----

  /** A request to the kernel's shared structures; {@code make} gets the tag, {@code k} the answer. */
  void call(LongFunction<KernelState.Request> make, Consumer<KernelState.Answer> k);

  // ---- this CPU's MMU ----

  /**
   * strat9's shootdown_all: reload CR3 here, send a full-flush IPI to every other CPU and spin
   * until they all ack or the spin limit runs out.
   */
  void shootdownAll(Runnable k);

  /**
   * Take the page-table lock of an address space (a bit in its PML4 frame's metadata, set with
   * an atomic message, retried with a spin until free).
   */
  void lock(long pml4Frame, Runnable k);

  void unlock(long pml4Frame, Runnable k);

  /**
   * Take an address space's reader-writer lock (Linux's mmap_lock: a word in its PML4 frame's
   * metadata, tried with one atomic message, retried with a spin until granted; IPIs are taken
   * between tries). Readers share it; a writer excludes everyone.
   */
  void mmapLock(long pml4Frame, boolean write, Runnable k);

  /** Release what {@link #mmapLock} took, in the same mode. */
  void mmapUnlock(long pml4Frame, boolean write, Runnable k);

  /** The kernel's policies (profile plus overrides). */
  KernelPolicy policy();

  // ---- the task on this CPU ----

  /** The current task, or null when idle. */
  TaskImage current();

  /** The current task's refault count now, to save with it when it is switched out. */
  TaskImage.Refaults refaults();

  /** Make a task current: registers, program, and CR3 (written only if it differs). */
  void switchTo(TaskImage task);

  /**
   * Kernel write to user memory through this CPU's MMU, resolving faults (a COW page first) like
   * a user store; k gets false when the address cannot be made writable (-EFAULT).
   */
  void copyToUser(long va, long value, Consumer<Boolean> k);

  /**
   * Kernel read of user memory (8 aligned bytes) through this CPU's MMU, resolving faults like a
   * user load (copy_from_user); k gets the value, or null when the address cannot be read
   * (-EFAULT).
   */
  void copyFromUser(long va, Consumer<Long> k);

  /**
   * The current task's minor faults so far (Linux's task_struct min_flt): one per page fault the
   * kernel handled for it ({@link #accountFault}); kept with the task across switches.
   */
  long minflt();

  /**
   * One page fault of the current task was handled (mm_account_fault, at the end of
   * handle_mm_fault): counted whether it mapped a page or found the work already done.
   */
  void accountFault();

}
