package cowsim.cli;

import com.typesafe.config.Config;
import cowsim.cluster.ClusterExplorer;
import cowsim.explore.Explorations;
import cowsim.explore.Explorer;
import cowsim.explore.RunOutcome;
import cowsim.explore.ScheduleSpec;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioException;
import cowsim.stats.Stat;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import picocli.CommandLine.Option;

/** The cluster options of explore, mutants and compare: coordinate the runs of worker JVMs ({@code cowsim worker}) instead of running them all here. */
final class ClusterArgs {

  @Option(names = "--cluster", description = "Coordinate: hand the runs to worker JVMs that join (`cowsim worker --join HOST:PORT`); --jobs runs here too (0: only coordinate).")
  boolean cluster;

  @Option(names = "--bind", paramLabel = "HOST:PORT", description = "--cluster: the coordinator's address (default 127.0.0.1:25520, cowsim.cluster).")
  String bind;

  @Option(names = "--secret-file", paramLabel = "FILE", description = "--cluster: the secret workers must present (default: a fresh one, printed).")
  Path secretFile;

  boolean enabled() {
    return cluster;
  }

  /** The options that need --cluster, when given without it. */
  void check() throws ScenarioException {
    if (!cluster && (bind != null || secretFile != null)) {
      throw new ScenarioException(bind != null ? "--bind " + bind : "--secret-file " + secretFile, 0, "applies to --cluster only");
    }
  }

  /** host and port of a HOST:PORT option. */
  record HostPort(String host, int port) {
    static HostPort parse(String option, String value) throws ScenarioException {
      int colon = value.lastIndexOf(':');
      if (colon <= 0) {
        throw new ScenarioException(option + " " + value, 0, "expected HOST:PORT");
      }
      try {
        int port = Integer.parseInt(value.substring(colon + 1));
        if (port < 0 || port > 65535) {
          throw new NumberFormatException();
        }
        return new HostPort(value.substring(0, colon), port);
      } catch (NumberFormatException e) {
        throw new ScenarioException(option + " " + value, 0, "the port must be a number from 0 to 65535");
      }
    }
  }

  /** The secret of a --secret-file (its first line, trimmed). */
  static String readSecret(Path file) throws ScenarioException {
    try {
      String s = Files.readString(file).lines().findFirst().orElse("").trim();
      if (s.isEmpty()) {
        throw new ScenarioException(file.toString(), 1, "the secret file is empty");
      }
      return s;
    } catch (IOException e) {
      throw new ScenarioException("--secret-file " + file, 0, "cannot read it: " + e.getMessage());
    }
  }

  /** The coordinator of this explore (the options checked). */
  ClusterExplorer coordinator(Config config, PrintStream out) throws ScenarioException {
    HostPort at = bind != null ? HostPort.parse("--bind", bind)
        : new HostPort(config.getString("cowsim.cluster.bind-host"), config.getInt("cowsim.cluster.bind-port"));
    if (at.port() == 0) {
      throw new ScenarioException("--bind " + bind, 0, "the coordinator needs a fixed port: the workers join it there");
    }
    byte[] random = new byte[16];
    new SecureRandom().nextBytes(random);
    String secret = secretFile != null ? readSecret(secretFile) : HexFormat.of().formatHex(random);
    return new ClusterExplorer(config, at.host(), at.port(), secret, out);
  }

  /** The runs on the cluster, as {@link Explorer#explore} gives them: a session of one exploration. */
  static List<RunOutcome> explore(ClusterExplorer coordinator, Explorer explorer, Scenario s, Path file, ScenarioArgs args, ScheduleSpec spec, long firstSeed,
      int runs, int jobs, boolean untilFirst, Consumer<RunOutcome> onDone)
      throws ScenarioException, InterruptedException, ClusterExplorer.StartFailedException {
    ClusterExplorer.ScenarioText text = text(file, args);
    coordinator.checkFits(text);
    coordinator.start(explorer, jobs);
    try {
      return coordinator.explore(s, text, Explorations.Origin.of(text.origin()), spec, firstSeed, runs, untilFirst, List.of(), true, onDone);
    } finally {
      coordinator.close();
    }
  }

  /** What a worker is sent of a scenario file (or the bundled default) and the options. */
  static ClusterExplorer.ScenarioText text(Path file, ScenarioArgs args) throws ScenarioException {
    return new ClusterExplorer.ScenarioText(ScenarioArgs.resolvedText(file), file == null ? ScenarioArgs.DEFAULT_SCENARIO : file.toString(), args.argv());
  }

  /**
   * The explorations of a started session ({@code mutants}, {@code compare}): of the scenarios of
   * {@code files} as {@code args} load them, each answer carrying {@code stats} too.
   */
  static Explorations explorations(ClusterExplorer session, List<Path> files, ScenarioArgs args, List<Stat> stats) throws ScenarioException {
    Map<String, ClusterExplorer.ScenarioText> texts = new HashMap<>();
    for (Path f : files) {
      ClusterExplorer.ScenarioText text = text(f, args);
      session.checkFits(text);
      texts.put(f.toString(), text);
    }
    return (s, origin, spec, firstSeed, runs, untilFirst, onDone) -> {
      ClusterExplorer.ScenarioText text = texts.get(origin.file());
      if (text == null) {
        throw new IllegalArgumentException("no text for " + origin.file());
      }
      return session.explore(s, text, origin, spec, firstSeed, runs, untilFirst, stats, false, onDone);
    };
  }
}
