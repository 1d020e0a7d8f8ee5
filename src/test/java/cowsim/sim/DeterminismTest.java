package cowsim.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.report.Verdict;
import cowsim.scenario.Mode;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioLoader;
import cowsim.stats.Stat;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Same scenario + seed + build = the same run, event for event. */
class DeterminismTest {

  private static Scenario load(String name) throws Exception {
    return ScenarioLoader.load(Path.of("scenarios", name), List.of());
  }

  @Test
  void sameSeedSameTraceAndStats() throws Exception {
    Scenario s = load("threads-shared-mm.conf").withSeed(42);
    SimResult a = new Simulation().run(s, null);
    SimResult b = new Simulation().run(s, null);
    assertNotNull(a.traceHash());
    assertEquals(64, a.traceHash().length());
    assertEquals(a.traceHash(), b.traceHash());
    for (Stat k : Stat.values()) {
      if (k.simulated) {
        assertEquals(a.stat(k), b.stat(k), k.key);
      }
    }
    assertEquals(a.cpus(), b.cpus());
  }

  @Test
  void seedsChangeTheSchedule() throws Exception {
    Scenario s = load("fork-tree.conf");
    Set<String> hashes = new HashSet<>();
    for (long seed = 1; seed <= 5; seed++) {
      SimResult r = new Simulation().run(s.withSeed(seed), null);
      assertTrue(Verdict.judge(r).pass(), "seed " + seed + ": " + Verdict.judge(r).failures());
      hashes.add(r.traceHash());
    }
    assertTrue(hashes.size() > 1, "different seeds break ties differently: " + hashes);
  }

  @Test
  void concurrentModeRunsButIsNotReplayable() throws Exception {
    Scenario s = load("fork-cow-basic.conf").withMode(Mode.CONCURRENT);
    SimResult r = new Simulation().run(s, null);
    assertTrue(Verdict.judge(r).pass(), Verdict.judge(r).failures().toString());
    assertNull(r.traceHash());
  }
}
