package cowsim.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * explore --cluster with two worker JVMs on loopback: the same runs as a local explore, none lost
 * or doubled when the first worker is killed (kill -9) mid-batch and the second finishes; a worker
 * with the wrong secret refused.
 */
class ClusterExploreTest {

  @RegisterExtension final Console console = new Console();

  @TempDir Path dir;

  private final List<Process> started = new ArrayList<>();

  private static final String SCENARIO = "scenarios/racy-cow-threads.conf";
  private static final int RUNS = 240;

  @AfterEach
  void killLeftovers() {
    started.forEach(Process::destroyForcibly);
  }

  private Process java(Path out, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
        "-cp", System.getProperty("java.class.path"), "cowsim.cli.Main"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(new File(out + ".err")).start();
    started.add(p);
    return p;
  }

  private static String read(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p) : "";
    } catch (IOException e) {
      return "";
    }
  }

  /** Awaits the condition; on a timeout, fails with what every process printed. */
  private void within(int seconds, java.util.concurrent.Callable<Boolean> condition) {
    try {
      await().atMost(Duration.ofSeconds(seconds)).until(condition);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      StringBuilder b = new StringBuilder(e.getMessage());
      try (var files = Files.list(dir)) {
        files.filter(f -> f.toString().endsWith(".txt") || f.toString().endsWith(".err"))
            .forEach(f -> b.append("\n--- ").append(f.getFileName()).append(":\n").append(read(f).lines().filter(l -> !l.startsWith("run ")).reduce("", (x, y) -> x + y + "\n")));
      } catch (IOException io) {
        b.append(io);
      }
      throw new AssertionError(b.toString());
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** (run, seed, trace_hash, outcome, violation kinds) of every run in an explore.json. */
  private static List<String> runs(Path json) throws IOException {
    JsonNode j = new ObjectMapper().readTree(json.toFile());
    List<String> out = new ArrayList<>();
    for (JsonNode r : j.get("per_run")) {
      out.add(r.get("run").asInt() + " " + r.get("seed").asLong() + " " + r.get("trace_hash").asText() + " " + r.get("outcome").asText() + " "
          + r.get("violation_kinds"));
    }
    return out;
  }

  @Test
  void twoWorkersOneKilledGiveTheRunsOfALocalExplore() throws Exception {
    int port = freePort();
    Path secret = dir.resolve("secret");
    Files.writeString(secret, "test-secret\n");
    String at = "127.0.0.1:" + port;
    Path coordOut = dir.resolve("coordinator.txt");
    Process coordinator = java(coordOut, "explore", SCENARIO, "--runs", Integer.toString(RUNS), "--jobs", "0", "--cluster", "--bind", at,
        "--secret-file", secret.toString(), "--out", dir.resolve("cluster").toString());
    within(30, () -> read(coordOut).contains("cluster: no worker; waiting"));

    // refused before any worker is in: a node joining while a killed one is unreachable waits for it to be removed
    Process wrong = java(dir.resolve("wrong.txt"), "worker", "--join", at, "--secret", "not-the-secret", "--jobs", "1");
    assertTrue(wrong.waitFor(30, TimeUnit.SECONDS), "the refused worker ends");
    assertEquals(2, wrong.exitValue());
    assertTrue(read(Path.of(dir.resolve("wrong.txt") + ".err")).contains("refused this worker: wrong secret"), read(Path.of(dir.resolve("wrong.txt") + ".err")));
    assertTrue(read(coordOut).contains(": wrong secret (removed from the cluster)"), read(coordOut));

    // a alone first: killed once it has answered a batch, so the batches it held (up to the flow-control window) are lost with it
    Process a = java(dir.resolve("a.txt"), "worker", "--join", at, "--secret-file", secret.toString(), "--jobs", "1");
    within(30, () -> read(dir.resolve("a.txt")).contains("running runs of"));
    String aName = read(dir.resolve("a.txt")).lines().filter(l -> l.contains("running runs of")).findFirst().orElseThrow().split(" ")[1].replaceAll(":$", "");
    within(30, () -> read(coordOut).lines().anyMatch(l -> l.startsWith("run ")));
    a.destroyForcibly();
    within(30, () -> read(coordOut).contains("cluster: worker " + aName + " left;"));
    assertTrue(read(coordOut).split("cluster: no worker; waiting", -1).length == 3, "waits again, and says so, once a is gone");
    assertTrue(read(coordOut).matches("(?s).*cluster: worker " + aName.replace(".", "\\.") + " left; [1-9][0-9]* unanswered run.*"), "a held runs when it died");

    Process b = java(dir.resolve("b.txt"), "worker", "--join", at, "--secret-file", secret.toString(), "--jobs", "1");

    assertTrue(coordinator.waitFor(90, TimeUnit.SECONDS), "the coordinator finishes");
    String out = read(coordOut);
    assertEquals(1, coordinator.exitValue(), out + read(Path.of(coordOut + ".err")));
    assertTrue(out.contains("cluster: worker " + aName + " left;"), out);
    assertTrue(out.contains("cluster: done: " + RUNS + " runs answered"), out);
    assertTrue(b.waitFor(30, TimeUnit.SECONDS), "the other worker ends when the coordinator is done");
    assertEquals(0, b.exitValue());

    List<String> cluster = runs(dir.resolve("cluster").resolve("explore.json"));
    TreeSet<Integer> indices = new TreeSet<>();
    cluster.forEach(r -> indices.add(Integer.parseInt(r.split(" ")[0])));
    assertEquals(RUNS, cluster.size(), "no run lost or doubled");
    assertEquals(RUNS, indices.size());

    assertEquals(1, Main.execute("explore", SCENARIO, "--runs", Integer.toString(RUNS), "--jobs", "2", "--out", dir.resolve("local").toString()));
    assertEquals(runs(dir.resolve("local").resolve("explore.json")), cluster);
    String summary = console.out.toString();
    String localReplay = summary.lines().filter(l -> l.startsWith("  replay: ")).findFirst().orElseThrow();
    assertTrue(out.contains(localReplay), "the same replay command: " + localReplay);
  }
}
