package cowsim.kernel;

/**
 * What the kernel code on one CPU counts (summed into the report's stats through the CPU's
 * {@link cowsim.machine.cpu.TrapHandler#counters}); the shootdown protocol's own counts are the
 * CPU's.
 */
public final class KernelCounters {
  public long pageFaults;
  public long demandZeroFaults;
  /** 2 MiB pages mapped by demand faults. */
  public long hugeFaults;
  /** 2 MiB mappings split into 512 PTEs. */
  public long hugeSplits;
  public long cowFaults;
  /** Forks completed on this CPU (the report counts them in the kernel's tables). */
  public long forks;
  public long cowCopies;
  public long cowReuses;
  public long spuriousFaults;
  public long syscalls;
  public long killed;
}
