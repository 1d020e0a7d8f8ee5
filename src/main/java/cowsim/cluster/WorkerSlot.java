package cowsim.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.delivery.ConsumerController;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.receptionist.Receptionist;
import akka.actor.typed.receptionist.ServiceKey;
import cowsim.explore.Explorer;
import cowsim.explore.RunOutcome;
import cowsim.explore.ScheduleSpec;
import cowsim.scenario.Scenario;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * One run at a time on one node: pulls runs from the coordinator's work-pulling producer through
 * its own {@link ConsumerController}, runs each with the same engine as a local explore (off the
 * actor's thread), sends the result to the coordinator, then confirms. A slot that dies before it
 * confirms leaves its run unconfirmed: the producer hands it to another slot.
 */
public final class WorkerSlot extends AbstractBehavior<WorkerSlot.Command> {

  public sealed interface Command {}

  /** A run to do: its index and seed (the scenario and schedule came once, in the welcome). */
  public record Run(int index, long seed) implements ClusterMessage {}

  private record Delivered(ConsumerController.Delivery<Run> delivery) implements Command {}

  private record Ran(ConsumerController.Delivery<Run> delivery, RunSummary summary) implements Command {}

  /** The service key of one coordinator's slots: its id is the coordinator's, drawn at start. */
  public static ServiceKey<ConsumerController.Command<Run>> key(String id) {
    return ServiceKey.create(ConsumerController.serviceKeyClass(), id);
  }

  private final Explorer explorer;
  private final Scenario scenario;
  private final ScheduleSpec spec;
  private final ActorRef<Coordinator.Command> coordinator;
  private final String worker;
  private final Executor runner;

  public static Behavior<Command> create(
      Explorer explorer, Scenario scenario, ScheduleSpec spec, ActorRef<Coordinator.Command> coordinator, String worker, String keyId, Executor runner) {
    return Behaviors.setup(ctx -> new WorkerSlot(ctx, explorer, scenario, spec, coordinator, worker, keyId, runner));
  }

  private WorkerSlot(ActorContext<Command> ctx, Explorer explorer, Scenario scenario, ScheduleSpec spec, ActorRef<Coordinator.Command> coordinator,
      String worker, String keyId, Executor runner) {
    super(ctx);
    this.explorer = explorer;
    this.scenario = scenario;
    this.spec = spec;
    this.coordinator = coordinator;
    this.worker = worker;
    this.runner = runner;
    ActorRef<ConsumerController.Delivery<Run>> deliveries = ctx.messageAdapter(ConsumerController.deliveryClass(), Delivered::new);
    ActorRef<ConsumerController.Command<Run>> consumer = ctx.spawn(ConsumerController.create(), "consumer");
    consumer.tell(new ConsumerController.Start<>(deliveries));
    ctx.getSystem().receptionist().tell(Receptionist.register(key(keyId), consumer));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder().onMessage(Delivered.class, this::onDelivered).onMessage(Ran.class, this::onRan).build();
  }

  private Behavior<Command> onDelivered(Delivered d) {
    Run r = d.delivery().message();
    CompletableFuture<RunSummary> f = CompletableFuture.supplyAsync(() -> {
      RunOutcome o = explorer.runOnce(scenario, spec, r.index(), r.seed(), null);
      return RunSummary.of(o);
    }, runner);
    getContext().pipeToSelf(f, (s, e) -> new Ran(d.delivery(), s != null ? s : RunSummary.crashed(r.index(), r.seed(), e)));
    return this;
  }

  private Behavior<Command> onRan(Ran r) {
    // answer first, confirm second: a slot lost in between makes a duplicate, never a loss
    coordinator.tell(new Coordinator.Result(worker, r.summary()));
    r.delivery().confirmTo().tell(ConsumerController.confirmed());
    return this;
  }
}
