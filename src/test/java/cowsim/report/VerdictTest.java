package cowsim.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.check.Violation;
import cowsim.kernel.ProcessInfo;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioLoader;
import cowsim.sim.SimResult;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The verdict judges what was found whatever ended the run. */
class VerdictTest {

  private static Scenario scenario(String expect) throws Exception {
    return ScenarioLoader.parse(
        "name = v\nprocesses = [ { name = p, program = \"nop\" } ]\nexpect { " + expect + " }\n", "verdict-test", List.of());
  }

  private static SimResult result(Scenario s, SimResult.Ending ending, String detail, Map<String, Integer> counts, List<String> asserts) {
    List<Violation> listed =
        counts.keySet().stream().map(k -> new Violation(cowsim.check.ViolationKind.of(k), 0, 1, 1, 0x1000, 5, 10, k + " here", List.of())).toList();
    return new SimResult(
        s, ending, detail, null, Map.of(), List.of(new ProcessInfo(1, 0, "p", null, false, null, 1)), List.of(), List.of(), asserts,
        listed, counts, null, true, java.time.Duration.ZERO);
  }

  @Test
  void theOutcomeLineNamesWhomTheKernelKilledEvenWhenNothingFailed() throws Exception {
    Scenario s = scenario("");
    List<ProcessInfo> procs = List.of(
        new ProcessInfo(1, 0, "p", 0, false, null, 1),
        new ProcessInfo(2, 1, "p", 137, true, "out of memory for a demand-zero page", 1),
        new ProcessInfo(3, 1, "p", 134, true, "assert failed", 1));
    SimResult r = new SimResult(s, SimResult.Ending.ALL_EXITED, "every process exited", null, Map.of(), procs, List.of(),
        List.of(), List.of(), List.of(), Map.of(), null, true, java.time.Duration.ZERO);
    Verdict v = Verdict.judge(r);
    assertTrue(v.pass(), v.failures().toString());
    assertEquals("outcome: pass (every process exited; pid 2 killed by the kernel (SIGKILL): out of memory for a demand-zero page)",
        RunReport.outcomeLine(r, v));
    SimResult quiet = result(s, SimResult.Ending.ALL_EXITED, "every process exited", Map.of(), List.of());
    assertEquals("every process exited", Verdict.why(quiet));
  }

  @Test
  void aLimitThatFoundViolationsIsAFailedRunWithExitCode1() throws Exception {
    SimResult r = result(scenario(""), SimResult.Ending.LIMIT, "timeout 1500 ms of host time", Map.of("stale-read", 803), List.of());
    Verdict v = Verdict.judge(r);
    assertFalse(v.pass());
    assertEquals(Verdict.NOT_MET, v.exitCode());
    assertTrue(v.failures().contains("timeout 1500 ms of host time"), v.failures().toString());
    assertTrue(v.failures().stream().anyMatch(f -> f.startsWith("violation stale-read (803x)")), v.failures().toString());
  }

  @Test
  void aLimitThatFoundFailedAssertsIsExitCode1Too() throws Exception {
    SimResult r = result(scenario(""), SimResult.Ending.LIMIT, "limit reached: max-cycles 5", Map.of(), List.of("cpu-0 pid 1 line 3: assert failed"));
    Verdict v = Verdict.judge(r);
    assertEquals(Verdict.NOT_MET, v.exitCode());
    assertTrue(v.failures().stream().anyMatch(f -> f.startsWith("violation assertion (1x)")), v.failures().toString());
  }

  @Test
  void aLimitWithNothingFoundKeepsExitCode3() throws Exception {
    SimResult r = result(scenario(""), SimResult.Ending.LIMIT, "limit reached: max-cycles 5", Map.of(), List.of());
    Verdict v = Verdict.judge(r);
    assertFalse(v.pass());
    assertEquals(Verdict.SIMULATOR, v.exitCode());
  }

  @Test
  void anExpectedDeadlockIsMetAndAnUnexpectedOneIsNot() throws Exception {
    Map<String, Integer> dl = Map.of("deadlock", 1);
    Verdict expected = Verdict.judge(result(scenario("violations = [deadlock]"), SimResult.Ending.DEADLOCK, "deadlock: no message left", dl, List.of()));
    assertTrue(expected.pass(), expected.failures().toString());
    assertEquals(Verdict.MET, expected.exitCode());
    Verdict unexpected = Verdict.judge(result(scenario(""), SimResult.Ending.DEADLOCK, "deadlock: no message left", dl, List.of()));
    assertFalse(unexpected.pass());
    assertTrue(unexpected.failures().contains("deadlock: no message left"), unexpected.failures().toString());
    assertEquals(Verdict.NOT_MET, unexpected.exitCode());
  }

  @Test
  void aSimulatorErrorIsExitCode3AndItsUnfinishedProcessesAreNoFurtherFindings() throws Exception {
    SimResult r = result(scenario("exit-code = 0"), SimResult.Ending.SIMULATOR_ERROR, "simulator error in cpu-0: java.lang.StackOverflowError",
        Map.of(), List.of());
    Verdict v = Verdict.judge(r);
    assertFalse(v.pass());
    assertEquals(Verdict.SIMULATOR, v.exitCode());
    assertEquals(List.of("simulator error in cpu-0: java.lang.StackOverflowError"), v.failures());
  }
}
