package cowsim.machine.cpu;

import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import cowsim.check.Event;
import cowsim.isa.Instruction;
import cowsim.isa.Outcome;
import cowsim.isa.Program;
import cowsim.isa.Reg;
import cowsim.isa.RegisterFile;
import cowsim.isa.Semantics;
import cowsim.kernel.Hardware;
import cowsim.kernel.KernelCounters;
import cowsim.kernel.KernelOnCpu;
import cowsim.kernel.KernelPolicy;
import cowsim.kernel.KernelState;
import cowsim.kernel.Layout;
import cowsim.kernel.PageFaultHandler;
import cowsim.kernel.TaskImage;
import cowsim.machine.interconnect.Latencies;
import cowsim.machine.interconnect.Node;
import cowsim.machine.interconnect.NodeMsg;
import cowsim.machine.interconnect.NodeStats;
import cowsim.machine.interconnect.Payload;
import cowsim.machine.interconnect.Reply;
import cowsim.machine.interconnect.RunEvent;
import cowsim.machine.interconnect.Topology;
import cowsim.machine.memory.FrameAllocator;
import cowsim.machine.memory.MemoryBank;
import cowsim.machine.mmu.PageWalk;
import cowsim.machine.mmu.Pte;
import cowsim.machine.mmu.Tlb;
import cowsim.machine.mmu.VirtualAddress;
import cowsim.stats.Stat;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;

/**
 * One x86-64 CPU: registers, a TLB, a page walker that sets A and D, a local APIC for IPIs and a
 * preemption timer. It runs the current task's instructions; every load, store and walk step is
 * a message to memory. On a trap (syscall, page fault) it runs the kernel's code
 * ({@link KernelOnCpu}) here, on this CPU, through the {@link Hardware} view.
 *
 * <p>x86 rules: writing CR3 flushes the TLB (no PCID); invlpg drops one entry here only; a page
 * fault drops the faulting address's entry here (SDM 4.10.4.1), so a stale read-only entry
 * costs one spurious fault; syscall clobbers rcx and r11. Interrupts (IPIs, the timer) are taken
 * at instruction boundaries in user mode, when idle, and while spinning for shootdown acks.
 */
public final class CpuActor extends Node implements Hardware {

  /** What a CPU receives besides replies to its own requests. */
  public sealed interface Signal extends Payload permits Resume, FlushIpi, FlushAck, AckTimeout {}

  /** To itself: go on executing after a batch of register-only instructions. */
  public record Resume() implements Signal {}

  /**
   * TLB shootdown IPI from {@code initiator}: invalidate {@code pages} (never mutated), or the
   * whole TLB when null, then acknowledge.
   */
  public record FlushIpi(int initiator, long request, long[] pages) implements Signal {}

  /** The flush asked by {@code request} is done on {@code from}. */
  public record FlushAck(int from, long request) implements Signal {}

  /** To itself: the shootdown spin limit ran out. */
  public record AckTimeout(long request) implements Signal {}

  private enum Mode { IDLE, USER, KERNEL, SPIN, HALTED }

  /** What to do when a user-mode access faults. */
  @FunctionalInterface
  private interface FaultSink {
    void fault(long va, boolean write, boolean present);
  }

  private final CpuConfig cfg;
  private final KernelPolicy policy;
  private final Tlb tlb;
  private final KernelOnCpu kernel;
  private final KernelCounters kc = new KernelCounters();
  private Mode mode = Mode.IDLE;
  private TaskImage current;
  private RegisterFile regs;
  private Program program;
  private long cr3 = Layout.KERNEL_PML4;
  private int pcid;
  /** PCID -> {pid, TLB generation} this CPU last synced it with (the generation check). */
  private final java.util.HashMap<Integer, long[]> pcidSeen = new java.util.HashMap<>();
  private long sliceEnd;
  /** {@link #runUser}'s loop is on the Java stack (a return to user mode only marks {@link #reentered}). */
  private boolean inUser;
  /** Kernel code returned to user mode while {@link #inUser}: the loop runs another batch. */
  private boolean reentered;

  private long tagSeq;
  private long pendingTag = -1;
  private LongConsumer pendingLong;
  private Consumer<Reply> pendingReply;

  private final List<FlushIpi> pendingFlushes = new ArrayList<>();
  private boolean rescheduleWanted;
  private boolean killWanted;
  private long killCode;
  /** Kills that came for a task that was not current: tid -> exit code. */
  private final Map<Long, Long> killsPending = new java.util.HashMap<>();

  private long shootRequest;
  private long spins;
  private long shootStart;
  private long shootWaitCycles;
  private final List<Integer> pendingTargets = new ArrayList<>();
  private int acksMissing;
  private Runnable shootDone;
  private AckTimeout shootTimer;

  /** The current task's refault count (page and faults), saved with it on a switch. */
  private long lastFaultPage = -1;
  private int refaults;
  private long lastVa;
  private boolean lastTlbHit;
  private long lastReadFrame = -1;
  private long[] lastReadData;
  /** When the current lock spin began (-1: not spinning). */
  private long spinSince = -1;
  private long spinPause;
  private long lockWaitCycles;
  private long lockups;
  private long mmapUnlocks;

