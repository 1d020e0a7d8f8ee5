package cowsim.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
    BugLibraryTest.showsItsViolations(file);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("realBugs")
  void linuxIsClean(Path file) throws Exception {
    Scenario s = ScenarioLoader.load(file, List.of()).withProfile("linux", List.of());
    assertEquals("linux", s.kernel().policy().profile());
    BugLibraryTest.exploredClean(file, s);
  }
}
