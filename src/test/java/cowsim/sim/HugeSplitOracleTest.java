package cowsim.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.report.Verdict;
import cowsim.scenario.ScenarioLoader;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The oracle on 2 MiB pages, on the event stream a real run emits: a CPU that stores through its
 * 2 MiB TLB entry after the page was split (the frames still agree) is stale-tlb once the
 * operation that split it has returned without reaching that CPU; with Linux's flushes it never
 * does. And a split under the fork-COW scenario leaves every book balanced.
 */
class HugeSplitOracleTest {

  private static SimResult run(String... overrides) throws Exception {
    return new Simulation().run(ScenarioLoader.loadResource("scenario/huge-split-stale-entry.conf", List.of(overrides)), null);
  }

  @Test
  void aStoreThroughASplitPagesHugeEntryAfterTheSplitReturnedIsStaleTlb() throws Exception {
    SimResult r = run("kernel.tlb.cow-fault=local", "kernel.tlb.mprotect=local");
    Map<?, ?> kinds = Verdict.foundKinds(r);
    assertEquals(List.of("stale-tlb"), kinds.keySet().stream().map(Object::toString).toList(), r.violations().toString());
    assertTrue(r.violations().get(0).detail().contains("its 2 MiB page was split into 4 KiB PTEs"), r.violations().toString());
  }

  @Test
  void linuxsFlushesLeaveNoStaleHugeEntry() throws Exception {
    SimResult r = run();
    assertTrue(Verdict.judge(r).pass(), () -> Verdict.judge(r).failures().toString());
    assertEquals(1, r.stat(cowsim.stats.Stat.HUGE_SPLITS));
  }
}