  private long instructions;
  private long memoryOps;
  private long pageWalks;
  private long invlpgs;
  private long tlbFlushes;
  private long ipisSent;
  private long ipisHandled;
  private long contextSwitches;
  private long refaultKills;
  private long assertionFailures;
  private final List<String> assertions = new ArrayList<>();

  public static Behavior<NodeMsg> create(int id, CpuConfig cfg, Topology topo, Latencies lat, String logDir) {
    return Behaviors.setup(ctx -> new CpuActor(ctx, id, cfg, topo, lat, logDir));
  }

  private CpuActor(ActorContext<NodeMsg> ctx, int id, CpuConfig cfg, Topology topo, Latencies lat, String logDir) {
    super(ctx, id, topo, lat, logDir);
    this.cfg = cfg;
    this.policy = cfg.policy();
    this.tlb = new Tlb(cfg.tlbEntries(), cfg.tlbWays());
    this.kernel = new KernelOnCpu(this);
  }

  @Override
  protected String loggerSuffix() {
    return "cpu";
  }

  @Override
  protected long logPid() {
    return current == null ? 0 : current.pid();
  }

  @Override
  protected long logTid() {
    return current == null ? 0 : current.tid();
  }

  @Override
  protected boolean stale(Payload payload) {
    return payload instanceof AckTimeout t && t != shootTimer;
  }

  // ================================================================== messages

  @Override
  protected void handle(int src, Payload payload) {
    if (payload instanceof Reply r) {
      complete(r);
    } else if (payload instanceof Resume) {
      runUser();
    } else if (payload instanceof FlushIpi ipi) {
      if (mode == Mode.IDLE || mode == Mode.SPIN || mode == Mode.HALTED) {
        flushForIpi(ipi);
      } else {
        pendingFlushes.add(ipi);
      }
    } else if (payload instanceof FlushAck ack) {
      onAck(ack);
    } else if (payload instanceof AckTimeout t) {
      onAckTimeout(t);
    } else if (payload instanceof KernelState.Reschedule) {
      if (mode == Mode.IDLE) {
        mode = Mode.KERNEL;
        kernel.schedule();
      } else {
        rescheduleWanted = true;
      }
    } else if (payload instanceof KernelState.Kill k) {
      if (current != null && current.tid() == k.tid()) {
        killWanted = true;
        killCode = k.code();
      } else {
        // its Run has not arrived yet (or it was switched out, and the kernel ends it there):
        // kept, so the task stops at its first boundary if it is switched in here
        killsPending.put(k.tid(), k.code());
      }
    } else {
      throw new IllegalStateException(actorName() + " got " + payload);
    }
  }

  private void complete(Reply r) {
    if (r.tag() != pendingTag) {
      throw new IllegalStateException(actorName() + ": reply " + r + " does not match request tag " + pendingTag);
    }
    pendingTag = -1;
    LongConsumer kl = pendingLong;
    Consumer<Reply> kr = pendingReply;
    pendingLong = null;
    pendingReply = null;
    if (kl != null) {
      if (r instanceof MemoryBank.Value v) {
        kl.accept(v.value());
      } else if (r instanceof FrameAllocator.Allocated a) {
        kl.accept(a.frame());
      } else if (r instanceof FrameAllocator.Freed) {
        kl.accept(0);
      } else {
        throw new IllegalStateException(actorName() + ": unexpected reply " + r);
      }
    } else {
      kr.accept(r);
    }
  }

  private long expectLong(LongConsumer k) {
    if (pendingTag != -1) {
      throw new IllegalStateException(actorName() + ": a second request while one is outstanding");
    }
    pendingTag = ++tagSeq;
    pendingLong = k;
    return pendingTag;
  }

  private long expectReply(Consumer<Reply> k) {
    if (pendingTag != -1) {
      throw new IllegalStateException(actorName() + ": a second request while one is outstanding");
    }
    pendingTag = ++tagSeq;
    pendingReply = k;
    return pendingTag;
  }

  private int bankOf(long paddr) {
    return topo.bankOfFrame(paddr >>> 12);
  }

  // ================================================================== user mode

  /**
   * User mode, entered or re-entered: from a message (a reply, {@code Resume}) or from kernel code
   * that returns to user mode without waiting for one (a system call such as getpid answers at
   * once). Never recursive: a re-entry while a batch runs further up this CPU's Java stack only
   * marks {@link #reentered}, and that batch's loop goes on once the kernel code has returned,
   * as the old nested call did, with a fresh batch count. So any number of system calls in a row
   * costs a constant stack depth. After {@code batch} batches within one packet (the first and
   * batch - 1 re-entries) the CPU sends itself {@code Resume}, as after a batch of register-only
   * instructions: virtual time reaches the conductor (and {@code max-cycles}), and other CPUs'
   * messages interleave.
   */
  private void runUser() {
    if (inUser) {
      reentered = true; // the loop below, further up the stack, goes on
      return;
    }
    inUser = true;
    try {
      int reentries = 0;
      do {
        reentered = false;
        if (reentries++ >= cfg.batch()) {
          if (mode == Mode.USER) {
            send(id, 0, new Resume());
          }
          return;
        }
        userBatch();
      } while (reentered);
    } finally {
      inUser = false;
    }
  }

