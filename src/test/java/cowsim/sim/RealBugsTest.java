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
 * The real-bugs gallery (scenarios/real-bugs/): each scenario names its violations and shows
 * exactly them under its own kernel (a variant profile or linux with a knob that still has the
 * bug); under the linux profile (its own knobs dropped) its run and 12 explored schedules (6 PCT, 6
 * random) show none. The README's measured block (docs/measure/real-bugs.sh) explores 300 each.
 */
class RealBugsTest {

  static Stream<Path> realBugs() throws IOException {
    try (Stream<Path> s = Files.list(Path.of("scenarios", "real-bugs"))) {
      List<Path> files = s.filter(p -> p.toString().endsWith(".conf")).sorted().toList();
      assertTrue(files.size() >= 3, "the gallery: madvise nested flush, CVE-2020-29374, FreeBSD-SA-21:08.vm");
      return files.stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("realBugs")
  void itsOwnKernelShowsTheBug(Path file) throws Exception {
    Scenario s = ScenarioLoader.load(file, List.of());
    assertFalse(s.expect().violations().isEmpty(), "a real-bug scenario names its violations");
    SimResult r = new Simulation().run(s, null, ScheduleSpec.forScenario(ConfigFactory.load(), s));
    assertTrue(Verdict.judge(r).pass(), file + ": " + Verdict.judge(r).failures());
    assertEquals(new TreeSet<>(s.expect().violations()), Verdict.foundKinds(r).keySet());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("realBugs")
  void linuxIsClean(Path file) throws Exception {
    Scenario s = ScenarioLoader.load(file, List.of()).withProfile("linux", List.of());
    assertEquals("linux", s.kernel().policy().profile());
    SimResult own = new Simulation().run(s, null, ScheduleSpec.forScenario(ConfigFactory.load(), s));
    assertTrue(own.violations().isEmpty(), file + " under linux: " + own.violations());
    assertTrue(own.assertionFailures().isEmpty(), file + " under linux: " + own.assertionFailures());
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
