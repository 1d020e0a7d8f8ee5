package cowsim.kernel;

import cowsim.isa.Program;
import cowsim.isa.RegisterFile;
import java.util.List;

/**
 * What a CPU needs to run a task, handed over on a context switch. The register file is a copy
 * owned by the receiver from then on.
 *
 * @param action kernel work to do on this CPU before returning to user mode
 * @param tlbGen the address space's TLB generation when dispatched (for the PCID check)
 * @param refaults the task's faults on one page without progress, kept across switches and
 *     migrations so the refault-loop limit is per task, whatever else runs on its CPU
 * @param minflt the task's minor faults so far (Linux's task_struct min_flt, for getrusage),
 *     counted on the CPU while it runs and saved with it when it is switched out
 */
public record TaskImage(
    long tid,
    long pid,
    String name,
    long cr3,
    RegisterFile regs,
    Program program,
    boolean kernelThread,
    Action action,
    long tlbGen,
    Refaults refaults,
    long minflt) {

  /** A task that has not faulted yet. */
  public TaskImage(
      long tid, long pid, String name, long cr3, RegisterFile regs, Program program, boolean kernelThread, Action action, long tlbGen, Refaults refaults) {
    this(tid, pid, name, cr3, regs, program, kernelThread, action, tlbGen, refaults, 0);
  }

  /**
   * Faults in a row on {@code page} without an instruction of this task retiring in between.
   * Part of the task's saved context, as Linux keeps the last fault (cr2, trap_nr) in the
   * task's thread_struct.
   */
  public record Refaults(long page, int count) {
    public static final Refaults NONE = new Refaults(-1, 0);
  }

  /** Kernel work pending for a task when it is next dispatched. */
  public sealed interface Action {}

  /** Nothing pending: return to user mode. */
  public enum None implements Action {
    INSTANCE
  }

  /**
   * Build the address space of a freshly created process (exec-like): allocate its PML4, share
   * the kernel half, then demand-fault every page of the regions to populate.
   */
  public record Boot(List<Vma> populate) implements Action {}

  /** wait4 finished while the task slept: write the status word to user memory. */
  public record WriteStatus(long addr, long status) implements Action {}
}
