package cowsim.sim;

import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.ChildFailed;
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
 * watches them (a Java exception in any of them fails the run), and when the run ends gathers
 * every component's counters.
 */
final class RunGuardian extends AbstractBehavior<RunGuardian.Command> {

  sealed interface Command {}

  private record Event(RunEvent event) implements Command {}

  private record Stats(NodeStats stats) implements Command {}

  private record ConductorSummary(Conductor.Summary summary) implements Command {}

  private record OracleFound(OracleActor.Found found) implements Command {}

  private enum Timeout implements Command {
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
      Progress progress) {}

  /** What the guardian hands back. */
  record Outcome(
      SimResult.Ending ending,
      String detail,
      List<NodeStats> stats,
      Conductor.Summary conductor,
      List<Violation> violations,
      Map<String, Integer> violationCounts,
      Throwable error) {}

  private final Plan plan;
  private final CompletableFuture<Outcome> result;
  private final List<ActorRef<NodeMsg>> nodes = new ArrayList<>();
  private ActorRef<Conductor.Command> conductor;
  private ActorRef<cowsim.machine.observe.ObserverInbox> oracle;
  private final List<NodeStats> collected = new ArrayList<>();
  private Conductor.Summary summary;
  private SimResult.Ending ending;
  private String detail;
  private boolean collecting;
  private boolean done;
  private boolean askedOracle;

  static Behavior<Command> create(Plan plan, CompletableFuture<Outcome> result) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new RunGuardian(ctx, timers, plan, result)));
  }

  private RunGuardian(
      ActorContext<Command> ctx, TimerScheduler<Command> timers, Plan plan, CompletableFuture<Outcome> result) {
    super(ctx);
    this.plan = plan;
    this.result = result;
    Topology t = plan.topology();
    Latencies lat = plan.latencies();
    for (int c = 0; c < t.cpus(); c++) {
      nodes.add(ctx.spawn(CpuActor.create(c, plan.cpu(), plan.kernel(), t, lat, plan.logDir()), "cpu-" + c));
    }
    for (int b = 0; b < t.banks(); b++) {
      nodes.add(ctx.spawn(MemoryBank.create(t.bank(b), b, plan.frames(), firmware(), t, lat, plan.logDir()), "memory-" + b));
    }
    nodes.add(
        ctx.spawn(
            FrameAllocator.create(t.allocator(), plan.frames(), plan.maxOrder(), cowsim.kernel.Layout.RESERVED_FRAMES, t, lat, plan.logDir()),
            "allocator"));
    nodes.add(ctx.spawn(KernelState.create(t.kernel(), plan.processes(), t, lat, plan.logDir()), "kernel"));
    for (ActorRef<NodeMsg> n : nodes) {
      ctx.watch(n);
    }
    if (plan.deterministic()) {
      conductor = ctx.spawn(Conductor.create(plan.seed(), plan.maxCycles(), plan.schedule(), t), "conductor");
      ctx.watch(conductor);
    }
    ActorRef<RunEvent> events = ctx.messageAdapter(RunEvent.class, Event::new);
    ActorRef<Observations> observer = null;
    if (plan.check()) {
      Progress progress = plan.progress();
      oracle =
          ctx.spawn(
              OracleActor.create(cowsim.kernel.Layout.RESERVED_FRAMES, plan.historyDepth(), 32, plan.listener(), total -> progress.violationFound()),
              "oracle");
      ctx.watch(oracle);
      observer = oracle.narrow();
    }
    Wiring wiring = new Wiring(List.copyOf(nodes), conductor, events, observer, t, lat, plan.progress());
    for (ActorRef<NodeMsg> n : nodes) {
      n.tell(new NodeMsg.Wire(wiring));
    }
    // boot: a reschedule interrupt to every CPU at cycle 0
    List<NodeMsg.Packet> boot = new ArrayList<>();
    for (int c = 0; c < t.cpus(); c++) {
      boot.add(new NodeMsg.Packet(0, t.kernel(), c, new KernelState.Reschedule()));
    }
    if (conductor != null) {
      conductor.tell(new Conductor.Wire(wiring));
      conductor.tell(new Conductor.Inject(boot));
    } else {
      for (NodeMsg.Packet p : boot) {
        nodes.get(p.dst()).tell(p);
      }
    }
    timers.startSingleTimer(Timeout.INSTANCE, plan.timeout());
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
        .onMessage(Stats.class, this::onStats)
        .onMessage(ConductorSummary.class, this::onSummary)
        .onMessage(OracleFound.class, this::onFound)
        .onSignal(ChildFailed.class, this::onChildFailed)
        .onSignal(Terminated.class, t -> this)
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
    ending = how;
    detail = why;
    ActorRef<NodeStats> statsAdapter = getContext().messageAdapter(NodeStats.class, Stats::new);
    for (ActorRef<NodeMsg> n : nodes) {
      n.tell(new NodeMsg.CollectStats(statsAdapter));
    }
    if (conductor != null) {
      conductor.tell(new Conductor.Report(getContext().messageAdapter(Conductor.Summary.class, ConductorSummary::new)));
    }
    return this;
  }

  private Behavior<Command> onStats(Stats s) {
    collected.add(s.stats());
    return maybeFinish();
  }

  private Behavior<Command> onSummary(ConductorSummary s) {
    summary = s.summary();
    return maybeFinish();
  }

  private Behavior<Command> maybeFinish() {
    if (done || askedOracle || collected.size() < nodes.size() || (conductor != null && summary == null)) {
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
    if (oracle == null) {
      return complete(List.of(), Map.of());
    }
    askedOracle = true;
    boolean quiescent = ending == SimResult.Ending.DEADLOCK || ending == SimResult.Ending.ALL_EXITED;
    oracle.tell(
        new OracleActor.Finish(
            quiescent ? refcounts : null,
            cycle,
            ending == SimResult.Ending.DEADLOCK ? detail : null,
            getContext().messageAdapter(OracleActor.Found.class, OracleFound::new)));
    return this;
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
    result.complete(new Outcome(ending, detail, List.copyOf(collected), summary, violations, counts, null));
    return Behaviors.stopped();
  }

  private Behavior<Command> onChildFailed(ChildFailed f) {
    if (!done) {
      done = true;
      result.complete(
          new Outcome(
              SimResult.Ending.SIMULATOR_ERROR,
              "simulator error in " + f.getRef().path().name() + ": " + f.getCause(),
              List.of(),
              null,
              List.of(),
              Map.of(),
              f.getCause()));
    }
    return Behaviors.stopped();
  }
}
