package cowsim.sim;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import cowsim.explore.ScheduleSpec;
import cowsim.explore.Strategy;
import cowsim.report.Verdict;
import cowsim.scenario.Mode;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioLoader;
import cowsim.stats.Stat;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Many runs on one actor system ({@link SimulationHost}) are the runs of fresh systems: the same
 * trace_hash and counters for each, whatever ran before it or beside it, a crash included.
 */
class SimulationHostTest {

  private static Scenario load(String name) throws Exception {
    return ScenarioLoader.load(Path.of("scenarios", name), List.of());
  }

  /** Everything of a run that the machine computed (not host time). */
  private static void assertSameRun(SimResult fresh, SimResult shared, String what) {
    assertEquals(fresh.traceHash(), shared.traceHash(), what);
    assertEquals(fresh.ending(), shared.ending(), what + ": " + shared.endDetail());
    assertEquals(fresh.complete(), shared.complete(), what);
    assertEquals(fresh.cpus(), shared.cpus(), what);
    assertEquals(fresh.processes(), shared.processes(), what);
    assertEquals(fresh.violations(), shared.violations(), what);
    for (Stat k : Stat.values()) {
      if (k.simulated) {
        assertEquals(fresh.stat(k), shared.stat(k), what + ": " + k.key);
      }
    }
  }

  @Test
  void differentScenariosBackToBackOnOneHostRunAsOnFreshSystems() throws Exception {
    Scenario basic = load("fork-cow-basic.conf");
    Scenario threads = load("threads-shared-mm.conf").withSeed(42);
    Scenario tree = load("fork-tree.conf").withSeed(3);
    Scenario racy = load("racy-cow-threads.conf").withSeed(6791897765849424158L); // run 2 of `explore --strategy pct`: it fails
    ScheduleSpec pct = ScheduleSpec.of(ConfigFactory.load(), Strategy.PCT, null).withPctSteps(1408);
    Scenario slowIpis = load("bugs/shootdown-ack-timeout.conf"); // machine.latency { ipi = 3000 }
    SimResult freshBasic = new Simulation().run(basic, null);
    SimResult freshSlow = new Simulation().run(slowIpis, null);
    SimResult freshThreads = new Simulation().run(threads, null);
    SimResult freshTree = new Simulation().run(tree, null);
    SimResult freshRacy = new Simulation().run(racy, null, pct);
    assertNotNull(freshBasic.traceHash());
    assertFalse(Verdict.judge(freshRacy).pass(), "this PCT schedule finds the race: a run with violations on the host too");

    try (SimulationHost host = new SimulationHost()) {
      Simulation sim = new Simulation(host);
      assertSameRun(freshBasic, sim.run(basic, null), "fork-cow-basic, first on the host");
      assertSameRun(freshThreads, sim.run(threads, null), "threads-shared-mm after fork-cow-basic");
      assertSameRun(freshBasic, sim.run(basic, null), "fork-cow-basic again");
      assertSameRun(freshRacy, sim.run(racy, null, pct), "racy-cow-threads under PCT");
      assertSameRun(freshSlow, sim.run(slowIpis, null), "a scenario with its own IPI latency");
      SimResult concurrent = sim.run(basic.withMode(Mode.CONCURRENT), null);
      assertTrue(Verdict.judge(concurrent).pass(), concurrent.endDetail());
      assertNull(concurrent.traceHash());
      assertSameRun(freshTree, sim.run(tree, null), "fork-tree after a concurrent run");
      assertSameRun(freshThreads, sim.run(threads, null), "threads-shared-mm again");
      assertSameRun(freshRacy, sim.run(racy, null, pct), "racy-cow-threads again");
      assertSameRun(freshSlow, sim.run(slowIpis, null), "the IPI latency again");
      assertSameRun(freshBasic, sim.run(basic, null), "fork-cow-basic with the latency table of reference.conf");
      assertEquals(1, host.systemsCreated(), "one actor system for every run");
      assertEquals(List.of(), List.copyOf(host.liveRuns()), "a run returns after its guardian and actors stopped");
    }
  }

