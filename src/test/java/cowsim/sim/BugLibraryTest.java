package cowsim.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import cowsim.explore.Explorer;
import cowsim.explore.RunOutcome;
import cowsim.explore.ScheduleSpec;
import cowsim.explore.Strategy;
import cowsim.report.Verdict;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bug library: under strat9 each bug shows its violations (on its own seed and schedule);
 * under the linux profile an exploration finds nothing. The suite explores 12 schedules per bug
 * (6 PCT, 6 random); the README documents the 200-schedule command.
 */
class BugLibraryTest {

  static Stream<Path> bugs() throws IOException {
    try (Stream<Path> s = Files.list(Path.of("scenarios", "bugs"))) {
      List<Path> files = s.filter(p -> p.toString().endsWith(".conf")).sorted().toList();
      assertTrue(files.size() >= 9, "one scenario per bug of the reference notes");
      return files.stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("bugs")
  void strat9ShowsTheBug(Path file) throws Exception {
    Scenario s = ScenarioLoader.load(file, List.of());
    assertFalse(s.expect().violations().isEmpty(), "a bug scenario names its violations");
    SimResult r = new Simulation().run(s, null);
    Verdict v = Verdict.judge(r);
    assertTrue(v.pass(), file + ": " + v.failures());
    assertEquals(new TreeSet<>(s.expect().violations()), Verdict.foundKinds(r).keySet());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("bugs")
  void linuxIsClean(Path file) throws Exception {
    Scenario s = ScenarioLoader.load(file, List.of()).withProfile("linux");
    SimResult own = new Simulation().run(s, null);
    assertTrue(own.violations().isEmpty(), file + " under linux: " + own.violations());
    Explorer explorer = new Explorer(new Simulation());
    for (Strategy st : List.of(Strategy.PCT, Strategy.RANDOM)) {
      ScheduleSpec spec = ScheduleSpec.of(ConfigFactory.load(), st, 3);
      List<RunOutcome> runs = explorer.explore(s, spec, s.seed(), 6, 2, false, o -> {});
      for (RunOutcome o : runs) {
        assertTrue(o.result().violations().isEmpty(), file + " under linux, " + st + " seed " + o.seed() + ": " + o.result().violations());
      }
    }
  }
}
