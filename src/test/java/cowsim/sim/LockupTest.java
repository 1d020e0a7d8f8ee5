package cowsim.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import cowsim.report.Verdict;
import cowsim.scenario.Mode;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioLoader;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The soft-lockup detector: a CPU spinning on a kernel lock longer than limits.lockup-cycles
 * reports a deadlock and halts, so {@code expect.violations = [deadlock]} can be met. The lock is
 * left held by the test hook cowsim.debug.leak-mmap-lock-after.
 */
class LockupTest {

  private static Scenario scenario() throws Exception {
    return ScenarioLoader.loadResource("scenario/lockup-leaked-mmap-lock.conf", List.of());
  }

  private static Simulation leaking() {
    return new Simulation(ConfigFactory.parseString("cowsim.debug.leak-mmap-lock-after = 1").withFallback(ConfigFactory.load()));
  }

  @Test
  void aLeakedMmapLockIsASoftLockupReportedAsADeadlock() throws Exception {
    SimResult r = leaking().run(scenario(), null);
    assertEquals(SimResult.Ending.DEADLOCK, r.ending(), r.endDetail());
    assertEquals(List.of(cowsim.check.ViolationKind.DEADLOCK), List.copyOf(Verdict.foundKinds(r).keySet()), r.violationCounts().toString());
    String detail = r.violations().get(0).detail();
    assertTrue(detail.contains("soft lockup: cpu-1") && detail.contains("the mmap_lock (read)"), detail);
    assertEquals(1, r.stat("lockups"));
    assertTrue(r.stat("lock_wait_cycles") > 2_000_000, "spun past the limit: " + r.stat("lock_wait_cycles"));
    Verdict v = Verdict.judge(r);
    assertTrue(v.pass(), "expect.violations = [deadlock] is met: " + v.failures());
    assertEquals(Verdict.MET, v.exitCode());
  }

  @Test
  void withoutTheLeakTheSameProgramIsClean() throws Exception {
    SimResult r = new Simulation().run(scenario(), null);
    assertEquals(SimResult.Ending.ALL_EXITED, r.ending(), r.endDetail());
    assertTrue(r.violations().isEmpty(), r.violations().toString());
    assertEquals(0, r.stat("lockups"));
    assertEquals(List.of("expected violation 'deadlock' did not occur"), Verdict.judge(r).failures());
  }

  @Test
  void inConcurrentModeALockupEndsTheRunAsAFailureWithItsViolation() throws Exception {
    SimResult r = leaking().run(scenario().withMode(Mode.CONCURRENT), null);
    assertEquals(SimResult.Ending.LIMIT, r.ending(), r.endDetail());
    assertTrue(r.endDetail().contains("soft lockup on cpu-1"), r.endDetail());
    assertTrue(r.violationCounts().containsKey("deadlock"), r.violationCounts().toString());
    assertEquals(Verdict.NOT_MET, Verdict.judge(r).exitCode(), "a limit that found a violation: exit code 1");
  }
}
