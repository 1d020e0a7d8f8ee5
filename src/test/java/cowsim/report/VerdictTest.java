package cowsim.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.check.Violation;
import cowsim.check.ViolationKind;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioLoader;
import cowsim.sim.SimResult;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The verdict looks at violations whatever ended the run. */
class VerdictTest {

  private static SimResult limited(List<Violation> vs, Map<String, Integer> counts) throws Exception {
    Scenario s = ScenarioLoader.load(Path.of("scenarios/fork-cow-basic.conf"), List.of());
    return new SimResult(s, SimResult.Ending.LIMIT, "limit: --duration ran out", null, Map.of(), List.of(), List.of(), List.of(), List.of(), vs, counts, null);
  }

  @Test
  void aLimitWithViolationsFailsOnTheViolations() throws Exception {
    Violation v = new Violation(ViolationKind.STALE_READ, 1, 1, 1, 0x400000, 17, 100, "a write was lost", List.of());
    Verdict verdict = Verdict.judge(limited(List.of(v), Map.of("stale-read", 1)));
    assertFalse(verdict.pass());
    assertEquals(Verdict.NOT_MET, verdict.exitCode());
    assertTrue(verdict.failures().stream().anyMatch(f -> f.contains("stale-read")), verdict.failures().toString());
  }

  @Test
  void aLimitAloneKeepsItsExitCode() throws Exception {
    Verdict verdict = Verdict.judge(limited(List.of(), Map.of()));
    assertFalse(verdict.pass());
    assertEquals(Verdict.SIMULATOR, verdict.exitCode());
  }
}