  /** One batch of user instructions, until the CPU leaves user mode or must wait for a message. */
  private void userBatch() {
    if (mode != Mode.USER) {
      return;
    }
    int n = 0;
    while (true) {
      if (boundary()) {
        return;
      }
      if (n >= cfg.batch()) {
        send(id, 0, new Resume());
        return;
      }
      if (!deterministic() && now > cfg.maxCycles()) {
        mode = Mode.HALTED;
        wiring.runner().tell(new RunEvent.LimitReached("max-cycles " + cfg.maxCycles(), now));
        return;
      }
      if (regs.rip == program.size()) {
        // ran past its last instruction (or jumped to a label after it): exit_group(0)
        mode = Mode.KERNEL;
        kernel.exit(0, true, null);
        return;
      }
      if (regs.rip < 0 || regs.rip > program.size()) {
        // a ret (or jump) to no instruction: the fetch faults, as at an unmapped address
        now += lat.faultEntry();
        mode = Mode.KERNEL;
        kernel.badFetch(regs.rip);
        return;
      }
      Instruction in = program.at((int) regs.rip);
      if (Semantics.needsLoad(in) || Semantics.needsStore(in)) {
        memoryInstruction(in);
        return;
      }
      Outcome o = Semantics.execute(in, regs, 0);
      retire();
      n++;
      if (!afterExecute(o, in)) {
        return;
      }
    }
  }

  /** Interrupts taken at an instruction boundary; true when the CPU left user mode. */
  private boolean boundary() {
    if (!pendingFlushes.isEmpty()) {
      for (FlushIpi ipi : pendingFlushes) {
        flushForIpi(ipi);
      }
      pendingFlushes.clear();
    }
    if (killWanted) {
      killWanted = false;
      mode = Mode.KERNEL;
      kernel.exit(killCode, false, null);
      return true;
    }
    if (now >= sliceEnd || rescheduleWanted) {
      rescheduleWanted = false;
      mode = Mode.KERNEL;
      kernel.schedule();
      return true;
    }
    return false;
  }

  private void retire() {
    instructions++;
    if (cfg.throwAfterInstructions() > 0 && id == 0 && instructions == cfg.throwAfterInstructions()) {
      cfg.throwKind().raise("cowsim.debug.throw-after-instructions reached (a simulated simulator bug)");
    }
    now += lat.instruction();
    lastFaultPage = -1;
  }

  /** After an instruction completed; false when user mode is left. */
  private boolean afterExecute(Outcome o, Instruction in) {
    switch (o.kind()) {
      case CONTINUE:
      case PAUSE:
      case STORE:
        return true;
      case SYSCALL:
        now += lat.syscall();
        regs.set(Reg.RCX, regs.rip);
        regs.set(Reg.R11, regs.rflags);
        mode = Mode.KERNEL;
        kernel.syscall();
        return false;
      case ASSERT_FAILED:
      default:
        assertionFailures++;
        String where = "cpu-" + id + " pid " + current.pid() + " (" + current.name() + ") line " + in.line() + ": " + o.message();
        assertions.add(where);
        if (observing()) {
          observe(new Event.AssertionFailed(now, id, current.pid(), current.tid(), where));
        }
        mode = Mode.KERNEL;
        kernel.assertionFailed(where);
        return false;
    }
  }

  private void memoryInstruction(Instruction in) {
    FaultSink onFault = this::userFault;
    if (Semantics.needsLoad(in)) {
      long va = Semantics.loadAddress(in, regs);
      translate(va, false, pa -> load(pa, v -> afterLoad(in, v, onFault)), onFault);
    } else {
      afterLoad(in, 0, onFault);
    }
  }

  private void afterLoad(Instruction in, long loaded, FaultSink onFault) {
    if (Semantics.needsStore(in)) {
      long va = Semantics.storeAddress(in, regs);
      translate(
          va,
          true,
          pa -> {
            Outcome o = Semantics.execute(in, regs, loaded);
            retire();
            store(pa, o.storeValue(), this::runUser);
          },
          onFault);
    } else {
      Outcome o = Semantics.execute(in, regs, loaded);
      retire();
      if (afterExecute(o, in)) {
        runUser();
      }
    }
  }

  private void load(long paddr, LongConsumer k) {
    if ((++memoryOps & (cowsim.stress.Live.CHUNK - 1)) == 0) {
      cowsim.stress.Live.MEMORY_OPS.add(cowsim.stress.Live.CHUNK); // progress display only
    }
    send(bankOf(paddr), lat.memoryAccess(), new MemoryBank.Read(expectLong(k), paddr, lastAccess()));
  }

  private void store(long paddr, long value, Runnable k) {
    if ((++memoryOps & (cowsim.stress.Live.CHUNK - 1)) == 0) {
      cowsim.stress.Live.MEMORY_OPS.add(cowsim.stress.Live.CHUNK); // progress display only
    }
    send(bankOf(paddr), lat.memoryAccess(), new MemoryBank.Write(expectLong(old -> k.run()), paddr, value, lastAccess()));
  }

