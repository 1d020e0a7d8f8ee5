package cowsim.scenario;

import cowsim.machine.mmu.HugeTlb;

/**
 * The simulated hardware: CPUs, physical memory and its banks, and each CPU's TLB geometry.
 *
 * @param cpus number of CPUs, 1..4096
 * @param memoryBytes physical memory in bytes, a multiple of {@link #PAGE_SIZE}
 * @param memoryBanks physical memory banks, 1..64
 * @param tlbEntries TLB entries per CPU, a multiple of {@code tlbWays}, 1..{@link #MAX_TLB_ENTRIES}
 * @param tlbWays TLB associativity, 1..{@link #MAX_TLB_WAYS}
 * @param hugeTlb where the 2 MiB entries go ({@code machine.tlb.huge}): split (their own entries
 *     and ways, in the same bounds) or shared
 * @param latency latencies (cycles) that override reference.conf's {@code cowsim.latency} table
 */
public record Machine(
    int cpus,
    long memoryBytes,
    int memoryBanks,
    int tlbEntries,
    int tlbWays,
    HugeTlb hugeTlb,
    java.util.Map<String, Long> latency) {

  /** Without latency overrides (reference.conf's table as it is), the default 2 MiB entries. */
  public Machine(int cpus, long memoryBytes, int memoryBanks, int tlbEntries, int tlbWays) {
    this(cpus, memoryBytes, memoryBanks, tlbEntries, tlbWays, HugeTlb.DEFAULT, java.util.Map.of());
  }

  /** With the default 2 MiB entries ({@link HugeTlb#DEFAULT}, as scenario-defaults.conf has them). */
  public Machine(
      int cpus, long memoryBytes, int memoryBanks, int tlbEntries, int tlbWays, java.util.Map<String, Long> latency) {
    this(cpus, memoryBytes, memoryBanks, tlbEntries, tlbWays, HugeTlb.DEFAULT, latency);
  }

  /** Latency names a scenario may override ({@code machine.latency { ipi = 2000 }}), in cycles. */
  public static final java.util.List<String> LATENCIES =
      java.util.List.of(
          "instruction", "tlb-hit", "memory-access", "memory-reply", "walk-step", "frame-copy", "fault-entry",
          "syscall", "ipi", "kernel-call", "allocator", "context-switch", "ack-spin", "lock-spin", "lock-backoff");

  /** Bytes per page and per physical frame. */
  public static final long PAGE_SIZE = 4096;

  public static final int MIN_CPUS = 1;
  public static final int MAX_CPUS = 4096;
  public static final long MIN_MEMORY = 1L << 20;
  public static final long MAX_MEMORY = 64L << 30;
  public static final int MIN_BANKS = 1;
  public static final int MAX_BANKS = 64;

  /**
   * The largest TLB: 65,536 entries per CPU, above any real one (second-level TLBs have a few
   * thousand entries).
   */
  public static final int MAX_TLB_ENTRIES = 1 << 16;

  /**
   * The widest TLB set: 128 ways. Fully associative TLBs have at most about a hundred entries (72
   * or 96 in recent first-level TLBs); a lookup scans one set.
   */
  public static final int MAX_TLB_WAYS = 128;

  /**
   * At most 2^22 TLB entries over all CPUs (about 112 MiB of heap at 28 bytes an entry): 4096 CPUs
   * with 1024 entries each, or 64 CPUs with 65,536.
   */
  public static final long MAX_TLB_ENTRIES_TOTAL = 1L << 22;

  /** Number of physical frames. */
  public long frames() {
    return memoryBytes / PAGE_SIZE;
  }

  /** Number of TLB sets per CPU. */
  public int tlbSets() {
    return tlbEntries / tlbWays;
  }
}
