package cowsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cowsim fidelity --only touch} with a fake cc (a script whose "binary" prints fixed phase
 * lines) and with none: the table, the summary, fidelity.json and the exit codes. Not a test of
 * Linux's numbers: nothing here depends on the host kernel.
 */
class FidelityCommandTest {

  @org.junit.jupiter.api.extension.RegisterExtension final Console console = new Console();
  private final ByteArrayOutputStream out = console.out;

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  /** A cc that writes, as the program, a shell script printing {@code lines}. */
  private static Path fakeCc(Path dir, String lines) throws Exception {
    Path cc = dir.resolve("fake-cc");
    Files.writeString(cc, """
        #!/bin/sh
        if [ "$1" = --version ]; then echo "fake-cc 1.0"; exit 0; fi
        while [ "$1" != -o ]; do shift; done
        printf '#!/bin/sh\\nprintf "%s"\\n' > "$2"
        chmod +x "$2"
        """.formatted(lines));
    Files.setPosixFilePermissions(cc, PosixFilePermissions.fromString("rwxr-xr-x"));
    return cc;
  }

  @Test
  void withAFakeCcBothSidesAreComparedAndAMismatchDiffers(@TempDir Path dir) throws Exception {
    Path cc = fakeCc(dir, "phase write minflt 64\\\\n");
    int code = Main.execute("fidelity", "--only", "touch", "--cc", cc.toString(), "--out", dir.resolve("out").toString());
    assertEquals(0, code, out());
    assertTrue(out().contains("fake-cc 1.0"), out());
    assertTrue(out().lines().anyMatch(l -> l.matches("touch +write +64 +64 +equal")), out());
    assertTrue(out().contains("patterns equal: 1 / 1"), out());
    JsonNode j = new ObjectMapper().readTree(dir.resolve("out/fidelity.json").toFile());
    assertEquals("fake-cc 1.0", j.get("cc_version").asText());
    assertEquals(System.getProperty("os.version"), j.get("linux_release").asText());
    assertEquals("equal", j.get("patterns").get(0).get("verdict").asText());
    assertEquals(64, j.get("patterns").get(0).get("phases").get(0).get("linux_minflt").asLong());

    Path other = fakeCc(dir, "phase write minflt 63\\\\n");
    out.reset();
    assertEquals(0, Main.execute("fidelity", "--only", "touch", "--cc", other.toString(), "--out", dir.resolve("out2").toString()));
    assertTrue(out().lines().anyMatch(l -> l.matches("touch +write +63 +64 +differs <- differs")), out());
    assertTrue(out().contains("patterns equal: 0 / 1"), out());
  }

  @Test
  void withoutCcTheTableShowsCowsimsSideAndExitsZero(@TempDir Path dir) throws Exception {
    int code = Main.execute("fidelity", "--only", "touch", "--cc", dir.resolve("no-such-cc").toString(), "--out", dir.toString());
    assertEquals(0, code, out());
    assertTrue(out().startsWith("no C compiler ("), out());
    assertTrue(out().lines().anyMatch(l -> l.matches("touch +write +- +64 +not measured")), out());
    assertTrue(out().contains("patterns equal: none measured on Linux (1 patterns, cowsim side only)"), out());
    JsonNode j = new ObjectMapper().readTree(dir.resolve("fidelity.json").toFile());
    assertTrue(j.get("cc_version").isNull());
  }

  @Test
  void anUnknownPatternIsOneLineAndExitTwo(@TempDir Path dir) {
    assertEquals(2, Main.execute("fidelity", "--only", "nope", "--out", dir.toString()));
    assertTrue(console.err.toString(StandardCharsets.UTF_8).contains("cowsim: --only nope: no pattern fidelity/nope.conf"));
  }
}
