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
import cowsim.explore.Explorer;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * A worker JVM's node: once it is a cluster member it presents the secret and its build to the
 * coordinator; welcomed, it builds the scenario from the text it was sent and starts its slots;
 * refused, it says why and ends with exit code 2. {@code exit} completes with the exit code.
 */
public final class WorkerNode extends AbstractBehavior<WorkerNode.Command> {

  public sealed interface Command {}

  /**
   * What every run of one explore shares: the scenario as one resolved text (includes inlined),
   * the scenario options to apply to it (--set, --profile, ...), the schedule, the build.
   *
   * @param keyId the service key the slots register under
   */
  public record Job(String scenarioText, String origin, List<String> scenarioArgs, RunSummary.Spec spec, String build, String keyId)
      implements ClusterMessage {}

  public record Welcome(Job job, ActorRef<Coordinator.Command> coordinator) implements Command, ClusterMessage {}

  public record Refused(String reason) implements Command, ClusterMessage {}

  /** The coordinator is done (all runs answered, --until-first, or Ctrl-C). */
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
  private final int jobs;
  private final ScenarioSource source;
  private final Explorer explorer;
  private final Executor runner;
  private final PrintStream out;
  private final CompletableFuture<Integer> exit;
  private final String coordinatorAt;
  private boolean welcomed;

  public static Behavior<Command> create(ActorRef<Coordinator.Command> coordinator, String coordinatorAt, String secret, String build, String name, int jobs,
      ScenarioSource source, Explorer explorer, Executor runner, Duration helloTimeout, PrintStream out, CompletableFuture<Integer> exit) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      timers.startSingleTimer(HelloTimeout.INSTANCE, helloTimeout);
      return new WorkerNode(ctx, coordinator, coordinatorAt, secret, build, name, jobs, source, explorer, runner, out, exit);
    }));
  }

  private WorkerNode(ActorContext<Command> ctx, ActorRef<Coordinator.Command> coordinator, String coordinatorAt, String secret, String build, String name,
      int jobs, ScenarioSource source, Explorer explorer, Executor runner, PrintStream out, CompletableFuture<Integer> exit) {
    super(ctx);
    this.coordinator = coordinator;
    this.coordinatorAt = coordinatorAt;
    this.secret = secret;
    this.build = build;
    this.name = name;
    this.jobs = jobs;
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
          coordinator.tell(new Coordinator.Hello(secret, build, name, jobs, getContext().getSelf()));
          return this;
        })
        .onMessage(Welcome.class, this::onWelcome)
        .onMessage(Refused.class, r -> end(2, "cowsim: the coordinator at " + coordinatorAt + " refused this worker: " + r.reason()))
        .onMessageEquals(Finish.INSTANCE, () -> end(0, "worker " + name + ": the coordinator finished"))
        .onMessageEquals(HelloTimeout.INSTANCE, () -> welcomed ? this
            : end(2, "cowsim: no answer from a coordinator at " + coordinatorAt + " (is `explore --cluster` running there, and the address right?)"))
        .onSignal(Terminated.class, t -> end(0, "worker " + name + ": the coordinator left"))
        .build();
  }

  private Behavior<Command> onWelcome(Welcome w) {
    Job job = w.job();
    if (!job.build().equals(build)) {
      return end(2, "cowsim: refusing the coordinator's scenario: its build is " + job.build() + ", this worker's " + build + " (results would not be comparable)");
    }
    Scenario s;
    try {
      s = source.load(job.scenarioText(), job.origin(), job.scenarioArgs());
    } catch (ScenarioException e) {
      return end(2, e.getMessage());
    }
    welcomed = true;
    getContext().watch(w.coordinator());
    for (int i = 0; i < jobs; i++) {
      getContext().spawn(WorkerSlot.create(explorer, s, job.spec().toSpec(), w.coordinator(), name, job.keyId(), runner), "slot-" + i);
    }
    out.println("worker " + name + ": running runs of " + s.name() + " with " + jobs + " job(s)");
    return this;
  }

  private Behavior<Command> end(int code, String line) {
    (code == 2 ? System.err : out).println(line);
    exit.complete(code);
    return Behaviors.ignore();
  }
}