  /**
   * The kernel's store into user memory (copy_to_user), at the address translated for it: the
   * oracles see it as the task's store, marked as the kernel's. Not a user memory operation.
   */
  private void kernelStore(long paddr, long value, Runnable k) {
    Event.Access a = observing() ? new Event.Access(cr3, current.pid(), current.tid(), lastVa, lastTlbHit, true) : null;
    send(bankOf(paddr), lat.memoryAccess(), new MemoryBank.Write(expectLong(old -> k.run()), paddr, value, a));
  }

  /** Who is accessing memory, for the oracles (only built when someone checks). */
  private Event.Access lastAccess() {
    return observing() ? new Event.Access(cr3, current.pid(), current.tid(), lastVa, lastTlbHit) : null;
  }

  /** A user-mode access faulted: the kernel's page-fault path runs here, then the retry. */
  private void userFault(long va, boolean write, boolean present) {
    now += lat.faultEntry();
    mode = Mode.KERNEL;
    long page = va & ~0xfffL;
    if (page == lastFaultPage) {
      refaults++;
    } else {
      lastFaultPage = page;
      refaults = 1;
    }
    if (refaults > cfg.maxRefaults()) {
      refaultKills++;
      lastFaultPage = -1;
      if (observing()) {
        observe(new Event.Refault(now, id, current.pid(), current.tid(), va, refaults));
      }
      kernel.kill("refault loop: " + refaults + " faults on page " + hex(page) + " without progress");
      return;
    }
    kernel.pageFault(va, write, present, this::enterUser);
  }

  // ================================================================== MMU

  /** Translate a user address for a load or store; faults go to {@code onFault}. */
  private void translate(long va, boolean write, LongConsumer k, FaultSink onFault) {
    if (!VirtualAddress.user(va)) {
      onFault.fault(va, write, false);
      return;
    }
    if ((va & 7) != 0) {
      mode = Mode.KERNEL;
      kernel.kill("misaligned 8-byte access at " + hex(va) + " (cowsim supports aligned qwords only)");
      return;
    }
    lastVa = va;
    lastTlbHit = false;
    long vpn = VirtualAddress.pageNumber(va);
    long e = tlb.lookup(vpn, pcid);
    if (e != Tlb.MISS) {
      if (write && !Tlb.writable(e)) {
        dropEntry(va, "page fault");
        onFault.fault(va, true, true);
        return;
      }
      if (!write || Tlb.dirty(e)) {
        now += lat.tlbHit();
        lastTlbHit = true;
        if (observing()) {
          observe(new Event.TlbUse(now, id, cr3, current.pid(), current.tid(), va, Tlb.frame(e), write));
        }
        k.accept((Tlb.frame(e) << 12) | (va & 0xfff));
        return;
      }
      // a write through a clean entry: walk again to set D
    }
    pageWalks++;
    walk(cr3, va, 4, Pte.RW | Pte.US, write, k, onFault);
  }

  private void walk(long table, long va, int level, long rights, boolean write, LongConsumer k, FaultSink onFault) {
    long addr = PageWalk.entryAddress(table, va, level);
    send(
        bankOf(addr),
        lat.walkStep(),
        new MemoryBank.Read(
            expectLong(
                e -> {
                  if (!Pte.present(e)) {
                    dropEntry(va, "page fault");
                    onFault.fault(va, write, false);
                    return;
                  }
                  long r = rights & (e | ~(Pte.RW | Pte.US));
                  boolean leaf = level == 1 || (level <= 3 && Pte.huge(e));
                  if (!leaf) {
                    walk(Pte.frame(e), va, level - 1, r, write, k, onFault);
                    return;
                  }
                  if ((r & Pte.US) == 0 || (write && (r & Pte.RW) == 0)) {
                    dropEntry(va, "page fault");
                    onFault.fault(va, write, true);
                    return;
                  }
                  long frame = PageWalk.frameOf(e, level, va);
                  long bits = Pte.A | (write ? Pte.D : 0);
                  if ((e & bits) == bits) {
                    fill(va, frame, r, write || Pte.dirty(e), k);
                    return;
                  }
                  // locked cmpxchg of the entry it read; if it changed meanwhile, walk again
                  send(
                      bankOf(addr),
                      lat.walkStep(),
                      new MemoryBank.CompareAndSwap(
                          expectLong(
                              old -> {
                                if (old != e) {
                                  walk(cr3, va, 4, Pte.RW | Pte.US, write, k, onFault);
                                } else {
                                  fill(va, frame, r, write || Pte.dirty(e), k);
                                }
                              }),
                          addr,
                          e,
                          e | bits));
                }),
            addr,
            Event.Access.WALK));
  }

  private void dropEntry(long va, String why) {
    if (tlb.invalidate(VirtualAddress.pageNumber(va))) {
      if (observing()) {
        observe(new Event.Invlpg(now, id, cr3, va & ~0xfffL, why));
      }
    }
  }

