package cowsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Output paths are input: an unusable --out is exit code 2 with one line, before anything runs,
 * for every command that has one; a write that fails later (a full disk) is exit code 2 with one
 * line too, the outcome still printed and the report whole or absent.
 */
class OutputPathsTest {

  @org.junit.jupiter.api.extension.RegisterExtension final Console console = new Console();
  private final ByteArrayOutputStream out = console.out;
  private final ByteArrayOutputStream err = console.err;

  @AfterEach
  void restore() {
    System.clearProperty("cowsim.debug.output-space");
    ConfigFactory.invalidateCaches();
  }

  private String stdout() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String stderr() {
    return String.join("\n", err.toString(StandardCharsets.UTF_8).lines().filter(l -> !l.startsWith("SLF4J(")).toList()).trim();
  }

  /** The command with {@code --out out}: the cheapest invocation of each. */
  private static String[] command(String name, String out) {
    List<String> a = new ArrayList<>(switch (name) {
      case "run" -> List.of("run", "--quiet");
      case "explore" -> List.of("explore", "scenarios/fork-cow-basic.conf", "--runs", "1", "--jobs", "1");
      case "stress" -> List.of("stress", "--cpus", "2", "--ops", "100");
      case "compare" -> List.of("compare", "scenarios/fork-cow-basic.conf", "--runs", "1", "--jobs", "1");
      case "mutants" -> List.of("mutants", "scenarios/fork-cow-basic.conf", "--runs", "0", "--jobs", "1", "--mistakes", "cow-no-recheck");
      default -> throw new IllegalArgumentException(name);
    });
    a.add("--out");
    a.add(out);
    return a.toArray(new String[0]);
  }

  @ParameterizedTest
  @ValueSource(strings = {"run", "explore", "stress", "compare", "mutants"})
  void everyCommandRefusesAnUnusableOutBeforeItRuns(String name, @TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("a-file"), "x");
    String tooLong = dir.resolve("n".repeat(300)).toString();
    String[][] cases = {
      {file.toString(), "--out " + file + ": not a directory"},
      {"/dev/null", "--out /dev/null: not a directory"},
      {"", "--out '': empty path (name a directory)"},
      {file.resolve("sub").toString(), "--out " + file.resolve("sub") + ": not a directory"},
      {tooLong, ": file name too long"},
    };
    for (String[] c : cases) {
      out.reset();
      err.reset();
      int code = Main.execute(command(name, c[0]));
      String e = stderr();
      assertEquals(2, code, name + " --out " + c[0] + ": " + e);
      assertEquals(1, e.lines().count(), e);
      assertTrue(e.startsWith("cowsim: --out ") && e.endsWith(c[1]), e);
      assertFalse(e.contains("Exception") || e.contains("java."), e);
      assertFalse(stdout().contains("outcome") || stdout().contains("runs:"), "nothing ran: " + stdout());
    }
  }

  @Test
  void underProcIsRefused() {
    assumeTrue(Files.isDirectory(Path.of("/proc/self")));
    assertEquals(2, Main.execute(command("run", "/proc/cowsim-run")));
    assertEquals("cowsim: --out /proc/cowsim-run: cannot be created (no such file or directory)", stderr());
  }

  @Test
  void aFileSystemEvenRootCannotWriteIsRefused() {
    // /sys: read-only or refusing new entries, for root too (a read-only directory stops only others)
    assumeTrue(Files.isDirectory(Path.of("/sys/kernel")) && !Files.exists(Path.of("/sys/cowsim-run")));
    assertEquals(2, Main.execute(command("run", "/sys/cowsim-run")));
    String e = stderr();
    assertEquals(1, e.lines().count(), e);
    assertTrue(e.startsWith("cowsim: --out /sys/cowsim-run: ") && !e.contains("Exception"), e);
  }

  @Test
  void aFullDiskIsAnOutputErrorWithTheOutcomeStillPrintedAndNoReport(@TempDir Path dir) throws Exception {
    System.setProperty("cowsim.debug.output-space", "100");
    ConfigFactory.invalidateCaches();
    int code = Main.execute("run", "--out", dir.toString());
    assertEquals(2, code, stderr());
    assertTrue(stdout().contains("outcome: pass"), stdout());
    assertFalse(stdout().contains("report: "), "no report is announced: " + stdout());
    assertEquals("cowsim: " + dir.resolve("report.json") + ": not written: no space left on device (cowsim.debug.output-space)"
        + " (no report kept; the outcome above stands)", stderr());
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(List.of("logs"), files.map(p -> p.getFileName().toString()).toList(), "no partial report, no temporary file");
    }
  }

  @Test
  void aFullDiskInExploreIsAnOutputErrorToo(@TempDir Path dir) throws Exception {
    System.setProperty("cowsim.debug.output-space", "0");
    ConfigFactory.invalidateCaches();
    int code = Main.execute("explore", "scenarios/fork-cow-basic.conf", "--runs", "2", "--jobs", "1", "--out", dir.toString());
    assertEquals(2, code, stderr());
    assertTrue(stdout().contains("failures: 0"), stdout());
    assertEquals("cowsim: " + dir.resolve("explore.json") + ": not written: no space left on device (cowsim.debug.output-space)", stderr());
    assertFalse(Files.exists(dir.resolve("explore.json")));
  }

  @Test
  void aLogThatCannotBeWrittenIsReported(@TempDir Path dir) throws Exception {
    // a real full disk: /dev/full takes no byte (ENOSPC); cpu-0's log is made to be it
    assumeTrue(Files.exists(Path.of("/dev/full")));
    Files.createDirectories(dir.resolve("logs"));
    Files.createSymbolicLink(dir.resolve("logs/cpu-0.log"), Path.of("/dev/full"));
    int code = Main.execute("run", "--out", dir.toString());
    assertEquals(2, code, stderr());
    assertTrue(stdout().contains("outcome: pass"), stdout());
    assertTrue(stdout().contains("report: " + dir.resolve("report.json")), "the report itself is whole: " + stdout());
    assertEquals("pass", new ObjectMapper().readTree(dir.resolve("report.json").toFile()).get("outcome").asText());
    String e = stderr();
    assertEquals(1, e.lines().count(), e);
    assertTrue(e.startsWith("cowsim: " + dir.resolve("logs") + ": incomplete: ") && e.contains("cpu-0.log"), e);
    Files.delete(dir.resolve("logs/cpu-0.log")); // the link, not /dev/full
  }
}
