package cowsim.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import cowsim.explore.ScheduleSpec;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioLoader;
import cowsim.stats.Progress;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * What a run is given from above: the conductor's schedule comes from the caller, never guessed;
 * its progress counters are its own.
 */
class SimulationTest {

  /**
   * The schedule strategies belong to the explorer, above this layer: a scenario that names one
   * is refused by the plain run instead of running silently in time order, and runs with the
   * schedule its block names when the caller passes it.
   */
  @Test
  void aScenarioThatNamesAStrategyRunsOnlyWithThatSchedule() throws Exception {
    Scenario pct = ScenarioLoader.load(Path.of("scenarios/bugs/two-threads-cow-fault.conf"), List.of());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Simulation().run(pct, null));
    assertTrue(e.getMessage().contains("asks for schedule strategy pct"), e.getMessage());
    SimResult r = new Simulation().run(pct, null, ScheduleSpec.forScenario(ConfigFactory.load(), pct));
    assertEquals(SimResult.Ending.ALL_EXITED, r.ending(), r.endDetail());
  }

  /**
   * Where the TLB keeps 2 MiB entries reaches every CPU and changes nothing for a run whose walks
   * all end at 4 KiB: the same messages (trace hash) and the same counters.
   */
  @Test
  void sharedOrSplitTwoMegabyteEntriesChangeNothingForFourKilobytePages() throws Exception {
    Path file = Path.of("scenarios/threads-shared-mm.conf");
    Scenario split = ScenarioLoader.load(file, List.of());
    Scenario shared = ScenarioLoader.load(file, List.of("machine.tlb.huge.mode=shared"));
    assertEquals(cowsim.machine.mmu.HugeTlb.Mode.SHARED, shared.machine().hugeTlb().mode());
    SimResult a = new Simulation().run(split, null);
    SimResult b = new Simulation().run(shared, null);
    assertEquals(a.traceHash(), b.traceHash());
    assertEquals(a.cpus(), b.cpus());
  }

  /** One CPU storing and loading in a loop: thousands of memory operations, no violation. */
  private static final String BUSY =
      """
      name = busy
      machine { cpus = 1 }
      processes = [ { name = p, memory = [ { at = 0x400000, size = 4 KiB, populate = true } ], program = \"\"\"
          mov rbx, 0x400000
          mov rcx, 3000
        loop:
          mov [rbx], rcx
          mov rax, [rbx]
          sub rcx, 1
          cmp rcx, 0
          jne loop
          mov rax, SYS_exit
          mov rdi, 0
          syscall
      \"\"\" } ]
      """;

  /**
   * Progress counters travel with each run: two runs side by side in one JVM each count only
   * their own memory operations and violations, exactly what each counts alone.
   */
  @Test
  void runsSideBySideKeepTheirOwnProgress() throws Exception {
    Scenario busy = ScenarioLoader.parse(BUSY, "busy.conf", List.of());
    Scenario buggy = ScenarioLoader.load(Path.of("scenarios/bugs/double-count-leak.conf"), List.of());
    Progress busyAlone = new Progress();
    SimResult busyResult = new Simulation().run(busy, null, null, busyAlone);
    Progress buggyAlone = new Progress();
    SimResult buggyResult = new Simulation().run(buggy, null, null, buggyAlone);
    assertEquals(busyResult.stat("memory_ops"), busyAlone.memoryOps(), "exact at the end: the chunks and the remainder");
    assertTrue(busyAlone.memoryOps() >= 5 * Progress.CHUNK, "thousands of operations: " + busyAlone.memoryOps());
    assertEquals(0, busyAlone.violations());
    long found = buggyResult.violationCounts().values().stream().mapToLong(Integer::longValue).sum();
    assertTrue(found > 0, "the bug shows");
    assertEquals(found, buggyAlone.violations());

    Progress busyBeside = new Progress();
    Progress buggyBeside = new Progress();
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<SimResult> a = pool.submit(() -> new Simulation().run(busy, null, null, busyBeside));
      Future<SimResult> b = pool.submit(() -> new Simulation().run(buggy, null, null, buggyBeside));
      assertEquals(busyResult.traceHash(), a.get().traceHash());
      assertEquals(buggyResult.traceHash(), b.get().traceHash());
    } finally {
      pool.shutdownNow();
    }
    assertEquals(busyAlone.memoryOps(), busyBeside.memoryOps());
    assertEquals(0, busyBeside.violations(), "none of the other run's violations");
    assertEquals(buggyAlone.memoryOps(), buggyBeside.memoryOps(), "none of the other run's operations");
    assertEquals(found, buggyBeside.violations());
  }

  /** Without a schedule the conductor takes the time order, as the time-order spec does. */
  @Test
  void noScheduleIsTheTimeOrder() throws Exception {
    Scenario s = ScenarioLoader.load(Path.of("scenarios/fork-cow-basic.conf"), List.of());
    assertEquals(
        new Simulation().run(s, null, ScheduleSpec.TIME_ORDER).traceHash(), new Simulation().run(s, null).traceHash());
  }

  /**
   * A run's machine time (from the boot interrupts to the moment its end was known) is part of
   * its host time: the set-up and the end-of-run collection are outside it. Only a relation of
   * the two is checked, no speed.
   */
  @Test
  void theMachineTimeIsInsideTheRunsHostTime() throws Exception {
    SimResult r = new Simulation().run(ScenarioLoader.parse(BUSY, "busy.conf", List.of()), null);
    assertEquals(SimResult.Ending.ALL_EXITED, r.ending(), r.endDetail());
    assertTrue(r.machineTime().toNanos() > 0, "the machine ran: " + r.machineTime());
    assertTrue(r.machineTime().toMillis() <= r.stat(cowsim.stats.Stat.HOST_MILLIS), r.machineTime() + " of " + r.stat(cowsim.stats.Stat.HOST_MILLIS) + " ms");
  }
}
