package cowsim.scenario;

import static cowsim.scenario.Fixtures.BASE;
import static cowsim.scenario.Fixtures.DIR;
import static cowsim.scenario.Fixtures.PROGRAM;
import static cowsim.scenario.Fixtures.assertAt;
import static cowsim.scenario.Fixtures.fails;
import static cowsim.scenario.Fixtures.lineOf;
import static cowsim.scenario.Fixtures.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import cowsim.machine.mmu.HugeTlb;

/** Loading scenarios that are valid: defaults, the full format, includes, files and overrides. */
class ScenarioLoaderTest {

  @Test
  void defaultsFillEverythingNotWritten() throws Exception {
    Scenario s = parse(BASE);
    assertEquals("t.conf", s.origin());
    assertEquals("t", s.name());
    assertEquals("", s.description());
    assertEquals(1, s.seed());
    assertEquals(Mode.DETERMINISTIC, s.mode());
    assertEquals(new Machine(2, 16L << 20, 1, 64, 4), s.machine());
    assertEquals(HugeTlb.DEFAULT, s.machine().hugeTlb(), "the code's default is scenario-defaults.conf's");
    assertEquals(4096, s.machine().frames());
    assertEquals("strat9", s.kernel().profile());
    assertEquals("strat9", s.kernel().raw().getString("profile"));
    assertEquals(new Limits(100_000_000L, Duration.ofSeconds(60), 1000, 50_000_000L), s.limits());
    assertNull(s.expect().exitCode());
    assertTrue(s.expect().exitCodes().isEmpty());
    assertTrue(s.expect().stats().isEmpty());
    assertTrue(s.expect().violations().isEmpty());

    ProcessSpec p = s.processes().get(0);
    assertEquals("p", p.name());
    assertNull(p.cpu());
    assertEquals(16 * 1024, p.stackBytes());
    assertEquals(ProcessSpec.STACK_TOP - 16 * 1024, p.stackBase());
    assertFalse(p.kernelThread());
    assertTrue(p.memory().isEmpty());
    assertEquals(3, p.line());
    assertEquals(3, p.program().size());
  }

  @Test
  void readsTheTwoMegabyteTlbEntries() throws Exception {
    Scenario shared = parse(BASE + "machine.tlb.huge { mode = shared }\n");
    assertEquals(new HugeTlb(HugeTlb.Mode.SHARED, 32, 4), shared.machine().hugeTlb());
    Scenario split = parse(BASE + "machine.tlb { huge { entries = 16, ways = 16 } }\n");
    assertEquals(new HugeTlb(HugeTlb.Mode.SPLIT, 16, 16), split.machine().hugeTlb());
    assertEquals(64, split.machine().tlbEntries(), "the 4 KiB entries as they were");
    Scenario set = parse(BASE, "machine.tlb.huge.mode=shared");
    assertEquals(HugeTlb.Mode.SHARED, set.machine().hugeTlb().mode());
  }

  @Test
  void readsEveryFieldOfTheFullFormat() throws Exception {
    Scenario s = ScenarioLoader.load(DIR.resolve("fork-cow-basic.conf"), List.of());
    assertEquals(DIR.resolve("fork-cow-basic.conf").toString(), s.origin());
    assertEquals("fork-cow-basic", s.name());
    assertEquals("fork, then the child writes: one COW copy", s.description());
    assertEquals(42, s.seed());
    assertEquals(Mode.CONCURRENT, s.mode());
    assertEquals(new Machine(4, 32L << 20, 2, 32, 8), s.machine());
    assertEquals(4, s.machine().tlbSets());

    assertEquals(2, s.processes().size());
    ProcessSpec parent = s.processes().get(0);
    assertEquals("parent", parent.name());
    assertEquals(0, parent.cpu());
    assertEquals(9, parent.line());
    assertEquals(
        List.of(
            new Region(0x400000, 16 * 1024, true, true), new Region(0x800000, 8192, false, false)),
        parent.memory());
    assertEquals(5, parent.program().size());
    ProcessSpec idle = s.processes().get(1);
    assertTrue(idle.kernelThread());
    assertEquals(0, idle.stackBytes());
    assertNull(idle.cpu());
    assertEquals(3, idle.program().size());

    Expect e = s.expect();
    assertEquals(0, e.exitCode());
    assertEquals(List.of("parent", "idle"), List.copyOf(e.exitCodes().keySet()));
    assertEquals(Map.of("parent", 0, "idle", 0), e.exitCodes());
    // File order, not alphabetical: reports print them as written.
    assertEquals(List.of("cow_copies", "forks", "exits"), List.copyOf(e.stats().keySet()));
    assertEquals(3L, e.stats().get("exits"));
    assertEquals(List.of(cowsim.check.ViolationKind.STALE_TLB, cowsim.check.ViolationKind.FRAME_LEAK), e.violations());
    assertEquals(new Limits(5_000_000, Duration.ofSeconds(5), 10, 50_000_000L), s.limits());
  }

