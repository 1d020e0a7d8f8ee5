package cowsim.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.report.Fidelity;
import cowsim.report.Verdict;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every fidelity/*.conf loads, runs clean under linux, and writes one record per phase its C
 * program reports (the END(...) calls in the .c, counted from the source).
 */
class FidelityScenariosTest {

  static Stream<Path> patterns() throws Exception {
    try (Stream<Path> s = Files.list(Path.of("fidelity"))) {
      List<Path> l = s.filter(p -> p.toString().endsWith(".conf")).sorted().toList();
      assertTrue(l.size() >= 16, "the patterns are there: " + l);
      return l.stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("patterns")
  void runsCleanAndWritesEveryPhase(Path conf) throws Exception {
    Scenario s = ScenarioLoader.load(conf, List.of());
    assertEquals("linux", s.kernel().profile());
    SimResult r = new Simulation().run(s, null);
    assertTrue(Verdict.judge(r).pass(), () -> conf + ": " + Verdict.judge(r).failures() + " " + r.assertionFailures());
    assertTrue(r.violations().isEmpty(), () -> conf + ": " + r.violations());
    List<Fidelity.Phase> phases = Fidelity.decodeCowsim(r.processes());
    String c = Files.readString(Path.of(conf.toString().replaceAll("\\.conf$", ".c")));
    Matcher m = Pattern.compile("END\\(t0, RUSAGE_\\w+, \"([^\"]+)\"\\)").matcher(c);
    List<String> expected = new java.util.ArrayList<>();
    while (m.find()) {
      expected.add(m.group(1));
    }
    assertEquals(expected.stream().sorted().toList(), phases.stream().map(Fidelity.Phase::name).sorted().toList(), conf.toString());
  }
}
