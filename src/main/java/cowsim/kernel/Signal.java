package cowsim.kernel;

/**
 * The signals that kill a process in the model, with Linux's x86-64 numbers. A killed process
 * exits as Linux reports it (kernel/exit.c: do_group_exit(sig), wait_task_zombie): its wait4
 * status is the signal number ({@code WTERMSIG}), and a shell shows {@code 128 + signal}, the
 * exit code the report and {@code expect} use.
 */
public enum Signal {
  /** abort(): a failed {@code assert}. */
  SIGABRT(6),
  /**
   * Out of memory: a fault or a boot the kernel cannot find a frame for. Linux's page-fault path
   * turns VM_FAULT_OOM into pagefault_out_of_memory, whose OOM killer sends SIGKILL
   * (mm/oom_kill.c: __oom_kill_process); the model kills the faulting process, not a victim chosen
   * by badness.
   */
  SIGKILL(9),
  /**
   * Every other kill of the kernel: an unresolvable fault, a misaligned access, wild control flow,
   * the refault limit.
   */
  SIGSEGV(11);

  /** The signal number, as wait4's status carries it. */
  public final int number;

  Signal(int number) {
    this.number = number;
  }

  /** The exit code a shell shows for a process this signal killed: 128 + its number. */
  public int exitCode() {
    return 128 + number;
  }

  /** The signal that a killed process's exit code stands for, or null. */
  public static Signal ofExitCode(long code) {
    for (Signal s : values()) {
      if (s.exitCode() == code) {
        return s;
      }
    }
    return null;
  }

  /**
   * The signal a kill of the kernel sends for this reason: SIGKILL when the reason is out of memory
   * (the kernel's reasons for it start "out of memory" or, strat9's error, "OOM"), else SIGSEGV.
   */
  public static Signal ofKill(String reason) {
    return reason.startsWith("out of memory") || reason.startsWith("OOM ") ? SIGKILL : SIGSEGV;
  }

  /** The signal of this name, or null. */
  public static Signal named(String name) {
    for (Signal s : values()) {
      if (s.name().equals(name)) {
        return s;
      }
    }
    return null;
  }
}
