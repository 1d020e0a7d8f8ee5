package cowsim.scenario;

import static cowsim.scenario.Fixtures.BASE;
import static cowsim.scenario.Fixtures.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The scenario records: immutability, the command-line copies and the shared name lists. */
class ScenarioRecordsTest {

  @Test
  void withSeedAndWithModeChangeOnlyThatField() throws Exception {
    Scenario s = parse(BASE);
    Scenario t = s.withSeed(99).withMode(Mode.CONCURRENT);
    assertEquals(99, t.seed());
    assertEquals(Mode.CONCURRENT, t.mode());
    assertEquals(1, s.seed());
    assertEquals(Mode.DETERMINISTIC, s.mode());
    assertSame(s.machine(), t.machine());
    assertSame(s.processes(), t.processes());
    assertEquals(s.withSeed(99).withMode(Mode.CONCURRENT), t);
    assertNotSame(s, s.withSeed(1));
  }

  @Test
  void modeSpellingIsLowercase() {
    assertEquals("deterministic", Mode.DETERMINISTIC.toString());
    assertEquals("concurrent", Mode.CONCURRENT.toString());
    assertEquals(List.of("deterministic", "concurrent"), Mode.NAMES);
    assertEquals(Optional.of(Mode.CONCURRENT), Mode.parse("concurrent"));
    assertEquals(Optional.empty(), Mode.parse("CONCURRENT"));
  }

  @Test
  void sharedNameListsAreImmutableAndComplete() {
    assertEquals(cowsim.check.ViolationKind.values().length, Expect.VIOLATION_KINDS.size());
    assertEquals("assertion", Expect.VIOLATION_KINDS.get(Expect.VIOLATION_KINDS.size() - 1));
    assertThrows(UnsupportedOperationException.class, () -> Expect.VIOLATION_KINDS.set(0, "x"));
    assertThrows(UnsupportedOperationException.class, () -> Kernel.PROFILES.add("linux"));
    assertThrows(UnsupportedOperationException.class, () -> Mode.NAMES.clear());
  }

  @Test
  void loadedCollectionsAreUnmodifiable() throws Exception {
    Scenario s =
        parse(
            BASE
                + "processes = [ { name = p, program = "
                + Fixtures.PROGRAM
                + ", memory = [ { at = 0x400000, size = 4 KiB } ] } ]\n"
                + "expect { exit-codes { p = 1 }, stats { forks = 0 }, violations = [deadlock]"
                + " }\n");
    assertThrows(UnsupportedOperationException.class, () -> s.processes().clear());
    assertThrows(UnsupportedOperationException.class, () -> s.processes().get(0).memory().clear());
    assertThrows(UnsupportedOperationException.class, () -> s.expect().exitCodes().put("x", 1));
    assertThrows(UnsupportedOperationException.class, () -> s.expect().stats().clear());
    assertThrows(UnsupportedOperationException.class, () -> s.expect().violations().clear());
  }

  @Test
  void recordsCopyWhatTheyAreGiven() {
    Map<String, Long> stats = new LinkedHashMap<>();
    stats.put("forks", 1L);
    stats.put("cycles", 2L);
    List<cowsim.check.ViolationKind> violations = new ArrayList<>(List.of(cowsim.check.ViolationKind.DEADLOCK));
    Expect e = new Expect(null, Map.of(), stats, violations);
    stats.put("exits", 3L);
    violations.clear();
    assertEquals(List.of("forks", "cycles"), List.copyOf(e.stats().keySet()));
    assertEquals(List.of(cowsim.check.ViolationKind.DEADLOCK), e.violations());
    assertEquals(Expect.none(), new Expect(null, Map.of(), Map.of(), List.of()));
  }

  @Test
  void regionGeometry() {
    Region r = new Region(0x400000, 0x2000, true, false);
    assertEquals(0x402000, r.end());
    assertTrue(r.contains(0x401fff));
    assertFalse(r.contains(0x402000));
    assertFalse(r.contains(0x3fffff));
    assertTrue(r.overlaps(new Region(0x401000, 0x1000, false, false)));
    assertFalse(r.overlaps(new Region(0x402000, 0x1000, false, false)));
    assertFalse(r.overlaps(new Region(0x3ff000, 0x1000, false, false)));
  }

  @Test
  void aRegionIsOf4KiBPagesUnlessItSays2MiB() {
    Region r = new Region(0x400000, 0x2000, true, false);
    assertEquals(Machine.PAGE_SIZE, r.pageSize());
    assertFalse(r.huge());
    assertEquals(new Region(0x400000, 0x2000, true, false, 4096), r);
    assertTrue(new Region(0x400000, 2L << 20, true, false, Region.HUGE_PAGE_SIZE).huge());
  }

  @Test
  void machineDerivedValues() {
    Machine m = new Machine(2, 16L << 20, 1, 64, 4);
    assertEquals(4096, m.frames());
    assertEquals(16, m.tlbSets());
  }

  @Test
  void exceptionMessageFormats() {
    ScenarioException withLine = new ScenarioException("a.conf", 12, "bad");
    assertEquals("a.conf:12: bad", withLine.getMessage());
    assertEquals("a.conf", withLine.file());
    assertEquals(12, withLine.line());
    assertEquals("bad", withLine.reason());
    assertEquals("a.conf: bad", new ScenarioException("a.conf", 0, "bad").getMessage());
    assertEquals("--set x=y: bad", new ScenarioException("--set x=y", 0, "bad").getMessage());
  }
}
