package cowsim.check;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import cowsim.machine.interconnect.Observation;
import cowsim.machine.interconnect.Observations;
import java.util.List;
import java.util.Map;

/**
 * The run's observer: feeds every component's observations to the {@link Oracle}, in the order
 * its mailbox receives them (the global delivery order in deterministic mode), and answers the
 * end-of-run checks. It sends nothing into the simulation, so checking never changes the schedule.
 */
public final class OracleActor extends AbstractBehavior<OracleActor.Command> {

  public sealed interface Command {}

  /** Wraps the components' batches (the interconnect's observer type). */
  private record Batch(Observations batch) implements Command {}

  /**
   * The run is over.
   *
   * @param refcounts non-zero refcounts at the end, or null when the machine is not quiescent
   *     (then only what was found on the way is reported)
   * @param deadlock why the run deadlocked, or null
   */
  public record Finish(Map<Long, Integer> refcounts, long cycle, String deadlock, ActorRef<Found> replyTo)
      implements Command {}

  /** What the oracles found. */
  public record Found(List<Violation> violations, Map<String, Integer> counts) {}

  private final Oracle oracle;

  public static Behavior<Command> create(long reservedFrames, int historyDepth, int maxPerKind) {
    return Behaviors.setup(ctx -> new OracleActor(ctx, new Oracle(reservedFrames, historyDepth, maxPerKind)));
  }

  /**
   * The front door of the oracle: the components' observation batches and the guardian's
   * {@link Finish} go through this one mailbox, so Finish is handled after every batch sent
   * before it.
   */
  public static ActorRef<Object> frontDoor(ActorContext<?> ctx, ActorRef<Command> oracle) {
    return ctx.spawn(
        Behaviors.receive(Object.class)
            .onMessage(Observations.class, b -> {
                  oracle.tell(new Batch(b));
                  return Behaviors.same();
                })
            .onMessage(Finish.class, f -> {
                  oracle.tell(f);
                  return Behaviors.same();
                })
            .build(),
        "oracle-door");
  }

  private OracleActor(ActorContext<Command> ctx, Oracle oracle) {
    super(ctx);
    this.oracle = oracle;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder().onMessage(Batch.class, this::onBatch).onMessage(Finish.class, this::onFinish).build();
  }

  private Behavior<Command> onBatch(Batch b) {
    for (Observation o : b.batch().items()) {
      oracle.observe((Event) o);
    }
    return this;
  }

  private Behavior<Command> onFinish(Finish f) {
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