  @Test
  void runsSideBySideOnOneHostRunAsOnFreshSystems() throws Exception {
    Scenario threads = load("threads-shared-mm.conf").withSeed(42);
    Scenario tree = load("fork-tree.conf").withSeed(3);
    SimResult freshThreads = new Simulation().run(threads, null);
    SimResult freshTree = new Simulation().run(tree, null);
    try (SimulationHost host = new SimulationHost()) {
      Simulation sim = new Simulation(host);
      List<CompletableFuture<SimResult>> a = new ArrayList<>();
      List<CompletableFuture<SimResult>> b = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        a.add(CompletableFuture.supplyAsync(() -> sim.run(threads, null)));
        b.add(CompletableFuture.supplyAsync(() -> sim.run(tree, null)));
      }
      for (int i = 0; i < 3; i++) {
        assertSameRun(freshThreads, a.get(i).join(), "threads-shared-mm beside fork-tree, " + i);
        assertSameRun(freshTree, b.get(i).join(), "fork-tree beside threads-shared-mm, " + i);
      }
      assertEquals(1, host.systemsCreated());
    }
  }

  /**
   * A Throwable in an actor (the test hook cowsim.debug.throw-after-instructions) ends its run as
   * a simulator error; the next run on the same host, and the same actor system, is exactly the
   * run of a fresh system.
   */
  @ParameterizedTest
  @ValueSource(strings = {"exception", "stack-overflow", "out-of-memory"})
  void aSimulatorErrorInOneRunDoesNotPoisonTheNextOnTheSameHost(String kind) throws Exception {
    Scenario basic = ScenarioLoader.load(Path.of("scenarios/fork-cow-basic.conf"), List.of("limits.timeout=600s"));
    Scenario threads = load("threads-shared-mm.conf").withSeed(42);
    SimResult freshBasic = new Simulation().run(basic, null);
    SimResult freshThreads = new Simulation().run(threads, null);
    try (SimulationHost host = new SimulationHost()) {
      Simulation crashing = new Simulation(
          ConfigFactory.parseString("cowsim.debug.throw-after-instructions = 3\ncowsim.debug.throw-kind = " + kind).withFallback(host.config()), host);
      Simulation sim = new Simulation(host);
      assertSameRun(freshThreads, sim.run(threads, null), "before the crash");
      SimResult crashed = crashing.run(basic, null);
      assertEquals(SimResult.Ending.SIMULATOR_ERROR, crashed.ending(), crashed.endDetail());
      assertTrue(crashed.endDetail().startsWith("simulator error in cpu-0: "), crashed.endDetail());
      assertFalse(crashed.complete());
      assertEquals(List.of(), List.copyOf(host.liveRuns()), "the crashed run's actors are stopped");
      SimResult after = sim.run(basic, null);
      assertSameRun(freshBasic, after, "fork-cow-basic after a " + kind + " in the run before");
      assertTrue(Verdict.judge(after).pass(), Verdict.judge(after).failures().toString());
      assertSameRun(freshThreads, sim.run(threads, null), "threads-shared-mm after the crash");
      assertEquals(1, host.systemsCreated(), "the crash ended its run, not the actor system");
    }
  }

  /** A system that terminated under the host (as a fatal error outside every guard does) is replaced. */
  @Test
  void aSystemThatTerminatedIsReplacedForTheNextRun() throws Exception {
    Scenario basic = load("fork-cow-basic.conf");
    SimResult fresh = new Simulation().run(basic, null);
    try (SimulationHost host = new SimulationHost()) {
      Simulation sim = new Simulation(host);
      assertSameRun(fresh, sim.run(basic, null), "first system");
      host.currentSystem().terminate();
      await().atMost(Duration.ofSeconds(30)).until(() -> host.currentSystem().whenTerminated().isCompleted());
      assertSameRun(fresh, sim.run(basic, null), "second system");
      assertEquals(2, host.systemsCreated());
    }
  }

  @Test
  void aClosedHostRunsNothing() throws Exception {
    Scenario basic = load("fork-cow-basic.conf");
    SimulationHost host = new SimulationHost();
    host.close();
    SimResult r = new Simulation(host).run(basic, null);
    assertEquals(SimResult.Ending.SIMULATOR_ERROR, r.ending(), r.endDetail());
    assertTrue(r.endDetail().contains("the simulation host is closed"), r.endDetail());
    assertEquals(0, host.systemsCreated());
    assertThrows(IllegalStateException.class, () -> host.start(null, true, new CrashLatch(0)));
  }

  /**
   * A run reserves its memory cushion (cowsim.sim.oom-cushion) while it is on; on a host the
   * block a clean run ends with is the next run's, and a crash drops its block for good.
   */
  @Test
  void theCushionOfACleanRunIsTheNextRunsAndACrashDropsIt() {
    try (SimulationHost host = new SimulationHost()) {
      byte[] first = host.cushion(1 << 16);
      assertEquals(1 << 16, first.length);
      CrashLatch clean = new CrashLatch(first);
      assertTrue(clean.holdsCushion());
      host.handBack(clean.takeBackCushion());
      assertFalse(clean.holdsCushion(), "no longer the ended run's");
      byte[] second = host.cushion(1 << 16);
      assertTrue(second == first, "handed on, not allocated again");
      CrashLatch crashed = new CrashLatch(second);
      crashed.record("cpu-0", new OutOfMemoryError());
      host.handBack(crashed.takeBackCushion());
      assertTrue(host.cushion(1 << 16) != first, "the dropped block is not reused");
      assertNull(host.cushion(0));
    }
  }
}
