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
import cowsim.scenario.ScenarioException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * One batch at a time on one node: pulls batches of runs from the coordinator's work-pulling
 * producer through its own {@link ConsumerController}, runs them one after another with the same
 * engine as a local explore (off the actor's thread; the job built once per node, in its
 * {@link JobCache}), sends their results to the coordinator in one message, then confirms. A slot
 * that dies before it confirms leaves its batch unconfirmed: the producer hands it to another
 * slot. Runs of a job the coordinator finished meanwhile (--until-first found its failure) are
 * skipped.
 */
public final class WorkerSlot extends AbstractBehavior<WorkerSlot.Command> {

  public sealed interface Command {}

  /** Runs to do: their indices and seeds, in the job named (each item carries it; a node builds it once). */
  public record Batch(ClusterJob job, List<Integer> indices, List<Long> seeds) implements ClusterMessage {}

  private record Delivered(ConsumerController.Delivery<Batch> delivery) implements Command {}

  private record Ran(ConsumerController.Delivery<Batch> delivery, List<RunSummary> summaries, long nanos) implements Command {}

  /** The summaries one Results message carries at most, by {@link RunSummary#sizeEstimate}: the budget one summary is fitted to. */
  static final int RESULTS_BYTES = RunSummary.MAX_BYTES;

  /** The service key of one coordinator's slots: its id is the coordinator's, drawn at start. */
  public static ServiceKey<ConsumerController.Command<Batch>> key(String id) {
    return ServiceKey.create(ConsumerController.serviceKeyClass(), id);
  }

  private final Explorer explorer;
  private final JobCache jobs;
  private final ActorRef<Coordinator.Command> coordinator;
  private final String worker;
  private final Executor runner;

  static Behavior<Command> create(Explorer explorer, JobCache jobs, ActorRef<Coordinator.Command> coordinator, String worker, String keyId, Executor runner) {
    return Behaviors.setup(ctx -> new WorkerSlot(ctx, explorer, jobs, coordinator, worker, keyId, runner));
  }

  private WorkerSlot(ActorContext<Command> ctx, Explorer explorer, JobCache jobs, ActorRef<Coordinator.Command> coordinator, String worker, String keyId,
      Executor runner) {
    super(ctx);
    this.explorer = explorer;
    this.jobs = jobs;
    this.coordinator = coordinator;
    this.worker = worker;
    this.runner = runner;
    ActorRef<ConsumerController.Delivery<Batch>> deliveries = ctx.messageAdapter(ConsumerController.deliveryClass(), Delivered::new);
    ActorRef<ConsumerController.Command<Batch>> consumer = ctx.spawn(ConsumerController.create(), "consumer");
    consumer.tell(new ConsumerController.Start<>(deliveries));
    ctx.getSystem().receptionist().tell(Receptionist.register(key(keyId), consumer));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder().onMessage(Delivered.class, this::onDelivered).onMessage(Ran.class, this::onRan).build();
  }

  private Behavior<Command> onDelivered(Delivered d) {
    Batch b = d.delivery().message();
    CompletableFuture<Ran> f = CompletableFuture.supplyAsync(() -> {
      long start = System.nanoTime();
      List<RunSummary> s = run(b);
      return new Ran(d.delivery(), s, System.nanoTime() - start);
    }, runner);
    getContext().pipeToSelf(f, (r, e) -> r != null ? r : new Ran(d.delivery(), crashed(b, e), 0));
    return this;
  }

  /** The batch's runs, one after another (on a runner thread); those of a finished job not started. */
  private List<RunSummary> run(Batch b) {
    List<RunSummary> out = new ArrayList<>(b.indices().size());
    if (jobs.isFinished(b.job().id())) {
      return out; // a batch the producer still held: not even built again
    }
    JobCache.Loaded job;
    try {
      job = jobs.get(b.job());
    } catch (ScenarioException | RuntimeException e) {
      // the coordinator loaded this text with the same build: a failure here is a simulator bug
      return crashed(b, e);
    }
    for (int k = 0; k < b.indices().size() && !jobs.isFinished(b.job().id()); k++) {
      int index = b.indices().get(k);
      long seed = b.seeds().get(k);
      try {
        RunOutcome o = explorer.runOnce(job.scenario(), job.spec(), index, seed, null);
        out.add(RunSummary.of(o, job.stats()));
      } catch (RuntimeException | StackOverflowError e) {
        out.add(RunSummary.crashed(index, seed, e));
      }
    }
    return out;
  }

  /** Every run of the batch, each a simulator error. */
  private static List<RunSummary> crashed(Batch b, Throwable t) {
    List<RunSummary> out = new ArrayList<>();
    for (int k = 0; k < b.indices().size(); k++) {
      out.add(RunSummary.crashed(b.indices().get(k), b.seeds().get(k), t));
    }
    return out;
  }

  private Behavior<Command> onRan(Ran r) {
    // answer first, confirm second: a slot lost in between makes duplicates, never a loss
    String job = r.delivery().message().job().id();
    List<List<RunSummary>> parts = parts(r.summaries(), RESULTS_BYTES);
    for (int i = 0; i < parts.size(); i++) {
      coordinator.tell(new Coordinator.Results(worker, job, parts.get(i), i == parts.size() - 1 ? r.nanos() : 0));
    }
    r.delivery().confirmTo().tell(ConsumerController.confirmed());
    return this;
  }

  /** The summaries cut, in order, into parts of at most {@code bytes} estimated each (a bigger one alone); at least one part. */
  static List<List<RunSummary>> parts(List<RunSummary> all, int bytes) {
    List<List<RunSummary>> out = new ArrayList<>();
    List<RunSummary> part = new ArrayList<>();
    long size = 0;
    for (RunSummary s : all) {
      long n = s.sizeEstimate();
      if (!part.isEmpty() && size + n > bytes) {
        out.add(part);
        part = new ArrayList<>();
        size = 0;
      }
      part.add(s);
      size += n;
    }
    out.add(part);
    return out;
  }
}
