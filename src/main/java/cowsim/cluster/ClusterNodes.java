package cowsim.cluster;

import akka.actor.Address;
import akka.actor.CoordinatedShutdown;
import akka.actor.typed.ActorSystem;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** What the coordinator's and the workers' actor systems share: the name, the settings, the start and the end. */
final class ClusterNodes {

  /** The actor system's name on every node (part of every address). */
  static final String SYSTEM = "cowsim";

  private ClusterNodes() {}

  /** The settings of a node bound to host:port (0: any free port). */
  static Config systemConfig(Config config, String host, int port) {
    return ConfigFactory.parseMap(Map.of("akka.remote.artery.canonical.hostname", host, "akka.remote.artery.canonical.port", port))
        .withFallback(config.getConfig("cowsim.cluster.system"))
        .withFallback(config);
  }

  static Address address(String host, int port) {
    return new Address("akka", SYSTEM, host, port);
  }

  /** The coordinator's actor (the guardian of its system). */
  static String coordinatorPath(String host, int port) {
    return address(host, port) + "/user";
  }

  /** The threads the runs of one node run on (the actors never block). */
  static ExecutorService runners(int jobs) {
    return Executors.newFixedThreadPool(Math.max(1, jobs), r -> {
      Thread t = new Thread(r, "cowsim-cluster-run");
      t.setDaemon(true);
      return t;
    });
  }

  /** Leaves the cluster and stops the system (at most {@code wait}). */
  static void shutDown(ActorSystem<?> system, Duration wait) {
    CoordinatedShutdown.get(system).runAll(CoordinatedShutdown.unknownReason());
    try {
      system.getWhenTerminated().toCompletableFuture().get(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      system.terminate();
    }
  }
}
