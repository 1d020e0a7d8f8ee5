package cowsim.sim;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import cowsim.report.Verdict;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/**
 * A Throwable anywhere in a run, fatal errors included, ends it at once as a simulator error
 * with what was collected so far (the test hooks cowsim.debug.throw-after-instructions,
 * throw-kind and throw-in-caller throw real ones). Each scenario's timeout is 10 minutes, so a run
 * that waited for it (as a fatal error in an actor used to) fails the bound of one minute.
 */
class CrashTest {

  /** Generous: a crashed run ends in a few seconds; waiting for the timeout would take 10 minutes. */
  private static final Duration PROMPTLY = Duration.ofSeconds(90);

  private static Simulation hooked(String hooks) {
    return new Simulation(ConfigFactory.parseString(hooks).withFallback(ConfigFactory.load()));
  }

  /** Runs it on another thread and waits, bounded, for the result. */
  private static SimResult runPromptly(Simulation sim, Scenario s) {
    AtomicReference<SimResult> out = new AtomicReference<>();
    CompletableFuture<Void> f = CompletableFuture.runAsync(() -> out.set(sim.run(s, null)));
    await().atMost(PROMPTLY).until(f::isDone);
    f.join();
    return out.get();
  }

  private static Scenario basic(String mode) throws Exception {
    return ScenarioLoader.load(Path.of("scenarios/fork-cow-basic.conf"), List.of("limits.timeout=600s", "mode=" + mode));
  }

  @ParameterizedTest
  @CsvSource({
    "exception, java.lang.IllegalStateException, deterministic",
    "stack-overflow, java.lang.StackOverflowError, deterministic",
    "out-of-memory, java.lang.OutOfMemoryError, deterministic",
    "stack-overflow, java.lang.StackOverflowError, concurrent",
    "out-of-memory, java.lang.OutOfMemoryError, concurrent"
  })
  void aThrowableInACpuActorEndsTheRunAtOnceWithWhatWasCollected(String kind, String type, String mode) throws Exception {
    SimResult r = runPromptly(hooked("cowsim.debug.throw-after-instructions = 3\ncowsim.debug.throw-kind = " + kind), basic(mode));
    assertEquals(SimResult.Ending.SIMULATOR_ERROR, r.ending(), r.endDetail());
    assertNotNull(r.error());
    assertEquals(type, r.error().getClass().getName());
    assertTrue(r.endDetail().startsWith("simulator error in cpu-0: " + type), r.endDetail());
    assertFalse(r.complete());
    assertEquals(Verdict.SIMULATOR, Verdict.judge(r).exitCode());
    // the survivors answered, and so did the crashed CPU (its counters up to the crash)
    assertEquals(2, r.cpus().size(), r.cpus().toString());
    assertEquals(3, r.cpus().get(0).instructions());
    assertEquals(List.of("parent"), r.processes().stream().map(p -> p.name()).toList(), "the kernel's process table");
  }

  @Test
  void violationsFoundBeforeTheCrashAreKept() throws Exception {
    Scenario s = ScenarioLoader.loadResource("scenario/crash-after-violation.conf", List.of());
    SimResult r = runPromptly(hooked("cowsim.debug.throw-after-instructions = 100000\ncowsim.debug.throw-kind = stack-overflow"), s);
    assertEquals(SimResult.Ending.SIMULATOR_ERROR, r.ending(), r.endDetail());
    assertInstanceOf(StackOverflowError.class, r.error());
    assertFalse(r.complete());
    assertEquals(java.util.Map.of("use-after-free", 1), r.violationCounts());
    assertEquals(100_000, r.cpus().get(0).instructions());
    assertNotNull(r.traceHash(), "the conductor's hash up to the crash");
    assertTrue(r.stat("messages") > 0);
  }

  /**
   * Direct delivery catches a handler's Throwable in the conductor (the handler runs on its
   * thread), mailbox delivery in the node actor's guard: the run ends the same way, with the same
   * trace up to the crash, the same counters and the same findings.
   */
  @ParameterizedTest
  @CsvSource({"exception", "stack-overflow", "out-of-memory"})
  void aCrashEndsTheRunAlikeWithDirectAndMailboxDelivery(String kind) throws Exception {
    Scenario s = ScenarioLoader.loadResource("scenario/crash-after-violation.conf", List.of());
    String hooks = "cowsim.debug.throw-after-instructions = 100000\ncowsim.debug.throw-kind = " + kind + "\n";
    SimResult direct = runPromptly(hooked(hooks + "cowsim.sim.deterministic.delivery = direct"), s);
    SimResult mailbox = runPromptly(hooked(hooks + "cowsim.sim.deterministic { delivery = mailbox, lanes = 0 }"), s);
    assertEquals(SimResult.Ending.SIMULATOR_ERROR, direct.ending(), direct.endDetail());
    assertFalse(direct.complete());
    assertTrue(direct.endDetail().startsWith("simulator error in cpu-0: "), direct.endDetail());
    assertEquals(mailbox.ending(), direct.ending());
    assertEquals(mailbox.endDetail(), direct.endDetail());
    assertEquals(mailbox.error().getClass(), direct.error().getClass());
    assertEquals(mailbox.complete(), direct.complete());
    assertEquals(mailbox.traceHash(), direct.traceHash(), "the same deliveries up to the crash");
    for (cowsim.stats.Stat k : cowsim.stats.Stat.values()) {
      if (k.simulated) {
        assertEquals(mailbox.stat(k), direct.stat(k), k.key);
      }
    }
    assertEquals(mailbox.cpus(), direct.cpus());
    assertEquals(mailbox.processes(), direct.processes());
    assertEquals(mailbox.violations(), direct.violations());
    assertEquals(java.util.Map.of("use-after-free", 1), direct.violationCounts());
  }

  @ParameterizedTest
  @CsvSource({"exception, java.lang.IllegalStateException", "stack-overflow, java.lang.StackOverflowError", "out-of-memory, java.lang.OutOfMemoryError"})
  void aThrowableInTheCallersThreadIsASimulatorErrorToo(String kind, String type) throws Exception {
    SimResult r = runPromptly(hooked("cowsim.debug.throw-in-caller = " + kind), basic("deterministic"));
    assertEquals(SimResult.Ending.SIMULATOR_ERROR, r.ending(), r.endDetail());
    assertEquals(type, r.error().getClass().getName());
    assertTrue(r.endDetail().startsWith("simulator error in the thread that ran the simulation"), r.endDetail());
    assertFalse(r.complete());
    assertEquals(Verdict.SIMULATOR, Verdict.judge(r).exitCode());
  }

  @Test
  void aNormalRunIsComplete() throws Exception {
    SimResult r = new Simulation().run(basic("deterministic"), null);
    assertEquals(SimResult.Ending.ALL_EXITED, r.ending(), r.endDetail());
    assertTrue(r.complete());
  }

  @Test
  void theLatchKeepsTheFirstCrashAndDropsTheCushion() {
    CrashLatch latch = new CrashLatch(1 << 20);
    assertTrue(latch.holdsCushion());
    assertFalse(latch.crashed().isDone());
    StackOverflowError first = new StackOverflowError();
    latch.record("cpu-3", first);
    latch.record("cpu-1", new OutOfMemoryError());
    assertFalse(latch.holdsCushion());
    assertEquals("cpu-3", latch.first().actor());
    assertEquals(first, latch.crashed().join().error());
    assertInstanceOf(OutOfMemoryError.class, latch.errorOf("cpu-1"));
  }
}