  private void fill(long va, long frame, long rights, boolean dirty, LongConsumer k) {
    tlb.insert(VirtualAddress.pageNumber(va), pcid, frame, (rights & Pte.RW) != 0, true, dirty, false);
    if (observing()) {
      observe(new Event.TlbFill(now, id, cr3, va & ~0xfffL, frame, (rights & Pte.RW) != 0));
    }
    k.accept((frame << 12) | (va & 0xfff));
  }

  private void flushForIpi(FlushIpi ipi) {
    if (ipi.pages() == null) {
      tlb.flushAll();
      if (observing()) {
        observe(new Event.TlbFlush(now, id, "flush IPI from cpu-" + ipi.initiator()));
      }
      tlbFlushes++;
    } else {
      for (long va : ipi.pages()) {
        dropEntry(va, "shootdown IPI from cpu-" + ipi.initiator());
        invlpgs++;
      }
    }
    ipisHandled++;
    debug("flush IPI from cpu-{} (request {}): {}, ack", ipi.initiator(), ipi.request(), ipi.pages() == null ? "TLB flushed" : ipi.pages().length + " pages invalidated");
    if (policy.ackFlag() == KernelPolicy.AckFlag.SHARED) {
      // strat9: set this CPU's one ack flag in kernel memory (a posted store)
      long flag = ackFlag(id);
      send(bankOf(flag), lat.memoryAccess(), new MemoryBank.Write(-1, flag, 1, null));
    } else {
      send(ipi.initiator(), lat.ipi(), new FlushAck(id, ipi.request()));
    }
  }

  private void takePendingIpis() {
    if (!pendingFlushes.isEmpty()) {
      List<FlushIpi> now = List.copyOf(pendingFlushes);
      pendingFlushes.clear();
      now.forEach(this::flushForIpi);
    }
  }

  /** The physical address of a CPU's shared ack flag (strat9: one per CPU). */
  private static long ackFlag(int cpu) {
    return (Layout.ACK_FLAGS_FRAME << 12) + 8L * cpu;
  }

  private void onAck(FlushAck ack) {
    if (mode != Mode.SPIN || ack.request() != shootRequest) {
      return; // late ack of a request that timed out
    }
    if (--acksMissing == 0) {
      endShootdown();
    }
  }

  private void onAckTimeout(AckTimeout t) {
    if (mode != Mode.SPIN || t != shootTimer) {
      return;
    }
    ackTimedOut();
  }

  private void ackTimedOut() {
    kc.ackTimeouts++;
    warn("shootdown request {}: {} acks missing after {} spins, continuing anyway", shootRequest, acksMissing, policy.ackTimeoutSpins());
    endShootdown();
  }

  /**
   * strat9's ack loop over shared flags: read the next target's flag (one spin, one message)
   * until every target has set its flag, or the spin limit runs out. Another initiator's IPI to
   * the same CPU sets the same flag, which is strat9's shared-ack-flag bug.
   */
  private void pollFlags() {
    if (pendingTargets.isEmpty()) {
      endShootdown();
      return;
    }
    if (policy.ackTimeoutSpins() > 0 && spins >= policy.ackTimeoutSpins()) {
      ackTimedOut();
      return;
    }
    spins++;
    now += lat.ackSpin();
    int target = pendingTargets.get(0);
    long flag = ackFlag(target);
    send(
        bankOf(flag),
        lat.memoryAccess(),
        new MemoryBank.Read(
            expectLong(
                v -> {
                  if (v != 0) {
                    pendingTargets.remove(0);
                    acksMissing--;
                  }
                  pollFlags();
                }),
            flag,
            null));
  }

  private void endShootdown() {
    mode = Mode.KERNEL;
    if (observing()) {
      observe(new Event.ShootdownDone(now, id, shootRequest, acksMissing));
    }
    shootWaitCycles += now - shootStart;
    if (shootTimer != null) {
      cancel(shootTimer);
    }
    shootTimer = null;
    Runnable k = shootDone;
    shootDone = null;
    k.run();
  }

  // ================================================================== Hardware (the kernel's view)

  @Override
  public int cpu() {
    return id;
  }

  @Override
  public int cpuCount() {
    return topo.cpus();
  }

  @Override
  public long now() {
    return now;
  }

  @Override
  public Latencies lat() {
    return lat;
  }

  @Override
  public KernelCounters counters() {
    return kc;
  }

  @Override
  public void read(long paddr, LongConsumer k) {
    send(bankOf(paddr), lat.memoryAccess(), new MemoryBank.Read(expectLong(k), paddr, null));
  }

  @Override
  public void write(long paddr, long value, Runnable k) {
    send(bankOf(paddr), lat.memoryAccess(), new MemoryBank.Write(expectLong(old -> k.run()), paddr, value, null));
  }

  @Override
  public void readFrame(long frame, Consumer<long[]> k) {
    send(
        topo.bankOfFrame(frame),
        lat.memoryAccess(),
        new MemoryBank.ReadFrame(
            expectReply(
                r -> {
                  long[] data = ((MemoryBank.FrameData) r).data();
                  lastReadFrame = frame;
                  lastReadData = data;
                  k.accept(data);
                }),
            frame));
  }

