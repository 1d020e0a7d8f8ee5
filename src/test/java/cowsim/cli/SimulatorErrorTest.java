package cowsim.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import cowsim.report.Output;
import cowsim.report.Verdict;
import cowsim.scenario.ScenarioLoader;
import cowsim.sim.SimResult;
import cowsim.sim.Simulation;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A Throwable in a run is a simulator bug: exit code 3, its stack trace in DIR/error.txt, a
 * report.json marked {@code "complete": false}, one line on the console and no stack trace there,
 * promptly (the hooks cowsim.debug.* throw real StackOverflowErrors and OutOfMemoryErrors).
 */
class SimulatorErrorTest {

  private static final Duration PROMPTLY = Duration.ofSeconds(120);

  @org.junit.jupiter.api.extension.RegisterExtension final Console console = new Console();
  private final ByteArrayOutputStream out = console.out;
  private final ByteArrayOutputStream err = console.err;

  @AfterEach
  void reset() {
    for (String k : List.of("throw-after-instructions", "throw-kind", "throw-in-caller")) {
      System.clearProperty("cowsim.debug." + k);
    }
    ConfigFactory.invalidateCaches();
  }

  private static void hook(String key, String value) {
    System.setProperty("cowsim.debug." + key, value);
    ConfigFactory.invalidateCaches();
  }

  /** Main.execute on another thread, awaited with a bound (the runs' timeouts are far longer). */
  private static int executePromptly(String... args) {
    AtomicInteger code = new AtomicInteger(-1);
    CompletableFuture<Void> f = CompletableFuture.runAsync(() -> code.set(Main.execute(args)));
    await().atMost(PROMPTLY).until(f::isDone);
    f.join();
    return code.get();
  }

  /** stderr without SLF4J's own notice when a test is the first to log in this JVM. */
  private String stderr() {
    return String.join("\n", err.toString(StandardCharsets.UTF_8).lines().filter(l -> !l.startsWith("SLF4J(")).toList()).trim();
  }

  private String console() {
    return out.toString(StandardCharsets.UTF_8) + err.toString(StandardCharsets.UTF_8);
  }

  /** One line on stderr naming error.txt, and no stack trace anywhere on the console. */
  private void assertOneLineNamingTheTrace(Path trace) {
    String e = stderr();
    assertEquals(1, e.lines().count(), e);
    assertTrue(e.startsWith("cowsim: simulator error") && e.endsWith("stack trace in " + trace), e);
    assertFalse(console().contains("\tat "), console());
  }

  private static JsonNode report(Path dir) throws Exception {
    return new ObjectMapper().readTree(dir.resolve("report.json").toFile());
  }

  @Test
  void anExceptionInACpuActorEndsTheRunAsASimulatorError() throws Exception {
    Simulation sim =
        new Simulation(
            ConfigFactory.parseString("cowsim.debug.throw-after-instructions = 3").withFallback(ConfigFactory.load()));
    SimResult r = sim.run(ScenarioLoader.load(Path.of("scenarios/fork-cow-basic.conf"), List.of()), null);
    assertEquals(SimResult.Ending.SIMULATOR_ERROR, r.ending());
    assertTrue(r.error() instanceof IllegalStateException, String.valueOf(r.error()));
    assertEquals(3, Verdict.judge(r).exitCode());
  }

