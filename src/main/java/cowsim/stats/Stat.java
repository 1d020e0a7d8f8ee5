package cowsim.stats;

import java.util.ArrayList;
import java.util.List;

/**
 * Every statistic a run report carries, declared once: its name in {@code report.json} and in a
 * scenario's {@code expect.stats}, its unit, what it counts, and (by declaration order) its place in
 * the report. The components count under these names, the report prints them in this order, the
 * scenario reader validates {@code expect.stats} against them and the README's stats table lists
 * them (a test checks it row for row).
 *
 * <p>Most stats are counters, one number each. A {@link Kind#DISTRIBUTION} is one sample per event
 * (a shootdown's wait, a fault's latency), kept in a {@link Distribution}: report.json prints it
 * under {@code distributions}, stats.txt as its count and percentiles, and {@code expect.stats}
 * cannot name it.
 *
 * <p>This package imports nothing of cowsim, so every layer (machine, kernel, scenario, sim) can
 * name a stat without an upward import.
 */
public enum Stat {
  CYCLES("cycles", "cycles", "the latest CPU clock when the run ended"),
  INSTRUCTIONS("instructions", "instructions", "user instructions retired, over all CPUs"),
  MEMORY_OPS("memory_ops", "accesses", "user loads and stores"),
  TLB_HITS("tlb_hits", "lookups", "TLB lookups that found an entry"),
  TLB_MISSES("tlb_misses", "lookups", "TLB lookups that found none"),
  PAGE_WALKS("page_walks", "walks", "page-table walks by the hardware walker"),
  PAGE_FAULTS("page_faults", "faults", "page faults the kernel handled"),
  DEMAND_ZERO_FAULTS("demand_zero_faults", "faults", "faults that mapped a fresh zeroed frame"),
  COW_FAULTS("cow_faults", "faults", "handle_cow_fault calls: write faults on a copy-on-write page"),
  COW_COPIES("cow_copies", "pages", "copy-on-write faults that copied the page into a new frame"),
  COW_REUSES("cow_reuses", "pages", "copy-on-write faults that made the frame writable in place (no other mapper)"),
  SPURIOUS_FAULTS("spurious_faults", "faults", "faults on a page whose PTE already allowed the access (a stale TLB entry)"),
  INVLPG("invlpg", "pages", "single-page TLB invalidations: INVLPG and the pages of shootdown IPIs"),
  TLB_FLUSHES("tlb_flushes", "flushes", "whole-TLB flushes: CR3 writes, PCID flushes and full-flush IPIs"),
  IPIS("ipis", "IPIs", "shootdown IPIs sent"),
  SHOOTDOWNS("shootdowns", "shootdowns", "TLB shootdowns started (IPIs to at least one other CPU)"),
  ACK_TIMEOUTS("ack_timeouts", "shootdowns", "shootdowns whose initiator stopped waiting for acks (kernel.tlb.ack-timeout-spins)"),
  FORKS("forks", "processes", "processes created by fork"),
  THREADS("threads", "threads", "threads created by clone"),
  EXITS("exits", "threads", "threads that ended (exit, exit_group, a kill)"),
  CONTEXT_SWITCHES("context_switches", "switches", "switches of a CPU to a different task"),
  SYSCALLS("syscalls", "syscalls", "syscall instructions executed"),
  FRAMES_TOTAL("frames_total", "frames", "frames the allocator manages (physical memory less the reserved kernel frames)"),
  FRAMES_ALLOCATED("frames_allocated", "frames", "frames the allocator handed out during the run"),
  FRAMES_FREED("frames_freed", "frames", "frames returned to the allocator during the run"),
  FRAMES_IN_USE("frames_in_use", "frames", "frames allocated when the run ended"),
  MESSAGES("messages", "packets", "packets delivered to the machine's components"),
  HOST_MILLIS("host_millis", "ms", "host wall-clock time of the run; not simulated, so expect.stats refuses it", false),
  IPIS_HANDLED("ipis_handled", "IPIs", "shootdown IPIs handled by their target CPUs"),
  SHOOTDOWN_WAIT_CYCLES("shootdown_wait_cycles", "cycles", "cycles shootdown initiators spent spinning for acks"),
  LOCK_WAIT_CYCLES("lock_wait_cycles", "cycles", "cycles spent spinning on the page-table lock or the mmap_lock"),
  LOCKUPS("lockups", "lockups", "soft lockups: lock spins longer than limits.lockup-cycles"),
  REFAULT_KILLS("refault_kills", "tasks", "tasks killed for faulting on one page more than limits.max-refaults times"),
  TASKS_KILLED("tasks_killed", "tasks", "tasks the kernel killed (unresolvable fault, refault loop, misaligned access, out of memory)"),
  ASSERTION_FAILURES("assertion_failures", "asserts", "program asserts that failed"),
  ALLOCATION_FAILURES("allocation_failures", "requests", "allocation requests the allocator could not satisfy (out of memory)"),
  BAD_FREES("bad_frees", "requests", "frees the allocator refused (the frame was not allocated)"),
  SCHEDULER_DISPATCHES("scheduler_dispatches", "dispatches", "tasks the scheduler handed to a CPU"),
  MEMORY_READS("memory_reads", "requests", "word reads served by the memory banks"),
  MEMORY_WRITES("memory_writes", "requests", "word writes served by the memory banks"),
  MEMORY_ATOMICS("memory_atomics", "requests", "atomic requests served by the memory banks: compare-and-swap, refcount operations, locks"),
  MEMORY_FRAME_OPS("memory_frame_ops", "requests", "whole-frame reads and writes (copies, zero fills) served by the memory banks"),
  HUGE_FAULTS("huge_faults", "faults", "faults that mapped a fresh zeroed 2 MiB page with one PD entry"),
  HUGE_SPLITS("huge_splits", "pages", "2 MiB mappings split into 512 PTEs (a COW fault, or a partial munmap or mprotect)"),
  SHOOTDOWN_WAIT("shootdown_wait", "cycles", "distribution, one sample per shootdown: cycles its initiator spun until every ack or the timeout", Kind.DISTRIBUTION),
  FAULT_LATENCY("fault_latency", "cycles", "distribution, one sample per user page fault resolved: cycles from the fault's entry to the retried access", Kind.DISTRIBUTION);

