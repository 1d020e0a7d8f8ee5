package cowsim.machine.observe;

/**
 * What the simulated machine reports to whoever observes a run (the correctness oracles of
 * {@code cowsim.check}). The hardware declares this vocabulary, so it needs nothing from the
 * observer; the kernel code running on a CPU reports its own steps in it too (the last group),
 * through that CPU. Observing never answers and never changes a schedule. Every record carries
 * the virtual cycle and the CPU it concerns (for the memory banks and the allocator: the
 * requesting CPU).
 */
public sealed interface Event {

  long cycle();

  int cpu();

  /**
   * Who made a memory access: a user access through the MMU, or the page walker. {@code kernel}:
   * the kernel's store into user memory on the task's behalf (copy_to_user: wait4's status word,
   * arch_prctl's ARCH_GET_FS), translated through the same MMU and TLB; it is a user access for
   * the oracles ({@link #user()}) like any store by that task.
   */
  record Access(long cr3, long pid, long tid, long va, boolean tlbHit, boolean kernel) {
    /** The page walker reading a paging-structure entry. */
    public static final Access WALK = new Access(-1, 0, 0, -1, false);

    /** A user-mode access through the MMU. */
    public Access(long cr3, long pid, long tid, long va, boolean tlbHit) {
      this(cr3, pid, tid, va, tlbHit, false);
    }

    /** The kernel storing into user memory for a process (copy_to_user: wait4's status word). */
    public static Access kernelFor(long cr3, long pid, long tid, long va) {
      return new Access(cr3, pid, tid, va, false, true);
    }

    public boolean user() {
      return cr3 >= 0;
    }
  }

  // ---- memory banks ----

  /** An 8-byte read; access null = the kernel's own read (PTEs, tables). */
  record MemRead(long cycle, int cpu, long paddr, long value, Access access) implements Event {}

  /** An 8-byte write; access null = a kernel write (PTEs). */
  record MemWrite(long cycle, int cpu, long paddr, long value, long old, Access access) implements Event {}

  /** The walker's locked compare-and-swap setting A/D. */
  record MemCas(long cycle, int cpu, long paddr, long expected, long value, long old) implements Event {}

  /**
   * A request for a physical address beyond the end of memory (reads return all ones, writes go
   * nowhere); {@code access} as in MemRead, or null for the kernel's own requests.
   */
  record WildAccess(long cycle, int cpu, long paddr, String what, Access access) implements Event {}

  /** A whole-frame read (a COW copy's source, a table scan). */
  record FrameRead(long cycle, int cpu, long frame) implements Event {}

  /** A whole-frame write: a copy of {@code source}, or zeroing when source is -1. */
  record FrameWrite(long cycle, int cpu, long frame, long source) implements Event {}

  /** A refcount fetch_add (delta < 0: fetch_sub); {@code old} is the value before. */
  record RefChange(long cycle, int cpu, long frame, long old, int delta) implements Event {}

  /** A refcount load. */
  record RefRead(long cycle, int cpu, long frame, long value) implements Event {}

  /** A frame's second metadata word changed (an {@code AuxAdd} or {@code AuxBits}). */
  record AuxChange(long cycle, int cpu, long frame, long old, long now) implements Event {}

  /**
   * The kernel reports references a kernel structure (a pipe buffer) took ({@code delta} > 0) or
   * dropped on a frame that no PTE accounts for: GUP pins (with the pinning address space's
   * {@code cr3}), pipe pages ({@code cr3} 0). {@code frame} holds the reference (a 2 MiB block's
   * head), {@code data} is the 4 KiB frame whose contents the structure keeps.
   */
  record KernelRef(long cycle, int cpu, long cr3, long frame, long data, int delta, String what) implements Event {}

  // ---- allocator ----

  /** A block of 2^order frames handed out; {@code frame} is its head. */
  record Alloc(long cycle, int cpu, long frame, int order) implements Event {}

  /**
   * A free of the block of 2^order frames at {@code frame}; {@code ok} false when it was refused
   * (a double free, a wrong order, not a block's head: {@code result} says which).
   */
  record Free(long cycle, int cpu, long frame, boolean ok, String result, int order) implements Event {}

  /**
   * split_page: the allocated block of 2^order frames at {@code frame} became 2^order blocks of
   * one frame; {@code ok} false when it was refused (no allocated block of that order there).
   */
  record Split(long cycle, int cpu, long frame, int order, boolean ok) implements Event {}

  // ---- CPUs ----

  /** A load or store translated by a TLB hit (the entry is as filled earlier). */
  record TlbUse(long cycle, int cpu, long cr3, long pid, long tid, long va, long frame, boolean write) implements Event {}

  /**
   * The walker filled a TLB entry of {@code pages} 4 KiB pages: 1, or 512 for a 2 MiB entry,
   * whose {@code va} is then the 2 MiB-aligned address and {@code frame} the head frame.
   */
  record TlbFill(long cycle, int cpu, long cr3, long va, long frame, boolean writable, long pages) implements Event {}

