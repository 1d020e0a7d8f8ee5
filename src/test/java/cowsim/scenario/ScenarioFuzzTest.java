package cowsim.scenario;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Mangled scenario text must fail as a located ScenarioException, never as anything else. */
class ScenarioFuzzTest {
  private static final String NOISE = "{}[]=:,\"\n $0x-.#/";
  private static final String[] WORDS = {
    "0",
    "-1",
    "null",
    "true",
    "\"\"\"",
    "16 KiB",
    "0x1000",
    "${x}",
    "include required(\"n\")",
    "cpuz",
    "[]",
    "{}",
    "4097",
    "rw",
    "jmp nowhere",
  };

  @Test
  void mangledScenariosFailCleanly() throws Exception {
    String original =
        Files.readString(Fixtures.DIR.resolve("fork-cow-basic.conf"), StandardCharsets.UTF_8);
    Random random = new Random(1234);
    int accepted = 0;
    for (int i = 0; i < 600; i++) {
      String text = mangle(original, random, 1 + random.nextInt(3));
      try {
        ScenarioLoader.parse(text, "fuzz.conf", List.of());
        accepted++;
      } catch (ScenarioException e) {
        assertNotNull(e.reason());
        assertTrue(e.line() >= 0);
        assertFalse(e.getMessage().isBlank());
      } catch (RuntimeException e) {
        fail("input #" + i + " escaped as " + e + "\n" + text, e);
      }
    }
    // The mutations should mostly break the file; if they never did, the test would be vacuous.
    assertTrue(accepted < 600, "some mutations must be rejected");
  }

  private static String mangle(String text, Random random, int edits) {
    StringBuilder b = new StringBuilder(text);
    for (int e = 0; e < edits; e++) {
      int at = random.nextInt(b.length());
      switch (random.nextInt(4)) {
        case 0 -> b.deleteCharAt(at);
        case 1 -> b.insert(at, NOISE.charAt(random.nextInt(NOISE.length())));
        case 2 -> b.insert(at, WORDS[random.nextInt(WORDS.length)]);
        default -> {
          int end = Math.min(b.length(), at + 1 + random.nextInt(20));
          b.delete(at, end);
        }
      }
    }
    return b.toString();
  }
}
