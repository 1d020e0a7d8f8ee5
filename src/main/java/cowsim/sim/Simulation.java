package cowsim.sim;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import cowsim.kernel.KernelOnCpu;
import cowsim.kernel.KernelPolicy;
import cowsim.kernel.KernelState;
import cowsim.kernel.Layout;
import cowsim.kernel.ProcessInfo;
import cowsim.kernel.ProcessSetup;
import cowsim.kernel.Vma;
import cowsim.machine.cpu.CpuActor;
import cowsim.machine.cpu.CpuConfig;
import cowsim.machine.cpu.InjectedFault;
import cowsim.machine.cpu.KernelPort;
import cowsim.machine.cpu.ShootdownUnit;
import cowsim.machine.cpu.TrapHandler;
import cowsim.machine.interconnect.Decision;
import cowsim.machine.interconnect.Latencies;
import cowsim.machine.interconnect.NodeStats;
import cowsim.machine.interconnect.Scheduler;
import cowsim.machine.interconnect.Topology;
import cowsim.scenario.Mode;
import cowsim.scenario.ProcessSpec;
import cowsim.scenario.Region;
import cowsim.scenario.Scenario;
import cowsim.stats.Distribution;
import cowsim.stats.Progress;
import cowsim.stats.Stat;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * Runs one scenario and returns what happened: on a {@link SimulationHost}'s actor system when
 * given one (the commands give every run of theirs the same host), else on an actor system of the
 * run's own, created and terminated with it.
 */
public final class Simulation {

  private final Config config;
  /** the shared host, or null: each run then has a private one */
  private final SimulationHost host;
  private boolean check = true;
  private java.util.function.Consumer<cowsim.machine.observe.Event> listener;
  /** what a run reads of {@link #config}: read at the first run, once */
  private volatile Settings settings;
  /** the latency tables of scenarios that override some latencies, by their overrides */
  private final Map<Map<String, Long>, Latencies> overridden = new ConcurrentHashMap<>();

  /**
   * What a run takes from the settings. Reading a HOCON path is not free, and nothing here changes
   * between the runs of one Simulation, so they are read once, not per run.
   */
  private record Settings(
      int cushionBytes,
      Latencies latencies,
      CpuConfig.Settings cpu,
      int maxOrder,
      int history,
      String callerFault,
      java.time.Duration grace,
      boolean direct,
      int slice,
      String oracle) {}

  /**
   * @param config cowsim settings (reference.conf plus application.conf), and Akka's for the
   *     private host of each run when {@code host} is null
   * @param host the actor system the runs share, or null for one of each run's own
   */
  public Simulation(Config config, SimulationHost host) {
    this.config = config;
    this.host = host;
  }

  /** Runs on {@code host}, with its settings. */
  public Simulation(SimulationHost host) {
    this(host.config(), host);
  }

  /** Each run on an actor system of its own. */
  public Simulation(Config config) {
    this(config, null);
  }

  public Simulation() {
    this(ConfigFactory.load());
  }

  /** Turn the correctness oracles off (benchmarks of the bare machine). */
  public Simulation withoutChecks() {
    check = false;
    return this;
  }

  /**
   * Every event the oracles receive also goes to {@code listener}, in the oracles' order (the
   * global delivery order in deterministic mode), called on the oracle's thread; a run returns
   * after the oracles answered its end-of-run checks, so by then the listener has heard every
   * event they judged. Only with checks on. It sends nothing into the machine, so a run's
   * schedule and trace_hash are the same with or without it (tests record event streams).
   */
  public Simulation withListener(java.util.function.Consumer<cowsim.machine.observe.Event> listener) {
    this.listener = listener;
    return this;
  }

