package cowsim.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.scenario.ScenarioLoader;
import cowsim.stats.Distribution;
import cowsim.stats.Stat;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The distribution stats a run collects: one shootdown-wait sample per shootdown, summing to the
 * counter of wait cycles, and one fault-latency sample per user fault resolved; the same on a
 * second run.
 */
class DistributionsTest {

  @Test
  void everyShootdownAndEveryResolvedUserFaultIsOneSample() throws Exception {
    var s = ScenarioLoader.load(Path.of("scenarios", "bugs", "stale-tlb-after-cow-copy.conf"), List.of());
    SimResult r = new Simulation().run(s, null);
    Distribution waits = r.distribution(Stat.SHOOTDOWN_WAIT);
    assertTrue(r.stat(Stat.SHOOTDOWNS) > 0);
    assertEquals(r.stat(Stat.SHOOTDOWNS), waits.count(), "one sample per shootdown");
    assertEquals(r.stat(Stat.SHOOTDOWN_WAIT_CYCLES), waits.total(), "the samples add up to the wait counter");
    Distribution faults = r.distribution(Stat.FAULT_LATENCY);
    // this run's page faults are all user faults the kernel resolved (none killed, no gup)
    assertEquals(r.stat(Stat.PAGE_FAULTS), faults.count(), faults.toString());
    assertTrue(faults.min() > 0 && faults.max() < r.stat(Stat.CYCLES), faults.toString());

    SimResult again = new Simulation().run(s, null);
    assertEquals(r.traceHash(), again.traceHash());
    assertEquals(r.distributions(), again.distributions(), "deterministic, like the counters");
  }
}
