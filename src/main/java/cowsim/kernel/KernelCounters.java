package cowsim.kernel;

/** What the kernel code on one CPU counts (summed into the report's stats). */
public final class KernelCounters {
  public long pageFaults;
  public long demandZeroFaults;
  public long cowFaults;
  public long cowCopies;
  public long cowReuses;
  public long spuriousFaults;
  public long syscalls;
  public long forks;
  public long shootdowns;
  public long ackTimeouts;
  public long killed;
}
