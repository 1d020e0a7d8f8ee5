package cowsim.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.report.Verdict;
import cowsim.scenario.Mode;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioLoader;
import cowsim.stats.Progress;
import cowsim.stats.Stat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * A {@link RunStop} ends a run early as {@link SimResult.Ending#INTERRUPTED}, judged on what it
 * found: requested before the run is up, or while a program that never ends runs.
 */
class RunStopTest {

  private static Scenario forever(Mode mode) throws Exception {
    return ScenarioLoader.parse(
            """
            name = forever
            machine { cpus = 2 }
            limits { max-cycles = 100000000000, timeout = 600s }
            processes = [ { name = p, memory = [ { at = 0x400000, size = 4 KiB, prot = rw, populate = true } ], program = \"\"\"
                loop:
                  mov rbx, [0x400000]
                  jmp loop
            \"\"\" } ]
            expect { exit-code = 0, stats { forks = 7 } }
            """,
            "forever.conf",
            List.of())
        .withMode(mode);
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aStopRequestedBeforeTheRunEndsItAsInterrupted(Mode mode) throws Exception {
    RunStop stop = new RunStop();
    stop.request();
    SimResult r = new Simulation().run(forever(mode), null, null, new Progress(), stop);
    assertEquals(SimResult.Ending.INTERRUPTED, r.ending(), r.endDetail());
    assertTrue(r.endDetail().startsWith("interrupted by SIGINT/SIGTERM after "), r.endDetail());
    assertNull(r.traceHash(), "an interrupted run's trace is only a prefix");
    Verdict v = Verdict.judge(r);
    // the process still running and the stats of a run stopped half-way are no findings
    assertTrue(v.pass(), v.failures().toString());
    assertEquals(Verdict.MET, v.exitCode());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aStopRequestedWhileTheRunGoesOnEndsItWithItsCountersCollected(Mode mode) throws Exception {
    RunStop stop = new RunStop();
    Progress progress = new Progress();
    CompletableFuture<SimResult> run = CompletableFuture.supplyAsync(() -> new Simulation().run(modeOf(mode), null, null, progress, stop));
    org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60)).until(() -> progress.memoryOps() >= 1000);
    stop.request();
    SimResult r = run.get();
    assertEquals(SimResult.Ending.INTERRUPTED, r.ending(), r.endDetail());
    assertTrue(r.stat(Stat.MEMORY_OPS) >= 1000, "memory_ops " + r.stat(Stat.MEMORY_OPS));
  }

  private static Scenario modeOf(Mode mode) {
    try {
      return forever(mode);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
