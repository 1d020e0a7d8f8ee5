package cowsim.explore.systematic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.explore.Explorer;
import cowsim.explore.RunOutcome;
import cowsim.explore.ScheduleRecord;
import cowsim.explore.ScheduleSpec;
import cowsim.explore.Strategy;
import cowsim.machine.interconnect.Topology;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioLoader;
import cowsim.sim.Simulation;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Systematic exploration: the reduction keeps every outcome, a bug is found at its bound and replays. */
class SystematicSearchTest {

  private static Explorer explorer;

  @BeforeAll
  static void setUp() {
    explorer = new Explorer(new Simulation());
  }

  private static ScheduleSpec spec(int bound, long window) {
    return new ScheduleSpec(Strategy.SYSTEMATIC, bound, 0, window, 0, null, null);
  }

  /** What a run ends with: its violation kinds and failures, and every end-of-run stat but host time. */
  private static String outcome(RunOutcome o) {
    Map<String, Long> stats = new TreeMap<>(o.result().stats());
    stats.remove("host_millis");
    return o.kinds() + " " + o.verdict().failures() + " " + stats;
  }

  private static SystematicSearch.Result search(Scenario s, ScheduleSpec spec, Reduction reduction, List<RunOutcome> runs) {
    return new SystematicSearch(explorer, s, spec, reduction, 1, Long.MAX_VALUE, Long.MAX_VALUE, false, runs::add, line -> {}).run();
  }

  @Test
  void reductionKeepsEveryOutcomeWithFewerSchedules() throws Exception {
    Scenario s = ScenarioLoader.load(Path.of("scenarios/fork-cow-basic.conf"), List.of());
    ScheduleSpec spec = spec(2, 20);
    List<RunOutcome> full = new ArrayList<>();
    List<RunOutcome> reduced = new ArrayList<>();
    SystematicSearch.Result all = search(s, spec, Reduction.NONE, full);
    SystematicSearch.Result red = search(s, spec, Reduction.PREFIX, reduced);
    assertTrue(all.exhausted() && red.exhausted(), "both searches complete for K = 2");
    assertEquals(0, all.pruned());
    assertTrue(red.pruned() > 0);
    assertTrue(red.schedules() < all.schedules(), red.schedules() + " schedules with reduction, " + all.schedules() + " without");
    Set<String> a = new HashSet<>();
    full.forEach(o -> a.add(outcome(o)));
    Set<String> r = new HashSet<>();
    reduced.forEach(o -> r.add(outcome(o)));
    assertEquals(a, r);
    // every schedule of the unreduced tree is a distinct run
    Set<String> hashes = new HashSet<>();
    full.forEach(o -> hashes.add(o.traceHash()));
    assertEquals(full.size(), hashes.size());
  }

  @Test
  void levelsRunInOrderAndTheFirstFailureReplaysFromItsScheduleFile() throws Exception {
    // the bug-library scenario expects its violation; a schedule that hides it fails: at K = 1
    Scenario s = ScenarioLoader.load(Path.of("scenarios/bugs/refcount-check-vs-sibling-fork.conf"), List.of());
    List<RunOutcome> runs = new ArrayList<>();
    SystematicSearch.Result r = new SystematicSearch(explorer, s, spec(2, 200), Reduction.PREFIX, 1, Long.MAX_VALUE, Long.MAX_VALUE, true, runs::add, l -> {}).run();
    assertEquals("first failure", r.cutBy());
    assertEquals(0, r.completeFor());
    assertEquals(1, r.failures().size());
    assertTrue(runs.subList(0, runs.size() - 1).stream().allMatch(RunOutcome::pass));
    RunOutcome first = r.failures().get(0);
    assertFalse(first.pass());
    ScheduleRecord rec = ScheduleRecord.parse(first.schedule().format(List.of("test")), "test");
    assertTrue(rec.sendOrderTies());
    RunOutcome again = explorer.runOnce(s.withSeed(rec.seed()), ScheduleSpec.replay(rec), 0, rec.seed(), null);
    assertEquals(first.traceHash(), again.traceHash());
    assertEquals(first.kinds(), again.kinds());
    assertNull(again.result().error());
  }

  /** Everything a search reports but the time and the runs started ahead: counts, levels, every run in order, the failures' schedules. */
  private static String everything(SystematicSearch.Result r, List<RunOutcome> runs) {
    StringBuilder b = new StringBuilder();
    b.append(r.schedules()).append(' ').append(r.pruned()).append(' ').append(r.beyondBound()).append(' ').append(r.completeFor()).append(' ')
        .append(r.exhausted()).append(' ').append(r.cutBy()).append(' ').append(r.levels()).append('\n');
    for (RunOutcome o : runs) {
      b.append(o.index()).append(' ').append(o.traceHash()).append(' ').append(o.pass()).append(' ').append(o.kinds()).append('\n');
    }
    for (RunOutcome f : r.failures()) {
      b.append("failure ").append(f.index()).append(' ').append(f.traceHash()).append('\n').append(f.schedule().format(List.of("x")));
    }
    return b.toString();
  }