  @Test
  void loadsAClasspathResource() throws Exception {
    Scenario s = ScenarioLoader.loadResource("scenario/fork-cow-basic.conf", List.of("seed=7"));
    assertEquals("scenario/fork-cow-basic.conf", s.origin());
    assertEquals(7, s.seed());
    assertEquals(2, s.processes().size());
  }

  @Test
  void aRegionAsLargeAsTheUserHalfLoadsAsARange() throws Exception {
    // 128 TiB less the first 4 MiB, with no stack: every region size up to the user half is a range
    long at = 0x40_0000L;
    long size = Region.USER_END - at;
    Scenario s =
        Fixtures.parse(
            "name = t\nprocesses = [ { name = p, stack = 0, program = " + Fixtures.PROGRAM
                + ", memory = [ { at = " + at + ", size = " + size + " } ] } ]\n");
    assertEquals(new Region(at, size, true, false), s.processes().get(0).memory().get(0));
  }

  @Test
  void missingResourceIsAnError() {
    ScenarioException e =
        assertThrows(
            ScenarioException.class,
            () -> ScenarioLoader.loadResource("scenario/nope.conf", List.of()));
    assertAt(e, "scenario/nope.conf", 0, "no such resource");
  }

  @Test
  void resourceErrorsNameTheResourceAndLine() {
    ScenarioException e =
        assertThrows(
            ScenarioException.class,
            () -> ScenarioLoader.loadResource("scenario/asm-error.conf", List.of()));
    assertAt(e, "scenario/asm-error.conf", 8, "processes[1].program: undefined label 'loop2'");
  }

  @Test
  void includeRequiredIsRelativeToTheFile() throws Exception {
    Scenario s = ScenarioLoader.load(DIR.resolve("with-include.conf"), List.of());
    assertEquals(8, s.machine().cpus());
    assertEquals(64L << 20, s.machine().memoryBytes());
    assertEquals(64, s.machine().tlbEntries());
  }

  @Test
  void errorsInAnIncludedFileNameThatFile() {
    ScenarioException e =
        assertThrows(
            ScenarioException.class,
            () -> ScenarioLoader.load(DIR.resolve("include-bad.conf"), List.of()));
    assertAt(e, DIR.resolve("common/bad-machine.conf").toString(), 4, "unknown key 'cpuz'");
  }

