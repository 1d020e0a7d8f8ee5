package cowsim.cluster;

import akka.actor.Address;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.delivery.WorkPullingProducerController;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import akka.cluster.ClusterEvent;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Down;
import akka.cluster.typed.Subscribe;
import cowsim.explore.Explorer;
import cowsim.explore.RunOutcome;
import cowsim.explore.ScheduleSpec;
import cowsim.scenario.Scenario;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The coordinator of a cluster explore: lets in the workers that present the secret and run the
 * same build, hands runs out through a {@link WorkPullingProducerController} (its own slots too,
 * with {@code --jobs}), keeps the books in a {@link Ledger}, downs a worker that stops answering
 * and hands its unanswered runs out again, prints who joins and leaves and the progress, and
 * completes {@code done} with the runs in run order.
 */
public final class Coordinator extends AbstractBehavior<Coordinator.Command> {

  public sealed interface Command {}

  /** A worker node asks for work. */
  public record Hello(String secret, String build, String worker, int jobs, ActorRef<WorkerNode.Command> replyTo) implements Command, ClusterMessage {}

  /** A slot's answer for one run. */
  public record Result(String worker, RunSummary run) implements Command, ClusterMessage {}

  /** Stop handing out runs and finish with those answered (Ctrl-C). */
  public enum Stop implements Command { INSTANCE }

  private record Next(WorkPullingProducerController.RequestNext<WorkerSlot.Run> next) implements Command {}

  private record Reachability(ClusterEvent.ReachabilityEvent event) implements Command {}

  private record Membership(ClusterEvent.MemberEvent event) implements Command {}

  private record DownRefused(Address address) implements Command {}

  private enum Tick implements Command { INSTANCE }

  /** What the coordinator explores, and how it reports. */
  public record Setup(
      Scenario scenario, ScheduleSpec spec, List<Long> seeds, boolean untilFirst, int localJobs, WorkerNode.Job job, String secret,
      String joinHint, Explorer localExplorer, Executor localRunner, Duration progressInterval, PrintStream out, Consumer<RunOutcome> onDone,
      CompletableFuture<List<RunOutcome>> done) {}

  private static final String LOCAL = "local";

  private final Setup setup;
  private final String keyId;
  private final Ledger<RunOutcome> ledger;
  private final Map<Address, String> workers = new LinkedHashMap<>();
  private final Map<String, int[]> answeredSinceTick = new LinkedHashMap<>();
  private final Map<String, ActorRef<WorkerNode.Command>> nodes = new LinkedHashMap<>();
  private ActorRef<WorkerSlot.Run> waitingSlot;
  private long lastTick = System.nanoTime();
  private boolean saidWaiting;