  /**
   * Runs the scenario to its end in time order (the seeded tie-break).
   *
   * <p>A scenario whose {@code schedule} block names another strategy is refused: the strategies
   * are the explorer's ({@code cowsim.explore.ScheduleSpec.forScenario} makes the conductor's
   * {@link Scheduler.Factory} from the block), and this layer does not know them, so such a run
   * goes through {@link #run(Scenario, String, Scheduler.Factory)} rather than silently in the
   * wrong order.
   *
   * @param logDir where per-actor logs go, or null for none
   */
  public SimResult run(Scenario s, String logDir) {
    if (s.mode() == Mode.DETERMINISTIC && !s.schedule().isTime()) {
      throw new IllegalArgumentException(
          "scenario " + s.name() + " asks for schedule strategy " + s.schedule().strategy()
              + ": pass its schedule (cowsim.explore.ScheduleSpec.forScenario) to run(scenario, logDir, schedule)");
    }
    return run(s, logDir, null);
  }

  /**
   * Runs the scenario with a schedule (deterministic mode; concurrent mode ignores it).
   *
   * @param schedule how the conductor picks deliveries, or null for the time order
   */
  public SimResult run(Scenario s, String logDir, Scheduler.Factory schedule) {
    return runRecorded(s, logDir, schedule).result();
  }

  /**
   * A run and the schedule decisions its conductor made.
   *
   * @param decisions the conductor's decisions that differ from the time order, in order (null in
   *     concurrent mode)
   * @param deliveries how many packets the conductor delivered (0 in concurrent mode)
   */
  public record Recorded(SimResult result, List<Decision> decisions, long deliveries) {}

  /** Runs the scenario with a schedule and also returns the conductor's decisions. */
  public Recorded runRecorded(Scenario s, String logDir, Scheduler.Factory schedule) {
    return runRecorded(s, logDir, schedule, new Progress());
  }

  /**
   * As {@link #run(Scenario, String, Scheduler.Factory)}, counting the run's live progress into
   * {@code progress} (its own: runs side by side each count into theirs).
   */
  public SimResult run(Scenario s, String logDir, Scheduler.Factory schedule, Progress progress) {
    return runRecorded(s, logDir, schedule, progress).result();
  }

  /** As {@link #run(Scenario, String, Scheduler.Factory, Progress)}, stopped early when {@code stop} is requested. */
  public SimResult run(Scenario s, String logDir, Scheduler.Factory schedule, Progress progress, RunStop stop) {
    return runRecorded(s, logDir, schedule, progress, stop).result();
  }

  /**
   * As {@link #runRecorded(Scenario, String, Scheduler.Factory)}, counting the run's live progress
   * into {@code progress}. It never throws: a {@link Throwable} anywhere in the run, in an actor or
   * in the calling thread ({@link StackOverflowError} and {@link OutOfMemoryError} included), comes
   * back as a result with ending {@link SimResult.Ending#SIMULATOR_ERROR}, its {@link
   * SimResult#error()}, whatever the machine had collected, and {@link SimResult#complete()} false.
   */
  public Recorded runRecorded(Scenario s, String logDir, Scheduler.Factory schedule, Progress progress) {
    return runRecorded(s, logDir, schedule, progress, null);
  }

  /**
   * As {@link #runRecorded(Scenario, String, Scheduler.Factory, Progress)}, stopped early (ending
   * {@link SimResult.Ending#INTERRUPTED}) when {@code stop}, if not null, is requested.
   */
  public Recorded runRecorded(Scenario s, String logDir, Scheduler.Factory schedule, Progress progress, RunStop stop) {
    if (listener != null && !check) {
      throw new IllegalStateException("a listener hears the oracles' events: it needs checks on");
    }
    long started = System.nanoTime();
    CrashLatch latch = null;
    SimulationHost on = null;
    // what the machine reported, when it did before the calling thread failed
    AtomicReference<RunGuardian.Outcome> collected = new AtomicReference<>();
    try {
      on = host != null ? host : new SimulationHost(config);
      latch = new CrashLatch(on.cushion(settings().cushionBytes()));
      return runGuarded(s, logDir, schedule, progress, stop, on, latch, started, collected);
    } catch (Throwable t) {
      if (latch != null) {
        latch.releaseCushion();
      }
      RunGuardian.Outcome c = collected.get();
      String detail = "simulator error in the thread that ran the simulation: " + t;
      RunGuardian.Outcome out = c == null
          ? new RunGuardian.Outcome(SimResult.Ending.SIMULATOR_ERROR, detail, List.of(), null, List.of(), Map.of(), t, false, 0)
          : new RunGuardian.Outcome(SimResult.Ending.SIMULATOR_ERROR, detail, c.stats(), c.conductor(), c.violations(), c.violationCounts(), t, false,
              c.machineNanos());
      return new Recorded(assemble(s, out, (System.nanoTime() - started) / 1_000_000), null, 0);
    } finally {
      if (on != null && latch != null) {
        on.handBack(latch.takeBackCushion()); // nothing threw: the next run reserves the same block
      }
      if (host == null && on != null) {
        on.close();
      }
    }
  }