  @Override
  public void writeFrame(long frame, long[] data, Runnable k) {
    // a copy writes back the array a readFrame returned: name its source for the oracles
    long source = data != null && data == lastReadData ? lastReadFrame : -1;
    send(topo.bankOfFrame(frame), lat.memoryAccess(), new MemoryBank.WriteFrame(expectLong(v -> k.run()), frame, data, source));
  }

  @Override
  public void refAdd(long frame, int delta, LongConsumer k) {
    send(topo.bankOfFrame(frame), lat.memoryAccess(), new MemoryBank.RefAdd(expectLong(k), frame, delta));
  }

  @Override
  public void refGet(long frame, LongConsumer k) {
    send(topo.bankOfFrame(frame), lat.memoryAccess(), new MemoryBank.RefGet(expectLong(k), frame));
  }

  @Override
  public void allocate(LongConsumer k) {
    if (policy.refcountOnAlloc() == 0) {
      send(topo.allocator(), lat.allocator(), new FrameAllocator.Allocate(expectLong(k), 0));
      return;
    }
    // strat9 of mid-March 2026: allocate_frame also sets the fresh frame's refcount to 1
    send(
        topo.allocator(),
        lat.allocator(),
        new FrameAllocator.Allocate(
            expectLong(
                f -> {
                  if (f < 0) {
                    k.accept(f);
                  } else {
                    send(
                        topo.bankOfFrame(f),
                        lat.memoryAccess(),
                        new MemoryBank.RefSet(expectLong(old -> k.accept(f)), f, policy.refcountOnAlloc()));
                  }
                }),
            0));
  }

  @Override
  public void lock(long frame, Runnable k) {
    acquire("the page-table lock", frame, false, tag -> new MemoryBank.Lock(tag, frame), k);
  }

  @Override
  public void unlock(long frame, Runnable k) {
    send(topo.bankOfFrame(frame), lat.memoryAccess(), new MemoryBank.Unlock(expectLong(v -> k.run()), frame));
  }

  @Override
  public void mmapLock(long frame, boolean write, Runnable k) {
    acquire(write ? "the mmap_lock (write)" : "the mmap_lock (read)", frame, true, tag -> new MemoryBank.RwTryLock(tag, frame, write), k);
  }

  @Override
  public void mmapUnlock(long frame, boolean write, Runnable k) {
    if (id == 0 && cfg.leakMmapLockAfter() > 0 && ++mmapUnlocks == cfg.leakMmapLockAfter()) {
      // test hook (cowsim.debug.leak-mmap-lock-after): this release is forgotten
      warn("test hook: mmap_lock of frame {} not released", hex(frame));
      k.run();
      return;
    }
    send(topo.bankOfFrame(frame), lat.memoryAccess(), new MemoryBank.RwUnlock(expectLong(v -> k.run()), frame, write));
  }

  /**
   * A kernel lock's spin loop: one atomic try per message until it is granted. Interrupts stay on
   * (spin_lock, not spin_lock_irq): the IPIs that wait for a boundary are taken between tries, or
   * two CPUs each waiting for the other's ack deadlock. A spin longer than
   * {@code limits.lockup-cycles} is a soft lockup (Linux's watchdog, kernel/watchdog.c): reported
   * as a deadlock, and this CPU halts (it still acks IPIs) with its task unfinished.
   *
   * @param backoff double the pause between tries up to {@code lock-backoff} (the mmap_lock, a
   *     sleeping lock in Linux); the page-table lock spins at a constant {@code lock-spin}
   */
  private void acquire(String what, long frame, boolean backoff, LongFunction<MemoryBank.Request> attempt, Runnable k) {
    send(
        topo.bankOfFrame(frame),
        lat.memoryAccess(),
        attempt.apply(
            expectLong(
                busy -> {
                  if (busy == 0) {
                    if (spinSince >= 0) {
                      lockWaitCycles += now - spinSince;
                      spinSince = -1;
                    }
                    k.run();
                    return;
                  }
                  if (spinSince < 0) {
                    spinSince = now;
                    spinPause = lat.lockSpin();
                  }
                  takePendingIpis();
                  now += spinPause;
                  if (backoff) {
                    spinPause = Math.min(2 * spinPause, Math.max(lat.lockSpin(), lat.lockBackoff()));
                  }
                  if (now - spinSince > cfg.lockupCycles()) {
                    lockup(what, frame);
                    return;
                  }
                  acquire(what, frame, backoff, attempt, k);
                })));
  }

  private void lockup(String what, long frame) {
    long spun = now - spinSince;
    lockWaitCycles += spun;
    spinSince = -1;
    mode = Mode.HALTED;
    lockups++;
    warn("soft lockup: spun {} cycles on {} of frame {}; this CPU halts", spun, what, hex(frame));
    if (observing()) {
      observe(new Event.Lockup(now, id, current == null ? 0 : current.pid(), current == null ? 0 : current.tid(), what, spun));
    }
    if (!deterministic()) {
      // concurrent mode ends on AllExited only, which this task will never reach
      wiring.runner().tell(new RunEvent.LimitReached("soft lockup on cpu-" + id + ": " + spun + " cycles on " + what, now));
    }
  }

