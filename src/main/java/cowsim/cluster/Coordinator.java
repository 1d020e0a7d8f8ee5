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
import cowsim.scenario.Scenario;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.Consumer;

/**
 * The coordinator of a cluster session: lets in the workers that present the secret and run the
 * same build, takes explorations ({@link Submit}: one explore, or one of the many of mutants and
 * compare) and hands their runs out in batches ({@link Batching}) through a
 * {@link WorkPullingProducerController} (its own slots too, with {@code --jobs}), the oldest
 * exploration first; keeps the books of each in a {@link Ledger}, downs a worker that stops
 * answering and hands its unanswered runs out again, prints who joins and leaves and the
 * progress, and completes each exploration's {@code done} with its runs in run order.
 */
public final class Coordinator extends AbstractBehavior<Coordinator.Command> {

  public sealed interface Command {}

  /** A worker node asks for work. */
  public record Hello(String secret, String build, String worker, int jobs, ActorRef<WorkerNode.Command> replyTo) implements Command, ClusterMessage {}

  /**
   * A slot's answers for runs of one batch (those it ran: a finished job's are skipped; a batch
   * with long answers comes in several of these).
   *
   * @param nanos how long the slot took to run them (wall time), for the size of the next batches
   */
  public record Results(String worker, String jobId, List<RunSummary> runs, long nanos) implements Command, ClusterMessage {}

  /**
   * An exploration to run: {@code seeds} of {@code job} (whose scenario is {@code scenario} here),
   * each answer given to {@code onDone} in run order, all of them to {@code done}.
   *
   * @param verbose print its end ("cluster: done: N runs answered"): explore's one exploration
   */
  public record Submit(ClusterJob job, Scenario scenario, JobCache.Loaded local, List<Long> seeds, boolean untilFirst, boolean verbose,
      Consumer<RunOutcome> onDone, CompletableFuture<List<RunOutcome>> done) implements Command {}

  /** Stop handing out runs and finish every exploration with the runs answered (Ctrl-C). */
  public enum Stop implements Command { INSTANCE }

  /** The session is over: the workers end. */
  public record Close(CompletableFuture<Void> closed) implements Command {}

  private record Next(WorkPullingProducerController.RequestNext<WorkerSlot.Batch> next) implements Command {}

  private record Reachability(ClusterEvent.ReachabilityEvent event) implements Command {}

  private record Membership(ClusterEvent.MemberEvent event) implements Command {}

  private record DownRefused(Address address) implements Command {}

  private enum Tick implements Command { INSTANCE }

  /** Who may work for the coordinator, and how it reports. */
  public record Setup(
      int localJobs, String build, String keyId, String secret, String joinHint, Explorer localExplorer, Executor localRunner, Batching batching,
      Duration progressInterval, PrintStream out) {}

  private static final String LOCAL = "local";

  /** One exploration under way. */
  private static final class Exploration {
    final Submit submit;
    final Ledger<RunOutcome> ledger;
    /** the runs answered and the time the slots took for them: the run time the batches are sized by */
    long timedRuns;
    long timedNanos;

    Exploration(Submit submit) {
      this.submit = submit;
      this.ledger = new Ledger<>(submit.seeds().size(), submit.untilFirst());
    }
  }

  private final Setup setup;
  private final JobCache localJobs;
  private final Map<String, Exploration> explorations = new LinkedHashMap<>();
  private final Map<Address, String> workers = new LinkedHashMap<>();
  private final Map<String, Integer> slotsOf = new LinkedHashMap<>();
  private final Map<String, int[]> answeredSinceTick = new LinkedHashMap<>();
  private final Map<String, ActorRef<WorkerNode.Command>> nodes = new LinkedHashMap<>();
  private ActorRef<WorkerSlot.Batch> waitingSlot;
  private long lastTick = System.nanoTime();
  private boolean saidWaiting;
  private boolean stopped;
  private int finishedJobs;
  private long answeredRuns;
  private long duplicates;

