package cowsim.cluster;

import akka.actor.typed.ActorSystem;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Join;
import com.typesafe.config.Config;
import cowsim.explore.Explorer;
import cowsim.explore.RunOutcome;
import cowsim.explore.ScheduleSpec;
import cowsim.scenario.Scenario;
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
import java.util.function.Consumer;

/**
 * {@code explore --cluster}: the runs of {@link Explorer#explore} handed to the worker JVMs that
 * join (and to {@code localJobs} slots of this JVM), the same runs in the same order back. The
 * lowest failing run and the first simulator error are replayed here in full (their history and
 * schedule, for the report, the replay and --shrink); a replay whose trace_hash differs from the
 * worker's is a simulator bug.
 */
public final class ClusterExplorer {

  /** What the workers are sent to rebuild the scenario: its resolved text, a name for messages, the scenario options. */
  public record ScenarioText(String text, String origin, List<String> scenarioArgs) {}

  private final Config config;
  private final String host;
  private final int port;
  private final String secret;
  private final PrintStream out;

  public ClusterExplorer(Config config, String host, int port, String secret, PrintStream out) {
    this.config = config;
    this.host = host;
    this.port = port;
    this.secret = secret;
    this.out = out;
  }

  /** The command a worker joins with (the secret given on the command line). */
  public String joinHint() {
    return "java -jar target/cowsim.jar worker --join " + host + ":" + port + " --secret " + secret;
  }

  /**
   * Explores as {@link Explorer#explore} does, on the cluster: blocks until every run answered,
   * the first failure with {@code untilFirst}, or {@code explorer} was stopped (Ctrl-C).
   */
  public List<RunOutcome> explore(Explorer explorer, Scenario s, ScenarioText text, ScheduleSpec spec, long firstSeed, int runs, int localJobs,
      boolean untilFirst, Consumer<RunOutcome> onDone) throws InterruptedException, StartFailedException {
    String keyId = "cowsim-work-" + UUID.randomUUID();
    WorkerNode.Job job = new WorkerNode.Job(text.text(), text.origin(), text.scenarioArgs(), RunSummary.Spec.of(spec), BuildId.current(), keyId);
    CompletableFuture<List<RunOutcome>> done = new CompletableFuture<>();
    ExecutorService local = ClusterNodes.runners(localJobs);
    Coordinator.Setup setup = new Coordinator.Setup(s, spec, Explorer.seeds(firstSeed, runs), untilFirst, localJobs, job, secret, joinHint(), explorer,
        local, config.getDuration("cowsim.cluster.progress-interval"), out, onDone, done);
    out.println("cluster: coordinator at " + host + ":" + port + ", secret " + secret);
    out.println("cluster: workers join with: " + joinHint());
    ActorSystem<Coordinator.Command> system;
    try {
      system = ActorSystem.create(Coordinator.create(setup), ClusterNodes.SYSTEM, ClusterNodes.systemConfig(config, host, port));
    } catch (RuntimeException e) {
      local.shutdownNow();
      throw new StartFailedException("cowsim: cannot start the coordinator at " + host + ":" + port + ": " + oneLine(e));
    }
    List<RunOutcome> results;
    try {
      Cluster.get(system).manager().tell(Join.create(ClusterNodes.address(host, port)));
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
    } finally {
      ClusterNodes.shutDown(system, Duration.ofSeconds(10));
      local.shutdownNow();
    }
    return replayed(explorer, s, spec, results);
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
