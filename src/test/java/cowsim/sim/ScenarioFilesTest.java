package cowsim.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import cowsim.explore.ScheduleSpec;
import cowsim.report.Verdict;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every file in scenarios/ runs and meets its own expect block (as gem5 runs its references), under
 * the schedule its {@code schedule} block names.
 */
class ScenarioFilesTest {

  static Stream<Path> scenarios() throws IOException {
    try (Stream<Path> s = Files.walk(Path.of("scenarios"))) {
      List<Path> files = s.filter(p -> p.toString().endsWith(".conf")).sorted().toList();
      assertTrue(files.size() >= 4, "the bundled scenarios are there");
      return files.stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("scenarios")
  void meetsItsExpectations(Path file) throws Exception {
    Scenario s = ScenarioLoader.load(file, List.of());
    SimResult r = new Simulation().run(s, null, ScheduleSpec.forScenario(ConfigFactory.load(), s));
    Verdict v = Verdict.judge(r);
    assertTrue(v.pass(), file + ": " + v.failures());
    assertEquals(SimResult.Ending.ALL_EXITED, r.ending(), r.endDetail());
    if (s.name().equals("fork-cow-basic") || s.name().equals("cow-reuse-after-exit")) {
      assertEquals(0, r.stat("frames_in_use"), "every frame is freed");
      assertEquals(r.stat("frames_allocated"), r.stat("frames_freed"));
    }
  }
}
