package cowsim.machine.cpu;

import cowsim.isa.RegisterFile;
import cowsim.machine.interconnect.Latencies;
import cowsim.machine.interconnect.Payload;
import cowsim.machine.interconnect.Reply;
import cowsim.machine.mmu.Mmu;
import cowsim.machine.observe.Event;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;

/**
 * What a CPU offers the kernel code running on it (the other half of {@link TrapHandler}). Every
 * physical-memory operation is one message and completes later through its continuation, so other
 * CPUs' steps interleave between any two steps of a kernel path; continuations run inside the CPU
 * actor, so the kernel never blocks. The kernel's own view ({@code cowsim.kernel.Hardware}) is
 * built on this port.
 */
public interface KernelPort extends CpuServices {

  /** Advance this CPU's clock by work done without a message (a fault's entry). */
  void spend(long cycles);

  // ---- physical memory and the allocator: one message each ----

  /** Refcount store; k gets the old value. */
  void refSet(long frame, int value, LongConsumer k);

  /** A request to the kernel's shared tables; {@code request} gets the tag, {@code k} the answer. */
  void call(LongFunction<? extends Payload.ToKernel> request, Consumer<Reply> k);

  // ---- locks in frame metadata: one atomic try per message, spun until granted ----

  /**
   * Take the lock bit of a frame's metadata (test-and-set, retried at a constant spin). IPIs are
   * taken between tries; a spin longer than the lockup limit halts this CPU (a soft lockup).
   *
   * @param what the lock's name, for the lockup report
   */
  void lock(long frame, String what, Runnable k);

  void unlock(long frame, Runnable k);

  /** Take the reader-writer lock word of a frame's metadata (readers share it), backing off between tries. */
  void rwLock(long frame, boolean write, String what, Runnable k);

  /** Release what {@link #rwLock} took, in the same mode. */
  void rwUnlock(long frame, boolean write, Runnable k);

  // ---- this CPU's MMU ----

  /** The PCID an address space is tagged with (0 without PCID). */
  int pcidOf(long pml4Frame);

  /** Drop every TLB entry of one PCID. */
  void flushPcid(int pcid, String why);

  // ---- the thread on this CPU ----

  /**
   * Make a thread current (its registers, its program) and start its time slice. The fault
   * page and count are its saved faults without progress (none: page -1).
   */
  void switchTo(Context thread, long faultPage, int faultCount);

  /** The page the current thread faulted on last without progress since, or -1. */
  long faultPage();

  /** How many times in a row it faulted there. */
  int faultCount();

  /**
   * The kernel's store into user memory for the current thread (copy_to_user), translated by
   * this CPU's MMU like a user store and reported as the thread's own, marked as the kernel's.
   * A fault goes to {@code onFault} (the kernel resolves it and may try again).
   */
  void storeToUser(long va, long value, Runnable done, Mmu.FaultSink onFault);

  /**
   * The kernel's load from user memory for the current thread (copy_from_user), translated by
   * this CPU's MMU like a user load and reported as the thread's own, marked as the kernel's.
   * A fault goes to {@code onFault} (the kernel resolves it and may try again).
   */
  void loadFromUser(long va, java.util.function.LongConsumer done, Mmu.FaultSink onFault);

}