  @Test
  void includeWorksFromAnAbsolutePathToo(@TempDir Path dir) throws Exception {
    Files.createDirectories(dir.resolve("inc"));
    Files.writeString(dir.resolve("inc/hw.conf"), "machine.cpus = 3\n");
    Path file = dir.resolve("s.conf");
    Files.writeString(file, BASE + "include required(\"inc/hw.conf\")\n");
    assertEquals(3, ScenarioLoader.load(file, List.of()).machine().cpus());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "0x400000       | 4194304",
        "\"0x400000\"   | 4194304",
        "0X40_0000      | 4194304",
        "4194304        | 4194304",
        "\"4194304\"    | 4194304",
        "0x7fffffff0000 | 140737488289792",
      })
  void regionAddressesInHexOrDecimal(String at, long expected) throws Exception {
    Scenario s =
        parse(
            BASE
                + "processes = [ { name = p, stack = 0, program = "
                + PROGRAM
                + ", memory = [ { at = "
                + at
                + ", size = 4 KiB } ] } ]\n");
    assertEquals(expected, s.processes().get(0).memory().get(0).at());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "16 KiB     | 16384",
        "16K        | 16384",
        "\"16 KiB\" | 16384",
        "16384      | 16384",
        "0x4000     | 16384",
        "1 MiB      | 1048576",
        "2 MiB      | 2097152",
      })
  void sizesInHoconSyntax(String size, long expected) throws Exception {
    Scenario s =
        parse(
            BASE
                + "processes = [ { name = p, stack = "
                + size
                + ", program = "
                + PROGRAM
                + ", memory = [ { at = 0x400000, size = "
                + size
                + " } ] } ]\n");
    ProcessSpec p = s.processes().get(0);
    assertEquals(expected, p.memory().get(0).size());
    assertEquals(expected, p.stackBytes());
  }

  @Test
  void durationsInHoconSyntax() throws Exception {
    assertEquals(Duration.ofMillis(500), parse(BASE + "limits.timeout = 500ms").limits().timeout());
    assertEquals(Duration.ofMinutes(2), parse(BASE + "limits.timeout = 2m").limits().timeout());
  }

  @Test
  void machineLimitsAreInclusive() throws Exception {
    Machine m =
        parse(BASE + "machine { cpus = 4096, memory = 64 GiB, memory-banks = 64 }").machine();
    assertEquals(4096, m.cpus());
    assertEquals(64L << 30, m.memoryBytes());
    assertEquals(64, m.memoryBanks());
    Machine small =
        parse(BASE + "machine { cpus = 1, memory = 1 MiB, tlb { entries = 1, ways = 1 } }")
            .machine();
    assertEquals(256, small.frames());
  }

  @Test
  void seedTakesAnyLong() throws Exception {
    assertEquals(-5, parse(BASE + "seed = -5").seed());
    assertEquals(Long.MAX_VALUE, parse(BASE + "seed = 9223372036854775807").seed());
  }

  @Test
  void regionNextToTheStackIsFine() throws Exception {
    long below = ProcessSpec.STACK_TOP - 16 * 1024 - 4096;
    Scenario s =
        parse(
            BASE
                + "processes = [ { name = p, program = "
                + PROGRAM
                + ", memory = [ { at = "
                + below
                + ", size = 4 KiB } ] } ]\n");
    assertEquals(below, s.processes().get(0).memory().get(0).at());
  }

  @Test
  void withoutStackTheTopOfUserSpaceIsFree() throws Exception {
    Scenario s =
        parse(
            BASE
                + "processes = [ { name = p, stack = 0, program = "
                + PROGRAM
                + ", memory = [ { at = 0x7ffffffff000, size = 4 KiB } ] } ]\n");
    assertEquals(Region.USER_END, s.processes().get(0).memory().get(0).end());
  }

  @Test
  void explicitNullCpuMeansAnyCpu() throws Exception {
    assertNull(
        parse(BASE + "processes = [ { name = p, cpu = null, program = " + PROGRAM + " } ]")
            .processes()
            .get(0)
            .cpu());
  }

  @Test
  void programOnTheSameLineAsTheQuotesAssembles() throws Exception {
    String text =
        "name = t\nprocesses = [ { name = p, program = \"\"\"mov rax, SYS_exit\n"
            + "  mov rdi, 0\n  syscall\"\"\" } ]\n";
    assertEquals(3, parse(text).processes().get(0).program().size());
  }

  @Test
  void setOverridesWinOverTheFile() throws Exception {
    Scenario s =
        ScenarioLoader.load(
            DIR.resolve("fork-cow-basic.conf"),
            List.of("machine.cpus=8", "mode=deterministic", "machine.memory=64 MiB", "seed=3"));
    assertEquals(8, s.machine().cpus());
    assertEquals(64L << 20, s.machine().memoryBytes());
    // Untouched siblings of an overridden key stay as the file has them.
    assertEquals(2, s.machine().memoryBanks());
    assertEquals(Mode.DETERMINISTIC, s.mode());
    assertEquals(3, s.seed());
  }

  @Test
  void setOverridesDefaultsAndLaterSetsWin() throws Exception {
    Scenario s =
        parse(BASE, "mode=concurrent", "machine.tlb.ways=8", "machine.cpus=8", "machine.cpus=16");
    assertEquals(Mode.CONCURRENT, s.mode());
    assertEquals(8, s.machine().tlbWays());
    assertEquals(16, s.machine().cpus());
  }

  @Test
  void setTakesAnyHoconValue() throws Exception {
    Scenario s =
        parse(
            BASE,
            "description=\"two words\"",
            "expect.violations=[deadlock]",
            "expect.exit-codes.q=3",
            "processes=[{name=q, cpu=1, program=\"mov rax, SYS_exit\\nsyscall\"}]");
    assertEquals("two words", s.description());
    assertEquals(List.of(cowsim.check.ViolationKind.DEADLOCK), s.expect().violations());
    assertEquals("q", s.processes().get(0).name());
    assertEquals(1, s.processes().get(0).cpu());
    assertEquals(Map.of("q", 3), s.expect().exitCodes());
    ScenarioException e =
        fails(BASE + "expect.exit-codes.p = 0\n", "processes=[{name=q, program=\"syscall\"}]");
    assertAt(e, "t.conf", 5, "unknown process 'p'");
  }

  @Test
  void setRaisingCpusMakesAPinnedCpuValid() throws Exception {
    String text = BASE + "processes = [ { name = p, cpu = 3, program = " + PROGRAM + " } ]\n";
    fails(text);
    assertEquals(3, parse(text, "machine.cpus=4").processes().get(0).cpu());
  }

  @Test
  void filePathsAreShownAsGiven(@TempDir Path dir) throws IOException {
    Path file = dir.resolve("x.conf");
    String text = BASE + "machine {\n  cpuz = 1\n}\n";
    Files.writeString(file, text);
    ScenarioException e =
        assertThrows(ScenarioException.class, () -> ScenarioLoader.load(file, List.of()));
    assertAt(e, file.toString(), lineOf(text, "cpuz"), "unknown key 'cpuz' in machine");
  }

  @Test
  void nullSetsMeansNone() throws Exception {
    assertEquals("t", ScenarioLoader.parse(BASE, "t.conf", null).name());
  }
}
