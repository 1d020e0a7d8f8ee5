package cowsim.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.Terminated;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.cluster.ClusterEvent;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.SelfUp;
import akka.cluster.typed.Subscribe;
import cowsim.explore.Explorations;
import cowsim.explore.Explorer;
import cowsim.kernel.Mistake;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioException;
import cowsim.stats.Stat;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A worker JVM's node: once it is a cluster member it presents the secret and its build to the
 * coordinator; welcomed, it starts its slots, which build each exploration's scenario from the
 * text its work items carry (once per job, in the node's {@link JobCache}); refused, it says why
 * and ends with exit code 2. It stays for every exploration of the coordinator's session and ends
 * (exit 0) when the coordinator finishes or leaves. {@code exit} completes with the exit code.
 */
public final class WorkerNode extends AbstractBehavior<WorkerNode.Command> {

  public sealed interface Command {}

  /**
   * The coordinator let this worker in: its build (the worker refuses another) and the service
   * key its slots register under.
   */
  public record Welcome(String build, String keyId, ActorRef<Coordinator.Command> coordinator) implements Command, ClusterMessage {}

  /** The coordinator has every answer of this job it wants: runs of it still queued here are skipped. */
  public record JobDone(String jobId) implements Command, ClusterMessage {}

  public record Refused(String reason) implements Command, ClusterMessage {}

  /** The coordinator's session is over (its explorations done, or Ctrl-C). */
  public enum Finish implements Command, ClusterMessage { INSTANCE }

  private record Up(SelfUp up) implements Command {}

  private enum HelloTimeout implements Command { INSTANCE }

  /** Builds a worker's scenario from the text and options of a job (the command line's loader). */
  @FunctionalInterface
  public interface ScenarioSource {
    Scenario load(String text, String origin, List<String> scenarioArgs) throws ScenarioException;
  }

  private final ActorRef<Coordinator.Command> coordinator;
  private final String secret;
  private final String build;
  private final String name;
  private final int slots;
  private final int cacheSize;
  private JobCache jobs;
  private final ScenarioSource source;
  private final Explorer explorer;
  private final Executor runner;
  private final PrintStream out;
  private final CompletableFuture<Integer> exit;
  private final String coordinatorAt;
  private boolean welcomed;

  public static Behavior<Command> create(ActorRef<Coordinator.Command> coordinator, String coordinatorAt, String secret, String build, String name, int jobs,
      ScenarioSource source, Explorer explorer, Executor runner, Duration helloTimeout, int cacheSize, PrintStream out, CompletableFuture<Integer> exit) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startSingleTimer(HelloTimeout.INSTANCE, helloTimeout);
      return new WorkerNode(ctx, coordinator, coordinatorAt, secret, build, name, jobs, source, explorer, runner, cacheSize, out, exit);
    }));
  }

  private WorkerNode(ActorContext<Command> ctx, ActorRef<Coordinator.Command> coordinator, String coordinatorAt, String secret, String build, String name,
      int jobs, ScenarioSource source, Explorer explorer, Executor runner, int cacheSize, PrintStream out, CompletableFuture<Integer> exit) {
    super(ctx);
    this.coordinator = coordinator;
    this.coordinatorAt = coordinatorAt;
    this.secret = secret;
    this.build = build;
    this.name = name;
    this.slots = jobs;
    this.cacheSize = cacheSize;
    this.source = source;
    this.explorer = explorer;
    this.runner = runner;
    this.out = out;
    this.exit = exit;
    Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(ctx.messageAdapter(SelfUp.class, Up::new), SelfUp.class));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Up.class, u -> {
          out.println("worker " + name + ": joined the cluster of " + coordinatorAt + "; presenting the secret");
          coordinator.tell(new Coordinator.Hello(secret, build, name, slots, getContext().getSelf()));
          return this;
        })
        .onMessage(Welcome.class, this::onWelcome)
        .onMessage(JobDone.class, d -> {
          if (jobs != null) {
            jobs.finished(d.jobId());
          }
          return this;
        })
        .onMessage(Refused.class, r -> end(2, "cowsim: the coordinator at " + coordinatorAt + " refused this worker: " + r.reason()))
        .onMessageEquals(Finish.INSTANCE, () -> end(0, "worker " + name + ": the coordinator finished"))
        .onMessageEquals(HelloTimeout.INSTANCE, () -> welcomed ? this
            : end(2, "cowsim: no answer from a coordinator at " + coordinatorAt + " (is `explore`, `mutants` or `compare` with --cluster running there, the address right, and, with TLS, this node's certificate signed by a CA the coordinator trusts and the transport the same on both sides?)"))
        .onSignal(Terminated.class, t -> end(0, "worker " + name + ": the coordinator left"))
        .build();
  }

  private Behavior<Command> onWelcome(Welcome w) {
    if (!w.build().equals(build)) {
      return end(2, "cowsim: refusing the coordinator's work: its build is " + w.build() + ", this worker's " + build + " (results would not be comparable)");
    }
    welcomed = true;
    getContext().watch(w.coordinator());
    jobs = new JobCache(this::load, cacheSize);
    for (int i = 0; i < slots; i++) {
      getContext().spawn(WorkerSlot.create(explorer, jobs, w.coordinator(), name, w.keyId(), runner), "slot-" + i);
    }
    out.println("worker " + name + ": welcomed; " + slots + " job(s) pulling runs");
    return this;
  }

  /** A job's scenario from its text, as the coordinator built its own (called by the slots, on their runner threads). */
  private JobCache.Loaded load(ClusterJob job) throws ScenarioException {
    Mistake m = null;
    if (job.mistake() != null) {
      m = Mistake.of(job.mistake()).orElseThrow(() -> new ScenarioException(job.origin(), 0, "unknown mistake " + job.mistake()));
    }
    Scenario s = new Explorations.Origin(job.origin(), job.profile(), job.knobs(), m).apply(source.load(job.scenarioText(), job.origin(), job.scenarioArgs()));
    List<Stat> stats = new ArrayList<>();
    for (String k : job.stats()) {
      Stat st = Stat.of(k);
      if (st == null) {
        throw new ScenarioException(job.origin(), 0, "unknown stat " + k);
      }
      stats.add(st);
    }
    out.println("worker " + name + ": running runs of " + s.name() + (job.profile() == null ? "" : " under " + job.profile())
        + (job.knobs() == null ? "" : " + " + String.join(";", job.knobs())) + (m == null ? "" : " with mistake " + m.key) + " (job " + job.id() + ")");
    return new JobCache.Loaded(s, job.spec().toSpec(), stats);
  }

  private Behavior<Command> end(int code, String line) {
    (code == 2 ? System.err : out).println(line);
    exit.complete(code);
    return Behaviors.ignore();
  }
}
