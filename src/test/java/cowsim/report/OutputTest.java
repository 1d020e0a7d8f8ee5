package cowsim.report;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The output directory is checked before a run, and its files are whole or absent. */
class OutputTest {

  private static Config space(long bytes) {
    return ConfigFactory.parseString("cowsim.debug.output-space = " + bytes).withFallback(ConfigFactory.load());
  }

  private static String refused(Path out) {
    return assertThrows(OutputException.class, () -> Output.prepare(out, Path.of("unused"), ConfigFactory.load())).getMessage();
  }

  @Test
  void unusableDirectoriesAreRefusedWithOneLine(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("a-file"), "x");
    assertEquals("--out " + file + ": not a directory", refused(file));
    assertEquals("--out " + file.resolve("sub") + ": not a directory", refused(file.resolve("sub")));
    assertEquals("--out /dev/null: not a directory", refused(Path.of("/dev/null")));
    assertEquals("--out '': empty path (name a directory)", refused(Path.of("")));
    String tooLong = refused(dir.resolve("x".repeat(300)));
    assertTrue(tooLong.startsWith("--out " + dir) && tooLong.endsWith(": file name too long"), tooLong);
    assertTrue(tooLong.length() < 300, "a very long path is shortened: " + tooLong);
    for (String m : new String[] {file.toString(), tooLong}) {
      assertFalse(m.contains("Exception") || m.contains("\n"), m);
    }
  }

  @Test
  void procIsNotAPlaceForReports() {
    assumeTrue(Files.isDirectory(Path.of("/proc/self")));
    String m = refused(Path.of("/proc/cowsim-out"));
    assertTrue(m.startsWith("--out /proc/cowsim-out: "), m);
  }

  @Test
  void aReadOnlyDirectoryIsRefused(@TempDir Path dir) throws Exception {
    Path ro = Files.createDirectory(dir.resolve("ro"));
    assumeTrue(ro.toFile().setWritable(false, false));
    try {
      assumeTrue(!Files.isWritable(ro), "running as root: permissions do not stop writes");
      String m = refused(ro);
      assertEquals("--out " + ro + ": not writable: permission denied", m);
    } finally {
      ro.toFile().setWritable(true, false);
    }
  }

  @Test
  void theDefaultDirectoryIsNamedAsSuch(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("runs"), "x");
    OutputException e = assertThrows(OutputException.class, () -> Output.prepare(null, file.resolve("run-1"), ConfigFactory.load()));
    assertEquals("output directory " + file.resolve("run-1") + ": not a directory", e.getMessage());
  }

  @Test
  void aFileIsWrittenWholeAndNothingElseIsLeft(@TempDir Path dir) throws Exception {
    Output o = Output.prepare(dir.resolve("out"), null, ConfigFactory.load());
    byte[] big = new byte[300_000];
    java.util.Arrays.fill(big, (byte) 'a');
    Path p = o.write("report.json", big);
    assertArrayEquals(big, Files.readAllBytes(p));
    o.writeString("report.json", "{}");
    assertEquals("{}", Files.readString(p));
    try (Stream<Path> files = Files.list(o.dir())) {
      assertEquals(1, files.count(), "no temporary file left");
    }
  }

  @Test
  void aFullDiskLeavesNoReportNotEvenAnOldOne(@TempDir Path dir) throws Exception {
    Output o = Output.prepare(dir, null, space(100_000));
    o.writeString("report.json", "an older run's report");
    byte[] big = new byte[200_000];
    OutputException e = assertThrows(OutputException.class, () -> o.write("report.json", big));
    assertEquals(dir.resolve("report.json") + ": not written: no space left on device (cowsim.debug.output-space)", e.getMessage());
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(0, files.count(), "neither a partial report, nor a temporary file, nor the older report");
    }
  }

  @Test
  void subdirectoriesShareTheSpace(@TempDir Path dir) throws Exception {
    Output o = Output.prepare(dir, null, space(10));
    o.writeString("a.txt", "12345678");
    Output sub = o.sub("first-failure");
    assertThrows(OutputException.class, () -> sub.writeString("report.json", "abc"));
    assertEquals("12345678", Files.readString(dir.resolve("a.txt"), StandardCharsets.UTF_8));
    assertFalse(Files.exists(dir.resolve("first-failure/report.json")));
  }

  @Test
  void theDeviceFullIsAFullDisk() throws Exception {
    // what a real full disk says: /dev/full accepts no byte (ENOSPC)
    assumeTrue(Files.exists(Path.of("/dev/full")));
    java.io.IOException e = assertThrows(java.io.IOException.class, () -> {
      try (var os = Files.newOutputStream(Path.of("/dev/full"))) {
        os.write(new byte[10]);
        os.flush();
      }
    });
    assertEquals("no space left on device", Output.reason(new java.nio.file.FileSystemException("/dev/full", null, e.getMessage())));
  }
}
