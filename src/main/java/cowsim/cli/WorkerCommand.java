package cowsim.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import cowsim.cluster.ClusterExplorer;
import cowsim.cluster.ClusterWorker;
import cowsim.scenario.ScenarioException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cowsim worker --join HOST:PORT}: run the runs of a {@code --cluster} coordinator (explore, mutants, compare). */
@Command(
    name = "worker",
    mixinStandardHelpOptions = true,
    description = "Join the coordinator of an `explore`, `mutants` or `compare` with --cluster and run the runs it hands out (the scenarios come from it: no files needed).",
    footer = {"", "Exit codes: 0 the coordinator finished (or left), 2 bad input, a refusal (wrong secret, another build) or no coordinator."})
final class WorkerCommand implements Callable<Integer> {

  @Option(names = "--join", required = true, paramLabel = "HOST:PORT", description = "The coordinator's address (its --bind).")
  String join;

  @Option(names = "--bind", paramLabel = "HOST:PORT", description = "This worker's address (default 127.0.0.1:0, any free port; another host needs one the coordinator can reach).")
  String bind;

  @Option(names = "--jobs", paramLabel = "J", description = "Runs in parallel (default: the number of cores).")
  Integer jobs;

  @Option(names = "--secret", paramLabel = "S", description = "The coordinator's secret (it prints it at start).")
  String secret;

  @Option(names = "--secret-file", paramLabel = "FILE", description = "A file holding the coordinator's secret.")
  Path secretFile;

  @picocli.CommandLine.Mixin LogArgs logArgs;

  @Override
  public Integer call() throws InterruptedException {
    Config config = ConfigFactory.load();
    ClusterArgs.HostPort to;
    ClusterArgs.HostPort at;
    String s;
    int j;
    try {
      to = ClusterArgs.HostPort.parse("--join", join);
      at = bind != null ? ClusterArgs.HostPort.parse("--bind", bind) : new ClusterArgs.HostPort(config.getString("cowsim.cluster.bind-host"), 0);
      if ((secret == null) == (secretFile == null)) {
        throw new ScenarioException("worker", 0, "give the coordinator's secret: --secret S or --secret-file FILE (one of them)");
      }
      s = secret != null ? secret : ClusterArgs.readSecret(secretFile);
      j = jobs != null ? jobs : Runtime.getRuntime().availableProcessors();
      if (j < 1) {
        throw new ScenarioException("--jobs " + j, 0, "jobs must be at least 1");
      }
    } catch (ScenarioException e) {
      System.err.println(e.getMessage());
      return 2;
    }
    try {
      return ClusterWorker.run(config, to.host(), to.port(), at.host(), at.port(), s, j,
          (text, origin, argv) -> ScenarioArgs.fromArgv(argv).loadText(text, origin), System.out);
    } catch (ClusterExplorer.StartFailedException e) {
      System.err.println(e.getMessage());
      return 2;
    }
  }
}
