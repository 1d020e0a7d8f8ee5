package cowsim.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import cowsim.scenario.Mode;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioLoader;
import cowsim.sim.Simulation;
import cowsim.sim.SimulationHost;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The ways a deterministic run can be driven give the same runs: direct delivery (the default)
 * with the oracle on the run's lane or apart, mailbox delivery on a lane, and mailbox delivery on
 * Akka's default dispatcher (the engine before lanes and direct delivery), each the trace_hash pinned in {@code trace-hashes.txt} for every
 * bundled deterministic scenario, computed with the build before direct delivery; and an
 * exploration's runs do not depend on how many run side by side, nor on the engine.
 */
class TraceHashesTest {

  /** One line of trace-hashes.txt. */
  record Pinned(Path file, String kind, long seed, String hash, long deliveries) {}

  static List<Pinned> pinned() throws IOException {
    List<Pinned> out = new ArrayList<>();
    try (BufferedReader r = new BufferedReader(
        new InputStreamReader(TraceHashesTest.class.getResourceAsStream("/trace-hashes.txt"), StandardCharsets.UTF_8))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] f = line.trim().split("\\s+");
        out.add(new Pinned(Path.of(f[0]), f[1], Long.parseLong(f[2]), f[3], Long.parseLong(f[4])));
      }
    }
    return out;
  }

  /** reference.conf and application.conf with these settings over them. */
  private static Config with(String settings) {
    return ConfigFactory.parseString(settings).withFallback(ConfigFactory.load());
  }

  /** The engine's settings by name. */
  private static Config engine(String name) {
    return switch (name) {
      case "direct" -> ConfigFactory.load();
      case "direct-oracle-on-lane" -> with("cowsim.sim.deterministic.oracle = lane");
      case "direct-oracle-apart" -> with("cowsim.sim.deterministic.oracle = apart");
      case "mailbox-on-lanes" -> with("cowsim.sim.deterministic.delivery = mailbox");
      case "mailbox-default-dispatcher" -> with("cowsim.sim.deterministic { delivery = mailbox, lanes = 0 }");
      default -> throw new IllegalArgumentException(name);
    };
  }

  @Test
  void everyBundledDeterministicScenarioIsPinned() throws Exception {
    Set<Path> own = new TreeSet<>();
    for (Pinned p : pinned()) {
      assertTrue(Files.exists(p.file()), p.file() + " is pinned but not there");
      if (p.kind().equals("own")) {
        own.add(p.file());
      }
    }
    Set<Path> deterministic = new TreeSet<>();
    try (Stream<Path> s = Files.walk(Path.of("scenarios"))) {
      for (Path f : s.filter(p -> p.toString().endsWith(".conf")).toList()) {
        if (ScenarioLoader.load(f, List.of()).mode() == Mode.DETERMINISTIC) {
          deterministic.add(f);
        }
      }
    }
    assertTrue(deterministic.size() > 40, "the bundled scenarios are there: " + deterministic.size());
    assertEquals(deterministic, own, "every bundled deterministic scenario has its pinned trace_hash (trace-hashes.txt)");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"direct-oracle-on-lane", "direct-oracle-apart", "mailbox-on-lanes", "mailbox-default-dispatcher"})
  void everyEngineGivesThePinnedTraceOfEveryBundledScenario(String engine) throws Exception {
    Config config = engine(engine);
    ScheduleSpec pct = ScheduleSpec.of(config, Strategy.PCT, null);
    List<String> wrong = new ArrayList<>();
    Map<Path, Scenario> loaded = new HashMap<>();
    int runs = 0;
    try (SimulationHost host = new SimulationHost(config)) {
      Simulation sim = new Simulation(host);
      for (Pinned p : pinned()) {
        Scenario s = loaded.computeIfAbsent(p.file(), f -> {
          try {
            return ScenarioLoader.load(f, List.of());
          } catch (Exception e) {
            throw new IllegalStateException(f.toString(), e);
          }
        });
        ScheduleSpec spec = p.kind().equals("own") ? ScheduleSpec.forScenario(config, s) : pct;
        Simulation.Recorded r = sim.runRecorded(s.withSeed(p.seed()), null, spec);
        runs++;
        if (!p.hash().equals(r.result().traceHash()) || p.deliveries() != r.deliveries()) {
          wrong.add(p.file() + " " + p.kind() + " seed " + p.seed() + ": trace_hash " + r.result().traceHash() + " after "
              + r.deliveries() + " deliveries, pinned " + p.hash() + " after " + p.deliveries() + " (" + r.result().endDetail() + ")");
        }
      }
    }
    assertTrue(runs > 100, "runs: " + runs);
    assertEquals(List.of(), wrong, engine + ": every pinned trace");
  }

  /** What an exploration's runs are, in run order, without host time. */
  private static List<String> explored(Config config, Scenario s, ScheduleSpec spec, int runs, int jobs) throws Exception {
    List<String> out = new ArrayList<>();
    try (SimulationHost host = new SimulationHost(config)) {
      for (RunOutcome o : new Explorer(new Simulation(host)).explore(s, spec, s.seed(), runs, jobs, false, r -> {})) {
        out.add(o.index() + " " + o.seed() + " " + o.traceHash() + " " + o.pass() + " " + o.kinds() + " " + o.messages() + " " + o.cycles());
      }
    }
    return out;
  }

  @Test
  void anExplorationGivesTheSameRunsWithOneJobOrTwoAndWithEitherDelivery() throws Exception {
    Config direct = engine("direct");
    Scenario racy = ScenarioLoader.load(Path.of("scenarios/racy-cow-threads.conf"), List.of());
    ScheduleSpec pct = ScheduleSpec.of(direct, Strategy.PCT, null).withPctSteps(1408);
    List<String> one = explored(direct, racy, pct, 60, 1);
    List<String> two = explored(direct, racy, pct, 60, 2);
    assertEquals(60, one.size());
    assertEquals(one, two, "--jobs 1 and --jobs 2");
    assertEquals(one, explored(engine("mailbox-default-dispatcher"), racy, pct, 60, 2), "direct and mailbox delivery");
    assertEquals(one, explored(engine("direct-oracle-apart"), racy, pct, 60, 2), "the oracle apart from the runs' lanes");
    assertEquals(one, explored(engine("direct-oracle-on-lane"), racy, pct, 60, 1), "the oracle on the run's lane");
    assertTrue(one.stream().anyMatch(l -> l.contains(" false ")), "some explored schedules fail: the runs differ");

    Scenario big = ScenarioLoader.load(Path.of("scenarios/bugs/fork-rollback-double-decrement.conf"), List.of());
    ScheduleSpec random = ScheduleSpec.of(direct, Strategy.RANDOM, null);
    List<String> bigOne = explored(direct, big, random, 8, 1);
    assertEquals(bigOne, explored(direct, big, random, 8, 2), "the largest bug scenario, --jobs 1 and --jobs 2");
    assertEquals(bigOne, explored(engine("mailbox-on-lanes"), big, random, 8, 2), "the largest bug scenario, direct and mailbox delivery");
  }
}
