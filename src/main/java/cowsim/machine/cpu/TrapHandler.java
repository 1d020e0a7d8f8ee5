package cowsim.machine.cpu;

import java.util.Map;

/**
 * What a CPU calls when it enters the kernel: the trap and interrupt entry points of the kernel
 * running on it. The hardware defines the entries; the kernel ({@code cowsim.kernel.KernelOnCpu})
 * implements them and reaches the CPU back through its {@link KernelPort}. Each entry is called
 * with the CPU already in kernel mode; the kernel returns to user mode with {@link
 * KernelPort#enterUser} (or gives the CPU up), never by returning from the call.
 */
public interface TrapHandler {

  /** The preemption timer or a reschedule IPI: give up the current task, or, when idle, ask for work. */
  void reschedule();

  /** {@code syscall}: rcx and r11 are already clobbered; rax is the number. */
  void syscall();

  /**
   * A user-mode access faulted (its TLB entry is already dropped).
   *
   * @param present the P bit of the error code (a protection fault, not a missing page)
   * @param reserved the RSVD bit of the error code: a paging-structure entry had reserved bits set
   *     (PS in a PML4 entry, a huge page's frame not aligned to its size); present is then true too
   * @param retry resumes user mode and re-executes the faulting instruction
   */
  void pageFault(long va, boolean write, boolean present, boolean reserved, Runnable retry);

  /** {@code rip} is no instruction of the program: an instruction fetch fault. */
  void badFetch(long rip);

  /** The task ran past its program's last instruction (or jumped or returned there). */
  void programEnd();

  /** A program {@code assert} failed; {@code where} says which, for people. */
  void assertionFailed(String where);

  /** The task cannot go on: a fault the kernel cannot resolve (a misaligned access, a refault loop). */
  void fatal(String reason);

  /** A kill IPI for the current thread was taken at an instruction boundary: it ends with {@code code}. */
  void killed(long code);

  /** What the kernel on this CPU counted, under the stat names of {@code cowsim.stats.Stat}. */
  void counters(Map<String, Long> into);
}
