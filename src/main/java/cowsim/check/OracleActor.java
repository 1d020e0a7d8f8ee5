package cowsim.check;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import cowsim.machine.observe.Event;
import cowsim.machine.observe.Observations;
import cowsim.machine.observe.ObserverInbox;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * The run's observer: feeds every component's observations to the {@link Oracle}, in the order
 * its mailbox receives them (the global delivery order in deterministic mode), and answers the
 * end-of-run checks. It sends nothing into the simulation, so checking never changes the schedule.
 */
public final class OracleActor extends AbstractBehavior<ObserverInbox> {


  /**
   * The run is over.
   *
   * @param refcounts non-zero refcounts at the end, or null when the machine is not quiescent
   *     (then only what was found on the way is reported)
   * @param deadlock why the run deadlocked, or null
   */
  public record Finish(Map<Long, Integer> refcounts, long cycle, String deadlock, ActorRef<Found> replyTo)
      implements ObserverInbox {}

  /** What the oracles found. */
  public record Found(List<Violation> violations, Map<String, Integer> counts) {}

  private final Oracle oracle;
  private final Consumer<Event> listener;

  /**
   * Components send their batches here directly, and the guardian's {@link Finish} comes through
   * the same mailbox, so it is handled after every batch sent before it.
   */
  public static Behavior<ObserverInbox> create(long reservedFrames, int historyDepth, int maxPerKind) {
    return create(reservedFrames, historyDepth, maxPerKind, null, null);
  }

  /**
   * As above; {@code listener} (or null) also hears every event, right after the oracle, in the
   * oracle's order and on its thread (tests record a run's event stream with it), and
   * {@code onViolation} (or null) the running total after each new violation (the run's progress).
   */
  public static Behavior<ObserverInbox> create(
      long reservedFrames, int historyDepth, int maxPerKind, Consumer<Event> listener, LongConsumer onViolation) {
    return create(reservedFrames, -1, historyDepth, maxPerKind, listener, onViolation);
  }

  /** As above, {@code zeroFrame} being the kernel's shared zero page (or -1: none). */
  public static Behavior<ObserverInbox> create(
      long reservedFrames, long zeroFrame, int historyDepth, int maxPerKind, Consumer<Event> listener, LongConsumer onViolation) {
    return Behaviors.setup(
        ctx -> new OracleActor(ctx, new Oracle(reservedFrames, zeroFrame, historyDepth, maxPerKind, onViolation), listener));
  }

  private OracleActor(ActorContext<ObserverInbox> ctx, Oracle oracle, Consumer<Event> listener) {
    super(ctx);
    this.oracle = oracle;
    this.listener = listener;
  }

  @Override
  public Receive<ObserverInbox> createReceive() {
    return newReceiveBuilder().onMessage(Observations.class, this::onBatch).onMessage(Finish.class, this::onFinish).build();
  }

  private Behavior<ObserverInbox> onBatch(Observations b) {
    for (Event e : b.items()) {
      oracle.observe(e);
      if (listener != null) {
        listener.accept(e);
      }
    }
    return this;
  }

  private Behavior<ObserverInbox> onFinish(Finish f) {
    if (f.deadlock() != null) {
      oracle.deadlock(f.cycle(), f.deadlock());
    }
    if (f.refcounts() != null) {
      oracle.finish(f.refcounts(), f.cycle());
    }
    f.replyTo().tell(new Found(oracle.violations(), oracle.counts()));
    return this;
  }
}
