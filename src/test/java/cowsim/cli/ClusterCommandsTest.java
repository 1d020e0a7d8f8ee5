package cowsim.cli;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * mutants --cluster and compare --cluster: a coordinator in this JVM, a worker in another, the
 * same report as the local command (mutants.json, the score, the table, compare.json, the replay
 * commands); the worker builds every exploration (a mistake switched on, a profile, a knob
 * variant) from the text it was sent. --strategy systematic is refused with --cluster.
 */
class ClusterCommandsTest {

  @RegisterExtension final Console console = new Console();

  @TempDir Path dir;

  private final List<Process> started = new ArrayList<>();

  @AfterEach
  void killLeftovers() {
    started.forEach(Process::destroyForcibly);
  }

  private Process worker(String at, Path secret, String name) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
        "-cp", System.getProperty("java.class.path"), "cowsim.cli.Main", "worker", "--join", at, "--secret-file", secret.toString(), "--jobs", "1"));
    Path out = dir.resolve(name + ".txt");
    Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(new File(out + ".err")).start();
    started.add(p);
    return p;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private String out() {
    return console.out.toString(StandardCharsets.UTF_8);
  }

  /**
   * Runs the command with --cluster in this JVM (another thread) and one worker JVM once it
   * waits for workers; returns its exit code.
   */
  private int onCluster(String name, String... args) throws Exception {
    Path secret = dir.resolve("secret");
    Files.writeString(secret, "test-secret\n");
    String at = "127.0.0.1:" + freePort();
    List<String> all = new ArrayList<>(List.of(args));
    all.addAll(List.of("--cluster", "--bind", at, "--secret-file", secret.toString()));
    int from = out().length();
    CompletableFuture<Integer> code = CompletableFuture.supplyAsync(() -> Main.execute(all.toArray(String[]::new)));
    await().atMost(Duration.ofSeconds(30)).until(() -> out().substring(from).contains("cluster: no worker; waiting") || code.isDone());
    Process w = worker(at, secret, name);
    int c = code.get(90, TimeUnit.SECONDS);
    assertTrue(w.waitFor(30, TimeUnit.SECONDS), "the worker ends when the coordinator does");
    assertEquals(0, w.exitValue(), Files.readString(dir.resolve(name + ".txt.err")));
    return c;
  }

  /** The console without the cluster's own lines and the times, which differ from run to run. */
  private static List<String> report(String console) {
    return console.lines().filter(l -> !l.startsWith("cluster: ") && !l.startsWith("mutants.json: ") && !l.startsWith("compare.json: "))
        .map(l -> l.replaceAll("[0-9.]+ s\\)", "T s)").replaceAll("in [0-9.]+ s$", "in T s").replaceAll(", [0-9]+ jobs$", ", J jobs")).toList();
  }

  private static JsonNode withoutTimes(Path json) throws IOException {
    JsonNode j = new ObjectMapper().readTree(json.toFile());
    ((ObjectNode) j).remove(List.of("host_millis", "jobs"));
    for (JsonNode m : j.path("mistakes")) {
      ((ObjectNode) m).remove("host_millis");
    }
    return j;
  }

  @Test
  void mutantsOnAClusterGiveTheReportOfALocalRun() throws Exception {
    // cow-no-recheck is caught by an explored run of racy-cow-threads (its run 2); mprotect-no-shootdown survives both scenarios' runs
    String[] mutants = {"mutants", "scenarios/racy-cow-threads.conf", MutantsCommandTest.TINY, "--mistakes", "cow-no-recheck,mprotect-no-shootdown",
        "--runs", "6"};
    List<String> cluster = new ArrayList<>(List.of(mutants));
    cluster.addAll(List.of("--jobs", "0", "--out", dir.resolve("cluster").toString()));
    int from = out().length();
    assertEquals(1, onCluster("mutants-worker", cluster.toArray(String[]::new)), out());
    String onCluster = out().substring(from);
    assertTrue(Files.readString(dir.resolve("mutants-worker.txt")).contains("running runs of racy-cow-threads with mistake cow-no-recheck"),
        Files.readString(dir.resolve("mutants-worker.txt")));

    List<String> local = new ArrayList<>(List.of(mutants));
    local.addAll(List.of("--jobs", "2", "--out", dir.resolve("local").toString()));
    from = out().length();
    assertEquals(1, Main.execute(local.toArray(String[]::new)));
    String here = out().substring(from);

    assertEquals(report(here), report(onCluster));
    assertTrue(here.contains("  cow-no-recheck             java -jar target/cowsim.jar run scenarios/racy-cow-threads.conf --seed "), here);
    JsonNode j = withoutTimes(dir.resolve("local").resolve("mutants.json"));
    assertEquals(j, withoutTimes(dir.resolve("cluster").resolve("mutants.json")));
    assertEquals(2, j.get("mistakes").get(0).get("run").asInt(), "caught by an explored run: " + j);
    assertEquals("survived", j.get("mistakes").get(1).get("result").asText());
  }

  @Test
  void compareOnAClusterGivesTheTableOfALocalRun() throws Exception {
    String[] compare = {"compare", "scenarios/racy-cow-threads.conf", "--runs", "8", "--seed", "5", "--variant", "cow-fault.lock=page-table"};
    List<String> cluster = new ArrayList<>(List.of(compare));
    cluster.addAll(List.of("--jobs", "0", "--out", dir.resolve("cluster").toString()));
    int from = out().length();
    assertEquals(0, onCluster("compare-worker", cluster.toArray(String[]::new)), out());
    String onCluster = out().substring(from);
    assertTrue(Files.readString(dir.resolve("compare-worker.txt")).contains("running runs of racy-cow-threads under strat9 + cow-fault.lock=page-table"),
        Files.readString(dir.resolve("compare-worker.txt")));

    List<String> local = new ArrayList<>(List.of(compare));
    local.addAll(List.of("--jobs", "2", "--out", dir.resolve("local").toString()));
    from = out().length();
    assertEquals(0, Main.execute(local.toArray(String[]::new)));
    String here = out().substring(from);

    assertEquals(report(here), report(onCluster));
    String json = Files.readString(dir.resolve("local").resolve("compare.json"));
    assertEquals(json, Files.readString(dir.resolve("cluster").resolve("compare.json")));
    assertTrue(json.contains("--set kernel.cow-fault.lock=page-table"), "the variant's replay commands");
  }

  @Test
  void aSystematicSearchIsRefusedOnAClusterByMutantsAndCompare() {
    for (String[] args : List.of(
        new String[] {"mutants", MutantsCommandTest.TINY, "--strategy", "systematic", "--cluster"},
        new String[] {"compare", MutantsCommandTest.TINY, "--strategy", "systematic", "--cluster"})) {
      int from = console.err.toString(StandardCharsets.UTF_8).length();
      assertEquals(2, Main.execute(args), String.join(" ", args));
      String err = console.err.toString(StandardCharsets.UTF_8).substring(from);
      assertTrue(err.contains("--cluster: systematic exploration runs on one machine"), err);
      assertEquals(1, err.lines().filter(l -> !l.startsWith("SLF4J")).count(), err);
    }
  }
}
