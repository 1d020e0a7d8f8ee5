package cowsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** explore's flags that do not go together, and inputs --cluster cannot take: exit 2 with one line, before anything runs. */
class ExploreFlagsTest {

  @RegisterExtension final Console console = new Console();

  @TempDir Path dir;

  private String oneLineError(int code) {
    String text = console.err.toString(StandardCharsets.UTF_8);
    assertEquals(2, code, text);
    assertEquals(1, text.strip().lines().count(), "one line: " + text);
    return text;
  }

  @Test
  void aSystematicSearchIsRefusedOnACluster() {
    String text = oneLineError(Main.execute("explore", "scenarios/fork-cow-basic.conf", "--cluster", "--strategy", "systematic"));
    assertTrue(text.contains("--cluster: systematic exploration runs on one machine"), text);
  }

  @Test
  void aScenarioTooLargeForAWorkItemIsRefusedBeforeTheCoordinatorStarts() throws Exception {
    Path big = dir.resolve("big.conf");
    Files.writeString(big, Files.readString(Path.of("scenarios/fork-cow-basic.conf")) + "\ndescription = \"" + "x".repeat(300_000) + "\"\n");
    String text = oneLineError(Main.execute("explore", big.toString(), "--cluster", "--bind", "127.0.0.1:1", "--runs", "2"));
    assertTrue(text.startsWith(big + ": too large for --cluster: its text with its includes takes "), text);
    assertTrue(text.contains("maximum-frame-size, 262144 bytes now"), text);
    assertTrue(!console.out.toString(StandardCharsets.UTF_8).contains("cluster: coordinator at"), "not started");
  }
}