  /** What one value of a stat is. */
  public enum Kind {
    /** One number, summed over the components. */
    COUNTER,
    /** One sample per event, merged over the components (a {@link Distribution}). */
    DISTRIBUTION
  }

  /** The name in reports and in {@code expect.stats}. */
  public final String key;

  /** What one unit of it is (cycles, frames, faults, ...). */
  public final String unit;

  /** One line: what it counts. */
  public final String doc;

  /**
   * Whether the simulation determines it (same scenario, seed and build in deterministic mode, same
   * value), so a scenario may expect it. Only host time is not.
   */
  public final boolean simulated;

  /** A counter or a distribution. */
  public final Kind kind;

  Stat(String key, String unit, String doc) {
    this(key, unit, doc, true, Kind.COUNTER);
  }

  Stat(String key, String unit, String doc, boolean simulated) {
    this(key, unit, doc, simulated, Kind.COUNTER);
  }

  Stat(String key, String unit, String doc, Kind kind) {
    this(key, unit, doc, true, kind);
  }

  Stat(String key, String unit, String doc, boolean simulated, Kind kind) {
    this.key = key;
    this.unit = unit;
    this.doc = doc;
    this.simulated = simulated;
    this.kind = kind;
  }

  /** Whether it is a distribution (not a counter). */
  public boolean distribution() {
    return kind == Kind.DISTRIBUTION;
  }

  /** The stat with this name, or null. */
  public static Stat of(String key) {
    for (Stat s : values()) {
      if (s.key.equals(key)) {
        return s;
      }
    }
    return null;
  }

  /** Every counter's name, in report order: report.json's {@code stats}. */
  public static List<String> keys() {
    List<String> out = new ArrayList<>();
    for (Stat s : counters()) {
      out.add(s.key);
    }
    return List.copyOf(out);
  }

  /** The counters, in report order. */
  public static List<Stat> counters() {
    List<Stat> out = new ArrayList<>();
    for (Stat s : values()) {
      if (s.kind == Kind.COUNTER) {
        out.add(s);
      }
    }
    return List.copyOf(out);
  }

  /** The distributions, in report order. */
  public static List<Stat> distributions() {
    List<Stat> out = new ArrayList<>();
    for (Stat s : values()) {
      if (s.kind == Kind.DISTRIBUTION) {
        out.add(s);
      }
    }
    return List.copyOf(out);
  }

  /** The names {@code expect.stats} accepts (the simulated counters), in report order. */
  public static List<String> expectableKeys() {
    List<String> out = new ArrayList<>();
    for (Stat s : counters()) {
      if (s.simulated) {
        out.add(s.key);
      }
    }
    return List.copyOf(out);
  }

  @Override
  public String toString() {
    return key;
  }
}
