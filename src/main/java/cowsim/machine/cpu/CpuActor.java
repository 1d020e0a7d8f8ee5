package cowsim.machine.cpu;

import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import cowsim.machine.interconnect.Address;
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
import cowsim.machine.mmu.Mmu;
import cowsim.machine.observe.Event;
import cowsim.stats.Progress;
import cowsim.stats.Stat;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongConsumer;

/**
 * One x86-64 CPU: registers, a TLB, a page walker that sets A and D, a local APIC for IPIs and a
 * preemption timer. It runs the current thread's instructions; every load, store and walk step is
 * a message to memory. On a trap (syscall, page fault, an interrupt) it calls the kernel's entry
 * points, a {@link TrapHandler}, and the kernel code runs here, on this CPU, reaching the machine
 * through this CPU's {@link KernelPort}.
 *
 * <p>The actor routes packets to its units, each a plain class: the {@link UserPipeline} (user
 * mode), the {@link Mmu} (TLB, CR3, PCID, the walker), the {@link ShootdownUnit} (flush IPIs and
 * their acks) and {@link KernelMode} (the port's services). It keeps what they share: the mode,
 * the current thread, the interrupt lines, and the one request outstanding at a time.
 *
 * <p>x86 rules: writing CR3 flushes the TLB (no PCID); invlpg drops one entry here only; a page
 * fault drops the faulting address's entry here (SDM 4.10.4.1), so a stale read-only entry
 * costs one spurious fault; syscall clobbers rcx and r11. Interrupts (IPIs, the timer) are taken
 * at instruction boundaries in user mode, when idle, and while spinning for shootdown acks or on
 * a kernel lock.
 */
public final class CpuActor extends Node<Payload.ToCpu> {

  /** What a CPU receives besides replies to its own requests and the kernel's IPIs. */
  public sealed interface Signal extends Payload.ToCpu permits Resume, FlushIpi, FlushAck, AckTimeout {}

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

  /**
   * A reschedule IPI (the kernel's tables raise it when work is queued for this CPU): the
   * scheduler runs at once when the CPU is idle, else at the next instruction boundary.
   */
  public interface RescheduleIpi extends Payload.ToCpu {}

  /**
   * A kill IPI (a sibling's group exit): thread {@code tid} ends with {@code code} at its next
   * instruction boundary. One that arrives before its thread is switched in here is kept until it
   * is.
   */
  public interface KillIpi extends Payload.ToCpu {
    long tid();

    long code();
  }

  /** What the CPU is doing. */
  enum Mode {
    IDLE,
    USER,
    KERNEL,
    HALTED
  }

  private final CpuConfig cfg;
  private final Mmu mmu;
  private final ShootdownUnit shootdown;
  private final UserPipeline user;
  private final KernelMode kernelMode;
  private final TrapHandler trap;

  private Mode mode = Mode.IDLE;
  private Context current;
  private long sliceEnd;
  private long contextSwitches;
  /** Memory operations already added to the run's Progress (a display's count, never read here). */
  private long progressReported;

  private boolean rescheduleWanted;
  private boolean killWanted;
  private long killCode;
  /** Kills that came for a thread that was not current: tid -> exit code. */
  private final Map<Long, Long> killsPending = new HashMap<>();

  private long tagSeq;
  private long pendingTag = -1;
  private LongConsumer pendingLong;
  private Consumer<Reply> pendingReply;

  /**
   * @param kernel the kernel that runs on this CPU, given the CPU's port (one instance per CPU)
   */
  public static Behavior<NodeMsg> create(
      int id, CpuConfig cfg, Function<KernelPort, TrapHandler> kernel, Topology topo, Latencies lat, String logDir) {
    return Behaviors.setup(ctx -> new CpuActor(ctx, id, cfg, kernel, topo, lat, logDir));
  }

