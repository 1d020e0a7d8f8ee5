package cowsim.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the loader reads at all, before Typesafe Config opens a file. */
class ScenarioFilesTest {

  @TempDir Path dir;

  @Test
  void aSmallUtf8FileIsRead() throws Exception {
    Path f = dir.resolve("ok.conf");
    Files.writeString(f, "name = caf\u00e9\n", StandardCharsets.UTF_8);
    ScenarioFiles.Read r = ScenarioFiles.read(f);
    assertNull(r.problem());
    assertEquals("name = caf\u00e9\n", r.text());
  }

  @Test
  void theLimitIsOneMebibyteExactly() throws Exception {
    Path f = dir.resolve("edge.conf");
    byte[] text = new byte[(int) ScenarioFiles.MAX_BYTES];
    java.util.Arrays.fill(text, (byte) ' ');
    Files.write(f, text);
    assertNull(ScenarioFiles.read(f).problem(), "1 MiB is fine");
    Files.write(f, new byte[(int) ScenarioFiles.MAX_BYTES + 1]);
    ScenarioFiles.Problem p = ScenarioFiles.read(f).problem();
    assertEquals(0, p.line(), "about the file as a whole");
    assertTrue(p.reason().contains("is 1048577 bytes, larger than the 1 MiB"), p.reason());
  }

  @Test
  void notRegularFilesAreRefusedWithoutOpeningThem() throws Exception {
    assertTrue(ScenarioFiles.read(dir).problem().reason().startsWith("is a directory"));
    assertTrue(ScenarioFiles.read(dir.resolve("none")).problem().reason().startsWith("no such file"));
    if (Files.exists(Path.of("/dev/zero"))) {
      assertTrue(ScenarioFiles.read(Path.of("/dev/zero")).problem().reason().startsWith("is not a regular file"));
    }
  }

  @Test
  void badUtf8IsAtTheLineOfItsFirstBadByte() throws Exception {
    Path f = dir.resolve("bad.conf");
    Files.write(f, new byte[] {'a', '\n', 'b', '\n', 'c', (byte) 0xe9, '\n'});
    ScenarioFiles.Problem p = ScenarioFiles.read(f).problem();
    assertEquals(3, p.line());
    assertTrue(p.reason().startsWith("not UTF-8 text (byte 5"), p.reason());
  }

  @Test
  void tooDeepIsAtItsLine() throws Exception {
    Path f = dir.resolve("deep.conf");
    Files.writeString(f, "a = 1\nb = " + "[".repeat(ScenarioFiles.MAX_NESTING + 1) + "\n");
    assertEquals(2, ScenarioFiles.read(f).problem().line());
  }
}
