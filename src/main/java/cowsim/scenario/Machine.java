package cowsim.scenario;

/**
 * The simulated hardware: CPUs, physical memory and its banks, and each CPU's TLB geometry.
 *
 * @param cpus number of CPUs, 1..4096
 * @param memoryBytes physical memory in bytes, a multiple of {@link #PAGE_SIZE}
 * @param memoryBanks physical memory banks, 1..64
 * @param tlbEntries TLB entries per CPU, a multiple of {@code tlbWays}
 * @param tlbWays TLB associativity
 */
public record Machine(int cpus, long memoryBytes, int memoryBanks, int tlbEntries, int tlbWays) {
  /** Bytes per page and per physical frame. */
  public static final long PAGE_SIZE = 4096;

  public static final int MIN_CPUS = 1;
  public static final int MAX_CPUS = 4096;
  public static final long MIN_MEMORY = 1L << 20;
  public static final long MAX_MEMORY = 64L << 30;
  public static final int MIN_BANKS = 1;
  public static final int MAX_BANKS = 64;

  /** Number of physical frames. */
  public long frames() {
    return memoryBytes / PAGE_SIZE;
  }

  /** Number of TLB sets per CPU. */
  public int tlbSets() {
    return tlbEntries / tlbWays;
  }
}