  private Settings settings() {
    Settings s = settings;
    if (s == null) {
      // two runs starting at once may both read them: the same values
      long want = config.getBytes("cowsim.sim.oom-cushion");
      int cushion = (int) Math.max(0, Math.min(want, Math.min(Integer.MAX_VALUE - 8, Runtime.getRuntime().maxMemory() / 16)));
      s = new Settings(
          cushion,
          Latencies.from(config),
          CpuConfig.Settings.read(config),
          config.getInt("cowsim.allocator.max-order"),
          config.getInt("cowsim.check.history"),
          config.getString("cowsim.debug.throw-in-caller"),
          config.getDuration("cowsim.sim.crash-grace"),
          direct(config),
          config.getInt("cowsim.sim.deterministic.slice"),
          config.getString("cowsim.sim.deterministic.oracle"));
      if (!List.of("auto", "lane", "apart").contains(s.oracle())) {
        throw new IllegalArgumentException("cowsim.sim.deterministic.oracle must be auto, lane or apart, got '" + s.oracle() + "'");
      }
      if (s.slice() < 1) {
        throw new IllegalArgumentException("cowsim.sim.deterministic.slice must be at least 1, got " + s.slice());
      }
      settings = s;
    }
    return s;
  }

  /** Whether {@code cowsim.sim.deterministic.delivery} is direct (else mailbox). */
  static boolean direct(Config config) {
    String d = config.getString("cowsim.sim.deterministic.delivery");
    return switch (d) {
      case "direct" -> true;
      case "mailbox" -> false;
      default -> throw new IllegalArgumentException("cowsim.sim.deterministic.delivery must be direct or mailbox, got '" + d + "'");
    };
  }

  /** reference.conf's latency table with the scenario's overrides. */
  private Latencies latencies(Map<String, Long> overrides) {
    if (overrides.isEmpty()) {
      return settings().latencies();
    }
    return overridden.computeIfAbsent(overrides, o -> {
      Config latencyConfig = config;
      for (Map.Entry<String, Long> e : o.entrySet()) {
        latencyConfig = ConfigFactory.parseString("cowsim.latency." + e.getKey() + " = " + e.getValue()).withFallback(latencyConfig);
      }
      return Latencies.from(latencyConfig);
    });
  }

