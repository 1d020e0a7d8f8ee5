package cowsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** report.html and stats.txt come with every report.json a run writes, and go with it. */
class ReportFilesTest {

  @org.junit.jupiter.api.extension.RegisterExtension final Console console = new Console();

  @AfterEach
  void restore() {
    System.clearProperty("cowsim.debug.output-space");
    ConfigFactory.invalidateCaches();
  }

  @Test
  void runWritesThePageAndTheStatsBesideTheReportWithItsReplayCommand(@TempDir Path dir) throws Exception {
    assertEquals(0, Main.execute("run", "scenarios/fork-cow-basic.conf", "--quiet", "--set", "machine.cpus=2", "--out", dir.toString()));
    JsonNode report = new ObjectMapper().readTree(dir.resolve("report.json").toFile());
    assertEquals("java -jar target/cowsim.jar run scenarios/fork-cow-basic.conf --seed " + report.get("seed").asLong() + " --set machine.cpus=2",
        report.get("replay").asText());
    assertTrue(report.get("distributions").has("fault_latency"), report.toString());
    String html = Files.readString(dir.resolve("report.html"), StandardCharsets.UTF_8);
    assertTrue(html.contains(report.get("replay").asText()), "the page shows the replay command");
    assertTrue(html.contains("outcome: pass"), html);
    String stats = Files.readString(dir.resolve("stats.txt"), StandardCharsets.UTF_8);
    assertTrue(stats.contains("---------- Begin Simulation Statistics ----------"), stats);
    assertTrue(stats.lines().anyMatch(l -> l.startsWith("forks ") && l.contains(" " + report.get("stats").get("forks").asLong() + "   # ")), stats);
  }

  @Test
  void aDiskFullAfterTheJsonKeepsNoneOfTheThree(@TempDir Path dir) throws Exception {
    Path first = dir.resolve("first");
    assertEquals(0, Main.execute("run", "--quiet", "--out", first.toString()));
    long json = Files.size(first.resolve("report.json"));
    assertTrue(Files.size(first.resolve("report.html")) > json + 4096, "the page is bigger than the report");
    // room for report.json (host_millis may take a digit more), not for the page
    System.setProperty("cowsim.debug.output-space", Long.toString(json + 2048));
    ConfigFactory.invalidateCaches();
    Path second = dir.resolve("second");
    int printed = console.out.size();
    assertEquals(2, Main.execute("run", "--quiet", "--out", second.toString()));
    String err = console.err.toString(StandardCharsets.UTF_8);
    assertTrue(err.contains(second.resolve("report.html") + ": not written: no space left on device"), err);
    try (Stream<Path> files = Files.list(second)) {
      assertEquals(List.of("logs"), files.map(p -> p.getFileName().toString()).toList(), "no report.json without its page");
    }
    assertFalse(console.out.toString(StandardCharsets.UTF_8).substring(printed).contains("report: "), "no report announced");
  }
}