  @Override
  public void free(long frame, Runnable k) {
    send(topo.allocator(), lat.allocator(), new FrameAllocator.Free(expectLong(v -> k.run()), frame, 0));
  }

  @Override
  public void call(LongFunction<KernelState.Request> make, Consumer<Payload> k) {
    send(topo.kernel(), lat.kernelCall(), make.apply(expectReply(k::accept)));
  }

  @Override
  public void invlpg(long va) {
    invlpgs++;
    tlb.invalidate(VirtualAddress.pageNumber(va));
    if (observing()) {
      observe(new Event.Invlpg(now, id, cr3, va & ~0xfffL, "invlpg"));
    }
    if (infoEnabled()) {
      info("invlpg {}: invalidated on this CPU only", hex(va & ~0xfffL));
    }
  }

  @Override
  public void writeCr3(long pml4Frame) {
    if (!policy.pcid()) {
      cr3 = pml4Frame;
      tlb.flushNonGlobal();
      tlbFlushes++;
      if (observing()) {
        observe(new Event.TlbFlush(now, id, "CR3 write"));
      }
      return;
    }
    // PCID: entries are tagged and survive a switch; reloading the same CR3 flushes its PCID
    int next = pcidOf(pml4Frame);
    if (pml4Frame == cr3) {
      flushPcid(next, "CR3 reload");
    } else if (policy.generationCheck() && current != null && pml4Frame != Layout.KERNEL_PML4) {
      // Linux's tlb_gen check on switch-in: flush if this PCID last held another address space
      // or an older generation of this one
      long[] seen = pcidSeen.get(next);
      if (seen == null || seen[0] != current.pid() || seen[1] < current.tlbGen()) {
        flushPcid(next, "switch-in: address space changed since this CPU last ran it");
      }
      pcidSeen.put(next, new long[] {current.pid(), current.tlbGen()});
    }
    cr3 = pml4Frame;
    pcid = next;
  }

  private void flushPcid(int p, String why) {
    tlb.flushPcid(p);
    tlbFlushes++;
    if (observing()) {
      observe(new Event.TlbFlush(now, id, why + " (PCID " + p + ")"));
    }
  }

  /** The PCID of an address space: 12 bits, from its PML4 frame (0 when PCID is off). */
  private int pcidOf(long pml4Frame) {
    return policy.pcid() ? (int) (pml4Frame % 4095) + 1 : 0;
  }

  @Override
  public void report(Event e) {
    observe(e);
  }

  @Override
  public long cr3() {
    return cr3;
  }

  @Override
  public void shootdownAll(Runnable k) {
    writeCr3(cr3); // reload CR3 locally
    int[] others = new int[topo.cpus() - 1];
    for (int c = 0, i = 0; c < topo.cpus(); c++) {
      if (c != id) {
        others[i++] = c;
      }
    }
    log("shootdown_all: CR3 reloaded, full-flush IPI to {} CPUs", others.length);
    shootdown(others, null, k);
  }

  @Override
  public void shootdown(int[] targets, long[] pages, Runnable k) {
    if (targets.length == 0) {
      k.run();
      return;
    }
    kc.shootdowns++;
    shootStart = now;
    shootRequest++;
    acksMissing = targets.length;
    shootDone = k;
    spins = 0;
    mode = Mode.SPIN;
    boolean shared = policy.ackFlag() == KernelPolicy.AckFlag.SHARED;
    pendingTargets.clear();
    for (int c : targets) {
      if (shared) {
        // clear the target's ack flag (a posted store), then interrupt it
        long flag = ackFlag(c);
        send(bankOf(flag), lat.memoryAccess(), new MemoryBank.Write(-1, flag, 0, null));
        pendingTargets.add(c);
      }
      ipisSent++;
      if (observing()) {
        observe(new Event.IpiSent(now, id, c, shootRequest));
      }
      send(c, lat.ipi(), new FlushIpi(id, shootRequest, pages));
    }
    log("shootdown {}: {} to {} CPUs, spinning for acks", shootRequest, pages == null ? "full flush" : pages.length + " pages", targets.length);
    // IPIs that were waiting for a boundary are taken while spinning
    for (FlushIpi ipi : pendingFlushes) {
      flushForIpi(ipi);
    }
    pendingFlushes.clear();
    if (shared) {
      pollFlags();
      return;
    }
    // The spin limit is virtual time: only the conductor can let it run out. In concurrent mode
    // packets arrive as fast as the host delivers them, so the initiator simply waits for acks.
    if (policy.ackTimeoutSpins() > 0 && deterministic()) {
      shootTimer = new AckTimeout(shootRequest);
      send(id, policy.ackTimeoutSpins() * lat.ackSpin(), shootTimer);
    }
  }

  @Override
  public KernelPolicy policy() {
    return policy;
  }

  @Override
  public RegisterFile regs() {
    return regs;
  }

  @Override
  public TaskImage current() {
    return current;
  }

  @Override
  public TaskImage.Refaults refaults() {
    return lastFaultPage < 0 ? TaskImage.Refaults.NONE : new TaskImage.Refaults(lastFaultPage, refaults);
  }

