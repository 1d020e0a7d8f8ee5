package cowsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line: exit codes, one-line errors, report.json and per-actor logs. */
class MainTest {

  @org.junit.jupiter.api.extension.RegisterExtension final Console console = new Console();
  private final ByteArrayOutputStream out = console.out;
  private final ByteArrayOutputStream err = console.err;

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void runsTheDefaultScenarioAndWritesTheReportAndLogs(@TempDir Path dir) throws Exception {
    int code = Main.execute("run", "--out", dir.toString());
    assertEquals(0, code, err());
    String console = out.toString(StandardCharsets.UTF_8);
    assertTrue(console.contains("outcome: pass"), console);
    JsonNode report = new ObjectMapper().readTree(dir.resolve("report.json").toFile());
    assertEquals("fork-cow-basic", report.get("scenario").asText());
    assertEquals("pass", report.get("outcome").asText());
    assertEquals(64, report.get("trace_hash").asText().length());
    assertEquals(2, report.get("processes").size());
    assertTrue(report.get("violations").isArray());
    for (String k : new String[] {"cycles", "cow_faults", "cow_copies", "tlb_hits", "frames_total", "messages", "host_millis"}) {
      assertTrue(report.get("stats").has(k), k);
    }
    assertEquals(1, report.get("stats").get("forks").asLong());
    assertTrue(Files.exists(dir.resolve("logs")));
  }

  @Test
  void badScenarioIsOneLineAndExitCode2(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("bad.conf");
    Files.writeString(f, "name = bad\nprocesses = [ { name = p, program = \"\"\"\n  movx rax, 1\n\"\"\" } ]\n");
    int code = Main.execute("run", f.toString(), "--out", dir.resolve("o").toString());
    assertEquals(2, code);
    String e = err().trim();
    assertEquals(1, e.lines().count(), e);
    assertTrue(e.startsWith(f + ":3:"), e);
    assertTrue(e.contains("movx"), e);
    assertFalse(e.contains("Exception"), e);
  }

  @Test
  void missingFileIsExitCode2() {
    assertEquals(2, Main.execute("check", "no/such/file.conf"));
    assertTrue(err().contains("no/such/file.conf"), err());
  }

  @Test
  void unknownFlagIsExitCode2() {
    assertEquals(2, Main.execute("run", "--no-such-flag"));
    assertEquals(1, err().trim().lines().count(), err());
  }

  @Test
  void badModeIsExitCode2() {
    assertEquals(2, Main.execute("check", "scenarios/fork-tree.conf", "--mode", "sometimes"));
  }

  @Test
  void checkValidatesWithoutRunning() {
    assertEquals(0, Main.execute("check", "scenarios/fork-tree.conf"));
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("ok"));
  }

  @Test
  void setOverridesAScenarioKey(@TempDir Path dir) throws Exception {
    int code = Main.execute("run", "scenarios/fork-cow-basic.conf", "--set", "machine.cpus=3", "--quiet", "--out", dir.toString());
    assertEquals(0, code, err());
    JsonNode report = new ObjectMapper().readTree(dir.resolve("report.json").toFile());
    assertEquals(3, report.get("cpus").asInt());
  }

  @Test
  void unmetExpectationIsExitCode1(@TempDir Path dir) {
    int code = Main.execute("run", "scenarios/fork-cow-basic.conf", "--set", "expect.stats.forks=2", "--quiet", "--out", dir.toString());
    assertEquals(1, code);
    assertTrue(out.toString(StandardCharsets.UTF_8).contains("outcome: fail"));
  }

  @Test
  void limitHitIsExitCode3(@TempDir Path dir) {
    int code = Main.execute("run", "scenarios/fork-cow-basic.conf", "--set", "limits.max-cycles=1000", "--quiet", "--out", dir.toString());
    assertEquals(3, code);
  }

  @Test
  void expectViolationsOverridesTheScenario(@TempDir Path dir) {
    String f = "scenarios/violations/refault-loop-readonly.conf";
    assertEquals(0, Main.execute("run", f, "--quiet", "--out", dir.resolve("a").toString()));
    assertEquals(1, Main.execute("run", f, "--expect-violations", "", "--quiet", "--out", dir.resolve("b").toString()));
    assertEquals(1, Main.execute("run", f, "--expect-violations", "refault-loop,stale-tlb", "--quiet", "--out", dir.resolve("c").toString()));
    assertEquals(2, Main.execute("run", f, "--expect-violations", "refault-loops", "--quiet", "--out", dir.resolve("d").toString()));
    assertTrue(err().contains("unknown violation kind 'refault-loops'"), err());
  }

  @Test
  void reportListsViolationsWithHistories(@TempDir Path dir) throws Exception {
    assertEquals(0, Main.execute("run", "scenarios/violations/use-after-free-munmap.conf", "--quiet", "--out", dir.toString()));
    JsonNode v = new ObjectMapper().readTree(dir.resolve("report.json").toFile()).get("violations");
    assertEquals(1, v.size());
    JsonNode first = v.get(0);
    assertEquals("use-after-free", first.get("kind").asText());
    assertEquals("0x400000", first.get("vaddr").asText());
    for (String k : new String[] {"cpu", "pid", "tid", "frame", "cycle", "detail", "history"}) {
      assertTrue(first.has(k), k);
    }
    assertTrue(first.get("history").size() > 2);
    assertTrue(first.get("history").toString().contains("freed"), first.get("history").toString());
  }
}
