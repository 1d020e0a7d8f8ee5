package cowsim.machine.cpu;

import cowsim.machine.cpu.CpuActor.AckTimeout;
import cowsim.machine.cpu.CpuActor.FlushAck;
import cowsim.machine.cpu.CpuActor.FlushIpi;
import cowsim.machine.interconnect.Latencies;
import cowsim.machine.memory.MemoryBank;
import cowsim.machine.mmu.Mmu;
import cowsim.machine.observe.Event;
import cowsim.stats.Distribution;
import java.util.ArrayList;
import java.util.List;

/**
 * One CPU's side of the TLB shootdown protocol, both ends of it. As initiator it sends a flush
 * IPI to each target and spins until every target has acknowledged or the spin limit runs out;
 * as target it flushes what an IPI asks (at once when idle, halted or spinning itself, otherwise at
 * the next instruction boundary) and acknowledges.
 *
 * <p>Acks come back as a {@link FlushAck} message per request, or, with shared ack flags
 * (strat9), through one 8-byte word per CPU in kernel memory: the initiator clears the target's
 * word with a posted store before the IPI, the target sets it, and the initiator polls it with one
 * read per spin. Another initiator's IPI to the same CPU sets the same word, which is strat9's
 * shared-ack-flag bug. The spin limit is a timer packet in deterministic mode, a count of polls
 * with shared flags; in concurrent mode per-request acks are simply waited for, since packets
 * arrive as fast as the host delivers them and a virtual-time limit would run out at once.
 *
 * <p>A plain class: the CPU actor routes IPIs, acks and the timer here.
 */
public final class ShootdownUnit {

  /**
   * How acks are collected.
   *
   * @param sharedAckFlags one ack word per CPU in kernel memory (strat9) instead of a message per request
   * @param ackTimeoutSpins the initiator stops waiting after this many spins (0: never)
   * @param ackFlagsFrame the first frame of the ack words (one 8-byte word per CPU)
   */
  public record Config(boolean sharedAckFlags, long ackTimeoutSpins, long ackFlagsFrame) {}

  private final Config cfg;
  private final Latencies lat;
  private final Bus bus;
  private final Mmu mmu;
  /** IPIs that wait for an instruction boundary. */
  private final List<FlushIpi> deferred = new ArrayList<>();
  private final List<Integer> pendingTargets = new ArrayList<>();
  private boolean spinning;
  private long request;
  private long spins;
  private long started;
  private int acksMissing;
  private Runnable done;
  private AckTimeout timer;

  private long ipisSent;
  private long ipisHandled;
  private long shootdowns;
  private long ackTimeouts;
  private long waitCycles;
  private final Distribution waits = new Distribution();

  /** The spin of an initiator waiting for its targets' acks, as the observer names it. */
  static final String ACK_WAIT = "ack wait";

  ShootdownUnit(Config cfg, Latencies lat, Bus bus, Mmu mmu) {
    this.cfg = cfg;
    this.lat = lat;
    this.bus = bus;
    this.mmu = mmu;
  }

  // ---- as target ----

  /** A flush IPI arrived: taken now ({@code takeNow}: the CPU is idle or halted; or it spins here), else deferred. */
  void receive(FlushIpi ipi, boolean takeNow) {
    if (takeNow || spinning) {
      flush(ipi);
    } else {
      deferred.add(ipi);
    }
  }

  /** An instruction boundary, a lock spin or the idle loop: take the deferred IPIs. */
  void takeDeferred() {
    if (!deferred.isEmpty()) {
      List<FlushIpi> now = List.copyOf(deferred);
      deferred.clear();
      now.forEach(this::flush);
    }
  }

  private void flush(FlushIpi ipi) {
    if (ipi.pages() == null) {
      mmu.flushAll("flush IPI from cpu-" + ipi.initiator());
    } else {
      for (long va : ipi.pages()) {
        mmu.invalidate(va, "shootdown IPI from cpu-" + ipi.initiator());
      }
    }
    ipisHandled++;
    if (bus.timeline()) {
      bus.observe(new Event.IpiHandled(bus.now(), bus.cpu(), ipi.initiator(), ipi.request()));
    }
    bus.debug("flush IPI from cpu-{} (request {}): {}, ack", ipi.initiator(), ipi.request(), ipi.pages() == null ? "TLB flushed" : ipi.pages().length + " pages invalidated");
    if (cfg.sharedAckFlags()) {
      // strat9: set this CPU's one ack flag in kernel memory (a posted store)
      long flag = ackFlag(bus.cpu());
      bus.send(bus.bankOf(flag), lat.memoryAccess(), new MemoryBank.Write(-1, flag, 1, null));
    } else {
      bus.send(bus.topology().toCpu(ipi.initiator()), lat.ipi(), new FlushAck(bus.cpu(), ipi.request()));
    }
  }

  // ---- as initiator ----

