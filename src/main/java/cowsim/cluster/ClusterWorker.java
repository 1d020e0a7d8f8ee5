package cowsim.cluster;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorRefResolver;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.javadsl.Behaviors;
import akka.cluster.typed.Cluster;
import akka.cluster.typed.Join;
import com.typesafe.config.Config;
import cowsim.explore.Explorer;
import cowsim.sim.Simulation;
import cowsim.sim.SimulationHost;
import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;

/** {@code cowsim worker --join HOST:PORT}: a worker JVM, until the coordinator finishes, leaves or refuses it. */
public final class ClusterWorker {

  private ClusterWorker() {}

  /**
   * Joins, works, returns the exit code: 0 when the coordinator finished or left, 2 when it
   * refused this worker (wrong secret, another build) or never answered.
   */
  public static int run(Config config, String joinHost, int joinPort, String bindHost, int bindPort, String secret, int jobs,
      WorkerNode.ScenarioSource source, PrintStream out) throws InterruptedException, ClusterExplorer.StartFailedException {
    CompletableFuture<Integer> exit = new CompletableFuture<>();
    ExecutorService runners = ClusterNodes.runners(jobs);
    String at = joinHost + ":" + joinPort;
    Duration helloTimeout = config.getDuration("cowsim.cluster.hello-timeout");
    int cacheSize = config.getInt("cowsim.cluster.worker-jobs-kept");
    try (SimulationHost host = new SimulationHost(config)) {
      Explorer explorer = new Explorer(new Simulation(host));
      ActorSystem<WorkerNode.Command> system;
      try {
        system = ActorSystem.create(Behaviors.setup(ctx -> {
          ActorRef<Coordinator.Command> coordinator = ActorRefResolver.get(ctx.getSystem()).resolveActorRef(ClusterNodes.coordinatorPath(joinHost, joinPort));
          String name = ctx.getSystem().address().hostPort().replaceFirst("^[^@]*@", "");
          return WorkerNode.create(coordinator, at, secret, BuildId.current(), name, jobs, source, explorer, runners, helloTimeout, cacheSize, out, exit);
        }), ClusterNodes.SYSTEM, ClusterNodes.systemConfig(config, bindHost, bindPort));
      } catch (RuntimeException e) {
        throw new ClusterExplorer.StartFailedException("cowsim: cannot start a worker at " + bindHost + ":" + bindPort + ": " + ClusterExplorer.oneLine(e));
      }
      try {
        Cluster.get(system).manager().tell(Join.create(ClusterNodes.address(joinHost, joinPort)));
        return exit.get();
      } catch (ExecutionException e) {
        throw new IllegalStateException("the worker failed", e.getCause());
      } finally {
        ClusterNodes.shutDown(system, Duration.ofSeconds(10));
        runners.shutdownNow();
      }
    }
  }
}
