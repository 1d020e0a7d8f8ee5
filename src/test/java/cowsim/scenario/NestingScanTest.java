package cowsim.scenario;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The nesting pre-scan: what counts as a level, what is skipped, where it reports. */
class NestingScanTest {

  @Test
  void bracesBracketsAndDottedKeysCount() {
    assertEquals(new NestingScan.TooDeep(1, 4), NestingScan.check("a { b { c { d { } } } }", 3));
    assertEquals(new NestingScan.TooDeep(1, 4), NestingScan.check("a = [[[[1]]]]", 3));
    assertEquals(new NestingScan.TooDeep(1, 4), NestingScan.check("a.b.c.d.e = 1", 3), "a.b.c.d.e nests 4 below a");
    assertEquals(new NestingScan.TooDeep(2, 3), NestingScan.check("x = 1\na.b { c { d = 1 } }", 2), "a.b { is 2 levels, c { the third");
    assertNull(NestingScan.check("a { b { c = 1 } }", 2));
  }

  @Test
  void stringsCommentsSubstitutionsAndValuesDoNotCount() {
    assertNull(NestingScan.check("a = \"{{{{{{ [[[[[[ a.b.c.d.e\"", 1));
    assertNull(NestingScan.check("a = \"\"\"{{{{\n[[[[\n\"\"\"", 1));
    assertNull(NestingScan.check("# {{{{{{\n// [[[[[[\na = 1", 1));
    assertNull(NestingScan.check("a = ${x.y.z.w.v}", 1));
    assertNull(NestingScan.check("a = 1.2.3.4.5.6", 1), "dots in a value are not a key path");
    assertNull(NestingScan.check("a = \"\\\"{{{{\"", 1), "an escaped quote does not end the string");
  }

  @Test
  void theLineIsWhereItFirstGoesTooDeep() {
    assertEquals(3, NestingScan.check("a {\n b {\n  c {\n", 2).line());
    assertEquals(5, NestingScan.check("a = 1\nb = \"\"\"\n\n\"\"\"\nc = [[[\n", 2).line(), "lines in a string count");
  }

  @Test
  void everyBundledScenarioIsFarBelowTheLimit() throws Exception {
    try (Stream<Path> files = Files.walk(Path.of("scenarios"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".conf")).toList()) {
        assertNull(NestingScan.check(Files.readString(f), 8), f.toString());
      }
    }
  }
}