  /**
   * Shootdown IPIs to {@code targets} (never this CPU): invalidate {@code pages}, or everything
   * when null; {@code k} runs once every target acknowledged or the spin limit ran out. No
   * targets: {@code k} runs at once.
   */
  void start(int[] targets, long[] pages, Runnable k) {
    if (targets.length == 0) {
      k.run();
      return;
    }
    shootdowns++;
    started = bus.now();
    request++;
    acksMissing = targets.length;
    done = k;
    spins = 0;
    spinning = true;
    pendingTargets.clear();
    for (int c : targets) {
      if (cfg.sharedAckFlags()) {
        // clear the target's ack flag (a posted store), then interrupt it
        long flag = ackFlag(c);
        bus.send(bus.bankOf(flag), lat.memoryAccess(), new MemoryBank.Write(-1, flag, 0, null));
        pendingTargets.add(c);
      }
      ipisSent++;
      if (bus.observing()) {
        bus.observe(new Event.IpiSent(bus.now(), bus.cpu(), c, request));
      }
      bus.send(bus.topology().toCpu(c), lat.ipi(), new FlushIpi(bus.cpu(), request, pages));
    }
    if (bus.infoEnabled()) {
      bus.info("shootdown {}: {} to {} CPUs, spinning for acks", request, pages == null ? "full flush" : pages.length + " pages", targets.length);
    }
    if (bus.timeline()) {
      bus.observe(new Event.SpinBegin(bus.now(), bus.cpu(), ACK_WAIT));
    }
    // IPIs that were waiting for a boundary are taken while spinning
    takeDeferred();
    if (cfg.sharedAckFlags()) {
      poll();
      return;
    }
    if (cfg.ackTimeoutSpins() > 0 && bus.deterministic()) {
      timer = new AckTimeout(request);
      bus.send(bus.self(), cfg.ackTimeoutSpins() * lat.ackSpin(), timer);
    }
  }

  /** Whether this CPU spins for acks now. */
  boolean spinning() {
    return spinning;
  }

  void onAck(FlushAck ack) {
    if (!spinning || ack.request() != request) {
      return; // late ack of a request that timed out
    }
    if (bus.timeline()) {
      bus.observe(new Event.IpiAcked(bus.now(), bus.cpu(), ack.from(), request));
    }
    if (--acksMissing == 0) {
      end();
    }
  }

  void onTimeout(AckTimeout t) {
    if (!spinning || t != timer) {
      return;
    }
    timedOut();
  }

  /** A timer of an earlier shootdown (cancelled): dropped without moving the clock. */
  boolean stale(AckTimeout t) {
    return t != timer;
  }

  private void timedOut() {
    ackTimeouts++;
    bus.warn("shootdown request {}: {} acks missing after {} spins, continuing anyway", request, acksMissing, cfg.ackTimeoutSpins());
    end();
  }

  /**
   * strat9's ack loop over shared flags: read the next target's flag (one spin, one message)
   * until every target has set its flag, or the spin limit runs out.
   */
  private void poll() {
    if (pendingTargets.isEmpty()) {
      end();
      return;
    }
    if (cfg.ackTimeoutSpins() > 0 && spins >= cfg.ackTimeoutSpins()) {
      timedOut();
      return;
    }
    spins++;
    bus.spend(lat.ackSpin());
    int target = pendingTargets.get(0);
    long flag = ackFlag(target);
    bus.send(
        bus.bankOf(flag),
        lat.memoryAccess(),
        new MemoryBank.Read(
            bus.expect(
                v -> {
                  if (v != 0) {
                    if (bus.timeline()) {
                      bus.observe(new Event.IpiAcked(bus.now(), bus.cpu(), target, request));
                    }
                    pendingTargets.remove(0);
                    acksMissing--;
                  }
                  poll();
                }),
            flag,
            null));
  }

  private void end() {
    spinning = false;
    if (bus.timeline()) {
      bus.observe(new Event.SpinEnd(bus.now(), bus.cpu(), ACK_WAIT));
    }
    if (bus.observing()) {
      bus.observe(new Event.ShootdownDone(bus.now(), bus.cpu(), request, acksMissing));
    }
    waitCycles += bus.now() - started;
    waits.record(bus.now() - started);
    if (timer != null) {
      bus.cancel(timer);
    }
    timer = null;
    Runnable k = done;
    done = null;
    k.run();
  }

  /** The physical address of a CPU's shared ack flag (strat9: one per CPU). */
  long ackFlag(int cpu) {
    return (cfg.ackFlagsFrame() << 12) + 8L * cpu;
  }

  // ---- counters ----

  long ipisSent() {
    return ipisSent;
  }

  long ipisHandled() {
    return ipisHandled;
  }

  long shootdowns() {
    return shootdowns;
  }

  long ackTimeouts() {
    return ackTimeouts;
  }

  /** Cycles spent spinning for acks. */
  long waitCycles() {
    return waitCycles;
  }

  /** Per shootdown started here: the cycles spent spinning for its acks. */
  Distribution waits() {
    return waits;
  }
}
