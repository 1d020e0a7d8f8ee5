package cowsim.kernel;

import java.util.List;

/**
 * The kernel's memory-management policies: strat9's choices, Linux's, or any mix. Each knob is
 * named as in a scenario's {@code kernel { ... }} block; the profiles' values live in
 * reference.conf ({@code cowsim.kernel.profiles}).
 *
 * @param forkFlush how fork's clone_cow flushes other CPUs
 * @param cowFaultFlush who is flushed after a COW fault changes a PTE
 * @param munmapFlush who is flushed after munmap
 * @param mprotectFlush who is flushed after mprotect
 * @param flushCeiling above this many pages a shootdown flushes the whole TLB instead of page by page
 * @param ackTimeoutSpins the initiator gives up waiting for acks after this many spins (0: never)
 * @param ackFlag how acks are collected
 * @param freeAfterFlush drop a frame's refcount only after every remote flush is acknowledged
 * @param refcountOnAlloc the refcount the allocator leaves in a fresh frame (strat9 of
 *     mid-March 2026: 1, while mapping still increments)
 * @param cowLock the COW fault (and every PTE update) takes the page table's lock and rechecks
 * @param childFsBaseInherit the fork child keeps the parent's FS base (Linux) or gets 0 (strat9)
 * @param forkRollbackTeardownOnly when clone_cow fails, leave the parent's PTEs copy-on-write and
 *     let the child's teardown drop the references once (Linux), instead of strat9's restore and
 *     decrement followed by the child's teardown decrementing again
 * @param killOnPresentPage a fault on a present page the PTE does not allow kills (Linux's
 *     SIGSEGV) instead of counting as handled and re-faulting (strat9)
 * @param stopAtUntouched unmapping a whole region stops at its first never-touched page (strat9's leak)
 * @param pcid TLB entries are tagged by address space and survive CR3 writes
 * @param generationCheck with PCID: on switch-in, flush the address space's entries if it changed
 *     since this CPU last ran it (Linux's tlb_gen)
 * @param mmLock the address-space lock (Linux's mmap_lock): none (strat9), or a reader-writer
 *     lock in simulated memory that fork, mmap, munmap and mprotect take for writing and page
 *     faults for reading
 * @param mistake a deliberate kernel mistake switched on ({@code kernel.mistake}; test equipment for
 *     {@code mutants}, never part of a profile), or {@link Mistake#NONE}
 */
public record KernelPolicy(
    String profile,
    Flush forkFlush,
    Flush cowFaultFlush,
    Flush munmapFlush,
    Flush mprotectFlush,
    int flushCeiling,
    long ackTimeoutSpins,
    AckFlag ackFlag,
    boolean freeAfterFlush,
    int refcountOnAlloc,
    boolean cowLock,
    boolean childFsBaseInherit,
    boolean forkRollbackTeardownOnly,
    boolean killOnPresentPage,
    boolean stopAtUntouched,
    boolean pcid,
    boolean generationCheck,
    MmLock mmLock,
    Mistake mistake) {

  public KernelPolicy {
    java.util.Objects.requireNonNull(mmLock, "mmLock");
    java.util.Objects.requireNonNull(mistake, "mistake");
  }

  /** The same policy with this mistake switched on (or {@link Mistake#NONE}). */
  public KernelPolicy withMistake(Mistake m) {
    return new KernelPolicy(
        profile, forkFlush, cowFaultFlush, munmapFlush, mprotectFlush, flushCeiling, ackTimeoutSpins, ackFlag,
        freeAfterFlush, refcountOnAlloc, cowLock, childFsBaseInherit, forkRollbackTeardownOnly, killOnPresentPage,
        stopAtUntouched, pcid, generationCheck, mmLock, m);
  }

  /** Who a kernel path flushes after changing PTEs. */
  public enum Flush {
    /** strat9's shootdown_all: reload CR3 here, full-flush IPI to every other CPU, wait for acks. */
    ALL_CPUS_FULL("all-cpus-full"),
    /** Linux: invalidate here and IPI only the CPUs running the address space (mm_cpumask). */
    MM_CPUS("mm-cpus"),
    /** invlpg (or a CR3 reload) on this CPU only. */
    LOCAL("local"),
    /** nothing at all. */
    NONE("none");

    public final String key;

    Flush(String key) {
      this.key = key;
    }

    public static Flush of(String key) {
      for (Flush f : values()) {
        if (f.key.equals(key)) {
          return f;
        }
      }
      throw new IllegalArgumentException(key);
    }
  }

  /** How shootdown acks are collected. */
  public enum AckFlag {
    /** strat9: one ack flag word per CPU in kernel memory; concurrent initiators share it. */
    SHARED("shared"),
    /** one ack per request, to its initiator. */
    PER_REQUEST("per-request");

    public final String key;

    AckFlag(String key) {
      this.key = key;
    }

    public static AckFlag of(String key) {
      for (AckFlag f : values()) {
        if (f.key.equals(key)) {
          return f;
        }
      }
      throw new IllegalArgumentException(key);
    }
  }

  /** The address-space lock (knob {@code mm-lock}). */
  public enum MmLock {
    /** strat9: nothing keeps page faults out of fork, munmap or mprotect. */
    NONE("none"),
    /**
     * Linux's mmap_lock: a reader-writer semaphore per address space. Writers (fork, mmap, munmap,
     * mprotect, exit's teardown) exclude everyone; page faults share it as readers.
     */
    RW("rw");

    public final String key;

    MmLock(String key) {
      this.key = key;
    }

    public static MmLock of(String key) {
      for (MmLock l : values()) {
        if (l.key.equals(key)) {
          return l;
        }
      }
      throw new IllegalArgumentException(key);
    }
  }

  public static final List<String> MM_LOCKS = List.of("none", "rw");
  public static final List<String> FORK_FLUSH = List.of("all-cpus-full", "mm-cpus", "local");
  public static final List<String> PATH_FLUSH = List.of("local", "mm-cpus", "none");
  public static final List<String> ACK_FLAGS = List.of("shared", "per-request");

  /** The strat9 profile (the values reference.conf gives it), for code and tests without a scenario. */
  public static KernelPolicy strat9() {
    return new KernelPolicy(
        "strat9", Flush.ALL_CPUS_FULL, Flush.LOCAL, Flush.LOCAL, Flush.NONE, 16, 10_000_000L, AckFlag.SHARED,
        false, 0, false, false, false, false, true, false, false, MmLock.NONE, Mistake.NONE);
  }
}
