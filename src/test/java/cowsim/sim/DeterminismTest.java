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

  /** A listener hears the oracles' events and changes nothing: the same trace, twice the same stream. */
  @Test
  void aListenerChangesNothingAndHearsTheSameStreamEachTime() throws Exception {
    Scenario s = load("fork-cow-basic.conf");
    SimResult plain = new Simulation().run(s, null);
    List<cowsim.machine.observe.Event> one = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    List<cowsim.machine.observe.Event> two = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    SimResult a = new Simulation().withListener(one::add).run(s, null);
    SimResult b = new Simulation().withListener(two::add).run(s, null);
    assertEquals(plain.traceHash(), a.traceHash());
    assertEquals(plain.traceHash(), b.traceHash());
    assertEquals(plain.violations(), a.violations());
    synchronized (one) {
      synchronized (two) {
        assertTrue(one.stream().anyMatch(e -> e instanceof cowsim.machine.observe.Event.OpBegin o && o.what().equals("fork")), "the stream has the fork");
        assertEquals(one, two);
      }
    }
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
