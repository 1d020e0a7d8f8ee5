package cowsim.machine.interconnect;

import cowsim.machine.observe.Event;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Receive;
import cowsim.machine.observe.Observations;
import cowsim.stats.Stat;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/**
 * A simulated component attached to the interconnect. It keeps a virtual clock, advances it to
 * each packet's arrival time, and sends only through {@link #send}, which stamps the arrival time.
 * In deterministic mode the packets a handler sends are handed back to the conductor together
 * with the "done" signal, so the conductor knows every pending message before choosing the next.
 * With direct delivery the conductor calls {@link #receiveDirect} on the run's one thread instead
 * of sending the packet, and the node's sends, withdrawn timers and observations go into the
 * conductor's {@link Conductor.Outputs} for the length of that call.
 *
 * @param <P> what this node accepts (its component's sealed protocol); {@link #send} takes an
 *     {@link Address} of the same type, so only such payloads reach it
 */
public abstract class Node<P extends Payload> extends AbstractBehavior<NodeMsg> {

  private static final List<NodeMsg.Packet> NONE = List.of();

  protected final int id;
  protected Wiring wiring;
  protected final Topology topo;
  protected final Latencies lat;
  private boolean deterministic;
  private final String actorName;
  private final String logFile;
  private final Logger log;
  private final boolean logging;
  protected long now;
  private final Class<P> accepts;
  private ArrayList<NodeMsg.Packet> outbox = new ArrayList<>();
  private List<Payload> cancelled = List.of();
  private ArrayList<Event> observed = new ArrayList<>();
  private boolean observing;
  private boolean timeline;
  private long handled;
  /** direct delivery: the conductor's outputs while it has this node handle a packet, else null */
  private Conductor.Outputs direct;

  /**
   * @param logDir where this run's per-actor logs go, or null for no logs
   * @param accepts the type of what it accepts (the packets carry payloads untyped)
   */
  protected Node(
      ActorContext<NodeMsg> context, int id, Topology topo, Latencies lat, String logDir, Class<P> accepts) {
    super(context);
    this.accepts = accepts;
    this.id = id;
    this.topo = topo;
    this.lat = lat;
    this.actorName = topo.name(id);
    this.logFile = logDir == null ? "" : logDir + "/" + actorName + ".log";
    this.log = LoggerFactory.getLogger("cowsim." + loggerSuffix());
    this.logging = logDir != null;
  }

  /** Logger name below {@code cowsim.}: cpu, memory, allocator, kernel. */
  protected abstract String loggerSuffix();

  /** Handle one payload; {@link #now} is already the arrival time. */
  protected abstract void handle(int src, P payload);

  /** Counters and end-of-run detail for the report. */
  protected abstract NodeStats stats();

  /**
   * Whether a timer payload is stale (cancelled); a stale packet is dropped without moving the
   * clock, so a cancelled timeout does not stretch the run.
   */
  protected boolean stale(P payload) {
    return false;
  }

  @Override
  public Receive<NodeMsg> createReceive() {
    return newReceiveBuilder()
        .onMessage(NodeMsg.Packet.class, this::onPacket)
        .onMessage(NodeMsg.CollectStats.class, this::onCollect)
        .onMessage(NodeMsg.Wire.class, this::onWire)
        .build();
  }

  private Behavior<NodeMsg> onPacket(NodeMsg.Packet p) {
    handlePacket(p);
    flushObservations();
    if (deterministic) {
      List<NodeMsg.Packet> sent = outbox.isEmpty() ? NONE : outbox;
      if (!outbox.isEmpty()) {
        outbox = new ArrayList<>();
      }
      wiring.conductor().tell(new Conductor.Done(id, sent, cancelled));
      cancelled = List.of();
    }
    return this;
  }

  private void handlePacket(NodeMsg.Packet p) {
    handled++;
    P payload = accepts.cast(p.payload());
    if (!stale(payload)) {
      if (p.time() > now) {
        now = p.time();
      }
      handle(p.src(), payload);
    }
  }

