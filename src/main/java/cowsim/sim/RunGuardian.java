package cowsim.sim;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.ChildFailed;
import akka.actor.typed.DispatcherSelector;
import akka.actor.typed.Terminated;
import akka.actor.typed.javadsl.AbstractBehavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import akka.actor.typed.javadsl.Receive;
import akka.actor.typed.javadsl.TimerScheduler;
import cowsim.kernel.KernelState;
import cowsim.kernel.ProcessSetup;
import cowsim.machine.cpu.CpuActor;
import cowsim.machine.cpu.CpuConfig;
import cowsim.machine.cpu.KernelPort;
import cowsim.machine.cpu.TrapHandler;
import cowsim.machine.interconnect.Conductor;
import cowsim.machine.interconnect.Latencies;
import cowsim.machine.interconnect.NodeMsg;
import cowsim.machine.interconnect.NodeStats;
import cowsim.machine.interconnect.RunEvent;
import cowsim.machine.interconnect.Topology;
import cowsim.machine.interconnect.Wiring;
import cowsim.machine.memory.FrameAllocator;
import cowsim.machine.memory.MemoryBank;
import cowsim.machine.observe.Observations;
import cowsim.stats.Progress;
import java.time.Duration;
import cowsim.check.OracleActor;
import cowsim.check.Violation;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The guardian of one run: spawns the machine (CPUs, memory banks, the frame allocator, the
 * kernel's shared structures, and the conductor in deterministic mode), wires them, starts them,
 * watches them, and when the run ends gathers every component's counters.
 *
 * <p>Every actor it spawns is wrapped in a {@link CrashGuard}: a {@link Throwable} escaping one
 * (a simulator bug, fatal errors included) is recorded in the run's {@link CrashLatch}, and the
 * guardian gets {@link Crashed} (or {@code Terminated}, when the actor could not go on at all).
 * That ends the run as a simulator error: the guardian asks every actor for its counters (a
 * crashed one still answers that) and the oracle for what it found so far, waits at most {@code
 * cowsim.sim.crash-grace} for them, and hands back a result marked incomplete.
 */
final class RunGuardian extends AbstractBehavior<RunGuardian.Command> {

  sealed interface Command {}

  private record Event(RunEvent event) implements Command {}

  private record Stats(NodeStats stats) implements Command {}

  private record ConductorSummary(Conductor.Summary summary) implements Command {}

  private record OracleFound(OracleActor.Found found) implements Command {}

  /** The run's {@link RunStop} was requested (SIGINT or SIGTERM). */
  private enum Interrupted implements Command {
    INSTANCE
  }

  private enum Timeout implements Command {
    INSTANCE
  }

  /** A guarded actor threw (what it threw is in the latch). */
  private record Crashed(String actor) implements Command {}

  /** After a crash: stop waiting for the survivors' counters. */
  private enum CrashGrace implements Command {
    INSTANCE
  }

  /** Everything the guardian needs to build the machine. */
  record Plan(
      Topology topology,
      Latencies latencies,
      CpuConfig cpu,
      java.util.function.Function<KernelPort, TrapHandler> kernel,
      long frames,
      int maxOrder,
      List<ProcessSetup> processes,
      boolean deterministic,
      long seed,
      long maxCycles,
      Duration timeout,
      String logDir,
      boolean check,
      int historyDepth,
      cowsim.machine.interconnect.Scheduler.Factory schedule,
      java.util.function.Consumer<cowsim.machine.observe.Event> listener,
      Progress progress,
      CrashLatch latch,
      Duration crashGrace,
      boolean direct,
      int slice,
      boolean oracleApart,
      RunStop stop) {}

  /**
   * What the guardian hands back.
   *
   * @param machineNanos host time from the boot interrupts to the moment the run's end was known
   *     (every process exited, quiescence, a limit or a crash): the machine running, without its
   *     set-up (spawning), the counters' collection, the oracle's end-of-run checks and the stop;
   *     0 when the guardian did not report
   */
  record Outcome(
      SimResult.Ending ending,
      String detail,
      List<NodeStats> stats,
      Conductor.Summary conductor,
      List<Violation> violations,
      Map<String, Integer> violationCounts,
      Throwable error,
      boolean complete,
      long machineNanos) {}

  private final Plan plan;
  private final CompletableFuture<Outcome> result;
  private final TimerScheduler<Command> timers;
  private final List<ActorRef<NodeMsg>> nodes = new ArrayList<>();
  private final Map<String, Integer> nodeIndex = new HashMap<>();
  private ActorRef<Conductor.Command> conductor;
  private ActorRef<cowsim.machine.observe.ObserverInbox> oracle;
  private final List<NodeStats> collected = new ArrayList<>();
  private Conductor.Summary summary;
  private SimResult.Ending ending;
  private String detail;
  private boolean collecting;
  private boolean done;
  private boolean askedOracle;
  /** the first crash of the run, or null */
  private CrashLatch.Crash crash;
  /** nodes that stopped (crashed): their counters are not waited for */
  private final java.util.Set<Integer> gone = new java.util.HashSet<>();
  private final java.util.Set<Integer> reported = new java.util.HashSet<>();
  private boolean conductorGone;
  private boolean oracleGone;
  /**
   * Host time (System.nanoTime) when the boot interrupts went out: the machine starts running.
   * Control plane only, as the latch: the simulation never reads it.
   */
  private long bootNanos;
  /** Host time from the boot to the moment the run's end was known ({@link #end}), or -1 before. */
  private long machineNanos = -1;

  /** The guardian's own name in the {@link CrashLatch}. */
  static final String NAME = "guardian";

  static Behavior<Command> create(Plan plan, CompletableFuture<Outcome> result) {
    return CrashGuard.stopping(
        plan.latch(), NAME, Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new RunGuardian(ctx, timers, plan, result))));
  }

  /**
   * Spawns a guarded actor, on the guardian's own dispatcher (a lane, one thread, for a
   * deterministic run on a host with lanes; Akka's default dispatcher otherwise); after a crash it
   * still answers the end-of-run questions: {@link NodeMsg.CollectStats}, {@link
   * Conductor.Report}, {@link OracleActor.Finish}.
   */
  private <T> ActorRef<T> spawn(Behavior<T> behavior, String name) {
    return spawn(behavior, name, DispatcherSelector.sameAsParent());
  }

  private <T> ActorRef<T> spawn(Behavior<T> behavior, String name, DispatcherSelector dispatcher) {
    ActorRef<Command> self = getContext().getSelf();
    Crashed crashed = new Crashed(name); // allocated now, not when memory may have run out
    return getContext().spawn(
        CrashGuard.serving(plan.latch(), name, behavior,
            m -> m instanceof NodeMsg.CollectStats || m instanceof Conductor.Report || m instanceof OracleActor.Finish,
            () -> self.tell(crashed)),
        name,
        dispatcher);
  }

  private RunGuardian(
      ActorContext<Command> ctx, TimerScheduler<Command> timers, Plan plan, CompletableFuture<Outcome> result) {
    super(ctx);
    this.plan = plan;
    this.result = result;
    this.timers = timers;
    Topology t = plan.topology();
    Latencies lat = plan.latencies();
    for (int c = 0; c < t.cpus(); c++) {
      nodes.add(spawn(CpuActor.create(c, plan.cpu(), plan.kernel(), t, lat, plan.logDir()), "cpu-" + c));
    }
    for (int b = 0; b < t.banks(); b++) {
      nodes.add(spawn(MemoryBank.create(t.bank(b), b, plan.frames(), firmware(), t, lat, plan.logDir()), "memory-" + b));
    }
    nodes.add(
        spawn(
            FrameAllocator.create(t.allocator(), plan.frames(), plan.maxOrder(), cowsim.kernel.Layout.RESERVED_FRAMES, t, lat, plan.logDir()),
            "allocator"));
    nodes.add(spawn(KernelState.create(t.kernel(), plan.processes(), t, lat, plan.logDir()), "kernel"));
    for (int i = 0; i < nodes.size(); i++) {
      ctx.watch(nodes.get(i));
      nodeIndex.put(nodes.get(i).path().name(), i);
    }
    if (plan.deterministic()) {
      Conductor.Delivery delivery = plan.direct() ? new Conductor.Delivery(true, plan.slice(), crashPort()) : Conductor.Delivery.MAILBOX;
      conductor = spawn(Conductor.create(plan.seed(), plan.maxCycles(), plan.schedule(), t, delivery), "conductor");
      ctx.watch(conductor);
    }
    ActorRef<RunEvent> events = ctx.messageAdapter(RunEvent.class, Event::new);
    ActorRef<Observations> observer = null;
    if (plan.check()) {
      Progress progress = plan.progress();
      oracle =
          spawn(
              OracleActor.create(cowsim.kernel.Layout.RESERVED_FRAMES, cowsim.kernel.Layout.ZERO_FRAME, plan.historyDepth(), 32, plan.listener(), total -> progress.violationFound()),
              "oracle",
              plan.oracleApart() ? DispatcherSelector.defaultDispatcher() : DispatcherSelector.sameAsParent());
      ctx.watch(oracle);
      observer = oracle.narrow();
    }
    Wiring wiring = new Wiring(List.copyOf(nodes), conductor, events, observer, t, lat, plan.progress(), plan.deterministic() && plan.direct(),
        plan.listener() != null);
    for (ActorRef<NodeMsg> n : nodes) {
      n.tell(new NodeMsg.Wire(wiring));
    }
    // boot: a reschedule interrupt to every CPU at cycle 0
    List<NodeMsg.Packet> boot = new ArrayList<>();
    for (int c = 0; c < t.cpus(); c++) {
      boot.add(new NodeMsg.Packet(0, t.kernel(), c, new KernelState.Reschedule()));
    }
    bootNanos = System.nanoTime();
    if (conductor != null) {
      conductor.tell(new Conductor.Wire(wiring));
      conductor.tell(new Conductor.Inject(boot));
    } else {
      for (NodeMsg.Packet p : boot) {
        nodes.get(p.dst()).tell(p);
      }
    }
    timers.startSingleTimer(Timeout.INSTANCE, plan.timeout());
    if (plan.stop() != null) {
      ActorRef<Command> self = getContext().getSelf();
      plan.stop().onRequest(() -> self.tell(Interrupted.INSTANCE));
    }
  }

  /**
   * Direct delivery: a node's handler threw while the conductor had it handle a packet, on the
   * conductor's thread, so the node's guard did not see it. It is recorded under the node's name
   * and the guardian told, as the guard would have (the messages allocated now, not when memory may
   * have run out); the node itself still answers the end-of-run questions.
   */
  private Conductor.CrashPort crashPort() {
    ActorRef<Command> self = getContext().getSelf();
    CrashLatch latch = plan.latch();
    List<String> names = new ArrayList<>();
    List<Crashed> messages = new ArrayList<>();
    for (ActorRef<NodeMsg> n : nodes) {
      names.add(n.path().name());
      messages.add(new Crashed(n.path().name()));
    }
    return (node, error) -> {
      try {
        latch.record(names.get(node), error);
      } catch (Throwable again) {
        // out of memory even for the record: the guardian still learns of the crash
      }
      self.tell(messages.get(node));
    };
  }

  /** Power-on memory: the kernel PML4's slot 511 points at the kernel PDPT (the shared half). */
  private static java.util.Map<Long, Long> firmware() {
    long slot = (cowsim.kernel.Layout.KERNEL_PML4 << 12) + 8L * cowsim.kernel.Layout.KERNEL_PML4_SLOT;
    return java.util.Map.of(slot, cowsim.machine.mmu.Pte.make(cowsim.kernel.Layout.KERNEL_PDPT, cowsim.machine.mmu.Pte.P | cowsim.machine.mmu.Pte.RW));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Event.class, this::onEvent)
        .onMessage(Timeout.class, t -> end(SimResult.Ending.LIMIT, "timeout " + plan.timeout().toMillis() + " ms of host time"))
        .onMessage(Interrupted.class, i -> end(SimResult.Ending.INTERRUPTED,
            "interrupted by SIGINT/SIGTERM after " + (System.nanoTime() - bootNanos) / 1_000_000 + " ms of host time"))
        .onMessage(Stats.class, this::onStats)
        .onMessage(ConductorSummary.class, this::onSummary)
        .onMessage(OracleFound.class, this::onFound)
        .onMessage(CrashGrace.class, g -> complete(List.of(), Map.of()))
        .onMessage(Crashed.class, c -> onCrash(c.actor(), null))
        .onSignal(ChildFailed.class, f -> onStopped(f.getRef(), f.getCause()))
        .onSignal(Terminated.class, t -> onStopped(t.getRef(), null))
        .build();
  }

  private Behavior<Command> onEvent(Event e) {
    RunEvent ev = e.event();
    if (ev instanceof RunEvent.AllExited) {
      if (!plan.deterministic()) {
        return end(SimResult.Ending.ALL_EXITED, "every process exited");
      }
      return this; // deterministic: drain what is still in flight, then Quiescent ends it
    }
    if (ev instanceof RunEvent.Quiescent) {
      return end(null, null); // judged from the kernel's process table once collected
    }
    if (ev instanceof RunEvent.LimitReached l) {
      return end(SimResult.Ending.LIMIT, "limit reached: " + l.what() + " (at cycle " + l.time() + ")");
    }
    return this;
  }

  private Behavior<Command> end(SimResult.Ending how, String why) {
    if (collecting) {
      return this;
    }
    collecting = true;
    machineNanos = System.nanoTime() - bootNanos;
    ending = how;
    detail = why;
    ActorRef<NodeStats> statsAdapter = getContext().messageAdapter(NodeStats.class, Stats::new);
    for (int i = 0; i < nodes.size(); i++) {
      if (!gone.contains(i)) {
        nodes.get(i).tell(new NodeMsg.CollectStats(statsAdapter));
      }
    }
    if (conductor != null && !conductorGone) {
      conductor.tell(new Conductor.Report(getContext().messageAdapter(Conductor.Summary.class, ConductorSummary::new)));
    }
    return this;
  }

  private Behavior<Command> onStats(Stats s) {
    if (reported.add(s.stats().node())) {
      collected.add(s.stats());
    }
    return maybeFinish();
  }

  private Behavior<Command> onSummary(ConductorSummary s) {
    summary = s.summary();
    return maybeFinish();
  }

  private Behavior<Command> maybeFinish() {
    if (done || askedOracle || !collecting || accounted() < nodes.size() || (conductor != null && !conductorGone && summary == null)) {
      return this;
    }
    // quiescent ends are judged from the kernel's process table
    int alive = 0;
    List<String> live = List.of();
    Map<Long, Integer> refcounts = new HashMap<>();
    long cycle = 0;
    for (NodeStats n : collected) {
      if (n.detail() instanceof KernelState.KernelDetail k) {
        alive = k.aliveProcesses();
        live = k.liveTasks();
      } else if (n.detail() instanceof MemoryBank.BankDetail b) {
        refcounts.putAll(b.nonZeroRefcounts());
      }
      if (topology().isCpu(n.node())) {
        cycle = Math.max(cycle, n.clock());
      }
    }
    if (ending == null) {
      if (alive == 0) {
        ending = SimResult.Ending.ALL_EXITED;
        detail = "every process exited";
      } else {
        ending = SimResult.Ending.DEADLOCK;
        detail = "deadlock: no message left to deliver while " + live.size() + " task(s) never finished: " + String.join("; ", live);
      }
    }
    if (oracle == null || oracleGone) {
      return complete(List.of(), Map.of());
    }
    askedOracle = true;
    boolean quiescent = crash == null && (ending == SimResult.Ending.DEADLOCK || ending == SimResult.Ending.ALL_EXITED);
    oracle.tell(
        new OracleActor.Finish(
            quiescent ? refcounts : null,
            cycle,
            ending == SimResult.Ending.DEADLOCK ? detail : null,
            getContext().messageAdapter(OracleActor.Found.class, OracleFound::new)));
    return this;
  }

  /** Nodes that reported their counters or stopped. */
  private int accounted() {
    int n = reported.size();
    for (int g : gone) {
      if (!reported.contains(g)) {
        n++;
      }
    }
    return n;
  }

  private Topology topology() {
    return plan.topology();
  }

  private Behavior<Command> onFound(OracleFound f) {
    return complete(f.found().violations(), f.found().counts());
  }

  private Behavior<Command> complete(List<Violation> violations, Map<String, Integer> counts) {
    if (done) {
      return this;
    }
    done = true;
    collected.sort(java.util.Comparator.comparingInt(NodeStats::node));
    long machine = Math.max(0, machineNanos);
    if (crash != null) {
      result.complete(
          new Outcome(SimResult.Ending.SIMULATOR_ERROR, detail, List.copyOf(collected), summary, violations, counts, crash.error(), false, machine));
    } else {
      result.complete(new Outcome(ending, detail, List.copyOf(collected), summary, violations, counts, null, true, machine));
    }
    return Behaviors.stopped();
  }

  /**
   * A watched actor stopped before the run was over: only a crash does that (its {@link
   * CrashGuard} recorded what it threw). The run ends as a simulator error with what the others
   * report within the crash grace.
   */
  private Behavior<Command> onStopped(ActorRef<Void> ref, Throwable escaped) {
    if (done) {
      return this;
    }
    int node = nodes.indexOf(ref);
    if (node >= 0) {
      gone.add(node);
    } else if (conductor != null && ref.equals(conductor)) {
      conductorGone = true;
    } else if (oracle != null && ref.equals(oracle)) {
      oracleGone = true;
    }
    return onCrash(ref.path().name(), escaped);
  }

  /** An actor crashed (it may still answer the end-of-run questions): the run ends. */
  private Behavior<Command> onCrash(String name, Throwable escaped) {
    if (done) {
      return this;
    }
    Throwable error = plan.latch().errorOf(name);
    if (error == null) {
      error = escaped != null ? escaped : new IllegalStateException(name + " stopped before the run ended, without an error recorded");
      plan.latch().record(name, error);
    }
    boolean wasCollecting = collecting;
    if (crash == null) {
      crash = new CrashLatch.Crash(name, error);
      detail = "simulator error in " + name + ": " + error;
      timers.startSingleTimer(CrashGrace.INSTANCE, plan.crashGrace());
      if (!collecting) {
        end(SimResult.Ending.SIMULATOR_ERROR, detail);
      }
    }
    ending = SimResult.Ending.SIMULATOR_ERROR;
    if (askedOracle && (oracleGone || oracle.path().name().equals(name))) {
      return complete(List.of(), Map.of()); // the oracle failed answering: no findings to report
    }
    if (wasCollecting) {
      // it may have crashed on the question itself: ask it once more (a second crash stops it)
      Integer node = nodeIndex.get(name);
      if (node != null && !gone.contains(node) && !reported.contains(node)) {
        nodes.get(node).tell(new NodeMsg.CollectStats(getContext().messageAdapter(NodeStats.class, Stats::new)));
      } else if (conductor != null && !conductorGone && summary == null && conductor.path().name().equals(name)) {
        conductor.tell(new Conductor.Report(getContext().messageAdapter(Conductor.Summary.class, ConductorSummary::new)));
      }
    }
    return maybeFinish();
  }
}