  private Recorded runGuarded(
      Scenario s, String logDir, Scheduler.Factory schedule, Progress progress, RunStop stop, SimulationHost on, CrashLatch latch, long started,
      AtomicReference<RunGuardian.Outcome> collected) {
    Settings settings = settings();
    Topology topo = new Topology(s.machine().cpus(), s.machine().memoryBanks());
    Latencies lat = latencies(s.machine().latency());
    KernelPolicy policy = s.kernel().policy();
    CpuConfig cpu =
        CpuConfig.of(
            settings.cpu(),
            s.machine().tlbEntries(),
            s.machine().tlbWays(),
            s.machine().hugeTlb(),
            s.limits().maxCycles(),
            s.limits().maxRefaults(),
            s.limits().lockupCycles(),
            policy.pcid(),
            Layout.KERNEL_PML4,
            new ShootdownUnit.Config(policy.ackFlag() == KernelPolicy.AckFlag.SHARED, policy.ackTimeoutSpins(), Layout.ACK_FLAGS_FRAME));
    int maxRefaults = s.limits().maxRefaults();
    Function<KernelPort, TrapHandler> kernel = port -> KernelOnCpu.on(port, policy, maxRefaults);
    String callerFault = settings.callerFault();
    java.time.Duration grace = settings.grace();
    boolean deterministic = s.mode() == Mode.DETERMINISTIC;
    if (deterministic && settings.direct() && !on.hasLanes()) {
      throw new IllegalArgumentException(
          "cowsim.sim.deterministic.delivery = direct needs a lane: cowsim.sim.deterministic.lanes must be at least 1 (or delivery = mailbox)");
    }
    // direct delivery hands the oracle a batch per slice, so an oracle apart from the run's lane
    // checks beside it on another core; when the runs on lanes already use every core it stays
    // on the lane, where it costs no thread hand-offs (see cowsim.sim.deterministic.oracle)
    boolean oracleApart = deterministic && settings.direct() && check
        && (settings.oracle().equals("apart") || settings.oracle().equals("auto") && on.coreToSpare());
    RunGuardian.Plan plan =
        new RunGuardian.Plan(
            topo,
            lat,
            cpu,
            kernel,
            s.machine().frames(),
            settings.maxOrder(),
            setups(s),
            deterministic,
            s.seed(),
            s.limits().maxCycles(),
            s.limits().timeout(),
            logDir,
            check,
            settings.history(),
            schedule,
            listener,
            progress,
            latch,
            grace,
            settings.direct(),
            settings.slice(),
            oracleApart,
            stop);
    CompletableFuture<RunGuardian.Outcome> future = new CompletableFuture<>();
    RunGuardian.Outcome out;
    SimulationHost.Run run = on.start(RunGuardian.create(plan, future), deterministic, latch);
    try {
      out = await(future, run.stopped(), latch, s.limits().timeout().toMillis() + 30_000, grace.toMillis() + 10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } finally {
      // the run's guardian stops itself once it has the outcome; after a timeout it is stopped here
      run.stop();
      try {
        run.stopped().get(30, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // the result is already known; a slow stop does not change it
      }
    }
    collected.set(out);
    if (!callerFault.equals("none")) {
      // test hook (cowsim.debug.throw-in-caller): the calling thread fails after the machine stopped
      InjectedFault.parse(callerFault, "cowsim.debug.throw-in-caller").raise("cowsim.debug.throw-in-caller (a simulated simulator bug)");
    }
    SimResult result = assemble(s, out, (System.nanoTime() - started) / 1_000_000);
    return out.conductor() == null
        ? new Recorded(result, null, 0)
        : new Recorded(result, out.conductor().decisions(), out.conductor().delivered());
  }

  /**
   * Waits for the guardian's outcome, but not forever: not past {@code limitMillis} (the
   * scenario's timeout plus a margin), not past {@code afterCrashMillis} after an actor crashed
   * (the guardian gathers the survivors' counters within the crash grace, this is the margin
   * beyond it), and not past the end of the run's guardian ({@code stopped}: it stops without an
   * outcome when it crashed itself, and its system terminates under it when a fatal error escaped
   * every {@link CrashGuard} into Akka's own handler).
   */
  private static RunGuardian.Outcome await(
      CompletableFuture<RunGuardian.Outcome> future, CompletableFuture<Void> stopped, CrashLatch latch, long limitMillis, long afterCrashMillis)
      throws InterruptedException {
    CompletableFuture<Object> crashDeadline =
        latch.crashed().thenCompose(c -> CompletableFuture.supplyAsync(() -> c, CompletableFuture.delayedExecutor(afterCrashMillis, TimeUnit.MILLISECONDS)));
    try {
      CompletableFuture.anyOf(future, stopped, crashDeadline).get(limitMillis, TimeUnit.MILLISECONDS);
    } catch (TimeoutException | java.util.concurrent.ExecutionException e) {
      // judged below
    }
    if (future.isDone() && !future.isCompletedExceptionally()) {
      return future.join();
    }
    CrashLatch.Crash crash = latch.first();
    if (crash != null) {
      latch.releaseCushion();
      return new RunGuardian.Outcome(
          SimResult.Ending.SIMULATOR_ERROR,
          "simulator error in " + crash.actor() + ": " + crash.error() + " (the machine did not report what it had collected)",
          List.of(), null, List.of(), Map.of(), crash.error(), false, 0);
    }
    if (stopped.isDone()) {
      IllegalStateException e = new IllegalStateException("the run's actors stopped before the run ended (a fatal error outside the actors' guards)");
      return new RunGuardian.Outcome(SimResult.Ending.SIMULATOR_ERROR, e.getMessage(), List.of(), null, List.of(), Map.of(), e, false, 0);
    }
    return new RunGuardian.Outcome(SimResult.Ending.LIMIT, "timeout: the machine did not stop", List.of(), null, List.of(), Map.of(), null, false, 0);
  }

  /** The scenario's processes as the kernel starts them: regions plus the stack at the top. */
  static List<ProcessSetup> setups(Scenario s) {
    List<ProcessSetup> out = new ArrayList<>();
    for (ProcessSpec p : s.processes()) {
      List<Vma> vmas = new ArrayList<>();
      List<Vma> populate = new ArrayList<>();
      for (Region r : p.memory()) {
        Vma v = new Vma(r.at(), r.at() + r.size(), r.writable(), r.huge());
        vmas.add(v);
        if (r.populate()) {
          populate.add(v);
        }
      }
      if (p.stackBytes() > 0) {
        // the initial stack is set up eagerly, as an ELF loader does: no never-touched page in it
        Vma stack = new Vma(Layout.STACK_TOP - p.stackBytes(), Layout.STACK_TOP, true);
        vmas.add(stack);
        populate.add(stack);
      }
      vmas.sort(Comparator.comparingLong(Vma::start));
      out.add(new ProcessSetup(p.name(), p.cpu() == null ? -1 : p.cpu(), List.copyOf(vmas), List.copyOf(populate), p.program(), p.kernelThread()));
    }
    return out;
  }

  private static SimResult assemble(Scenario s, RunGuardian.Outcome out, long hostMillis) {
    // every stat of the registry, in its order, zero when nothing counted it
    Map<String, Long> sums = new LinkedHashMap<>();
    for (Stat k : Stat.counters()) {
      sums.put(k.key, 0L);
    }
    Map<Stat, Distribution> dists = new LinkedHashMap<>();
    for (Stat k : Stat.distributions()) {
      dists.put(k, new Distribution());
    }
    List<ProcessInfo> processes = List.of();
    List<String> live = List.of();
    List<CpuActor.CpuDetail> cpus = new ArrayList<>();
    List<String> assertions = new ArrayList<>();
    long cycles = 0;
    for (NodeStats n : out.stats()) {
      n.counters().forEach((k, v) -> {
        if (!sums.containsKey(k)) {
          throw new IllegalStateException("node " + n.node() + " counts '" + k + "', which is not in the stats registry (cowsim.stats.Stat)");
        }
        sums.merge(k, v, Long::sum);
      });
      n.distributions().forEach((k, d) -> {
        Stat stat = Stat.of(k);
        if (stat == null || !stat.distribution()) {
          throw new IllegalStateException("node " + n.node() + " samples '" + k + "', which is no distribution of the stats registry (cowsim.stats.Stat)");
        }
        dists.get(stat).add(d);
      });
      if (n.detail() instanceof CpuActor.CpuDetail d) {
        cpus.add(d);
        assertions.addAll(d.assertionFailures());
        cycles = Math.max(cycles, n.clock());
      } else if (n.detail() instanceof KernelState.KernelDetail k) {
        processes = k.processes();
        live = k.liveTasks();
      }
    }
    cpus.sort(Comparator.comparingInt(CpuActor.CpuDetail::cpu));
    sums.put(Stat.CYCLES.key, cycles);
    sums.put(Stat.HOST_MILLIS.key, hostMillis);
    SimResult.Ending ending = out.ending();
    String detail = out.detail();
    // an interrupted run's trace is a prefix that no replay ends at: it has no trace hash
    String hash = out.conductor() == null || ending == SimResult.Ending.INTERRUPTED ? null : out.conductor().traceHash();
    return new SimResult(s, ending, detail, hash, sums, processes, cpus, live, assertions, out.violations(), out.violationCounts(), out.error(), out.complete(),
        java.time.Duration.ofNanos(out.machineNanos()), dists);
  }
}
