package cowsim.sim;

import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.DispatcherSelector;
import akka.actor.typed.javadsl.Behaviors;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The one Akka {@code ActorSystem} the runs of a command share: {@code explore}, {@code compare},
 * {@code mutants}, {@code stress} and {@code run} create one host, run every {@link Simulation}
 * on it, and close it at their end, so a run costs no actor system of its own (creating and
 * terminating one, its threads, its settings and its logging took a large share of the host time
 * of short runs).
 *
 * <p>Each run gets its own guardian, a fresh {@link RunGuardian} spawned as a child of the
 * host's guardian under a name of its own ({@code run-1}, {@code run-2}, ...), so its actors keep
 * their names ({@code cpu-0}, {@code memory-0}, ...) under it and share nothing with another
 * run's: runs side by side ({@code --jobs}) each have their guardian in the same system. When a
 * run ends its guardian stops, and with it every actor of the run; {@link Simulation} waits for
 * that before it returns. Nothing a run computes depends on the host (deterministic mode's
 * schedule is the conductor's alone), so a run's {@code trace_hash} is the same on a shared host
 * as on a fresh one.
 *
 * <p>The system is created at the first run. Should it terminate on its own (a fatal error that
 * escaped every {@link CrashGuard} into Akka's handler), the runs on it at the time see their
 * guardian gone, and the next run starts a fresh system: one run's crash does not end the
 * command's later runs.
 */
public final class SimulationHost implements AutoCloseable {

  /** What the host's guardian is told: start a run's guardian, stop it, learn that it stopped. */
  sealed interface Command {}

  /**
   * Spawn {@code guardian} as {@code name}, on lane {@code lane} (or Akka's default dispatcher for
   * -1); {@code stopped} completes when it has stopped.
   */
  private record Spawn(Behavior<RunGuardian.Command> guardian, String name, int lane, CrashLatch latch, CompletableFuture<Void> stopped)
      implements Command {}

  /** Stop the run's guardian {@code name} (and so all its actors), if it is still there. */
  private record Stop(String name) implements Command {}

  /** The run's guardian {@code name} stopped (a watch). */
  private record Stopped(String name, CompletableFuture<Void> stopped) implements Command {}

  /** A run on this host: its guardian's name, and when it has stopped. */
  public static final class Run {
    private final String name;
    private final CompletableFuture<Void> stopped;
    private final ActorSystem<Command> system;

    private Run(String name, CompletableFuture<Void> stopped, ActorSystem<Command> system) {
      this.name = name;
      this.stopped = stopped;
      this.system = system;
    }

    /** The run's guardian's name under the host's guardian. */
    public String name() {
      return name;
    }

    /**
     * Completes when the run's guardian and all its actors have stopped, or the host's system
     * terminated.
     */
    public CompletableFuture<Void> stopped() {
      return stopped;
    }

    /** Stops the run's guardian and its actors (nothing when they stopped already). */
    void stop() {
      system.tell(new Stop(name));
    }
  }

  /** One actor system of the host, and its end. */
  private record Engine(ActorSystem<Command> system, CompletableFuture<?> terminated) {}

  /** A run whose guardian has not stopped yet, and the engine it runs on. */
  private record Live(Engine engine, CompletableFuture<Void> stopped) {}

  /** where the lanes' dispatchers are declared in the system's settings: {@code LANES.lane-N} */
  private static final String LANES = "cowsim-lanes";

  private final Config config;
  /** the settings the actor system is created with: {@link #config} plus the lanes' dispatchers */
  private final Config systemConfig;
  /** how many lanes (single-thread dispatchers) the deterministic runs share; 0: none */
  private final int lanes;
  /** guarded by this: the deterministic runs on each lane now */
  private final int[] laneRuns;
  private final AtomicLong started = new AtomicLong();
  /** the runs whose guardian has not stopped yet, by name (completed when their system terminates) */
  private final Map<String, Live> live = new ConcurrentHashMap<>();
  /** guarded by this */
  private Engine engine;
  /** guarded by this */
  private boolean closed;
  /** guarded by this: how many actor systems this host created (tests) */
  private int systems;
  /**
   * memory cushions (cowsim.sim.oom-cushion) of runs that ended without dropping theirs, for the
   * next runs: a run reserves one while it is on, and the host allocates one per run side by
   * side, not one per run (a fresh 4 MiB block, a humongous allocation for G1, took about a third
   * of the host time of a run of a few hundred messages)
   */
  private final ConcurrentLinkedQueue<byte[]> cushions = new ConcurrentLinkedQueue<>();

  /** @param config the Akka settings (and cowsim's, for the simulations that use this host's) */
  public SimulationHost(Config config) {
    this.config = config;
    this.lanes = config.getInt("cowsim.sim.deterministic.lanes");
    if (lanes < 0) {
      throw new IllegalArgumentException("cowsim.sim.deterministic.lanes must be 0 or more, got " + lanes);
    }
    this.laneRuns = new int[lanes];
    Config c = config.getConfig("cowsim.sim.system").withFallback(config);
    for (int i = 0; i < lanes; i++) {
      c = c.withValue(LANES + ".lane-" + i, config.getValue("cowsim.sim.deterministic.lane-dispatcher"));
    }
    this.systemConfig = c;
  }

  /** A host with the settings of reference.conf and application.conf. */
  public SimulationHost() {
    this(ConfigFactory.load());
  }

  /** The settings this host was created with. */
  public Config config() {
    return config;
  }

  /** Whether deterministic runs have lanes (single-thread dispatchers) to run on. */
  boolean hasLanes() {
    return lanes > 0;
  }

  /**
   * Starts a run: {@code guardian} spawned under a name no other run of this host has.
   *
   * @param onLane whether the run's guardian (and with it every actor of the run, spawned on its
   *     parent's dispatcher) runs on a lane: the least busy one, so runs side by side get lanes
   *     of their own while there are enough. A lane is one thread, so such a run never hands a
   *     message to another thread (deterministic mode); concurrent runs stay on Akka's default
   *     dispatcher, their actors running in parallel.
   * @param latch where a failure to spawn it is recorded (as the guardian's own crash)
   */
  Run start(Behavior<RunGuardian.Command> guardian, boolean onLane, CrashLatch latch) {
    String name = "run-" + started.incrementAndGet();
    CompletableFuture<Void> stopped = new CompletableFuture<>();
    Engine e = engine();
    int lane = onLane && lanes > 0 ? takeLane() : -1;
    live.put(name, new Live(e, stopped));
    stopped.whenComplete((v, x) -> {
      live.remove(name);
      releaseLane(lane);
    });
    if (e.terminated().isDone()) {
      stopped.complete(null); // it terminated meanwhile, perhaps before it saw this run
    } else {
      e.system().tell(new Spawn(guardian, name, lane, latch, stopped));
    }
    return new Run(name, stopped, e.system());
  }

  /**
   * Whether a core is left beside the deterministic runs on lanes now and one more: its oracle
   * may then check on Akka's default dispatcher in parallel with its lane.
   */
  synchronized boolean coreToSpare() {
    int busy = 0;
    for (int n : laneRuns) {
      busy += n;
    }
    return busy + 1 < Runtime.getRuntime().availableProcessors();
  }

  /** The least busy lane (the lowest of those), now one run busier. */
  private synchronized int takeLane() {
    int best = 0;
    for (int i = 1; i < lanes; i++) {
      if (laneRuns[i] < laneRuns[best]) {
        best = i;
      }
    }
    laneRuns[best]++;
    return best;
  }

  private synchronized void releaseLane(int lane) {
    if (lane >= 0) {
      laneRuns[lane]--;
    }
  }

  /** The dispatcher id of lane {@code lane}. */
  private static String laneId(int lane) {
    return LANES + ".lane-" + lane;
  }

  /** A memory cushion of {@code bytes} for a run starting (null for 0): one handed back, else a new one. */
  byte[] cushion(int bytes) {
    if (bytes <= 0) {
      return null;
    }
    for (byte[] c = cushions.poll(); c != null; c = cushions.poll()) {
      if (c.length == bytes) {
        return c;
      }
    }
    return new byte[bytes];
  }

  /** A run ended and still held its cushion: the next run may reserve it (null: nothing). */
  void handBack(byte[] cushion) {
    if (cushion != null) {
      synchronized (this) {
        if (closed) {
          return;
        }
      }
      cushions.offer(cushion);
    }
  }

  /** The engine, created at the first run and again after its system terminated on its own. */
  private synchronized Engine engine() {
    if (closed) {
      throw new IllegalStateException("the simulation host is closed");
    }
    if (engine == null || engine.terminated().isDone()) {
      ActorSystem<Command> sys = ActorSystem.create(guardian(), "cowsim", systemConfig);
      Engine e = new Engine(sys, sys.getWhenTerminated().toCompletableFuture());
      // the runs on a system that went away have no guardian any more
      e.terminated().whenComplete((t, x) -> live.values().stream().filter(l -> l.engine() == e).forEach(l -> l.stopped().complete(null)));
      engine = e;
      systems++;
    }
    return engine;
  }

  /** How many actor systems this host has created so far (1 unless one terminated on its own). */
  synchronized int systemsCreated() {
    return systems;
  }

  /** The current actor system (tests), or null before the first run. */
  synchronized ActorSystem<?> currentSystem() {
    return engine == null ? null : engine.system();
  }

  /** The names of the runs whose guardian has not stopped yet (tests). */
  java.util.Set<String> liveRuns() {
    return java.util.Set.copyOf(live.keySet());
  }

  /** Terminates the system (after the runs on it ended) and waits, bounded, until it has. */
  @Override
  public void close() {
    ActorSystem<Command> sys;
    synchronized (this) {
      closed = true;
      sys = engine == null ? null : engine.system();
    }
    cushions.clear();
    if (sys == null) {
      return;
    }
    sys.terminate();
    try {
      sys.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception ignored) {
      // every result is already known; a slow shutdown does not change one
    }
  }

  /** The host's guardian: it only spawns, stops and watches the runs' guardians. */
  private static Behavior<Command> guardian() {
    return Behaviors.setup(ctx -> Behaviors.receive(Command.class)
        .onMessage(Spawn.class, s -> {
          try {
            ctx.watchWith(
                s.lane() < 0 ? ctx.spawn(s.guardian(), s.name()) : ctx.spawn(s.guardian(), s.name(), DispatcherSelector.fromConfig(laneId(s.lane()))),
                new Stopped(s.name(), s.stopped()));
          } catch (Throwable t) {
            // the run ends as a simulator error in its guardian; the host goes on
            s.latch().record(RunGuardian.NAME, t);
            s.stopped().complete(null);
          }
          return Behaviors.same();
        })
        .onMessage(Stop.class, s -> {
          ctx.getChild(s.name()).ifPresent(ctx::stop);
          return Behaviors.same();
        })
        .onMessage(Stopped.class, s -> {
          s.stopped().complete(null);
          return Behaviors.same();
        })
        .build());
  }
}
