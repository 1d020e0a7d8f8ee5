package cowsim.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The stats registry: each stat declared once, with a name, a unit and one line of doc. */
class StatTest {

  @Test
  void namesAreUniqueSnakeCaseAndFindTheirStat() {
    Set<String> seen = new HashSet<>();
    for (Stat s : Stat.values()) {
      assertTrue(s.key.matches("[a-z][a-z0-9_]*"), s.key);
      assertEquals(s.name().toLowerCase(java.util.Locale.ROOT), s.key, "the constant spells its key");
      assertTrue(seen.add(s.key), s.key + " declared twice");
      assertSame(s, Stat.of(s.key));
      assertEquals(s.key, s.toString());
    }
    assertNull(Stat.of("cow_copy"));
    assertNull(Stat.of("COW_COPIES"));
  }

  @Test
  void everyStatSaysWhatItCountsInWhatUnit() {
    for (Stat s : Stat.values()) {
      assertFalse(s.unit.isBlank(), s.key);
      assertFalse(s.unit.contains("|") || s.doc.contains("|"), s.key + ": the README table cannot hold a '|'");
      assertTrue(s.doc.length() > 10 && !s.doc.contains("\n"), s.key + ": one line of doc");
    }
  }

  @Test
  void theReportOrderStartsAsItAlwaysHas() {
    // report.json has printed these first, in this order, since before the registry
    List<String> before =
        List.of(
            "cycles", "instructions", "memory_ops", "tlb_hits", "tlb_misses", "page_walks", "page_faults",
            "demand_zero_faults", "cow_faults", "cow_copies", "cow_reuses", "spurious_faults", "invlpg",
            "tlb_flushes", "ipis", "shootdowns", "ack_timeouts", "forks", "threads", "exits",
            "context_switches", "syscalls", "frames_total", "frames_allocated", "frames_freed",
            "frames_in_use", "messages", "host_millis");
    assertEquals(before, Stat.keys().subList(0, before.size()));
  }

  @Test
  void onlyHostTimeAndTheDistributionsCannotBeExpected() {
    assertEquals(List.of(Stat.HOST_MILLIS), java.util.Arrays.stream(Stat.values()).filter(s -> !s.simulated).toList());
    assertEquals(List.of(Stat.SHOOTDOWN_WAIT, Stat.FAULT_LATENCY), Stat.distributions());
    assertEquals(Stat.values().length - 1 - Stat.distributions().size(), Stat.expectableKeys().size());
    assertEquals(Stat.values().length - Stat.distributions().size(), Stat.keys().size());
    for (Stat d : Stat.distributions()) {
      assertTrue(d.distribution());
      assertFalse(Stat.keys().contains(d.key), d.key + ": not a counter of report.json's stats");
    }
    assertFalse(Stat.expectableKeys().contains("host_millis"));
    assertThrows(UnsupportedOperationException.class, () -> Stat.keys().add("x"));
    assertThrows(UnsupportedOperationException.class, () -> Stat.expectableKeys().clear());
  }

  @Test
  void theReadmeTableIsTheRegistry() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    int from = readme.indexOf("\n### Stats\n");
    assertTrue(from >= 0, "README has the stats section");
    int end = readme.indexOf("\n## ", from);
    String section = readme.substring(from, end < 0 ? readme.length() : end);
    Matcher row = Pattern.compile("(?m)^\\| `([a-z0-9_]+)` \\| ([^|]+) \\| ([^|]+) \\|$").matcher(section);
    List<String> listed = new ArrayList<>();
    while (row.find()) {
      Stat s = Stat.of(row.group(1));
      assertTrue(s != null, "README lists an unknown stat " + row.group(1));
      assertEquals(s.unit, row.group(2).trim(), s.key);
      assertEquals(s.doc, row.group(3).trim(), s.key);
      listed.add(s.key);
    }
    List<String> all = java.util.Arrays.stream(Stat.values()).map(st -> st.key).toList();
    assertEquals(all, listed, "the README's stats table, row for row (counters and distributions)");
  }

  @Test
  void theRegistryImportsNothingOfCowsim() throws Exception {
    try (Stream<Path> files = Files.list(Path.of("src/main/java/cowsim/stats"))) {
      for (Path f : files.toList()) {
        for (String line : Files.readAllLines(f)) {
          assertFalse(line.startsWith("import cowsim."), f + ": " + line);
        }
      }
    }
  }
}