  public static Behavior<Command> create(Setup setup) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new Coordinator(ctx, timers, setup)));
  }

  private Coordinator(ActorContext<Command> ctx, TimerScheduler<Command> timers, Setup setup) {
    super(ctx);
    this.setup = setup;
    this.keyId = setup.job().keyId();
    this.ledger = new Ledger<>(setup.seeds().size(), setup.untilFirst());
    ActorRef<WorkPullingProducerController.Command<WorkerSlot.Run>> producer = ctx.spawn(
        WorkPullingProducerController.create(WorkerSlot.Run.class, "cowsim-explore", WorkerSlot.key(keyId), java.util.Optional.empty()), "producer");
    producer.tell(new WorkPullingProducerController.Start<>(ctx.messageAdapter(WorkPullingProducerController.requestNextClass(), Next::new)));
    Cluster cluster = Cluster.get(ctx.getSystem());
    cluster.subscriptions().tell(Subscribe.create(ctx.messageAdapter(ClusterEvent.ReachabilityEvent.class, Reachability::new), ClusterEvent.ReachabilityEvent.class));
    cluster.subscriptions().tell(Subscribe.create(ctx.messageAdapter(ClusterEvent.MemberEvent.class, Membership::new), ClusterEvent.MemberEvent.class));
    for (int i = 0; i < setup.localJobs(); i++) {
      ctx.spawn(WorkerSlot.create(setup.localExplorer(), setup.scenario(), setup.spec(), ctx.getSelf(), LOCAL, keyId, setup.localRunner()), "local-" + i);
    }
    if (setup.localJobs() > 0) {
      answeredSinceTick.put(LOCAL, new int[1]);
    }
    timers.startTimerWithFixedDelay(Tick.INSTANCE, setup.progressInterval());
    sayWaitingIfAlone();
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Next.class, this::onNext)
        .onMessage(Result.class, this::onResult)
        .onMessage(Hello.class, this::onHello)
        .onMessage(Reachability.class, this::onReachability)
        .onMessage(Membership.class, this::onMembership)
        .onMessage(DownRefused.class, d -> {
          Cluster.get(getContext().getSystem()).manager().tell(new Down(d.address()));
          return this;
        })
        .onMessageEquals(Tick.INSTANCE, this::onTick)
        .onMessageEquals(Stop.INSTANCE, () -> finish(true))
        .build();
  }

  private Behavior<Command> onNext(Next n) {
    waitingSlot = n.next().sendNextTo();
    handOut();
    return this;
  }

  private void handOut() {
    if (waitingSlot == null) {
      return;
    }
    OptionalInt i = ledger.next();
    if (i.isPresent()) {
      waitingSlot.tell(new WorkerSlot.Run(i.getAsInt(), setup.seeds().get(i.getAsInt())));
      waitingSlot = null;
    }
  }

  private Behavior<Command> onResult(Result r) {
    RunSummary s = r.run();
    int[] count = answeredSinceTick.computeIfAbsent(r.worker(), w -> new int[1]);
    if (ledger.record(s.index(), s.toOutcome(setup.scenario()), !s.pass())) {
      count[0]++;
      for (RunOutcome o : ledger.release()) {
        setup.onDone().accept(o);
      }
    }
    if (ledger.finished()) {
      return finish(false);
    }
    handOut();
    return this;
  }

  private Behavior<Command> onHello(Hello h) {
    Address at = h.replyTo().path().address();
    String refusal = !MessageDigest.isEqual(h.secret().getBytes(StandardCharsets.UTF_8), setup.secret().getBytes(StandardCharsets.UTF_8))
        ? "wrong secret"
        : !h.build().equals(setup.job().build()) ? "its build is " + h.build() + ", the coordinator's " + setup.job().build() : null;
    if (refusal != null) {
      setup.out().println("cluster: refused worker " + h.worker() + " at " + at + ": " + refusal + " (removed from the cluster)");
      h.replyTo().tell(new WorkerNode.Refused(refusal));
      getContext().scheduleOnce(Duration.ofSeconds(2), getContext().getSelf(), new DownRefused(at));
      return this;
    }
    workers.put(at, h.worker());
    nodes.put(h.worker(), h.replyTo());
    answeredSinceTick.putIfAbsent(h.worker(), new int[1]);
    saidWaiting = false;
    setup.out().printf("cluster: worker %s joined (%d jobs); %d worker node(s)%n", h.worker(), h.jobs(), workers.size());
    h.replyTo().tell(new WorkerNode.Welcome(setup.job(), getContext().getSelf()));
    return this;
  }

  private Behavior<Command> onReachability(Reachability r) {
    if (r.event() instanceof ClusterEvent.UnreachableMember u) {
      Address a = u.member().address();
      if (workers.containsKey(a)) {
        setup.out().println("cluster: worker " + workers.get(a) + " stopped answering: removing it from the cluster");
      }
      Cluster.get(getContext().getSystem()).manager().tell(new Down(a));
    }
    return this;
  }

  private Behavior<Command> onMembership(Membership m) {
    if (m.event() instanceof ClusterEvent.MemberRemoved removed) {
      String name = workers.remove(removed.member().address());
      if (name != null) {
        nodes.remove(name);
        answeredSinceTick.remove(name);
        int again = ledger.requeueUnanswered();
        setup.out().printf("cluster: worker %s left; %d unanswered run(s) handed out again; %d worker node(s)%n", name, again, workers.size());
        handOut();
        sayWaitingIfAlone();
      }
    }
    return this;
  }

  private void sayWaitingIfAlone() {
    if (workers.isEmpty() && setup.localJobs() == 0 && !ledger.finished() && !saidWaiting) {
      saidWaiting = true;
      setup.out().printf("cluster: no worker; waiting (%d run(s) to go). Start one with: %s%n", ledger.remaining(), setup.joinHint());
    }
  }

  private Behavior<Command> onTick() {
    if (answeredSinceTick.values().stream().allMatch(c -> c[0] == 0)) {
      return this; // nothing new: no line
    }
    long now = System.nanoTime();
    double secs = Math.max(1e-9, (now - lastTick) / 1e9);
    lastTick = now;
    StringBuilder b = new StringBuilder();
    b.append(String.format("cluster: %d/%d runs done, %d failure(s)", ledger.answered(), setup.seeds().size(), ledger.failures()));
    if (!answeredSinceTick.isEmpty()) {
      b.append("; runs/s:");
      answeredSinceTick.forEach((w, c) -> {
        b.append(String.format(" %s %.1f", w, c[0] / secs));
        c[0] = 0;
      });
    }
    if (ledger.duplicates() > 0) {
      b.append("; duplicates dropped: ").append(ledger.duplicates());
    }
    setup.out().println(b);
    return this;
  }

  private Behavior<Command> finish(boolean stopped) {
    for (ActorRef<WorkerNode.Command> n : nodes.values()) {
      n.tell(WorkerNode.Finish.INSTANCE);
    }
    setup.out().printf("cluster: %s: %d runs answered%s%n", stopped ? "stopped" : "done", ledger.answered(),
        ledger.duplicates() > 0 ? ", " + ledger.duplicates() + " duplicate answer(s) dropped" : "");
    setup.done().complete(ledger.results());
    // the caller shuts the system down (coordinated shutdown: leave the cluster, flush the finishes)
    return Behaviors.ignore();
  }
}
