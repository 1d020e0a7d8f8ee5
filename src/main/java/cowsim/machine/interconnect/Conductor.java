package cowsim.machine.interconnect;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The deterministic conductor behind the interconnect: it holds every message in flight and
 * delivers exactly one at a time, earliest virtual time first, breaking ties with a PRNG seeded
 * from the scenario. The next delivery waits until the receiver reports what it sent, so the
 * whole run is a function of the scenario, the seed and the build. It also hashes the sequence of
 * deliveries (the report's {@code trace_hash}).
 *
 * <p>With a {@link Scheduler.Factory} other than the time order (schedule exploration, {@code
 * cowsim.explore}, implements it), a {@link Scheduler} may add extra latency to each packet as it is handed over
 * and picks each delivery among the deliverable packets: those within the scheduler's window of
 * the earliest arrival, and of each sender only its earliest (one component's messages are never
 * reordered among themselves, as an interconnect keeps one sender's traffic in order and x86
 * makes one CPU's stores visible in order). The conductor records every decision that differs
 * from the time order, so the run can be replayed from a schedule file.
 *
 * <p>It hands a packet to its receiver in one of two ways, which give the same run:
 *
 * <ul>
 *   <li>mailbox: as an Akka message; the receiver answers {@link Done} with what it sent.
 *   <li>direct: the run's actors share one thread (a lane: a single-thread dispatcher), each node
 *       actor {@link Attach}es its packet handler here when it is wired, and the conductor calls
 *       that handler itself and reads what it sent when it returns. Nothing else changes: the
 *       same packet, handled to completion by the actor that owns the state it touches, in the
 *       order the conductor chose, its sends collected as the {@code Done} would list them. The
 *       mailbox added nothing but a thread hand-off, as exactly one packet is in flight. The
 *       conductor delivers {@code slice} packets per message to itself, so the run's other
 *       actors (the guardian's timeout, a stop, the oracle) get the thread in between, and hands
 *       the oracle the events of each slice in one batch, in delivery order.
 * </ul>
 */
public final class Conductor extends AbstractBehavior<Conductor.Command> {

  /** The conductor's protocol. */
  public sealed interface Command {}

  /** Sent once by the guardian before {@link Inject}: where the components are. */
  public record Wire(Wiring wiring) implements Command {}

  /** Packets that start the run (sent by nobody: boot interrupts). */
  public record Inject(List<NodeMsg.Packet> packets) implements Command {}

  /** A component finished handling its packet and sent these (mailbox delivery). */
  public record Done(int node, List<NodeMsg.Packet> sent, List<Payload> cancelled) implements Command {}

  /**
   * Direct delivery: node {@code node}'s actor hands over its packet handler, which the conductor
   * calls on the run's one thread (sent by the node when it is wired).
   */
  public record Attach(int node, Node<?> handler) implements Command {}

  /** Direct delivery: to itself, deliver the next slice. */
  private enum Continue implements Command {
    INSTANCE
  }

  /**
   * Direct delivery: how the conductor reports that a node's handler threw (a simulator bug). It
   * is called once, on the conductor's thread, before the conductor stops delivering; it records
   * the error and tells whoever watches the run (a {@code Throwable} escaping a node actor's own
   * message handling goes to the actor's guard, as in mailbox delivery).
   */
  @FunctionalInterface
  public interface CrashPort {
    void crashed(int node, Throwable error);
  }

  /**
   * How packets reach the nodes.
   *
   * @param slice direct delivery: packets delivered per message to itself
   * @param crashes direct delivery: where a handler's Throwable goes
   */
  public record Delivery(boolean direct, int slice, CrashPort crashes) {
    /** Mailbox delivery. */
    public static final Delivery MAILBOX = new Delivery(false, 1, null);

    public Delivery {
      if (direct && (slice < 1 || crashes == null)) {
        throw new IllegalArgumentException("direct delivery needs a slice of at least 1 and a crash port");
      }
    }
  }

  /**
   * What a node's handler sent, withdrew and observed while the conductor had it handle one packet
   * (direct delivery): the conductor's, one per run, filled by the node during the call and
   * emptied by the conductor after it (the observations once per slice).
   */
  static final class Outputs {
    final ArrayList<NodeMsg.Packet> sent = new ArrayList<>();
    final ArrayList<Payload> cancelled = new ArrayList<>();
    ArrayList<cowsim.machine.observe.Event> observed = new ArrayList<>();
  }

  /** Control plane: how many packets were delivered and the trace hash so far. */
  public record Report(ActorRef<Summary> replyTo) implements Command {}

  /**
   * What the conductor saw.
   *
   * @param decisions the decisions that differed from the time order (empty in time order)
   */
  public record Summary(long delivered, String traceHash, long lastTime, List<Decision> decisions) {}


  private Wiring wiring;
  private final long maxCycles;
  private final SplittableRandom rng;
  private final Scheduler scheduler;
  /** the scheduler orders same-cycle packets by send order ({@link Scheduler#seededTieBreak} false), asked once */
  private final boolean sendOrderTies;
  private final List<Decision> decisions = new ArrayList<>();
  private final List<NodeMsg.Packet> deliverable = new ArrayList<>();
  /** the deliverable packets' positions in the queue (delivery order), as {@link #deliverable} lists them */
  private int[] candidates = new int[16];
  /** per sender: the number of the last {@link #next} that took its earliest packet as a candidate */
  private long[] senderSeen = new long[0];
  private long nextCalls;
  private final PendingQueue queue = new PendingQueue();
  private final MessageDigest sha;
  /**
   * the trace entries not yet hashed, 20 bytes each (time, src, dst, the payload's class name's
   * hash; big-endian), handed to the digest a block at a time: the digest of the whole sequence
   * is the same however it is split
   */
  private final byte[] entries = new byte[20 * 64];
  private int entriesFill;
  private long seq;
  private long delivered;
  private long lastTime;
  private boolean busy;
  private boolean stopped;
  private final Delivery delivery;
  /** direct delivery: the nodes' handlers, by node id, and how many have attached */
  private Node<?>[] handlers;
  private int attached;
  /** direct delivery: whether the boot packets were handed over (delivery starts once every handler is attached too) */
  private boolean injected;
  private final Outputs outputs = new Outputs();

  /**
   * @param seed tie-break seed
   * @param maxCycles no packet later than this is delivered; the run ends with a limit event
   */
  public static Behavior<Command> create(long seed, long maxCycles) {
    return create(seed, maxCycles, null, null);
  }

  /**
   * @param seed tie-break seed, and the seed of the schedule's own choices
   * @param maxCycles no packet later than this is delivered; the run ends with a limit event
   * @param schedule how to pick deliveries, or null for the time order
   * @param topology the machine (the schedule may need to know which nodes are CPUs)
   */
  public static Behavior<Command> create(long seed, long maxCycles, Scheduler.Factory schedule, Topology topology) {
    return create(seed, maxCycles, schedule, topology, Delivery.MAILBOX);
  }

  /** As above, delivering as {@code delivery} says. */
  public static Behavior<Command> create(long seed, long maxCycles, Scheduler.Factory schedule, Topology topology, Delivery delivery) {
    return Behaviors.setup(ctx -> new Conductor(ctx, seed, maxCycles, schedule, topology, delivery));
  }

  private Conductor(ActorContext<Command> ctx, long seed, long maxCycles, Scheduler.Factory schedule, Topology topology, Delivery delivery) {
    super(ctx);
    this.delivery = delivery;
    this.maxCycles = maxCycles;
    this.rng = new SplittableRandom(seed);
    this.scheduler = schedule == null ? null : schedule.scheduler(seed, topology);
    this.sendOrderTies = scheduler != null && !scheduler.seededTieBreak();
    try {
      this.sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Wire.class, w -> {
              wiring = w.wiring();
              if (delivery.direct()) {
                handlers = new Node<?>[wiring.nodes().size()];
              }
              return this;
            })
        .onMessage(Inject.class, this::onInject)
        .onMessage(Done.class, this::onDone)
        .onMessage(Attach.class, this::onAttach)
        .onMessage(Continue.class, c -> {
              deliverSlice();
              return this;
            })
        .onMessage(Report.class, this::onReport)
        .build();
  }

  private Behavior<Command> onInject(Inject inject) {
    inject.packets().forEach(this::enqueue);
    if (delivery.direct()) {
      injected = true;
      if (attached == handlers.length) {
        deliverSlice();
      }
    } else if (!busy) {
      deliverNext();
    }
    return this;
  }

  private Behavior<Command> onAttach(Attach a) {
    if (handlers[a.node()] == null) {
      handlers[a.node()] = a.handler();
      attached++;
      if (attached == handlers.length && injected) {
        deliverSlice();
      }
    }
    return this;
  }

  private Behavior<Command> onDone(Done done) {
    for (Payload timer : done.cancelled()) {
      queue.removePayload(timer);
    }
    List<NodeMsg.Packet> sent = done.sent();
    for (int i = 0; i < sent.size(); i++) {
      enqueue(sent.get(i));
    }
    busy = false;
    deliverNext();
    return this;
  }

  private Behavior<Command> onReport(Report r) {
    MessageDigest copy;
    try {
      copy = (MessageDigest) sha.clone();
      copy.update(entries, 0, entriesFill);
    } catch (CloneNotSupportedException e) {
      throw new IllegalStateException(e);
    }
    r.replyTo().tell(
        new Summary(delivered, HexFormat.of().formatHex(copy.digest()), lastTime, List.copyOf(decisions)));
    return this;
  }

  private void enqueue(NodeMsg.Packet p) {
    if (scheduler != null) {
      long extra = scheduler.delay(seq, p);
      if (extra != 0) {
        decisions.add(new Decision.Delay(seq, extra));
        p = new NodeMsg.Packet(p.time() + extra, p.src(), p.dst(), p.payload());
      }
    }
    long key = rng.nextLong();
    if (sendOrderTies) {
      key = 0; // same-cycle packets in send order (the key is still drawn: other runs unchanged)
    }
    queue.add(p, key, seq++);
  }

  /** The next packet to deliver: the earliest, or the scheduler's choice among the deliverable. */
  private NodeMsg.Packet next() {
    if (scheduler == null || queue.isEmpty()) {
      return queue.pollFirst();
    }
    long window = scheduler.window();
    long horizon = queue.first().time() + window;
    if (horizon < 0) {
      horizon = Long.MAX_VALUE; // overflow: every pending packet is deliverable
    }
    deliverable.clear();
    long call = ++nextCalls;
    for (int i = 0, n = queue.size(); i < n; i++) {
      NodeMsg.Packet q = queue.packet(i);
      if (q.time() > horizon) {
        break;
      }
      // one sender's messages are delivered in their own time order: only each sender's
      // earliest pending message is deliverable
      int src = q.src();
      if (src >= senderSeen.length) {
        senderSeen = java.util.Arrays.copyOf(senderSeen, Math.max(src + 1, 2 * senderSeen.length));
      }
      if (senderSeen[src] != call) {
        senderSeen[src] = call;
        if (deliverable.size() == candidates.length) {
          candidates = java.util.Arrays.copyOf(candidates, 2 * candidates.length);
        }
        candidates[deliverable.size()] = i;
        deliverable.add(q);
      }
    }
    int pick = scheduler.choose(delivered, deliverable);
    if (pick < 0 || pick >= deliverable.size()) {
      throw new IllegalStateException("scheduler picked " + pick + " of " + deliverable.size());
    }
    if (pick != 0) {
      decisions.add(new Decision.Pick(delivered, pick));
    }
    return queue.removeAt(candidates[pick]);
  }

  /** Mailbox delivery: the next packet, as a message to its receiver, which answers {@link Done}. */
  private void deliverNext() {
    NodeMsg.Packet p = take();
    if (p != null) {
      busy = true;
      wiring.ref(p.dst()).tell(p);
    }
  }

  /**
   * The next packet to deliver, hashed into the trace and counted; or null when the run is over
   * (the runner is told why) or was over already.
   */
  private NodeMsg.Packet take() {
    if (stopped) {
      return null;
    }
    NodeMsg.Packet p = next();
    if (p == null) {
      stopped = true;
      flushObservations();
      wiring.runner().tell(new RunEvent.Quiescent(lastTime));
      return null;
    }
    if (p.time() > maxCycles) {
      stopped = true;
      flushObservations();
      wiring.runner().tell(new RunEvent.LimitReached("max-cycles " + maxCycles, p.time()));
      return null;
    }
    lastTime = Math.max(lastTime, p.time());
    hashEntry(p.time(), p.src(), p.dst(), p.payload().getClass().getName().hashCode());
    delivered++;
    return p;
  }

  private void hashEntry(long time, int src, int dst, int type) {
    if (entriesFill == entries.length) {
      sha.update(entries, 0, entriesFill);
      entriesFill = 0;
    }
    byte[] b = entries;
    int i = entriesFill;
    for (int shift = 56; shift >= 0; shift -= 8) {
      b[i++] = (byte) (time >>> shift);
    }
    i = putInt(b, i, src);
    i = putInt(b, i, dst);
    entriesFill = putInt(b, i, type);
  }

  private static int putInt(byte[] b, int i, int v) {
    b[i] = (byte) (v >>> 24);
    b[i + 1] = (byte) (v >>> 16);
    b[i + 2] = (byte) (v >>> 8);
    b[i + 3] = (byte) v;
    return i + 4;
  }

  /**
   * Direct delivery: up to a slice of packets, each handled to completion by its node's handler
   * before the next is chosen, exactly as {@link #onDone} takes a {@link Done}: first the timers
   * it withdrew, then what it sent, in order. Then the slice's observations go to the oracle, and
   * the next slice is a message to itself, behind whatever else came for the run's thread.
   */
  private void deliverSlice() {
    Outputs out = outputs;
    for (int n = delivery.slice(); n > 0; n--) {
      NodeMsg.Packet p = take();
      if (p == null) {
        return;
      }
      int seen = out.observed.size();
      try {
        handlers[p.dst()].receiveDirect(p, out);
      } catch (Throwable t) {
        crashed(p.dst(), t, seen);
        return;
      }
      ArrayList<Payload> cancelled = out.cancelled;
      if (!cancelled.isEmpty()) {
        for (int i = 0; i < cancelled.size(); i++) {
          queue.removePayload(cancelled.get(i));
        }
        cancelled.clear();
      }
      ArrayList<NodeMsg.Packet> sent = out.sent;
      for (int i = 0; i < sent.size(); i++) {
        enqueue(sent.get(i));
      }
      sent.clear();
    }
    flushObservations();
    getContext().getSelf().tell(Continue.INSTANCE);
  }

  /**
   * Direct delivery: node {@code node}'s handler threw. As in mailbox delivery, where a crashed
   * node never answers Done, nothing more is delivered; what it observed while handling the packet
   * is dropped (its events were never sent), the events before it go to the oracle.
   */
  private void crashed(int node, Throwable t, int seen) {
    stopped = true;
    Outputs out = outputs;
    out.sent.clear();
    out.cancelled.clear();
    try {
      out.observed.subList(seen, out.observed.size()).clear();
      flushObservations();
    } catch (Throwable again) {
      // out of memory even for that: the crash is what matters
    }
    delivery.crashes().crashed(node, t);
  }

  /** Direct delivery: the events observed since the last batch go to the oracle, in delivery order. */
  private void flushObservations() {
    ArrayList<cowsim.machine.observe.Event> observed = outputs.observed;
    if (!observed.isEmpty()) {
      wiring.observer().tell(new cowsim.machine.observe.Observations(-1, observed));
      outputs.observed = new ArrayList<>(observed.size()); // about as many in the next slice
    }
  }
}