  /**
   * Direct delivery: the conductor has this node handle {@code p} to completion, on the run's one
   * thread (the lane every actor of the run shares, so nothing else of this actor runs meanwhile);
   * what it sends, withdraws and observes goes into {@code out}, in order, for the conductor to
   * read when this returns.
   */
  final void receiveDirect(NodeMsg.Packet p, Conductor.Outputs out) {
    direct = out;
    try {
      handlePacket(p);
    } finally {
      direct = null;
    }
  }

  private Behavior<NodeMsg> onWire(NodeMsg.Wire w) {
    wiring = w.wiring();
    deterministic = wiring.deterministic();
    observing = wiring.observer() != null;
    timeline = observing && wiring.timeline();
    if (wiring.direct()) {
      wiring.conductor().tell(new Conductor.Attach(id, this));
    }
    return this;
  }

  private Behavior<NodeMsg> onCollect(NodeMsg.CollectStats c) {
    NodeStats s = stats();
    Map<String, Long> counters = new java.util.LinkedHashMap<>(s.counters());
    counters.put(Stat.MESSAGES.key, handled);
    c.replyTo().tell(new NodeStats(s.node(), counters, s.detail(), s.clock(), s.distributions()));
    return this;
  }

  /** Send through the interconnect: arrives at {@code now + latency}. */
  protected final <Q extends Payload> void send(Address<Q> to, long latency, Q payload) {
    int dst = to.node();
    NodeMsg.Packet p = new NodeMsg.Packet(now + latency, id, dst, payload);
    if (direct != null) {
      direct.sent.add(p);
    } else if (deterministic) {
      outbox.add(p);
    } else {
      // what was observed before this send must reach the observer before anything it causes
      flushObservations();
      wiring.ref(dst).tell(p);
    }
  }

  private void flushObservations() {
    if (!observed.isEmpty()) {
      wiring.observer().tell(new Observations(id, observed));
      observed = new ArrayList<>();
    }
  }

  /** Whether anybody checks this run (observations are dropped otherwise). */
  protected final boolean observing() {
    return observing;
  }

  /** Whether the run records a timeline: only then are the timeline-only events worth building. */
  protected final boolean timeline() {
    return timeline;
  }

  /** Report a fact to the oracles; sent with this packet's other observations. */
  protected final void observe(Event o) {
    if (observing) {
      (direct != null ? direct.observed : observed).add(o);
    }
  }

  /**
   * Withdraw a timer sent earlier with {@link #send} (same payload object). The conductor drops
   * it, so a cancelled timeout neither moves time nor trips max-cycles; in concurrent mode
   * {@link #stale} filters it on arrival.
   */
  protected final void cancel(Payload timer) {
    if (direct != null) {
      direct.cancelled.add(timer);
    } else if (deterministic) {
      if (cancelled.isEmpty()) {
        cancelled = new ArrayList<>(1);
      }
      cancelled.add(timer);
    }
  }

  protected final boolean deterministic() {
    return deterministic;
  }

  // ---- logging: every line carries the actor, the virtual cycle and pid/tid (MDC) ----

  protected final boolean infoEnabled() {
    return logging && log.isInfoEnabled();
  }

  protected final boolean debugEnabled() {
    return logging && log.isDebugEnabled();
  }

  /** pid shown in log lines; 0 when none. */
  protected long logPid() {
    return 0;
  }

  /** tid shown in log lines; 0 when none. */
  protected long logTid() {
    return 0;
  }

  protected final void info(String format, Object... args) {
    if (logging && log.isInfoEnabled()) {
      withMdc(() -> log.info(format, args));
    }
  }

  protected final void debug(String format, Object... args) {
    if (logging && log.isDebugEnabled()) {
      withMdc(() -> log.debug(format, args));
    }
  }

  protected final void warn(String format, Object... args) {
    if (logging && log.isWarnEnabled()) {
      withMdc(() -> log.warn(format, args));
    }
  }

  private void withMdc(Runnable r) {
    MDC.put("actor", actorName);
    MDC.put("cycle", Long.toString(now));
    MDC.put("pid", Long.toString(logPid()));
    MDC.put("tid", Long.toString(logTid()));
    MDC.put("logfile", logFile);
    try {
      r.run();
    } finally {
      MDC.clear();
    }
  }

  protected final String actorName() {
    return actorName;
  }
}
