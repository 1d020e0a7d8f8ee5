package cowsim.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGTERM (what Ctrl-C's SIGINT does too) during a long command, sent to a real child JVM: the
 * command stops, writes its summary and json marked incomplete with the replay command of the
 * failure found so far, and the JVM exits with the signal's status.
 */
class InterruptTest {

  @TempDir Path tmp;

  /** A child JVM running cowsim with this test's class path; stdout and stderr to files. */
  private Process start(String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("cowsim.cli.Main");
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd)
        .redirectOutput(tmp.resolve("stdout.txt").toFile())
        .redirectError(tmp.resolve("stderr.txt").toFile())
        .start();
  }

  private String read(String name) throws IOException {
    Path p = tmp.resolve(name);
    return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
  }

  @Test
  void sigtermDuringExploreWritesTheSummaryAndJsonMarkedIncomplete() throws Exception {
    Path out = tmp.resolve("explore");
    // every run fails (the violation it must show never happens): many runs, one at a time
    Process p = start("explore", "scenarios/fork-cow-basic.conf", "--runs", "100000", "--jobs", "1", "--strategy", "random",
        "--expect-violations", "stale-tlb", "--shrink", "--out", out.toString());
    try {
      await().atMost(Duration.ofSeconds(120)).until(() -> !p.isAlive() || read("stdout.txt").contains("run    2 "));
      assertTrue(p.isAlive(), read("stdout.txt") + read("stderr.txt"));
      p.destroy(); // SIGTERM
      assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the command exited after SIGTERM");
    } finally {
      p.destroyForcibly();
    }
    String stdout = read("stdout.txt");
    String stderr = read("stderr.txt");
    assertEquals(143, p.exitValue(), stdout + stderr);
    assertTrue(stdout.contains("interrupted: "), stdout);
    assertTrue(stdout.contains("first failure: run 0, seed 1"), stdout);
    assertTrue(stdout.contains("  replay: java -jar target/cowsim.jar run scenarios/fork-cow-basic.conf --seed 1 --strategy random"), stdout);
    assertTrue(stdout.contains("not shrunk: interrupted"), stdout);
    assertTrue(stderr.contains("cowsim: interrupted"), stderr);
    assertFalse(stderr.contains("\tat "), stderr);
    JsonNode json = new ObjectMapper().readTree(out.resolve("explore.json").toFile());
    assertFalse(json.get("complete").asBoolean());
    assertTrue(json.get("interrupted").asBoolean());
    int runs = json.get("runs").asInt();
    assertTrue(runs >= 3 && runs < 100000, "runs " + runs);
    assertEquals(runs, json.get("per_run").size());
    assertEquals(runs, json.get("failures").asInt());
    assertTrue(json.get("first_failure").get("replay").asText().contains("--seed 1 "), json.toString());
    assertTrue(Files.exists(out.resolve("first-failure/report.json")));
  }

  @Test
  void sigtermDuringMutantsWritesTheMistakesTriedSoFarMarkedIncomplete() throws Exception {
    Path out = tmp.resolve("mutants");
    Process p = start("mutants", "scenarios/fork-cow-basic.conf", "--runs", "200", "--jobs", "1", "--strategy", "random", "--out", out.toString());
    try {
      await().atMost(Duration.ofSeconds(120)).until(() -> !p.isAlive() || read("stdout.txt").contains("[ 1/"));
      assertTrue(p.isAlive(), read("stdout.txt") + read("stderr.txt"));
      p.destroy(); // SIGTERM
      assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the command exited after SIGTERM");
    } finally {
      p.destroyForcibly();
    }
    String stdout = read("stdout.txt");
    assertEquals(143, p.exitValue(), stdout + read("stderr.txt"));
    assertTrue(stdout.contains("interrupted: "), stdout);
    JsonNode json = new ObjectMapper().readTree(out.resolve("mutants.json").toFile());
    assertFalse(json.get("complete").asBoolean());
    assertTrue(json.get("mistakes").size() >= 1, json.toString());
    for (JsonNode m : json.get("mistakes")) {
      assertFalse(m.get("result").asText().equals("survived") && m.get("runs_tried").asInt() < 201, "a mistake cut short is not a survivor: " + m);
    }
  }

  @Test
  void sigtermDuringStressStopsTheRunAndJudgesWhatItFoundInAnIncompleteReport() throws Exception {
    Path out = tmp.resolve("stress");
    Process p = start("stress", "--cpus", "4", "--ops", "1000000000", "--out", out.toString());
    try {
      await().atMost(Duration.ofSeconds(120)).until(() -> !p.isAlive() || read("stdout.txt").contains("scenario: "));
      assertTrue(p.isAlive(), read("stdout.txt") + read("stderr.txt"));
      p.destroy(); // SIGTERM
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the command exited after SIGTERM");
    } finally {
      p.destroyForcibly();
    }
    String stdout = read("stdout.txt");
    assertEquals(143, p.exitValue(), stdout + read("stderr.txt"));
    assertTrue(stdout.contains("interrupted: stopping the run"), stdout);
    assertTrue(stdout.contains("stopped: interrupted by SIGINT/SIGTERM; judged on what was found so far"), stdout);
    // strat9's stress finds its races within milliseconds: a pass or a fail, judged as it stood
    assertTrue(stdout.contains(" (interrupted by SIGINT/SIGTERM after "), stdout);
    JsonNode json = new ObjectMapper().readTree(out.resolve("report.json").toFile());
    assertFalse(json.get("complete").asBoolean());
    assertTrue(json.get("interrupted").asBoolean());
    assertEquals("interrupted", json.get("ending").asText());
    assertEquals(1, json.get("seed").asLong());
    assertTrue(json.get("replay").asText().startsWith("java -jar target/cowsim.jar run " + out.resolve("stress.conf")), json.toString());
    assertTrue(json.get("stats").get("memory_ops").asLong() >= 0, json.toString());
    assertTrue(Files.exists(out.resolve("stats.txt")));
  }
}