  public static Behavior<Command> create(Setup setup) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new Coordinator(ctx, timers, setup)));
  }

  private Coordinator(ActorContext<Command> ctx, TimerScheduler<Command> timers, Setup setup) {
    super(ctx);
    this.setup = setup;
    this.localJobs = new JobCache(job -> {
      throw new IllegalStateException("job " + job.id() + " is not the coordinator's");
    }, Integer.MAX_VALUE);
    ActorRef<WorkPullingProducerController.Command<WorkerSlot.Batch>> producer = ctx.spawn(
        WorkPullingProducerController.create(WorkerSlot.Batch.class, "cowsim-explore", WorkerSlot.key(setup.keyId()), java.util.Optional.empty()),
        "producer");
    producer.tell(new WorkPullingProducerController.Start<>(ctx.messageAdapter(WorkPullingProducerController.requestNextClass(), Next::new)));
    Cluster cluster = Cluster.get(ctx.getSystem());
    cluster.subscriptions().tell(Subscribe.create(ctx.messageAdapter(ClusterEvent.ReachabilityEvent.class, Reachability::new), ClusterEvent.ReachabilityEvent.class));
    cluster.subscriptions().tell(Subscribe.create(ctx.messageAdapter(ClusterEvent.MemberEvent.class, Membership::new), ClusterEvent.MemberEvent.class));
    for (int i = 0; i < setup.localJobs(); i++) {
      ctx.spawn(WorkerSlot.create(setup.localExplorer(), localJobs, ctx.getSelf(), LOCAL, setup.keyId(), setup.localRunner()), "local-" + i);
    }
    if (setup.localJobs() > 0) {
      answeredSinceTick.put(LOCAL, new int[1]);
      slotsOf.put(LOCAL, setup.localJobs());
    }
    timers.startTimerWithFixedDelay(Tick.INSTANCE, setup.progressInterval());
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Next.class, this::onNext)
        .onMessage(Results.class, this::onResults)
        .onMessage(Submit.class, this::onSubmit)
        .onMessage(Hello.class, this::onHello)
        .onMessage(Reachability.class, this::onReachability)
        .onMessage(Membership.class, this::onMembership)
        .onMessage(DownRefused.class, d -> {
          Cluster.get(getContext().getSystem()).manager().tell(new Down(d.address()));
          return this;
        })
        .onMessageEquals(Tick.INSTANCE, this::onTick)
        .onMessageEquals(Stop.INSTANCE, this::onStop)
        .onMessage(Close.class, this::onClose)
        .build();
  }

  private Behavior<Command> onSubmit(Submit s) {
    if (stopped || s.seeds().isEmpty()) {
      s.done().complete(List.of());
      return this;
    }
    localJobs.put(s.job().id(), s.local());
    explorations.put(s.job().id(), new Exploration(s));
    sayWaitingIfAlone();
    handOut();
    return this;
  }

  private Behavior<Command> onNext(Next n) {
    waitingSlot = n.next().sendNextTo();
    handOut();
    return this;
  }

  /** A batch of the oldest exploration with runs to hand out, to the slot that asked, if one did. */
  private void handOut() {
    if (waitingSlot == null || stopped) {
      return;
    }
    int slots = slotsOf.values().stream().mapToInt(Integer::intValue).sum();
    for (Exploration e : explorations.values()) {
      int left = e.ledger.toHandOut();
      if (left == 0) {
        continue;
      }
      double nanosPerRun = e.timedRuns == 0 ? 0 : (double) e.timedNanos / e.timedRuns;
      List<Integer> indices = e.ledger.nextBatch(setup.batching().size(left, slots, nanosPerRun));
      if (indices.isEmpty()) {
        continue;
      }
      List<Long> seeds = new ArrayList<>(indices.size());
      for (int i : indices) {
        seeds.add(e.submit.seeds().get(i));
      }
      waitingSlot.tell(new WorkerSlot.Batch(e.submit.job(), indices, seeds));
      waitingSlot = null;
      return;
    }
  }

  private Behavior<Command> onResults(Results r) {
    int[] count = answeredSinceTick.computeIfAbsent(r.worker(), w -> new int[1]);
    Exploration e = explorations.get(r.jobId());
    if (e == null) {
      return this; // its exploration has finished: what it wanted it had
    }
    e.timedRuns += r.runs().size();
    e.timedNanos += r.nanos();
    for (RunSummary s : r.runs()) {
      int before = e.ledger.duplicates();
      if (e.ledger.record(s.index(), s.toOutcome(e.submit.scenario()), !s.pass())) {
        count[0]++;
        answeredRuns++;
      }
      duplicates += e.ledger.duplicates() - before;
    }
    for (RunOutcome o : e.ledger.release()) {
      e.submit.onDone().accept(o);
    }
    if (e.ledger.finished()) {
      finish(e, false);
    }
    handOut();
    return this;
  }

  /** An exploration has every answer it wants: its caller has them, the workers skip its runs still queued. */
  private void finish(Exploration e, boolean wasStopped) {
    String id = e.submit.job().id();
    explorations.remove(id);
    finishedJobs++;
    localJobs.finished(id);
    for (ActorRef<WorkerNode.Command> n : nodes.values()) {
      n.tell(new WorkerNode.JobDone(id));
    }
    if (e.submit.verbose()) {
      setup.out().printf("cluster: %s: %d runs answered%s%n", wasStopped ? "stopped" : "done", e.ledger.answered(),
          e.ledger.duplicates() > 0 ? ", " + e.ledger.duplicates() + " duplicate answer(s) dropped" : "");
    }
    e.submit.done().complete(e.ledger.results());
  }

  private Behavior<Command> onStop() {
    stopped = true;
    for (Exploration e : new ArrayList<>(explorations.values())) {
      finish(e, true);
    }
    return this;
  }

  private Behavior<Command> onClose(Close c) {
    for (Exploration e : new ArrayList<>(explorations.values())) {
      finish(e, true);
    }
    for (ActorRef<WorkerNode.Command> n : nodes.values()) {
      n.tell(WorkerNode.Finish.INSTANCE);
    }
    if (finishedJobs > 1 || duplicates > 0) {
      setup.out().printf("cluster: session over: %d exploration(s), %d runs answered%s%n", finishedJobs, answeredRuns,
          duplicates > 0 ? ", " + duplicates + " duplicate answer(s) dropped" : "");
    }
    c.closed().complete(null);
    // the caller shuts the system down (coordinated shutdown: leave the cluster, flush the finishes)
    return Behaviors.ignore();
  }

  private Behavior<Command> onHello(Hello h) {
    Address at = h.replyTo().path().address();
    String refusal = !MessageDigest.isEqual(h.secret().getBytes(StandardCharsets.UTF_8), setup.secret().getBytes(StandardCharsets.UTF_8))
        ? "wrong secret"
        : !h.build().equals(setup.build()) ? "its build is " + h.build() + ", the coordinator's " + setup.build() : null;
    if (refusal != null) {
      setup.out().println("cluster: refused worker " + h.worker() + " at " + at + ": " + refusal + " (removed from the cluster)");
      h.replyTo().tell(new WorkerNode.Refused(refusal));
      getContext().scheduleOnce(Duration.ofSeconds(2), getContext().getSelf(), new DownRefused(at));
      return this;
    }
    workers.put(at, h.worker());
    nodes.put(h.worker(), h.replyTo());
    slotsOf.put(h.worker(), h.jobs());
    answeredSinceTick.putIfAbsent(h.worker(), new int[1]);
    saidWaiting = false;
    setup.out().printf("cluster: worker %s joined (%d jobs); %d worker node(s)%n", h.worker(), h.jobs(), workers.size());
    h.replyTo().tell(new WorkerNode.Welcome(setup.build(), setup.keyId(), getContext().getSelf()));
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
        slotsOf.remove(name);
        answeredSinceTick.remove(name);
        int again = 0;
        for (Exploration e : explorations.values()) {
          again += e.ledger.requeueUnanswered();
        }
        setup.out().printf("cluster: worker %s left; %d unanswered run(s) handed out again; %d worker node(s)%n", name, again, workers.size());
        handOut();
        sayWaitingIfAlone();
      }
    }
    return this;
  }

  private void sayWaitingIfAlone() {
    if (workers.isEmpty() && setup.localJobs() == 0 && !explorations.isEmpty() && !saidWaiting) {
      saidWaiting = true;
      int remaining = explorations.values().stream().mapToInt(e -> e.ledger.remaining()).sum();
      setup.out().printf("cluster: no worker; waiting (%d run(s) to go). Start one with: %s%n", remaining, setup.joinHint());
    }
  }

  private Behavior<Command> onTick() {
    if (answeredSinceTick.values().stream().allMatch(c -> c[0] == 0)) {
      return this; // nothing new: no line
    }
    long now = System.nanoTime();
    double secs = Math.max(1e-9, (now - lastTick) / 1e9);
    lastTick = now;
    StringBuilder b = new StringBuilder("cluster: ");
    Exploration e = explorations.isEmpty() ? null : explorations.values().iterator().next();
    if (e != null) {
      b.append(String.format("%d/%d runs done, %d failure(s)", e.ledger.answered(), e.submit.seeds().size(), e.ledger.failures()));
      if (finishedJobs > 0 || explorations.size() > 1) {
        b.append(String.format(" (exploration %s; %d finished)", e.submit.job().id(), finishedJobs));
      }
    } else {
      b.append(String.format("%d exploration(s) finished, %d runs answered", finishedJobs, answeredRuns));
    }
    b.append("; runs/s:");
    answeredSinceTick.forEach((w, c) -> {
      b.append(String.format(" %s %.1f", w, c[0] / secs));
      c[0] = 0;
    });
    if (duplicates > 0) {
      b.append("; duplicates dropped: ").append(duplicates);
    }
    setup.out().println(b);
    return this;
  }
}