  @ParameterizedTest
  @CsvSource({"exception, IllegalStateException", "stack-overflow, StackOverflowError", "out-of-memory, OutOfMemoryError"})
  void runExitsWith3AndKeepsTheStackTraceAndAnIncompleteReport(String kind, String type, @TempDir Path dir) throws Exception {
    hook("throw-after-instructions", "3");
    hook("throw-kind", kind);
    int code = executePromptly("run", "--quiet", "--out", dir.toString(), "--set", "limits.timeout=600s");
    assertEquals(3, code, console());
    JsonNode report = report(dir);
    assertEquals("simulator_error", report.get("ending").asText());
    assertFalse(report.get("complete").asBoolean());
    assertEquals(3, report.get("exit_code").asInt());
    assertEquals(3, report.get("cpus_detail").get(0).get("instructions").asInt(), "the crashed CPU's counters");
    String trace = Files.readString(dir.resolve("error.txt"));
    assertTrue(trace.startsWith("java.lang." + type), trace);
    // the JVM may throw a repeated OutOfMemoryError without frames (its preallocated ones)
    assertTrue(trace.contains("\tat cowsim.") || type.equals("OutOfMemoryError") && trace.contains("no stack frames"), trace);
    assertOneLineNamingTheTrace(dir.resolve("error.txt"));
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("outcome: fail (simulator error in cpu-0: java.lang." + type), console());
  }

  @Test
  void aFatalErrorInTheCommandsThreadIsExit3WithTheTraceAndAnIncompleteReport(@TempDir Path dir) throws Exception {
    hook("throw-in-caller", "out-of-memory");
    int code = executePromptly("run", "--quiet", "--out", dir.toString());
    assertEquals(3, code, console());
    assertFalse(report(dir).get("complete").asBoolean());
    assertTrue(Files.readString(dir.resolve("error.txt")).startsWith("java.lang.OutOfMemoryError"));
    assertOneLineNamingTheTrace(dir.resolve("error.txt"));
  }

  @Test
  void anErrorInTheCommandsThreadAfterTheMachineStoppedKeepsTheStatsCollected(@TempDir Path dir) throws Exception {
    hook("throw-in-caller", "exception");
    int code = executePromptly("run", "--out", dir.toString());
    assertEquals(3, code, console());
    JsonNode report = report(dir);
    assertFalse(report.get("complete").asBoolean());
    assertEquals("simulator_error", report.get("ending").asText());
    assertEquals(2, report.get("stats").get("cow_faults").asInt(), "the counters the machine reported before the caller failed");
    assertEquals(1, report.get("stats").get("forks").asInt());
    assertFalse(console().contains("concurrent mode is not replayable"), "a deterministic run: " + console());
    assertOneLineNamingTheTrace(dir.resolve("error.txt"));
  }

  @Test
  void stressDoesNotHangOnAStackOverflow(@TempDir Path dir) throws Exception {
    hook("throw-after-instructions", "50");
    hook("throw-kind", "stack-overflow");
    int code = executePromptly("stress", "--cpus", "4", "--ops", "2000", "--out", dir.toString());
    assertEquals(3, code, console());
    assertFalse(report(dir).get("complete").asBoolean());
    assertTrue(Files.readString(dir.resolve("error.txt")).startsWith("java.lang.StackOverflowError"));
    assertOneLineNamingTheTrace(dir.resolve("error.txt"));
  }

  @Test
  void exploreWithParallelJobsDoesNotHangOnAnOutOfMemoryError(@TempDir Path dir) throws Exception {
    hook("throw-after-instructions", "3");
    hook("throw-kind", "out-of-memory");
    int code = executePromptly("explore", "scenarios/fork-cow-basic.conf", "--runs", "6", "--jobs", "3", "--out", dir.toString());
    assertEquals(3, code, console());
    JsonNode explore = new ObjectMapper().readTree(dir.resolve("explore.json").toFile());
    assertEquals(6, explore.get("failures").asInt());
    assertEquals(6, explore.get("failures_by_kind").get("simulator_error").asInt());
    assertTrue(Files.readString(dir.resolve("error.txt")).startsWith("java.lang.OutOfMemoryError"));
    assertFalse(report(dir.resolve("first-failure")).get("complete").asBoolean());
    assertTrue(Files.exists(dir.resolve("first-failure/error.txt")));
    assertOneLineNamingTheTrace(dir.resolve("error.txt"));
  }

  @Test
  void theLastResortHandlerWritesTheTraceAndAnIncompleteReportAndHalts(@TempDir Path dir) throws Exception {
    Output o = Output.prepare(dir);
    WritesOutput command = new WritesOutput(true) {
      {
        output = o;
      }

      @Override
      public Integer call() {
        return 0;
      }
    };
    AtomicInteger halted = new AtomicInteger(-1);
    PrintStream console = new PrintStream(err, true, StandardCharsets.UTF_8);
    Thread t = new Thread(() -> {}, "log-writer");
    Main.lastResort(() -> command, console, halted::set).uncaughtException(t, new OutOfMemoryError("Java heap space"));
    assertEquals(3, halted.get());
    assertTrue(Files.readString(dir.resolve("error.txt")).startsWith("java.lang.OutOfMemoryError: Java heap space"));
    assertFalse(report(dir).get("complete").asBoolean());
    String e = stderr();
    assertEquals("cowsim: simulator error in thread log-writer: java.lang.OutOfMemoryError: Java heap space; stack trace in " + dir.resolve("error.txt"), e);
  }

  @Test
  void withoutAnOutputDirectoryTheTraceGoesToATemporaryFile() throws Exception {
    assertEquals(3, Main.failed(null, new StackOverflowError(), System.err));
    String e = stderr();
    assertTrue(e.startsWith("cowsim: simulator error: java.lang.StackOverflowError; stack trace in "), e);
    Path trace = Path.of(e.substring(e.indexOf("stack trace in ") + "stack trace in ".length()));
    assertTrue(Files.readString(trace).startsWith("java.lang.StackOverflowError"));
    Files.delete(trace);
  }
}