  /** invlpg on this CPU (or the entry dropped by a page fault). */
  record Invlpg(long cycle, int cpu, long cr3, long va, String why) implements Event {}

  /** The whole (non-global) TLB flushed: a CR3 write or a flush IPI. */
  record TlbFlush(long cycle, int cpu, String why) implements Event {}

  /** A flush IPI sent to {@code target}. */
  record IpiSent(long cycle, int cpu, int target, long request) implements Event {}

  /**
   * A shootdown this CPU started has ended: every target acknowledged ({@code missing} 0), or the
   * initiator gave up waiting ({@code missing} acks never came).
   */
  record ShootdownDone(long cycle, int cpu, long request, int missing) implements Event {}

  /**
   * A flush IPI from {@code initiator} was handled on this CPU (its TLB entries dropped, its ack
   * sent or its ack flag set). Timeline only: no oracle judges it.
   */
  record IpiHandled(long cycle, int cpu, int initiator, long request) implements Event, TimelineOnly {}

  /** The initiator saw {@code target}'s ack of its shootdown {@code request} (a FlushAck or its ack flag). */
  record IpiAcked(long cycle, int cpu, int target, long request) implements Event, TimelineOnly {}

  /**
   * The CPU changed mode ({@code mode}: user, kernel, idle, halted), running task {@code pid} /
   * {@code tid} (0 when idle). Timeline only.
   */
  record CpuMode(long cycle, int cpu, String mode, long pid, long tid) implements Event, TimelineOnly {}

  /**
   * This CPU starts spinning ({@code what}: a lock's name, or "ack wait" for a shootdown's acks);
   * it ends with the {@link SpinEnd} of the same {@code what}. Timeline only.
   */
  record SpinBegin(long cycle, int cpu, String what) implements Event, TimelineOnly {}

  /** The spin begun with the same {@code what} ended (the lock granted, the acks in, or given up). */
  record SpinEnd(long cycle, int cpu, String what) implements Event, TimelineOnly {}

  /**
   * Marks the events that only draw the run's timeline (the Perfetto trace of {@code run --trace}):
   * mode changes, kernel entries, spins, IPIs handled and acked. No oracle judges them.
   */
  interface TimelineOnly {}

  /** A task faulted on one page too often without progress and was stopped. */
  record Refault(long cycle, int cpu, long pid, long tid, long va, int faults) implements Event {}

  /**
   * Soft lockup: a CPU spun on a kernel lock ({@code what}: the page-table lock, the mmap_lock)
   * for {@code cycles} without getting it (Linux's watchdog); the CPU halts. A deadlock.
   */
  record Lockup(long cycle, int cpu, long pid, long tid, String what, long cycles) implements Event {
    /** The violation's one sentence. */
    public String detail() {
      return "soft lockup: cpu-" + cpu + " (pid " + pid + ", tid " + tid + ") spun " + cycles + " cycles on " + what
          + " without getting it; the CPU halted";
    }
  }

  /** A program's assert failed. */
  record AssertionFailed(long cycle, int cpu, long pid, long tid, String message) implements Event {}

  // ---- the kernel ----

  /**
   * The kernel was entered for {@code what}: a system call by name ("SYS_fork"), or "page fault"
   * ({@code detail} says the address and access). It lasts until the CPU leaves kernel mode
   * ({@link CpuMode}). Timeline only.
   */
  record KernelEntry(long cycle, int cpu, String what, String detail) implements Event, TimelineOnly {}

  /** A new PML4 was allocated for an address space (fork's child or a new process). */
  record RootCreated(long cycle, int cpu, long cr3) implements Event {}

  /**
   * A kernel path that changes an address space's mappings and is responsible for flushing other
   * CPUs (fork, COW fault, munmap, mprotect) starts or ends. Stale TLB entries of that address
   * space used while one is in progress are the kernel's business, not yet a violation.
   */
  record OpBegin(long cycle, int cpu, long cr3, String what, long start, long end) implements Event {
    /** An operation on the whole address space (fork). */
    public OpBegin(long cycle, int cpu, long cr3, String what) {
      this(cycle, cpu, cr3, what, 0, WHOLE);
    }
  }

  /** The end of the operation begun with the same cr3, what and range. */
  record OpEnd(long cycle, int cpu, long cr3, String what, long start, long end) implements Event {
    public OpEnd(long cycle, int cpu, long cr3, String what) {
      this(cycle, cpu, cr3, what, 0, WHOLE);
    }
  }

  /** End of the user half: an operation range [0, WHOLE) covers every user page. */
  long WHOLE = 0x0000_8000_0000_0000L;

  /** A process owns an address space from now on (boot, or fork's child: the split point). */
  record ProcessSpace(long cycle, int cpu, long pid, long cr3, long parentCr3) implements Event {}

  /** An address space was torn down. */
  record SpaceGone(long cycle, int cpu, long pid, long cr3) implements Event {}

  /** munmap removed [start, end) from an address space: its old values are gone. */
  record Unmapped(long cycle, int cpu, long cr3, long start, long end) implements Event {}
}