  private CpuActor(
      ActorContext<NodeMsg> ctx, int id, CpuConfig cfg, Function<KernelPort, TrapHandler> kernel, Topology topo, Latencies lat, String logDir) {
    super(ctx, id, topo, lat, logDir, Payload.ToCpu.class);
    this.cfg = cfg;
    CpuBus bus = new CpuBus();
    Core core = new Core();
    this.mmu = new Mmu(bus, cfg.tlbEntries(), cfg.tlbWays(), cfg.hugeTlb(), cfg.pcid(), lat.tlbHit(), cfg.kernelCr3());
    this.shootdown = new ShootdownUnit(cfg.shootdown(), lat, bus, mmu);
    this.user = new UserPipeline(cfg, lat, bus, mmu, core);
    this.kernelMode = new KernelMode(cfg, lat, bus, mmu, shootdown, user, core);
    this.trap = kernel.apply(kernelMode);
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
  protected boolean stale(Payload.ToCpu payload) {
    return payload instanceof AckTimeout t && shootdown.stale(t);
  }

  // ================================================================== messages

  @Override
  protected void handle(int src, Payload.ToCpu payload) {
    // the memory bank's answer, the most frequent packet, is tested by its class before the Reply
    // interface: HotSpot remembers one interface per class for a type test, so a class tested
    // against two interfaces in turn (ToCpu on the way in, then Reply) misses every time, and the
    // miss writes the class's metadata, shared by every run's thread (JDK-8180450)
    if (payload instanceof MemoryBank.Value v) {
      complete(v);
    } else if (payload instanceof Reply r) {
      complete(r);
    } else if (payload instanceof Resume) {
      user.run();
    } else if (payload instanceof FlushIpi ipi) {
      shootdown.receive(ipi, mode == Mode.IDLE || mode == Mode.HALTED);
    } else if (payload instanceof FlushAck ack) {
      shootdown.onAck(ack);
    } else if (payload instanceof AckTimeout t) {
      shootdown.onTimeout(t);
    } else if (payload instanceof RescheduleIpi) {
      if (mode == Mode.IDLE) {
        mode(Mode.KERNEL);
        trap.reschedule();
      } else {
        rescheduleWanted = true;
      }
    } else if (payload instanceof KillIpi k) {
      if (current != null && current.tid() == k.tid()) {
        killWanted = true;
        killCode = k.code();
      } else {
        // its switch-in has not happened yet (or it was switched out, and the kernel ends it
        // there): kept, so the thread stops at its first boundary if it is switched in here
        killsPending.put(k.tid(), k.code());
      }
    } else {
      throw new IllegalStateException(actorName() + " got " + payload);
    }
  }

  /** The answer to the one outstanding request: its continuation runs. */
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
      } else if (r instanceof FrameAllocator.SplitDone s) {
        kl.accept(s.ok() ? 1 : 0);
      } else {
        throw new IllegalStateException(actorName() + ": unexpected reply " + r);
      }
    } else {
      kr.accept(r);
    }
  }

  private long nextTag() {
    if (pendingTag != -1) {
      throw new IllegalStateException(actorName() + ": a second request while one is outstanding");
    }
    pendingTag = ++tagSeq;
    return pendingTag;
  }

  // ================================================================== interrupts and threads

  /** Interrupts taken at an instruction boundary; true when the CPU left user mode. */
  private boolean boundary() {
    shootdown.takeDeferred();
    if (killWanted) {
      killWanted = false;
      mode(Mode.KERNEL);
      trap.killed(killCode);
      return true;
    }
    if (now >= sliceEnd || rescheduleWanted) {
      rescheduleWanted = false;
      mode(Mode.KERNEL);
      trap.reschedule();
      return true;
    }
    return false;
  }

  private void switchTo(Context thread, long faultPage, int faultCount) {
    if (current == null || current.tid() != thread.tid()) {
      contextSwitches++;
      now += lat.contextSwitch();
      killWanted = false;
      Long code = killsPending.remove(thread.tid());
      if (code != null) {
        killWanted = true;
        killCode = code;
      }
    }
    current = thread;
    user.restoreFaults(faultPage, faultCount);
    sliceEnd = now + cfg.quantum();
  }

  /** Every mode change goes through here: a timeline sees it (its user and kernel slices). */
  private void mode(Mode m) {
    if (m != mode && timeline()) {
      observe(new Event.CpuMode(now, id, m.name().toLowerCase(java.util.Locale.ROOT), current == null ? 0 : current.pid(), current == null ? 0 : current.tid()));
    }
    mode = m;
  }

  private void becomeIdle() {
    current = null;
    mode(Mode.IDLE);
    if (mmu.cr3() != cfg.kernelCr3()) {
      mmu.writeCr3(cfg.kernelCr3());
    }
    shootdown.takeDeferred();
    if (rescheduleWanted) {
      rescheduleWanted = false;
      mode(Mode.KERNEL);
      trap.reschedule();
    }
  }

  /** The state the units share, as they see it. */
  private final class Core implements UserPipeline.Cpu, KernelMode.Cpu {
    @Override
    public Mode mode() {
      return mode;
    }

    @Override
    public void mode(Mode m) {
      CpuActor.this.mode(m);
    }

    @Override
    public boolean boundary() {
      return CpuActor.this.boundary();
    }

    @Override
    public long sliceEnd() {
      return sliceEnd;
    }

    @Override
    public TrapHandler trap() {
      return trap;
    }

    @Override
    public Context current() {
      return current;
    }

    @Override
    public void memoryOp() {
      if ((user.memoryOps() & (Progress.CHUNK - 1)) == 0) {
        reportProgress(); // the run's progress display only
      }
    }

    @Override
    public void switchTo(Context thread, long faultPage, int faultCount) {
      CpuActor.this.switchTo(thread, faultPage, faultCount);
    }

    @Override
    public void becomeIdle() {
      CpuActor.this.becomeIdle();
    }
  }

  /** The actor as its units' bus, and as the MMU's host. */
  private final class CpuBus implements Bus, Mmu.Host {
    @Override
    public int cpu() {
      return id;
    }

    @Override
    public Topology topology() {
      return topo;
    }

    @Override
    public Latencies lat() {
      return lat;
    }

    @Override
    public long now() {
      return now;
    }

    @Override
    public void spend(long cycles) {
      now += cycles;
    }

    @Override
    public boolean deterministic() {
      return CpuActor.this.deterministic();
    }

    @Override
    public <P extends Payload> void send(Address<P> to, long latency, P payload) {
      CpuActor.this.send(to, latency, payload);
    }

    @Override
    public long expect(LongConsumer k) {
      long tag = nextTag();
      pendingLong = k;
      return tag;
    }

    @Override
    public long expectReply(Consumer<Reply> k) {
      long tag = nextTag();
      pendingReply = k;
      return tag;
    }

    @Override
    public void cancel(Payload timer) {
      CpuActor.this.cancel(timer);
    }

    @Override
    public void limitReached(String what) {
      wiring.runner().tell(new RunEvent.LimitReached(what, now));
    }

    @Override
    public boolean observing() {
      return CpuActor.this.observing();
    }

    @Override
    public boolean timeline() {
      return CpuActor.this.timeline();
    }

    @Override
    public void observe(Event e) {
      CpuActor.this.observe(e);
    }

    @Override
    public boolean infoEnabled() {
      return CpuActor.this.infoEnabled();
    }

    @Override
    public void info(String format, Object... args) {
      CpuActor.this.info(format, args);
    }

    @Override
    public void debug(String format, Object... args) {
      CpuActor.this.debug(format, args);
    }

    @Override
    public void warn(String format, Object... args) {
      CpuActor.this.warn(format, args);
    }

    @Override
    public void readEntry(long paddr, LongConsumer k) {
      send(bankOf(paddr), lat.walkStep(), new MemoryBank.Read(expect(k), paddr, Event.Access.WALK));
    }

    @Override
    public void compareAndSwap(long paddr, long expected, long value, LongConsumer k) {
      send(bankOf(paddr), lat.walkStep(), new MemoryBank.CompareAndSwap(expect(k), paddr, expected, value));
    }
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

  /**
   * Adds the memory operations not yet in the run's {@link Progress} (a chunk while it runs; the
   * remainder when it reports its counters at the end, so the final count is exact).
   */
  private void reportProgress() {
    long ops = user.memoryOps();
    if (ops > progressReported && wiring != null) {
      wiring.progress().addMemoryOps(ops - progressReported);
      progressReported = ops;
    }
  }

  @Override
  protected NodeStats stats() {
    reportProgress();
    Map<String, Long> c = new LinkedHashMap<>();
    c.put(Stat.INSTRUCTIONS.key, user.instructions());
    c.put(Stat.MEMORY_OPS.key, user.memoryOps());
    c.put(Stat.TLB_HITS.key, mmu.hits());
    c.put(Stat.TLB_MISSES.key, mmu.misses());
    c.put(Stat.PAGE_WALKS.key, mmu.walks());
    trap.counters(c);
    c.put(Stat.INVLPG.key, mmu.invlpgs());
    c.put(Stat.TLB_FLUSHES.key, mmu.flushes());
    c.put(Stat.IPIS.key, shootdown.ipisSent());
    c.put(Stat.IPIS_HANDLED.key, shootdown.ipisHandled());
    c.put(Stat.SHOOTDOWNS.key, shootdown.shootdowns());
    c.put(Stat.SHOOTDOWN_WAIT_CYCLES.key, shootdown.waitCycles());
    c.put(Stat.ACK_TIMEOUTS.key, shootdown.ackTimeouts());
    c.put(Stat.LOCK_WAIT_CYCLES.key, kernelMode.lockWaitCycles());
    c.put(Stat.LOCKUPS.key, kernelMode.lockups());
    c.put(Stat.CONTEXT_SWITCHES.key, contextSwitches);
    c.put(Stat.REFAULT_KILLS.key, user.refaultKills());
    c.put(Stat.ASSERTION_FAILURES.key, user.assertionFailures());
    return new NodeStats(
        id,
        c,
        new CpuDetail(
            id, user.instructions(), now, mmu.hits(), mmu.misses(), c.getOrDefault(Stat.PAGE_FAULTS.key, 0L),
            c.getOrDefault(Stat.COW_FAULTS.key, 0L), shootdown.ipisSent(), contextSwitches, user.assertions()),
        now,
        Map.of(Stat.SHOOTDOWN_WAIT.key, shootdown.waits().copy(), Stat.FAULT_LATENCY.key, user.faultLatency().copy()));
  }
}
