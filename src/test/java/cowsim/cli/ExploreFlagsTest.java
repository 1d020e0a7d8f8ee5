package cowsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** explore's flags that do not go together: exit 2 with one line, before anything runs. */
class ExploreFlagsTest {

  @Test
  void aSystematicSearchIsRefusedOnACluster() {
    PrintStream err = System.err;
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int code;
    try {
      System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
      code = Main.execute("explore", "scenarios/fork-cow-basic.conf", "--cluster", "--strategy", "systematic");
    } finally {
      System.setErr(err);
    }
    String text = buf.toString(StandardCharsets.UTF_8);
    assertEquals(2, code, text);
    assertTrue(text.contains("--cluster: systematic exploration runs on one machine"), text);
    assertEquals(1, text.strip().lines().count(), "one line: " + text);
  }
}
