package cowsim.machine.interconnect;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;

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
 */
public final class Conductor extends AbstractBehavior<Conductor.Command> {

  /** The conductor's protocol. */
  public sealed interface Command {}

  /** Sent once by the guardian before {@link Inject}: where the components are. */
  public record Wire(Wiring wiring) implements Command {}

  /** Packets that start the run (sent by nobody: boot interrupts). */
  public record Inject(List<NodeMsg.Packet> packets) implements Command {}

  /** A component finished handling its packet and sent these. */
  public record Done(int node, List<NodeMsg.Packet> sent, List<Payload> cancelled) implements Command {}

  /** Control plane: how many packets were delivered and the trace hash so far. */
  public record Report(ActorRef<Summary> replyTo) implements Command {}

  /**
   * What the conductor saw.
   *
   * @param decisions the decisions that differed from the time order (empty in time order)
   */
  public record Summary(long delivered, String traceHash, long lastTime, List<Decision> decisions) {}

  private record Queued(long time, long key, long seq, NodeMsg.Packet packet) {}

  private Wiring wiring;
  private final long maxCycles;
  private final SplittableRandom rng;
  private final Scheduler scheduler;
  private final List<Decision> decisions = new ArrayList<>();
  private final List<NodeMsg.Packet> deliverable = new ArrayList<>();
  private final List<Queued> candidates = new ArrayList<>();
  private final java.util.Set<Integer> senders = new java.util.HashSet<>();
  private final TreeSet<Queued> queue =
      new TreeSet<>(
          (a, b) -> {
            int c = Long.compare(a.time, b.time);
            if (c != 0) {
              return c;
            }
            c = Long.compare(a.key, b.key);
            return c != 0 ? c : Long.compare(a.seq, b.seq);
          });
  private final MessageDigest sha;
  private final ByteBuffer entry = ByteBuffer.allocate(20);
  private long seq;
  private long delivered;
  private long lastTime;
  private boolean busy;
  private boolean stopped;

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
    return Behaviors.setup(ctx -> new Conductor(ctx, seed, maxCycles, schedule, topology));
  }

  private Conductor(ActorContext<Command> ctx, long seed, long maxCycles, Scheduler.Factory schedule, Topology topology) {
    super(ctx);
    this.maxCycles = maxCycles;
    this.rng = new SplittableRandom(seed);
    this.scheduler = schedule == null ? null : schedule.scheduler(seed, topology);
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
              return this;
            })
        .onMessage(Inject.class, this::onInject)
        .onMessage(Done.class, this::onDone)
        .onMessage(Report.class, this::onReport)
        .build();
  }

  private Behavior<Command> onInject(Inject inject) {
    inject.packets().forEach(this::enqueue);
    if (!busy) {
      deliverNext();
    }
    return this;
  }

  private Behavior<Command> onDone(Done done) {
    for (Payload timer : done.cancelled()) {
      queue.removeIf(q -> q.packet.payload() == timer);
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
    queue.add(new Queued(p.time(), rng.nextLong(), seq++, p));
  }

  /** The next packet to deliver: the earliest, or the scheduler's choice among the deliverable. */
  private Queued next() {
    if (scheduler == null || queue.isEmpty()) {
      return queue.pollFirst();
    }
    long window = scheduler.window();
    long horizon = queue.first().time + window;
    if (horizon < 0) {
      horizon = Long.MAX_VALUE; // overflow: every pending packet is deliverable
    }
    candidates.clear();
    deliverable.clear();
    senders.clear();
    for (Iterator<Queued> it = queue.iterator(); it.hasNext(); ) {
      Queued q = it.next();
      if (q.time > horizon) {
        break;
      }
      // one sender's messages are delivered in their own time order: only each sender's
      // earliest pending message is deliverable
      if (senders.add(q.packet.src())) {
        candidates.add(q);
        deliverable.add(q.packet);
      }
    }
    int pick = scheduler.choose(delivered, deliverable);
    if (pick < 0 || pick >= candidates.size()) {
      throw new IllegalStateException("scheduler picked " + pick + " of " + candidates.size());
    }
    if (pick != 0) {
      decisions.add(new Decision.Pick(delivered, pick));
    }
    Queued q = candidates.get(pick);
    queue.remove(q);
    return q;
  }

  private void deliverNext() {
    if (stopped) {
      return;
    }
    Queued q = next();
    if (q == null) {
      stopped = true;
      wiring.runner().tell(new RunEvent.Quiescent(lastTime));
      return;
    }
    NodeMsg.Packet p = q.packet;
    if (p.time() > maxCycles) {
      stopped = true;
      wiring.runner().tell(new RunEvent.LimitReached("max-cycles " + maxCycles, p.time()));
      return;
    }
    lastTime = Math.max(lastTime, p.time());
    entry.clear();
    entry.putLong(p.time()).putInt(p.src()).putInt(p.dst()).putInt(p.payload().getClass().getName().hashCode());
    sha.update(entry.array(), 0, 20);
    delivered++;
    busy = true;
    wiring.ref(p.dst()).tell(p);
  }
}
