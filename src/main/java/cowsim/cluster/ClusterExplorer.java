package cowsim.cluster;

import akka.actor.typed.ActorSystem;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Join;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.Config;
import cowsim.explore.Explorations;
import cowsim.explore.Explorer;
import cowsim.explore.RunOutcome;
import cowsim.explore.ScheduleSpec;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioException;
import cowsim.stats.Stat;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * A cluster session ({@code explore --cluster}, {@code mutants --cluster}, {@code compare
 * --cluster}): a coordinator that worker JVMs join once and that runs one exploration after
 * another (or several at once) on them and on {@code localJobs} slots of this JVM, each as
 * {@link Explorer#explore} would: the same runs in the same order back. Of each exploration the
 * lowest failing run and the first simulator error are replayed here in full (their history and
 * schedule, for the report, the replay and --shrink); a replay whose trace_hash differs from the
 * worker's is a simulator bug. Thread-safe: explorations may be run from several threads.
 */
public final class ClusterExplorer implements AutoCloseable {

  /** What the workers are sent to rebuild a scenario: its resolved text, a name for messages, the scenario options. */
  public record ScenarioText(String text, String origin, List<String> scenarioArgs) {}

  private final Config config;
  private final String host;
  private final int port;
  private final String secret;
  private final PrintStream out;
  private final AtomicInteger nextJob = new AtomicInteger();
  private ActorSystem<Coordinator.Command> system;
  private ExecutorService local;
  private Explorer explorer;

  public ClusterExplorer(Config config, String host, int port, String secret, PrintStream out) {
    this.config = config;
    this.host = host;
    this.port = port;
    this.secret = secret;
    this.out = out;
  }

  /** What every work item carries besides the scenario text, at most (the options, the spec, the batch's seeds). */
  private static final int ITEM_BYTES = 16 * 1024;

  /**
   * Refuses a scenario whose text would not fit in a work item: Artery drops a message over its
   * frame ({@code akka.remote.artery.advanced.maximum-frame-size}), so the runs would never start.
   */
  public void checkFits(ScenarioText text) throws ScenarioException {
    long frame = ClusterNodes.systemConfig(config, host, port).getBytes("akka.remote.artery.advanced.maximum-frame-size");
    long bytes;
    try {
      bytes = new ObjectMapper().writeValueAsBytes(text.text()).length;
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("a scenario text does not write as JSON", e);
    }
    if (bytes + ITEM_BYTES > frame) {
      throw new ScenarioException(text.origin(), 0, "too large for --cluster: its text with its includes takes " + bytes + " bytes in a work item, which takes at most "
          + (frame - ITEM_BYTES) + " (raise cowsim.cluster.system.akka.remote.artery.advanced.maximum-frame-size, " + frame + " bytes now, on the coordinator and the workers)");
    }
  }

  /** The command a worker joins with (the secret given on the command line). */
  public String joinHint() {
    return "java -jar target/cowsim.jar worker --join " + host + ":" + port + " --secret " + secret;
  }

  /**
   * Starts the coordinator: binds, joins itself, says where and with which secret. Its own
   * {@code localJobs} slots run on {@code explorer}, which also replays the failures.
   */
  public synchronized void start(Explorer explorer, int localJobs) throws StartFailedException {
    if (system != null) {
      throw new IllegalStateException("the session has started already");
    }
    this.explorer = explorer;
    local = ClusterNodes.runners(localJobs);
    Batching batching = new Batching(config.getInt("cowsim.cluster.batch-max"), config.getInt("cowsim.cluster.batch-split"),
        config.getDuration("cowsim.cluster.batch-time").toNanos(), config.getInt("cowsim.cluster.batch-first"));
    Coordinator.Setup setup = new Coordinator.Setup(localJobs, BuildId.current(), "cowsim-work-" + UUID.randomUUID(), secret, joinHint(), explorer, local,
        batching, config.getDuration("cowsim.cluster.progress-interval"), out);
    out.println("cluster: coordinator at " + host + ":" + port + ", secret " + secret);
    out.println("cluster: workers join with: " + joinHint());
    try {
      system = ActorSystem.create(Coordinator.create(setup), ClusterNodes.SYSTEM, ClusterNodes.systemConfig(config, host, port));
    } catch (RuntimeException e) {
      local.shutdownNow();
      throw new StartFailedException("cowsim: cannot start the coordinator at " + host + ":" + port + ": " + oneLine(e));
    }
    Cluster.get(system).manager().tell(Join.create(ClusterNodes.address(host, port)));
  }

  /**
   * Explores as {@link Explorer#explore} does, on the cluster: blocks until every run answered,
   * the first failure with {@code untilFirst}, or the explorer was stopped (Ctrl-C).
   *
   * @param s the scenario as this JVM built it: {@code origin} applied to {@code text} loaded
   * @param stats the stats each run's answer carries besides cycles and messages
   */
  public List<RunOutcome> explore(Scenario s, ScenarioText text, Explorations.Origin origin, ScheduleSpec spec, long firstSeed, int runs,
      boolean untilFirst, List<Stat> stats, boolean verbose, Consumer<RunOutcome> onDone) throws InterruptedException {
    if (system == null) {
      throw new IllegalStateException("start the session first");
    }
    ClusterJob job = new ClusterJob(Integer.toString(nextJob.incrementAndGet()), text.text(), text.origin(), text.scenarioArgs(), origin.profile(),
        origin.knobs() == null ? null : List.copyOf(origin.knobs()), origin.mistake() == null ? null : origin.mistake().key, RunSummary.Spec.of(spec),
        stats.stream().map(x -> x.key).toList());
    CompletableFuture<List<RunOutcome>> done = new CompletableFuture<>();
    system.tell(new Coordinator.Submit(job, s, new JobCache.Loaded(s, spec, stats), Explorer.seeds(firstSeed, runs), untilFirst, verbose, onDone, done));
    List<RunOutcome> results;
    boolean stopSent = false;
    while (true) {
      try {
        results = done.get(100, TimeUnit.MILLISECONDS);
        break;
      } catch (TimeoutException e) {
        if (explorer.stopped() && !stopSent) {
          system.tell(Coordinator.Stop.INSTANCE);
          stopSent = true;
        }
      } catch (ExecutionException e) {
        throw new IllegalStateException("the coordinator failed", e.getCause());
      }
    }
    return replayed(explorer, s, spec, results);
  }

  /** Ends the session: the workers end (exit 0), the coordinator leaves the cluster. */
  @Override
  public synchronized void close() {
    if (system == null) {
      return;
    }
    try {
      CompletableFuture<Void> closed = new CompletableFuture<>();
      system.tell(new Coordinator.Close(closed));
      closed.get(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      // shut down all the same
    } finally {
      ClusterNodes.shutDown(system, Duration.ofSeconds(10));
      local.shutdownNow();
      system = null;
    }
  }

  /** The results with the lowest failure and the first simulator error replayed here, in full. */
  private static List<RunOutcome> replayed(Explorer explorer, Scenario s, ScheduleSpec spec, List<RunOutcome> results) {
    List<RunOutcome> out = new ArrayList<>(results);
    int firstFailure = -1;
    int firstError = -1;
    for (int i = 0; i < out.size(); i++) {
      RunOutcome r = out.get(i);
      if (!r.pass() && firstFailure < 0) {
        firstFailure = i;
      }
      if (r.result().error() != null && firstError < 0) {
        firstError = i;
      }
    }
    for (int i : new int[] {firstFailure, firstError}) {
      if (i < 0 || out.get(i).schedule() != null) {
        continue;
      }
      RunOutcome remote = out.get(i);
      RunOutcome here = explorer.runOnce(s, spec, remote.index(), remote.seed(), null);
      if (!Objects.equals(here.traceHash(), remote.traceHash())) {
        throw new IllegalStateException("run " + remote.index() + " (seed " + remote.seed() + ") gave trace_hash " + remote.traceHash()
            + " on its worker but " + here.traceHash() + " replayed on the coordinator: the runs are not the same");
      }
      out.set(i, here);
    }
    return out;
  }

  static String oneLine(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null) {
      t = t.getCause();
    }
    return String.valueOf(t.getMessage() != null ? t.getMessage() : t).replace('\n', ' ');
  }

  /** A coordinator or worker that could not start (port in use, bad address): one line, exit code 2. */
  public static final class StartFailedException extends Exception {
    public StartFailedException(String message) {
      super(message);
    }
  }
}