  @Override
  public void switchTo(TaskImage task) {
    if (current == null || current.tid() != task.tid()) {
      contextSwitches++;
      now += lat.contextSwitch();
      killWanted = false;
      Long code = killsPending.remove(task.tid());
      if (code != null) {
        killWanted = true;
        killCode = code;
      }
    }
    current = task;
    // the refault count travels with the task (TaskImage.refaults): neither a switch nor another
    // task's instructions on this CPU reset it, only this task's own progress
    lastFaultPage = task.refaults().page();
    refaults = task.refaults().count();
    regs = task.regs();
    program = task.program();
    if (task.cr3() != 0 && task.cr3() != cr3) {
      writeCr3(task.cr3());
    }
    sliceEnd = now + cfg.quantum();
  }

  @Override
  public void enterUser() {
    mode = Mode.USER;
    runUser();
  }

  @Override
  public void becomeIdle() {
    current = null;
    regs = null;
    program = null;
    mode = Mode.IDLE;
    if (cr3 != Layout.KERNEL_PML4) {
      writeCr3(Layout.KERNEL_PML4);
    }
    for (FlushIpi ipi : pendingFlushes) {
      flushForIpi(ipi);
    }
    pendingFlushes.clear();
    if (rescheduleWanted) {
      rescheduleWanted = false;
      mode = Mode.KERNEL;
      kernel.schedule();
    }
  }

  @Override
  public void copyToUser(long va, long value, Consumer<Boolean> k) {
    copyToUser(va, value, k, 0);
  }

  private void copyToUser(long va, long value, Consumer<Boolean> k, int attempt) {
    translate(
        va,
        true,
        pa -> kernelStore(pa, value, () -> k.accept(true)),
        (fva, write, present) -> {
          if (attempt >= cfg.maxRefaults()) {
            k.accept(false);
            return;
          }
          now += lat.faultEntry();
          PageFaultHandler.handle(
              this, current.pid(), fva, write, present, () -> copyToUser(va, value, k, attempt + 1), reason -> k.accept(false));
        });
  }

  @Override
  public boolean logEnabled() {
    return infoEnabled();
  }

  @Override
  public void log(String format, Object... args) {
    info(format, args);
  }

  private static String hex(long v) {
    return "0x" + Long.toHexString(v);
  }

  // ================================================================== report

  /** One CPU's line in the report. */
  public record CpuDetail(
      int cpu,
      long instructions,
      long cycles,
      long tlbHits,
      long tlbMisses,
      long pageFaults,
      long cowFaults,
      long ipisSent,
      long contextSwitches,
      List<String> assertionFailures) {
    public double tlbHitRate() {
      long n = tlbHits + tlbMisses;
      return n == 0 ? 0 : (double) tlbHits / n;
    }
  }

  @Override
  protected NodeStats stats() {
    Map<String, Long> c = new LinkedHashMap<>();
    c.put(Stat.INSTRUCTIONS.key, instructions);
    c.put(Stat.MEMORY_OPS.key, memoryOps);
    c.put(Stat.TLB_HITS.key, tlb.hits());
    c.put(Stat.TLB_MISSES.key, tlb.misses());
    c.put(Stat.PAGE_WALKS.key, pageWalks);
    c.put(Stat.PAGE_FAULTS.key, kc.pageFaults);
    c.put(Stat.DEMAND_ZERO_FAULTS.key, kc.demandZeroFaults);
    c.put(Stat.COW_FAULTS.key, kc.cowFaults);
    c.put(Stat.COW_COPIES.key, kc.cowCopies);
    c.put(Stat.COW_REUSES.key, kc.cowReuses);
    c.put(Stat.SPURIOUS_FAULTS.key, kc.spuriousFaults);
    c.put(Stat.INVLPG.key, invlpgs);
    c.put(Stat.TLB_FLUSHES.key, tlbFlushes);
    c.put(Stat.IPIS.key, ipisSent);
    c.put(Stat.IPIS_HANDLED.key, ipisHandled);
    c.put(Stat.SHOOTDOWNS.key, kc.shootdowns);
    c.put(Stat.SHOOTDOWN_WAIT_CYCLES.key, shootWaitCycles);
    c.put(Stat.LOCK_WAIT_CYCLES.key, lockWaitCycles);
    c.put(Stat.LOCKUPS.key, lockups);
    c.put(Stat.ACK_TIMEOUTS.key, kc.ackTimeouts);
    c.put(Stat.CONTEXT_SWITCHES.key, contextSwitches);
    c.put(Stat.SYSCALLS.key, kc.syscalls);
    c.put(Stat.REFAULT_KILLS.key, refaultKills);
    c.put(Stat.TASKS_KILLED.key, kc.killed);
    c.put(Stat.ASSERTION_FAILURES.key, assertionFailures);
    return new NodeStats(
        id,
        c,
        new CpuDetail(id, instructions, now, tlb.hits(), tlb.misses(), kc.pageFaults, kc.cowFaults, ipisSent, contextSwitches, List.copyOf(assertions)),
        now);
  }
}