  @Test
  void jobsChangeOnlyTheTime() throws Exception {
    // the bug-library scenario expects its violation, so the schedules that hide it fail: many
    // failures at K = 1 and 2, cut by the schedule cap; then until the first failure; then a
    // complete search with pruning
    Scenario refcount = ScenarioLoader.load(Path.of("scenarios/bugs/refcount-check-vs-sibling-fork.conf"), List.of());
    Scenario fork = ScenarioLoader.load(Path.of("scenarios/fork-cow-basic.conf"), List.of());
    record Case(Scenario s, ScheduleSpec spec, boolean untilFirst, long maxRuns) {}
    List<Case> cases = List.of(new Case(refcount, spec(2, 200), false, 120), new Case(refcount, spec(2, 200), true, Long.MAX_VALUE),
        new Case(fork, spec(2, 20), false, Long.MAX_VALUE));
    for (Case c : cases) {
      String one = null;
      for (int jobs : new int[] {1, 2, 3}) {
        List<RunOutcome> runs = new ArrayList<>();
        SystematicSearch.Result r = new SystematicSearch(explorer, c.s(), c.spec(), Reduction.PREFIX, jobs, c.maxRuns(), Long.MAX_VALUE, c.untilFirst(), runs::add, l -> {})
            .run();
        String all = everything(r, runs);
        if (jobs == 1) {
          one = all;
          assertEquals(0, r.discarded(), "one at a time: nothing is started ahead");
          assertTrue(c.untilFirst() || c.maxRuns() < Long.MAX_VALUE ? !r.failures().isEmpty() : r.exhausted() && r.pruned() > 0, all);
        } else {
          assertEquals(one, all, c.s().name() + " with " + jobs + " jobs");
        }
      }
    }
  }

  private static Set<String> outcomes(List<RunOutcome> runs) {
    Set<String> out = new HashSet<>();
    runs.forEach(o -> out.add(outcome(o)));
    return out;
  }

  @Test
  void sleepSetsKeepEveryOutcome() throws Exception {
    Scenario s = ScenarioLoader.load(Path.of("scenarios/fork-cow-basic.conf"), List.of());
    // a tree the bound does not cut (window 5, K = 8: no alternative beyond it): Godefroid's rule
    // as is is sound there, and it prunes; the outcomes are those of the whole tree
    List<RunOutcome> full = new ArrayList<>();
    SystematicSearch.Result all = search(s, spec(8, 5), Reduction.NONE, full);
    assertTrue(all.exhausted());
    assertEquals(0, all.beyondBound(), "the bound does not bind");
    List<RunOutcome> classic = new ArrayList<>();
    SystematicSearch.Result c = new SystematicSearch(explorer, s, spec(8, 5), Reduction.SLEEP_SETS, 1, Long.MAX_VALUE, Long.MAX_VALUE, false, classic::add,
        l -> {}).classicSleepSets().run();
    assertTrue(c.exhausted());
    assertTrue(c.pruned() > 0 && c.schedules() < all.schedules(), c.schedules() + " schedules with classic sleep sets, " + all.schedules() + " without");
    assertEquals(outcomes(full), outcomes(classic));
    // where the bound cuts (window 20, K = 2), the bound-aware rule: the same outcomes as no
    // reduction, never more schedules
    List<RunOutcome> bounded = new ArrayList<>();
    SystematicSearch.Result b0 = search(s, spec(2, 20), Reduction.NONE, bounded);
    List<RunOutcome> aware = new ArrayList<>();
    SystematicSearch.Result b = search(s, spec(2, 20), Reduction.SLEEP_SETS, aware);
    assertTrue(b0.beyondBound() > 0 && b.exhausted());
    assertTrue(b.schedules() <= b0.schedules());
    assertEquals(outcomes(bounded), outcomes(aware));
  }

  @Test
  void boundAwareSleepSetsOnlyEverLetNonCpuPacketsSleep() {
    // two packets may sleep across each other only if they commute and have one owner; with one
    // owner CPU they both touch it, so only packets between memory, allocator and kernel can
    Topology t = new Topology(3, 2);
    int pairs = 0;
    for (int s1 = 0; s1 < t.size(); s1++) {
      for (int d1 = 0; d1 < t.size(); d1++) {
        for (int s2 = 0; s2 < t.size(); s2++) {
          for (int d2 = 0; d2 < t.size(); d2++) {
            int o1 = owner(t, s1, d1);
            int o2 = owner(t, s2, d2);
            if (SleepSet.mayCross(s1, d1, o1, s2, d2, o2, true)) {
              assertEquals(-1, o1, t.name(s1) + " -> " + t.name(d1) + " and " + t.name(s2) + " -> " + t.name(d2));
              pairs++;
            }
          }
        }
      }
    }
    assertTrue(pairs > 0, "non-CPU packets can sleep: e.g. bank 0 -> allocator and bank 1 -> kernel");
    assertTrue(SleepSet.mayCross(0, 1, 1, 2, 3, -1, false), "the classic rule: independence alone");
    assertFalse(SleepSet.mayCross(0, 1, 1, 2, 3, -1, true), "different owners: a bound dependence");
  }

  private static int owner(Topology t, int src, int dst) {
    return t.isCpu(dst) ? dst : t.isCpu(src) ? src : -1;
  }

  @Test
  void preemptionCountsTheRunningCpusDeliverablePacketOnly() {
    int[] owners = {1, 0, -1};
    assertFalse(SystematicScheduler.preempts(owners, 1, 0));
    assertTrue(SystematicScheduler.preempts(owners, 0, 0));
    assertFalse(SystematicScheduler.preempts(owners, 0, 2), "CPU 2 has nothing deliverable: a free switch");
    assertFalse(SystematicScheduler.preempts(owners, 0, -1));
    assertEquals(1, SystematicScheduler.defaultChoice(owners, 0));
    assertEquals(0, SystematicScheduler.defaultChoice(owners, 2));
    assertTrue(Independence.independent(1, 2, 3, 4));
    assertFalse(Independence.independent(1, 2, 2, 4), "the second's sender is the first's receiver");
    assertFalse(Independence.independent(1, 2, 3, 2), "one receiver");
  }
}
