package cowsim.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.util.List;

/** Shared scenario texts and assertions for the scenario tests. */
final class Fixtures {
  static final Path DIR = Path.of("src/test/resources/scenario");

  /** A program the assembler accepts, as a one-line HOCON string. */
  static final String PROGRAM = "\"mov rax, SYS_exit\\nmov rdi, 0\\nsyscall\"";

  /** The smallest valid scenario; tests append keys to it (HOCON lets later keys win). */
  static final String BASE =
      "name = t\n" + "processes = [\n" + "  { name = p, program = " + PROGRAM + " }\n" + "]\n";

  private Fixtures() {}

  static Scenario parse(String text, String... sets) throws ScenarioException {
    return ScenarioLoader.parse(text, "t.conf", List.of(sets));
  }

  static ScenarioException fails(String text, String... sets) {
    return assertThrows(ScenarioException.class, () -> parse(text, sets));
  }

  /** The 1-based line of the only line of {@code text} containing {@code marker}. */
  static int lineOf(String text, String marker) {
    String[] lines = text.split("\n", -1);
    int found = 0;
    for (int i = 0; i < lines.length; i++) {
      if (lines[i].contains(marker)) {
        if (found != 0) {
          fail("marker '" + marker + "' is on lines " + found + " and " + (i + 1));
        }
        found = i + 1;
      }
    }
    if (found == 0) {
      fail("marker '" + marker + "' not in text");
    }
    return found;
  }

  static void assertAt(ScenarioException e, String file, int line, String... fragments) {
    assertEquals(file, e.file(), e.getMessage());
    assertEquals(line, e.line(), e.getMessage());
    String prefix = line > 0 ? file + ":" + line + ": " : file + ": ";
    assertEquals(prefix + e.reason(), e.getMessage());
    for (String f : fragments) {
      assertTrue(e.reason().contains(f), () -> "'" + e.reason() + "' lacks '" + f + "'");
    }
    assertTrue(!e.getMessage().contains("\n"), "one-line message");
  }

  /** Asserts that {@code base + extra} fails at the line of {@code marker} in t.conf. */
  static void assertFailsAt(String extra, String marker, String... fragments) {
    String text = BASE + extra;
    ScenarioException e = fails(text);
    assertAt(e, "t.conf", lineOf(text, marker), fragments);
  }
}
