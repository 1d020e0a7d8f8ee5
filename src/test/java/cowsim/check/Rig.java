package cowsim.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import cowsim.machine.mmu.Pte;
import cowsim.machine.mmu.VirtualAddress;
import cowsim.machine.observe.Event;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * A test rig for the {@link Oracle} without actors: a tiny synchronous model of the machine
 * (physical memory, refcounts, a LIFO frame allocator, per-CPU TLBs, the page walker, and the
 * strat9 kernel paths) that feeds the oracle the same events, in the same order, as the memory
 * banks, the allocator, the CPUs and the kernel do.
 *
 * <p>Every method that models one message of the real machine emits exactly the events of that
 * message, so a test can interleave CPUs at message granularity: a user access is split into
 * {@link #begin} (the translation: TlbUse, or the walk's reads, A/D CAS and TlbFill) and {@link
 * UserAccess#complete} (the bank's MemRead/MemWrite); a COW fault is split into {@link Cow}
 * phases; a fork into {@link Fork} phases.
 *
 * <p>It models the strat9 profile's defaults (no PCID, refcount 0 on allocation, no page-table
 * lock, local-only invlpg in the COW fault and munmap, no flush in mprotect, shootdown_all in
 * fork over the shared ack words, whose acks may time out). Kernel operations report the ranges
 * the machine reports: fork the whole address space, a COW fault its page, munmap and mprotect
 * {@code [start, end)}. {@link RigConformanceTest} holds it to the machine: for every kernel path
 * it models, the same steps on the Rig and in a small real run give the same {@link TraceShape}.
 *
 * <p>The rig never judges anything: it only reproduces what the machine would do, including
 * its bugs (stale TLB entries survive local-only invalidation, a free hands the frame back at
 * once, etc.). {@link #emit} sends any hand-made event for the cases the model cannot reach.
 */
final class Rig {

  static final long RESERVED = 16;
  static final long KERNEL_PML4 = 1;
  static final long KERNEL_PDPT = 2;
  /** The shootdown ack words, one per CPU (strat9's shared ack flags). */
  static final long ACK_FLAGS = cowsim.kernel.Layout.ACK_FLAGS_FRAME;
  static final int KERNEL_SLOT = 511;
  static final long KERNEL_SLOT_ENTRY = Pte.make(KERNEL_PDPT, Pte.P | Pte.RW);
  /** Intermediate table entries, as strat9's mapper writes them. */
  static final long TABLE_FLAGS = Pte.P | Pte.RW | Pte.US;
  /** A writable user page. */
  static final long USER_RW = Pte.P | Pte.RW | Pte.US;
  /** A read-only user page. */
  static final long USER_RO = Pte.P | Pte.US;

  /** Three user pages in one page table, and one far away (its own PDPT, PD and PT). */
  static final long A = 0x40_0000L;
  static final long B = 0x40_1000L;
  static final long C = 0x40_2000L;
  static final long FAR = 0x7f00_0000_0000L;

  static final int MAPPED = 0;
  static final int ALREADY_MAPPED = 1;

  final Oracle oracle;
  final List<Event> log = new ArrayList<>();
  final int cpuCount;
  long cycle = 1000;

  private long nextFresh = RESERVED;
  private final ArrayDeque<Long> freeList = new ArrayDeque<>();
  private final Set<Long> allocated = new HashSet<>();
  private final Map<Long, long[]> frames = new HashMap<>();
  private final Map<Long, Long> refs = new HashMap<>();
  private final Cpu[] cpus;
  private long ipiRequest;

  /** One CPU: what it runs and its TLB (vpn -> entry). */
  static final class Cpu {
    final int id;
    long cr3 = KERNEL_PML4;
    long pid;
    long tid;
    final Map<Long, TlbEntry> tlb = new HashMap<>();

    Cpu(int id) {
      this.id = id;
    }
  }

  record TlbEntry(long frame, boolean writable, boolean dirty) {}

  /** The entry a kernel walk stopped at. */
  record Leaf(long entryAddr, long entry, int level) {
    boolean mapped4k() {
      return level == 1 && Pte.present(entry);
    }
  }

  Rig() {
    this(4, 16, 32);
  }

  Rig(int cpus, int historyDepth, int maxPerKind) {
    this.oracle = new Oracle(RESERVED, historyDepth, maxPerKind);
    this.cpuCount = cpus;
    this.cpus = new Cpu[cpus];
    for (int i = 0; i < cpus; i++) {
      this.cpus[i] = new Cpu(i);
    }
    frame(KERNEL_PML4)[KERNEL_SLOT] = KERNEL_SLOT_ENTRY;
  }

  // ================================================================== plumbing

  /** Feeds one event to the oracle (and the log); virtual time moves on by one cycle. */
  Rig emit(Event e) {
    log.add(e);
    oracle.observe(e);
    cycle += 7;
    return this;
  }

  Cpu cpu(int id) {
    return cpus[id];
  }

  private long[] frame(long f) {
    return frames.computeIfAbsent(f, x -> new long[512]);
  }

  /** Physical memory, without any event (what the bank holds). */
  long peek(long paddr) {
    long[] fr = frames.get(paddr >>> 12);
    return fr == null ? 0 : fr[(int) ((paddr & 0xfff) >>> 3)];
  }

  private void put(long paddr, long value) {
    frame(paddr >>> 12)[(int) ((paddr & 0xfff) >>> 3)] = value;
  }

  long refcount(long f) {
    return refs.getOrDefault(f, 0L);
  }

  boolean isAllocated(long f) {
    return allocated.contains(f);
  }

  static long entryAddr(long table, long va, int level) {
    return (table << 12) + 8L * VirtualAddress.index(va, level);
  }

  static long page(long va) {
    return va & ~0xfffL;
  }

  // ================================================================== allocator (one message each)

  /** Allocate: the most recently freed frame first (so reuse is easy to provoke), else a fresh one. */
  long alloc(int cpu) {
    long f = freeList.isEmpty() ? nextFresh++ : freeList.pop();
    allocated.add(f);
    emit(new Event.Alloc(cycle, cpu, f, 0));
    return f;
  }

  /** Free: refused (ok = false) when the frame is not allocated, as the buddy allocator does. */
  boolean free(int cpu, long f) {
    boolean ok = allocated.remove(f);
    if (ok) {
      freeList.push(f);
    }
    emit(new Event.Free(cycle, cpu, f, ok, ok ? "OK" : f < RESERVED ? "RESERVED" : "NOT_ALLOCATED", 0));
    return ok;
  }

  // ================================================================== memory bank (one message each)

  long kread(int cpu, long paddr) {
    long v = peek(paddr);
    emit(new Event.MemRead(cycle, cpu, paddr, v, null));
    return v;
  }

  void kwrite(int cpu, long paddr, long value) {
    long old = peek(paddr);
    put(paddr, value);
    emit(new Event.MemWrite(cycle, cpu, paddr, value, old, null));
  }

  void zeroFrame(int cpu, long f) {
    frames.put(f, new long[512]);
    emit(new Event.FrameWrite(cycle, cpu, f, -1));
  }

  /** A COW copy: ReadFrame(src), then WriteFrame(dst) of the data it returned. */
  void copyFrame(int cpu, long dst, long src) {
    emit(new Event.FrameRead(cycle, cpu, src));
    long[] data = frame(src).clone();
    frames.put(dst, data);
    emit(new Event.FrameWrite(cycle, cpu, dst, src));
  }

  long[] readFrame(int cpu, long f) {
    emit(new Event.FrameRead(cycle, cpu, f));
    return frame(f).clone();
  }

  /** fetch_add on the refcount (32-bit, wrapping); returns the old value. */
  long refAdd(int cpu, long f, int delta) {
    long old = refcount(f);
    long now = (old + delta) & 0xffff_ffffL;
    if (now == 0) {
      refs.remove(f);
    } else {
      refs.put(f, now);
    }
    emit(new Event.RefChange(cycle, cpu, f, old, delta));
    return old;
  }

  long refGet(int cpu, long f) {
    long v = refcount(f);
    emit(new Event.RefRead(cycle, cpu, f, v));
    return v;
  }

  /** Non-zero refcounts, as the memory banks report them at the end. */
  Map<Long, Integer> refcounts() {
    Map<Long, Integer> out = new TreeMap<>();
    refs.forEach((f, v) -> out.put(f, (int) (long) v));
    return out;
  }

  // ================================================================== the kernel's mapper

  /** PageTables.translate: one kernel read per level. */
  Leaf translate(int cpu, long cr3, long va) {
    long table = cr3;
    for (int level = 4; ; level--) {
      long addr = entryAddr(table, va, level);
      long e = kread(cpu, addr);
      if (!Pte.present(e) || level == 1) {
        return new Leaf(addr, e, level);
      }
      table = Pte.frame(e);
    }
  }

  /** PageTables.mapTo: creates missing tables (allocate, zero, link), then writes the PTE. */
  int mapTo(int cpu, long cr3, long va, long f, long flags) {
    long table = cr3;
    for (int level = 4; ; level--) {
      long addr = entryAddr(table, va, level);
      long e = kread(cpu, addr);
      if (level == 1) {
        if (Pte.present(e)) {
          return ALREADY_MAPPED;
        }
        kwrite(cpu, addr, Pte.make(f, flags));
        return MAPPED;
      }
      if (Pte.present(e)) {
        table = Pte.frame(e);
      } else {
        long t = alloc(cpu);
        zeroFrame(cpu, t);
        kwrite(cpu, addr, Pte.make(t, TABLE_FLAGS));
        table = t;
      }
    }
  }

  /** PageTables.unmap: clears a present PTE (no flush); the old frame or -1. */
  long unmap(int cpu, long cr3, long va) {
    Leaf leaf = translate(cpu, cr3, va);
    if (!leaf.mapped4k()) {
      return -1;
    }
    kwrite(cpu, leaf.entryAddr(), 0);
    return Pte.frame(leaf.entry());
  }

  /** A kernel PTE rewrite found by a translate (mprotect, clone_cow's write-protect...). */
  void setPte(int cpu, long cr3, long va, long pte) {
    Leaf leaf = translate(cpu, cr3, va);
    kwrite(cpu, leaf.entryAddr(), pte);
  }

  /** The leaf PTE as the tables hold it now (no event). */
  long pte(long cr3, long va) {
    long table = cr3;
    for (int level = 4; ; level--) {
      long e = peek(entryAddr(table, va, level));
      if (!Pte.present(e) || level == 1) {
        return e;
      }
      table = Pte.frame(e);
    }
  }

  /** The frame va maps in cr3 now (no event), or -1. */
  long frameOf(long cr3, long va) {
    long e = pte(cr3, va);
    return Pte.present(e) ? Pte.frame(e) : -1;
  }

  /** The physical address va maps to in cr3 now (no event). */
  long paddr(long cr3, long va) {
    return (frameOf(cr3, va) << 12) | (va & 0xfff);
  }

  // ================================================================== kernel paths

  /** AddressSpaces.newPml4: allocate, RootCreated, zero, copy the kernel's PML4 slot 511. */
  long newSpace(int cpu) {
    long pml4 = alloc(cpu);
    emit(new Event.RootCreated(cycle, cpu, pml4));
    zeroFrame(cpu, pml4);
    long slot = KERNEL_SLOT * 8L;
    long e = kread(cpu, (KERNEL_PML4 << 12) + slot);
    kwrite(cpu, (pml4 << 12) + slot, e);
    return pml4;
  }

  void processSpace(int cpu, long pid, long cr3, long parentCr3) {
    emit(new Event.ProcessSpace(cycle, cpu, pid, cr3, parentCr3));
  }

  /** FrameRefs.decRef: fetch_sub, and free the frame when the old count was 1. */
  void decRef(int cpu, long f) {
    if (refAdd(cpu, f, -1) == 1) {
      free(cpu, f);
    }
  }

  /** Demand-zero: allocate, zero, map, frame_inc_ref, local invlpg. Returns the frame. */
  long demandZero(int cpu, long cr3, long va, boolean writable) {
    long f = alloc(cpu);
    zeroFrame(cpu, f);
    if (mapTo(cpu, cr3, page(va), f, writable ? USER_RW : USER_RO) == ALREADY_MAPPED) {
      free(cpu, f);
      return frameOf(cr3, va);
    }
    refAdd(cpu, f, 1);
    invlpg(cpu, va);
    return f;
  }

  /**
   * A process the machine starts with: its PML4, SetCr3 (ProcessSpace), the CPU's CR3 write, then
   * populate = true for each page. The CPU's pid and tid stay as they were (see {@link #run}).
   */
  long boot(int cpu, long pid, long... pages) {
    long cr3 = newSpace(cpu);
    processSpace(cpu, pid, cr3, -1);
    writeCr3(cpu, cr3);
    for (long p : pages) {
      demandZero(cpu, cr3, p, true);
    }
    return cr3;
  }

  /** boot, then switch cpu to the process's first thread (tid = pid). */
  long start(int cpu, long pid, long... pages) {
    long cr3 = boot(cpu, pid, pages);
    run(cpu, pid, pid, cr3);
    return cr3;
  }

  Fork forkBegin(int cpu, long parentCr3) {
    return new Fork(cpu, parentCr3);
  }

  /** A whole fork: clone_cow of the pages, a shootdown every other CPU acks, the child's ProcessSpace. */
  long fork(int cpu, long parentCr3, long childPid, long... pages) {
    return forkBegin(cpu, parentCr3).clone(pages).shootdownAll().end(childPid);
  }

  /**
   * strat9's sys_fork, phase by phase: OpBegin + the child's PML4 (constructor), clone_cow of
   * pages, shootdown_all, then OpEnd and the kernel's NewProcess (the child's ProcessSpace).
   */
  final class Fork {
    final int cpu;
    final long parent;
    final long child;
    private boolean ended;
    private final Map<Long, Long> protectedPtes = new HashMap<>();

    Fork(int cpu, long parent) {
      this.cpu = cpu;
      this.parent = parent;
      emit(new Event.OpBegin(cycle, cpu, parent, "fork"));
      this.child = newSpace(cpu);
    }

    /** clone_cow's loop body for each page. */
    Fork clone(long... pages) {
      for (long va : pages) {
        clonePage(va);
      }
      return this;
    }

    /** Translate in the parent; write-protect + COW a writable page; map it in the child; +1. */
    Fork clonePage(long va) {
      Leaf leaf = translate(cpu, parent, va);
      if (!leaf.mapped4k()) {
        return this;
      }
      long e = leaf.entry();
      long f = Pte.frame(e);
      if (Pte.writable(e)) {
        kwrite(cpu, leaf.entryAddr(), (e & ~Pte.RW) | Pte.COW);
      }
      long childFlags = Pte.writable(e) ? (Pte.flags(e) & ~Pte.RW) | Pte.COW : Pte.flags(e);
      mapTo(cpu, child, va, f, childFlags);
      refAdd(cpu, f, 1);
      return this;
    }

    /** Only the parent's PTE step of clonePage (for interleavings inside clone_cow). */
    Fork writeProtect(long va) {
      Leaf leaf = translate(cpu, parent, va);
      long e = leaf.entry();
      kwrite(cpu, leaf.entryAddr(), (e & ~Pte.RW) | Pte.COW);
      protectedPtes.put(page(va), e);
      return this;
    }

    /** The rest of clonePage after {@link #writeProtect}: map in the child (flags as read then), then +1. */
    Fork mapInChild(long va) {
      long e = protectedPtes.remove(page(va));
      long childFlags = (Pte.flags(e) & ~Pte.RW) | Pte.COW;
      mapTo(cpu, child, va, Pte.frame(e), childFlags);
      refAdd(cpu, Pte.frame(e), 1);
      return this;
    }

    /** shootdown_all where every other CPU takes the IPI. */
    Fork shootdownAll() {
      Rig.this.shootdownAll(cpu);
      return this;
    }

    /**
     * shootdown_all where only {@code acking} take the IPI; the wait times out on the first other
     * one, and those keep their TLBs until {@link Rig#flushIpi} delivers the IPI late.
     */
    Fork shootdown(int... acking) {
      shootdownFrom(cpu, acking);
      return this;
    }

    /** OpEnd, then NewProcess: the child's ProcessSpace. Returns the child's PML4. */
    long end(long childPid) {
      endOp();
      processSpace(cpu, childPid, child, parent);
      return child;
    }

    /** OpEnd only (the child is not live until {@link #live}). */
    Fork endOp() {
      if (!ended) {
        ended = true;
        emit(new Event.OpEnd(cycle, cpu, parent, "fork"));
      }
      return this;
    }

    long live(long childPid) {
      processSpace(cpu, childPid, child, parent);
      return child;
    }
  }

  /** A CPU's shootdown ack word (strat9's shared ack flags, one word per CPU). */
  static long ackWord(int cpu) {
    return (ACK_FLAGS << 12) + 8L * cpu;
  }

  /**
   * shootdown_all from a CPU: CR3 reload, a full-flush IPI to every other CPU with its ack word
   * cleared (the posted clears land after the IPIs are sent), the first poll (before any IPI
   * lands, so it reads 0), the flushes on the CPUs that take the IPI ({@code acking}, each setting
   * its ack word), then the polls target by target: the first target whose word is still clear is
   * where the spin limit runs out (the acks not seen by then count as missing). ShootdownDone ends
   * the wait either way. With one CPU there is no one to wait for: the CR3 reload only.
   */
  void shootdownFrom(int from, int... acking) {
    writeCr3(from, cpus[from].cr3);
    List<Integer> targets = new ArrayList<>();
    for (int c = 0; c < cpuCount; c++) {
      if (c != from) {
        targets.add(c);
      }
    }
    if (targets.isEmpty()) {
      return;
    }
    long req = ++ipiRequest;
    for (int c : targets) {
      emit(new Event.IpiSent(cycle, from, c, req));
    }
    for (int c : targets) {
      kwrite(from, ackWord(c), 0);
    }
    kread(from, ackWord(targets.get(0)));
    for (int c : acking) {
      flushIpi(c, from);
    }
    int missing = targets.size();
    for (int c : targets) {
      if (kread(from, ackWord(c)) == 0) {
        break; // the spin limit runs out polling this one
      }
      missing--;
    }
    emit(new Event.ShootdownDone(cycle, from, req, missing));
  }

  /** shootdown_all from a CPU that every other CPU acks. */
  void shootdownAll(int from) {
    int[] others = new int[cpuCount - 1];
    for (int c = 0, i = 0; c < cpuCount; c++) {
      if (c != from) {
        others[i++] = c;
      }
    }
    shootdownFrom(from, others);
  }

  /** A CPU takes a full-flush IPI at an instruction boundary and sets its ack word. */
  void flushIpi(int cpu, int initiator) {
    cpus[cpu].tlb.clear();
    emit(new Event.TlbFlush(cycle, cpu, "flush IPI from cpu-" + initiator));
    kwrite(cpu, ackWord(cpu), 1);
  }

  Cow cow(int cpu, long va) {
    return new Cow(cpu, va);
  }

  /** handle_cow_fault as a whole on a CPU (for its current CR3); null = resolved, or the error. */
  String cowFault(int cpu, long va) {
    return cow(cpu, va).finish();
  }

  /**
   * strat9's handle_cow_fault, phase by phase. The constructor does OpBegin, translate, the COW
   * check and RefGet; then {@link #reuse()} (refcount 1) or {@link #copy()}, {@link #unmapOld()},
   * {@link #mapNew()}, {@link #release()}. {@link #finish()} runs whatever is left.
   */
  final class Cow {
    final int cpu;
    final long cr3;
    final long page;
    final long oldPte;
    final long oldFrame;
    final long refcount;
    long newFrame = -1;
    String error;
    private int phase; // 0 decided, 1 copied, 2 unmapped, 3 mapped, 4 done

    Cow(int cpu, long va) {
      this.cpu = cpu;
      this.cr3 = cpus[cpu].cr3;
      this.page = page(va);
      emit(new Event.OpBegin(cycle, cpu, cr3, "cow fault", page, page + 4096));
      Leaf leaf = translate(cpu, cr3, page);
      if (!leaf.mapped4k()) {
        oldPte = 0;
        oldFrame = -1;
        refcount = 0;
        end("Page not mapped or huge page");
        return;
      }
      oldPte = leaf.entry();
      oldFrame = Pte.frame(oldPte);
      if (!Pte.cow(oldPte)) {
        refcount = 0;
        end("Not a COW page");
        return;
      }
      refcount = refGet(cpu, oldFrame);
    }

    private long newFlags() {
      return (Pte.flags(oldPte) | Pte.RW) & ~Pte.COW;
    }

    private String end(String err) {
      error = err;
      phase = 4;
      emit(new Event.OpEnd(cycle, cpu, cr3, "cow fault", page, page + 4096));
      return err;
    }

    boolean done() {
      return phase == 4;
    }

    /** Refcount 1: update_flags (RW on, COW off), flush(), local_invlpg. */
    Cow reuse() {
      Leaf leaf = translate(cpu, cr3, page);
      kwrite(cpu, leaf.entryAddr(), Pte.make(Pte.frame(leaf.entry()), newFlags()));
      invlpg(cpu, page);
      invlpg(cpu, page);
      end(null);
      return this;
    }

    /** Allocate, ReadFrame(old), WriteFrame(new). */
    Cow copy() {
      newFrame = alloc(cpu);
      copyFrame(cpu, newFrame, oldFrame);
      phase = 1;
      return this;
    }

    /** unmap: translate + PTE = 0, no flush. */
    Cow unmapOld() {
      unmap(cpu, cr3, page);
      phase = 2;
      return this;
    }

    /** map_to(new, RW), flush(), frame_inc_ref(new), local_invlpg. */
    Cow mapNew() {
      mapTo(cpu, cr3, page, newFrame, newFlags());
      invlpg(cpu, page);
      refAdd(cpu, newFrame, 1);
      invlpg(cpu, page);
      phase = 3;
      return this;
    }

    /** frame_dec_ref(old): freed when it was 1; OpEnd. */
    Cow release() {
      decRef(cpu, oldFrame);
      end(null);
      return this;
    }

    String finish() {
      if (phase == 4) {
        return error;
      }
      if (phase == 0 && refcount == 1) {
        reuse();
        return null;
      }
      if (phase < 1) {
        copy();
      }
      if (phase < 2) {
        unmapOld();
      }
      if (phase < 3) {
        mapNew();
      }
      release();
      return null;
    }
  }

  /**
   * munmap of [start, end) inside one region: the VMA cut (Unmapped; the kernel reports one per
   * VMA it cuts), then the operation [start, end): per page unmap, local invlpg, decRef.
   */
  void munmap(int cpu, long start, long end) {
    munmap(cpu, start, end, false);
  }

  /**
   * As above; {@code wholeRegion}: [start, end) is a whole region, where strat9's region teardown
   * (munmap.stop-at-untouched) stops at the first never-touched page.
   */
  void munmap(int cpu, long start, long end, boolean wholeRegion) {
    long cr3 = cpus[cpu].cr3;
    emit(new Event.Unmapped(cycle, -1, cr3, start, end));
    emit(new Event.OpBegin(cycle, cpu, cr3, "munmap", start, end));
    for (long va = start; va < end; va += 4096) {
      long f = unmap(cpu, cr3, va);
      if (f >= 0) {
        invlpg(cpu, va);
        decRef(cpu, f);
      } else if (wholeRegion) {
        break;
      }
    }
    emit(new Event.OpEnd(cycle, cpu, cr3, "munmap", start, end));
  }

  /**
   * mprotect of [start, end): the operation over that range, rewriting each present PTE's RW bit
   * (COW pages stay read-only); no flush at all.
   */
  void mprotect(int cpu, long start, long end, boolean writable) {
    long cr3 = cpus[cpu].cr3;
    emit(new Event.OpBegin(cycle, cpu, cr3, "mprotect", start, end));
    for (long va = start; va < end; va += 4096) {
      Leaf leaf = translate(cpu, cr3, va);
      if (!leaf.mapped4k()) {
        continue;
      }
      long e = leaf.entry();
      long ne = writable && !Pte.cow(e) ? e | Pte.RW : e & ~Pte.RW;
      if (ne != e) {
        kwrite(cpu, leaf.entryAddr(), ne);
      }
    }
    emit(new Event.OpEnd(cycle, cpu, cr3, "mprotect", start, end));
  }

  /**
   * A dead process's teardown on cpu: unmap the pages (invlpg when cpu runs that address space,
   * decRef), free its tables, the switch to the kernel's PML4 when cpu ran it, SpaceGone. Pass
   * the pages the process touched: strat9's region teardown stops at the first never-touched page
   * (munmap.stop-at-untouched), so a test models that leak by passing fewer.
   */
  void exit(int cpu, long pid, long cr3, long... pages) {
    unmapPages(cpu, cr3, pages);
    freeTables(cpu, cr3);
    if (cpus[cpu].cr3 == cr3) {
      writeCr3(cpu, KERNEL_PML4);
    }
    emit(new Event.SpaceGone(cycle, cpu, pid, cr3));
  }

  /** The teardown's unmap loop: unmap, invlpg (only where cpu runs that address space), decRef. */
  void unmapPages(int cpu, long cr3, long... pages) {
    for (long va : pages) {
      long f = unmap(cpu, cr3, va);
      if (f >= 0) {
        if (cpus[cpu].cr3 == cr3) {
          invlpg(cpu, va);
        }
        decRef(cpu, f);
      }
    }
  }

  /** AddressSpaces.freeTables: scan the PML4's user half, free PDPTs, PDs, PTs, then the PML4. */
  void freeTables(int cpu, long pml4) {
    long[] top = readFrame(cpu, pml4);
    for (int i = 0; i < 256; i++) {
      if (Pte.present(top[i])) {
        freeTable(cpu, Pte.frame(top[i]), 3);
      }
    }
    free(cpu, pml4);
  }

  private void freeTable(int cpu, long table, int level) {
    if (level == 1) {
      free(cpu, table);
      return;
    }
    long[] entries = readFrame(cpu, table);
    for (int i = 0; i < 512; i++) {
      if (Pte.present(entries[i])) {
        freeTable(cpu, Pte.frame(entries[i]), level - 1);
      }
    }
    free(cpu, table);
  }

  // ================================================================== CPUs

  /** Context switch: a CR3 write (TLB flush) when the address space changes. */
  void run(int cpu, long pid, long tid, long cr3) {
    Cpu c = cpus[cpu];
    if (c.cr3 != cr3) {
      writeCr3(cpu, cr3);
    }
    c.pid = pid;
    c.tid = tid;
  }

  void writeCr3(int cpu, long cr3) {
    Cpu c = cpus[cpu];
    c.cr3 = cr3;
    c.tlb.clear();
    emit(new Event.TlbFlush(cycle, cpu, "CR3 write"));
  }

  /** The kernel's invlpg on this CPU only. */
  void invlpg(int cpu, long va) {
    Cpu c = cpus[cpu];
    c.tlb.remove(VirtualAddress.pageNumber(va));
    emit(new Event.Invlpg(cycle, cpu, c.cr3, page(va), "invlpg"));
  }

  /** A user access in flight: translated (or faulted), its memory message not yet delivered. */
  final class UserAccess {
    final int cpu;
    final long va;
    final boolean write;
    final long value;
    final long paddr;
    final boolean tlbHit;
    final boolean faulted;
    final boolean present;
    final Event.Access access;

    UserAccess(int cpu, long va, boolean write, long value, long paddr, boolean tlbHit, boolean faulted, boolean present) {
      this.cpu = cpu;
      this.va = va;
      this.write = write;
      this.value = value;
      this.paddr = paddr;
      this.tlbHit = tlbHit;
      this.faulted = faulted;
      this.present = present;
      Cpu c = cpus[cpu];
      this.access = new Event.Access(c.cr3, c.pid, c.tid, va, tlbHit);
    }

    long frame() {
      return paddr >>> 12;
    }

    /** The bank handles the Read or Write: returns the value loaded (or the one stored). */
    long complete() {
      if (faulted) {
        throw new IllegalStateException("the access to " + Long.toHexString(va) + " faulted");
      }
      if (write) {
        long old = peek(paddr);
        put(paddr, value);
        emit(new Event.MemWrite(cycle, cpu, paddr, value, old, access));
        return value;
      }
      long v = peek(paddr);
      emit(new Event.MemRead(cycle, cpu, paddr, v, access));
      return v;
    }
  }

  /**
   * CpuActor.translate: a TLB hit (TlbUse), or a walk (4 walk reads, the A/D CAS when needed,
   * TlbFill); a write through a read-only entry or a refused walk faults and drops the entry.
   */
  UserAccess begin(int cpu, long va, boolean write, long value) {
    Cpu c = cpus[cpu];
    long vpn = VirtualAddress.pageNumber(va);
    TlbEntry hit = c.tlb.get(vpn);
    if (hit != null) {
      if (write && !hit.writable()) {
        dropEntry(cpu, va);
        return new UserAccess(cpu, va, write, value, -1, false, true, true);
      }
      if (!write || hit.dirty()) {
        emit(new Event.TlbUse(cycle, cpu, c.cr3, c.pid, c.tid, va, hit.frame(), write));
        return new UserAccess(cpu, va, write, value, (hit.frame() << 12) | (va & 0xfff), true, false, true);
      }
    }
    return walk(cpu, va, write, value);
  }

  private UserAccess walk(int cpu, long va, boolean write, long value) {
    Cpu c = cpus[cpu];
    long table = c.cr3;
    long rights = Pte.RW | Pte.US;
    for (int level = 4; ; level--) {
      long addr = entryAddr(table, va, level);
      long e = peek(addr);
      emit(new Event.MemRead(cycle, cpu, addr, e, Event.Access.WALK));
      if (!Pte.present(e)) {
        dropEntry(cpu, va);
        return new UserAccess(cpu, va, write, value, -1, false, true, false);
      }
      rights &= e | ~(Pte.RW | Pte.US);
      if (level > 1) {
        table = Pte.frame(e);
        continue;
      }
      if ((rights & Pte.US) == 0 || (write && (rights & Pte.RW) == 0)) {
        dropEntry(cpu, va);
        return new UserAccess(cpu, va, write, value, -1, false, true, true);
      }
      long f = Pte.frame(e);
      long bits = Pte.A | (write ? Pte.D : 0);
      boolean dirty = write || Pte.dirty(e);
      if ((e & bits) != bits) {
        long old = peek(addr);
        if (old == e) {
          put(addr, e | bits);
        }
        emit(new Event.MemCas(cycle, cpu, addr, e, e | bits, old));
        dirty = true;
      }
      boolean writable = (rights & Pte.RW) != 0;
      c.tlb.put(VirtualAddress.pageNumber(va), new TlbEntry(f, writable, dirty));
      emit(new Event.TlbFill(cycle, cpu, c.cr3, page(va), f, writable, 1));
      return new UserAccess(cpu, va, write, value, (f << 12) | (va & 0xfff), false, false, true);
    }
  }

  private void dropEntry(int cpu, long va) {
    Cpu c = cpus[cpu];
    if (c.tlb.remove(VirtualAddress.pageNumber(va)) != null) {
      emit(new Event.Invlpg(cycle, cpu, c.cr3, page(va), "page fault"));
    }
  }

  UserAccess beginLoad(int cpu, long va) {
    return begin(cpu, va, false, 0);
  }

  UserAccess beginStore(int cpu, long va, long value) {
    return begin(cpu, va, true, value);
  }

  /** A load that must not fault. */
  long load(int cpu, long va) {
    UserAccess a = begin(cpu, va, false, 0);
    assertFalse(a.faulted, "load of 0x" + Long.toHexString(va) + " faulted");
    return a.complete();
  }

  /** A store that must not fault. */
  void store(int cpu, long va, long value) {
    UserAccess a = begin(cpu, va, true, value);
    assertFalse(a.faulted, "store to 0x" + Long.toHexString(va) + " faulted");
    a.complete();
  }

  /** A store as the CPU runs it: on a fault the kernel's page-fault path runs here, then the retry. */
  void userStore(int cpu, long va, long value) {
    for (int attempt = 0; attempt < 4; attempt++) {
      UserAccess a = begin(cpu, va, true, value);
      if (!a.faulted) {
        a.complete();
        return;
      }
      pageFault(cpu, va, true, a.present);
    }
    fail("store to 0x" + Long.toHexString(va) + " keeps faulting");
  }

  /** A load as the CPU runs it (demand-zero on a missing page). */
  long userLoad(int cpu, long va) {
    for (int attempt = 0; attempt < 4; attempt++) {
      UserAccess a = begin(cpu, va, false, 0);
      if (!a.faulted) {
        return a.complete();
      }
      pageFault(cpu, va, false, a.present);
    }
    fail("load of 0x" + Long.toHexString(va) + " keeps faulting");
    return 0;
  }

  /** PageFaultHandler.handle on this CPU: COW first for a write to a present page, else generic. */
  void pageFault(int cpu, long va, boolean write, boolean present) {
    if (write && present && cowFault(cpu, va) == null) {
      return;
    }
    long cr3 = cpus[cpu].cr3;
    Leaf leaf = translate(cpu, cr3, page(va));
    if (Pte.present(leaf.entry())) {
      return; // already present: counts as handled, retry
    }
    demandZero(cpu, cr3, page(va), true);
  }

  // ================================================================== end of run and results

  void finish() {
    oracle.finish(refcounts(), cycle);
  }

  List<Violation> violations() {
    return oracle.violations();
  }

  List<Violation> of(String kind) {
    return oracle.violations().stream().filter(v -> v.kind().key.equals(kind)).collect(Collectors.toList());
  }

  static String describe(List<Violation> vs) {
    StringBuilder sb = new StringBuilder();
    for (Violation v : vs) {
      sb.append("\n  ").append(v.kind()).append(": ").append(v.detail());
    }
    return sb.toString();
  }

  void assertClean() {
    assertTrue(oracle.violations().isEmpty(), "expected no violation, got:" + describe(oracle.violations()));
    assertTrue(oracle.counts().isEmpty(), "expected no counts, got " + oracle.counts());
  }

  /** Exactly one violation, of this kind; returns it. */
  Violation assertOnly(String kind) {
    List<Violation> vs = oracle.violations();
    assertEquals(1, vs.size(), "expected exactly one " + kind + ", got:" + describe(vs));
    assertEquals(kind, vs.get(0).kind().key, describe(vs));
    assertEquals(Map.of(kind, 1), oracle.counts());
    return vs.get(0);
  }

  /** Violations of this kind only (one or more); returns them. */
  List<Violation> assertOnlyKind(String kind) {
    List<Violation> vs = oracle.violations();
    assertFalse(vs.isEmpty(), "expected " + kind);
    for (Violation v : vs) {
      assertEquals(kind, v.kind().key, describe(vs));
    }
    return vs;
  }

  /** At least one violation of this kind (others allowed); returns the first. */
  Violation assertHas(String kind) {
    List<Violation> vs = of(kind);
    assertFalse(vs.isEmpty(), "expected a " + kind + ", got:" + describe(oracle.violations()));
    return vs.get(0);
  }

  void assertNo(String kind) {
    List<Violation> vs = of(kind);
    assertTrue(vs.isEmpty(), "expected no " + kind + ", got:" + describe(vs));
  }

  static String hex(long v) {
    return "0x" + Long.toHexString(v);
  }
}
