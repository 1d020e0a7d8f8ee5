package cowsim.scenario;

import static cowsim.scenario.Fixtures.BASE;
import static cowsim.scenario.Fixtures.DIR;
import static cowsim.scenario.Fixtures.PROGRAM;
import static cowsim.scenario.Fixtures.assertAt;
import static cowsim.scenario.Fixtures.assertFailsAt;
import static cowsim.scenario.Fixtures.fails;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bad scenario input: one test per kind, asserting the exact file:line and the message gist. */
class ScenarioErrorsTest {

  /** A process whose extra keys are {@code keys}, replacing BASE's process list. */
  static String process(String keys) {
    return "processes = [\n  { name = p, program = " + PROGRAM + "\n    " + keys + " }\n]\n";
  }

  /** A process with the given memory regions, one per line, and no stack in the way. */
  static String regions(String... regions) {
    return "processes = [\n  { name = p, program = "
        + PROGRAM
        + "\n    memory = [\n      "
        + String.join("\n      ", regions)
        + "\n    ] }\n]\n";
  }

  @Nested
  class UnknownKeys {
    @ParameterizedTest
    @CsvSource(
        delimiter = '|',
        value = {
          "namez = x                                  | at top level (known: name, description,"
              + " seed, mode, machine, kernel, processes, expect, limits, schedule)",
          "machine { cpuz = 8 }                       | in machine (known: cpus, memory,"
              + " memory-banks, tlb, latency)",
          "machine.tlb { entriez = 8 }                | in machine.tlb (known: entries, ways, huge)",
          "machine.tlb.huge { modez = split }         | in machine.tlb.huge (known: mode, entries, ways)",
          "kernel { profilez = strat9 }               | in kernel (known: profile, tlb, refcount, cow-fault, fork, fault, munmap, pcid, mm-lock, ",
          "expect { exit_code = 0 }                   | in expect (known: exit-code, exit-codes,"
              + " stats, violations)",
          "limits { max-cyclez = 1 }                  | in limits (known: max-cycles, timeout,"
              + " max-refaults, lockup-cycles)",
        })
    void atEachLevel(String extra, String gist) {
      String key = extra.replaceAll("^(?:[a-z.]+ \\{ )?([a-z_.-]+) = .*$", "$1");
      assertFailsAt("\n" + extra + "\n", extra, "unknown key '" + key + "' " + gist);
    }

    @Test
    void inAProcess() {
      assertFailsAt(
          process("stak = 0"),
          "stak",
          "unknown key 'stak' in processes[0] (known: name, cpu, memory, stack, kernel-thread,"
              + " program)");
    }

    @Test
    void inARegion() {
      assertFailsAt(
          regions("{ at = 0x400000, size = 4 KiB, perm = rw }"),
          "perm",
          "unknown key 'perm' in processes[0].memory[0] (known: at, size, prot, populate, page-size)");
    }

    @Test
    void theFirstInTheFileIsReported() {
      assertFailsAt("zzz = 1\naaa = 2\n", "zzz", "unknown key 'zzz'");
    }
  }

  @Nested
  class WrongTypes {
    @ParameterizedTest
    @CsvSource(
        delimiter = '|',
        value = {
          "machine.cpus = two         | machine.cpus must be an integer, got string 'two'",
          "machine.cpus = \"2\"       | machine.cpus must be an integer, got string '2'",
          "machine.cpus = 2.5         | machine.cpus must be an integer, got number 2.5",
          "machine.cpus = [2]         | machine.cpus must be an integer, got a list",
          "machine.memory = true      | machine.memory must be a size like 16 KiB or 4096, got"
              + " boolean true",
          "machine.memory = lots      | machine.memory must be a size like 16 KiB or 4096, got"
              + " string 'lots'",
          "machine = 4                | machine must be an object { ... }, got number 4",
          "seed = \"1\"               | seed must be an integer, got string '1'",
          "seed = null                | seed must be an integer, got null",
          "name = { a = 1 }           | name must be a string, got an object",
          "mode = [deterministic]     | mode must be a string, got a list",
          "processes = { name = p }   | processes must be a list [ ... ] of process objects",
          "processes = [ p ]          | processes[0] must be an object { name, program, ... }, got"
              + " string 'p'",
          "limits.timeout = soon      | limits.timeout must be a duration like 60s or 500ms, got"
              + " string 'soon'",
          "limits.max-cycles = 1.5     | limits.max-cycles must be an integer, got number 1.5",
          "expect.exit-code = zero    | expect.exit-code must be an exit code (0..255) or the name of the signal that"
              + " kills the process (SIGABRT, SIGKILL, SIGSEGV), got string 'zero'",
          "expect.exit-codes.p = SIGTERM | expect.exit-codes.p must be an exit code (0..255) or the name of the signal"
              + " that kills the process (SIGABRT, SIGKILL, SIGSEGV), got string 'SIGTERM'",
          "expect.exit-codes.p = \"0\" | expect.exit-codes.p must be an integer, got string '0'",
          "expect.stats.forks = one   | expect.stats.forks must be an integer, got string 'one'",
          "expect.violations = deadlock | expect.violations must be a list [ ... ] of violation"
              + " kinds, got string 'deadlock'",
          "expect.violations = [[deadlock]] | expect.violations[0] must be a string, got a list",
        })
    void scalarsAndSections(String extra, String gist) {
      assertFailsAt("\n" + extra + "\n", extra, gist);
    }

    @Test
    void processFields() {
      assertFailsAt(
          process("kernel-thread = 1"),
          "kernel-thread",
          "processes[0].kernel-thread must be true or false, got number 1");
      assertFailsAt(
          process("cpu = \"0\""), "cpu", "processes[0].cpu must be an integer, got string '0'");
      assertFailsAt(
          process("memory = {}"),
          "memory",
          "processes[0].memory must be a list [ ... ] of regions");
      assertFailsAt(
          process("stack = big"), "stack", "processes[0].stack must be a size like 16 KiB");
    }

    @Test
    void programMustBeAString() {
      String text = "name = t\nprocesses = [ { name = p\n  program = [mov] } ]\n";
      assertAt(fails(text), "t.conf", 3, "processes[0].program must be a string, got a list");
    }

    @Test
    void regionFields() {
      assertFailsAt(
          regions("{ at = 0x400000, size = 4 KiB, populate = \"yes\" }"),
          "populate",
          "processes[0].memory[0].populate must be true or false, got string 'yes'");
      assertFailsAt(
          regions("{ at = here, size = 4 KiB }"),
          "here",
          "processes[0].memory[0].at must be an address like 0x400000, got string 'here'");
      assertFailsAt(
          regions("{ at = 0xZZ, size = 4 KiB }"),
          "0xZZ",
          "processes[0].memory[0].at must be an address like 0x400000");
      assertFailsAt(
          regions("{ at = 0x400000, size = 4 KiB, prot = rwx }"),
          "rwx",
          "processes[0].memory[0].prot must be one of rw, r, got 'rwx'");
      assertFailsAt(
          regions("4096"),
          "4096",
          "processes[0].memory[0] must be an object { at, size, prot, populate }, got number 4096");
    }
  }

  @Nested
  class Ranges {
    @ParameterizedTest
    @CsvSource(
        delimiter = '|',
        value = {
          "machine.cpus = 0              | machine.cpus must be between 1 and 4096, got 0",
          "machine.cpus = 4097           | machine.cpus must be between 1 and 4096, got 4097",
          "machine.memory = 512 KiB      | machine.memory must be between 1 MiB and 64 GiB, got 512"
              + " KiB",
          "machine.memory = 65 GiB       | machine.memory must be between 1 MiB and 64 GiB, got 65"
              + " GiB",
          "machine.memory = 1048577      | machine.memory must be a multiple of 4096 bytes (4 KiB),"
              + " got 1048577",
          "machine.memory = 2000 kB      | machine.memory must be a multiple of 4096 bytes (4 KiB),"
              + " got 2000000",
          "machine.memory-banks = 0      | machine.memory-banks must be between 1 and 64, got 0",
          "machine.memory-banks = 65     | machine.memory-banks must be between 1 and 64, got 65",
          "machine.tlb.entries = 0       | machine.tlb.entries must be between 1 and 65536, got 0",
          "machine.tlb.entries = 131072  | machine.tlb.entries must be between 1 and 65536, got 131072",
          "machine.tlb.ways = 0          | machine.tlb.ways must be between 1 and 128, got 0",
          "machine.tlb.ways = 256        | machine.tlb.ways must be between 1 and 128, got 256",
          "machine.tlb.ways = 3          | machine.tlb.entries must be a multiple of"
              + " machine.tlb.ways, got 64 entries and 3 ways",
          "machine.tlb.huge.entries = 0       | machine.tlb.huge.entries must be between 1 and 65536, got 0",
          "machine.tlb.huge.entries = 131072  | machine.tlb.huge.entries must be between 1 and 65536, got 131072",
          "machine.tlb.huge.ways = 0          | machine.tlb.huge.ways must be between 1 and 128, got 0",
          "machine.tlb.huge.ways = 256        | machine.tlb.huge.ways must be between 1 and 128, got 256",
          "machine.tlb.huge.ways = 3          | machine.tlb.huge.entries must be a multiple of"
              + " machine.tlb.huge.ways, got 32 entries and 3 ways",
          "machine.tlb.huge.mode = both       | machine.tlb.huge.mode must be one of split, shared, got 'both'",
          "limits.max-cycles = 0         | limits.max-cycles must be between 1 and 1000000000000000000, got 0",
          "limits.max-cycles = 1000000000000000001 | limits.max-cycles must be between 1 and 1000000000000000000, got 1000000000000000001",
          "limits.lockup-cycles = 9223372036854775807 | limits.lockup-cycles must be between 1 and 1000000000000000000",
          "limits.timeout = 25d          | limits.timeout must be at most 24 days (the longest timer every Akka scheduler setting accepts), got string '25d'",
          "limits.timeout = 300d         | limits.timeout must be at most 24 days",
          "limits.max-refaults = -1      | limits.max-refaults must be positive, got -1",
          "limits.timeout = 0s           | limits.timeout must be positive, got string '0s'",
          "expect.stats.forks = -1       | expect.stats.forks must be at least 0, got -1",
          "expect.exit-code = 4294967296 | expect.exit-code must be between 0 and 255 (an exit"
              + " status keeps only code & 0xff, as wait4 reports it), got 4294967296",
          "expect.exit-code = 256        | expect.exit-code must be between 0 and 255 (an exit"
              + " status keeps only code & 0xff, as wait4 reports it), got 256",
          "expect.exit-code = -1         | expect.exit-code must be between 0 and 255 (an exit"
              + " status keeps only code & 0xff, as wait4 reports it), got -1",
          "expect.exit-codes.p = 300     | expect.exit-codes.p must be between 0 and 255 (an exit"
              + " status keeps only code & 0xff, as wait4 reports it), got 300",
        })
    void outOfRange(String extra, String gist) {
      assertFailsAt("\n" + extra + "\n", extra, gist);
    }

    @Test
    void theTwoMegabyteEntriesOfEveryCpuCountAgainstTheHeapToo() {
      assertFailsAt(
          "machine {\n  cpus = 4096\n  tlb { entries = 64, huge { entries = 2048 } }\n}\n",
          "huge",
          "machine.tlb.huge.entries times machine.cpus must be at most 4194304 (every CPU's TLB is kept in the heap, 28"
              + " bytes an entry), got 2048 x 4096");
      assertFailsAt(
          "machine.tlb.huge {\n  entries = 30\n}\n", "entries = 30", "machine.tlb.huge.entries must be a multiple of"
              + " machine.tlb.huge.ways, got 30 entries and 4 ways");
    }

    @Test
    void waysNotDividingEntriesBlamesWhatTheAuthorWrote() {
      assertFailsAt(
          "machine.tlb {\n  entries = 30\n}\n", "entries = 30", "got 30 entries and 4 ways");
      assertFailsAt(
          "machine.tlb {\n  entries = 32\n  ways = 5\n}\n",
          "ways = 5",
          "got 32 entries and 5 ways");
    }

    @Test
    void cpuOutOfRange() {
      assertFailsAt(
          process("cpu = 2"),
          "cpu = 2",
          "processes[0].cpu must be between 0 and 1 (machine.cpus = 2), got 2");
      assertFailsAt(process("cpu = -1"), "cpu = -1", "processes[0].cpu must be between 0 and 1");
    }

    @Test
    void stackSizes() {
      assertFailsAt(
          process("stack = 1000"),
          "stack",
          "processes[0].stack must be a multiple of 4096 bytes (4 KiB), got 1000");
      assertFailsAt(process("stack = -4096"), "stack", "processes[0].stack must be between 0 and");
    }
  }

  @Nested
  class Regions {
    @Test
    void unalignedStart() {
      assertFailsAt(
          regions("{ at = 0x400010, size = 4 KiB }"),
          "0x400010",
          "processes[0].memory[0].at must be page-aligned (a multiple of 0x1000), got 0x400010");
    }

    @Test
    void sizeNotAPageMultiple() {
      assertFailsAt(
          regions("{ at = 0x400000, size = 1000 }"),
          "1000",
          "processes[0].memory[0].size must be a multiple of 4096 bytes (4 KiB), got 1000");
    }

    @Test
    void zeroSize() {
      assertFailsAt(
          regions("{ at = 0x400000, size = 0 }"),
          "size = 0",
          "processes[0].memory[0].size must be positive, got 0");
    }

    @Test
    void pageZero() {
      assertFailsAt(
          regions("{ at = 0, size = 4 KiB }"),
          "at = 0,",
          "processes[0].memory[0].at must not be in page 0 (the first 4 KiB stays unmapped), got"
              + " 0x0");
    }

    @Test
    void negativeStart() {
      assertFailsAt(
          regions("{ at = -4096, size = 4 KiB }"),
          "-4096",
          "processes[0].memory[0].at must be at least 0, got -4096");
    }

    @Test
    void pastTheUserHalf() {
      assertFailsAt(
          "processes = [ { name = p, stack = 0, program = "
              + PROGRAM
              + "\n  memory = [ { at = 0x7ffffffff000, size = 8 KiB } ] } ]\n",
          "0x7ffffffff000",
          "processes[0].memory[0] [0x7ffffffff000, 0x800000001000) must end at or below"
              + " 0x800000000000 (the user half)");
      assertFailsAt(
          regions("{ at = 0x800000000000, size = 4 KiB }"),
          "0x800000000000",
          "must end at or below 0x800000000000");
      assertFailsAt(
          regions("{ at = 0x7fffffffffffe000, size = 0x4000 }"),
          "0x7fffffffffffe000",
          "must end at or below 0x800000000000");
    }

    @Test
    void overlappingRegions() {
      assertFailsAt(
          regions(
              "{ at = 0x400000, size = 8 KiB }",
              "{ at = 0x3ff000, size = 4 KiB }",
              "{ at = 0x401000, size = 4 KiB }"),
          "0x401000",
          "processes[0].memory[2] [0x401000, 0x402000) overlaps processes[0].memory[0] [0x400000,"
              + " 0x402000)");
    }

    @Test
    void regionOverlappingTheStack() {
      assertFailsAt(
          regions("{ at = 0x7fffffffc000, size = 4 KiB }"),
          "0x7fffffffc000",
          "processes[0].memory[0] [0x7fffffffc000, 0x7fffffffd000) overlaps the stack"
              + " [0x7fffffffb000, 0x7ffffffff000) (processes[0].stack = 16 KiB)");
    }

    @Test
    void missingAtOrSize() {
      assertFailsAt(
          regions("{ size = 4 KiB }"),
          "{ size",
          "processes[0].memory[0]: missing required key 'at'");
      assertFailsAt(
          regions("{ at = 0x400000 }"),
          "{ at",
          "processes[0].memory[0]: missing required key 'size'");
    }
  }

  @Nested
  class Processes {
    @Test
    void duplicateNames() {
      String text =
          "name = t\nprocesses = [\n  { name = a, program = "
              + PROGRAM
              + " }\n  { name = b, program = "
              + PROGRAM
              + " }\n  { name = a, program = "
              + PROGRAM
              + " }\n]\n";
      assertAt(
          fails(text),
          "t.conf",
          5,
          "processes[2].name: duplicate process name 'a' (already used by processes[0])");
    }

    @Test
    void badNames() {
      assertFailsAt(
          "name = \"two words\"\n",
          "two words",
          "name must match [A-Za-z0-9._-]+, got 'two words'");
      assertFailsAt("name = \"\"\n", "name = \"\"", "name must match");
      assertFailsAt(
          "processes = [ { name = \"a/b\", program = " + PROGRAM + " } ]\n",
          "a/b",
          "processes[0].name must match [A-Za-z0-9._-]+, got 'a/b'");
    }

    @Test
    void missingProgram() {
      String text = "name = t\nprocesses = [\n  { name = p }\n]\n";
      assertAt(fails(text), "t.conf", 3, "processes[0]: missing required key 'program'");
    }

    @Test
    void missingProcessName() {
      String text = "name = t\nprocesses = [\n  { program = " + PROGRAM + " }\n]\n";
      assertAt(fails(text), "t.conf", 3, "processes[0]: missing required key 'name'");
    }

    @Test
    void missingScenarioNameIsAtLineOne() {
      String text = "processes = [ { name = p, program = " + PROGRAM + " } ]\n";
      assertAt(fails(text), "t.conf", 1, "missing required key 'name'");
    }

    @Test
    void missingProcesses() {
      assertAt(fails("name = t\n"), "t.conf", 1, "missing required key 'processes'");
    }

    @Test
    void anEmptyFileLacksItsNameAtLineOne() {
      assertAt(fails(""), "t.conf", 1, "missing required key 'name'");
    }

    @Test
    void emptyProcesses() {
      assertFailsAt(
          "\nprocesses = []\n", "processes = []", "processes must list at least one process");
    }
  }

  @Nested
  class Choices {
    @Test
    void badMode() {
      assertFailsAt(
          "mode = fast\n", "fast", "mode must be one of deterministic, concurrent, got 'fast'");
    }

    @Test
    void badProfile() {
      assertFailsAt(
          "kernel.profile = freebsd\n", "freebsd", "kernel.profile must be one of strat9, linux, linux-5.7, linux-5.9, linux-4.12, got 'freebsd'");
    }
  }

  @Nested
  class Expectations {
    @Test
    void unknownStat() {
      assertFailsAt(
          "expect {\n  stats { forks = 1\n    cow_copy = 1 }\n}\n",
          "cow_copy",
          "unknown stat 'cow_copy' in expect.stats (known: cycles, instructions,");
    }

    @Test
    void anUnknownStatListsEveryStatThatCanBeExpected() {
      ScenarioException e = fails(BASE + "expect.stats { cow_copy = 1 }\n");
      org.junit.jupiter.api.Assertions.assertEquals(
          "unknown stat 'cow_copy' in expect.stats (known: " + String.join(", ", cowsim.stats.Stat.expectableKeys()) + ")",
          e.reason());
    }

    @Test
    void hostTimeCannotBeExpected() {
      assertFailsAt(
          "expect {\n  stats { forks = 1\n    host_millis = 5 }\n}\n",
          "host_millis",
          "expect.stats.host_millis: host_millis is host time, not simulated: it differs from run to run, so no"
              + " scenario can expect it");
    }

    @Test
    void aDistributionCannotBeExpected() {
      assertFailsAt(
          "expect {\n  stats { forks = 1\n    fault_latency = 5 }\n}\n",
          "fault_latency",
          "expect.stats.fault_latency: fault_latency is a distribution (percentiles in stats.txt), not one number: expect.stats takes counters");
    }

    @Test
    void everyStatOfTheReportButHostTimeIsAccepted() throws Exception {
      // before the registry, expect.stats refused shootdowns, syscalls, ack_timeouts,
      // shootdown_wait_cycles and every other per-component counter the report prints
      StringBuilder stats = new StringBuilder();
      long value = 1;
      for (String name : cowsim.stats.Stat.expectableKeys()) {
        stats.append("  ").append(name).append(" = ").append(value++).append('\n');
      }
      Scenario s = Fixtures.parse(BASE + "expect.stats {\n" + stats + "}\n");
      org.junit.jupiter.api.Assertions.assertEquals(cowsim.stats.Stat.expectableKeys(), List.copyOf(s.expect().stats().keySet()));
      org.junit.jupiter.api.Assertions.assertEquals(
          cowsim.stats.Stat.expectableKeys().indexOf("tlb_misses") + 1L, s.expect().stats().get("tlb_misses"));
      for (String name : List.of("shootdowns", "syscalls", "ack_timeouts", "shootdown_wait_cycles", "memory_reads", "lockups")) {
        org.junit.jupiter.api.Assertions.assertTrue(s.expect().stats().containsKey(name), name);
      }
    }

    @Test
    void unknownViolationKind() {
      assertFailsAt(
          "expect.violations = [\n  deadlock\n  cow-isolaton\n]\n",
          "cow-isolaton",
          "expect.violations[1]: unknown violation kind 'cow-isolaton' (known: cow-isolation,"
              + " stale-read,");
    }

    @Test
    void violationListedTwice() {
      assertFailsAt(
          "expect.violations = [deadlock,\n  deadlock]\n",
          "  deadlock]",
          "expect.violations[1]: violation kind 'deadlock' is listed twice");
    }

    @Test
    void exitCodesNamingAnUnknownProcess() {
      assertFailsAt(
          "expect.exit-codes {\n  p = 0\n  child = 0\n}\n",
          "child",
          "expect.exit-codes names unknown process 'child' (declared: p)");
    }
  }

  @Nested
  class Assembler {
    @Test
    void errorLineWhenTheQuotesEndTheirLine() {
      String text =
          "name = t\n"
              + "processes = [\n"
              + "  { name = p, program = \"\"\"\n"
              + "      mov rax, SYS_exit\n"
              + "      jmp loop2\n"
              + "      syscall\n"
              + "    \"\"\" }\n"
              + "]\n";
      assertAt(fails(text), "t.conf", 5, "processes[0].program: undefined label 'loop2'");
    }

    @Test
    void errorLineWhenContentStartsOnTheQuotesLine() {
      String text =
          "name = t\n"
              + "processes = [\n"
              + "  { name = a, program = "
              + PROGRAM
              + " }\n"
              + "  { name = p, program = \"\"\"mov rax, SYS_exit\n"
              + "      syscall\n"
              + "      frobnicate rax\"\"\" }\n"
              + "]\n";
      assertAt(fails(text), "t.conf", 6, "processes[1].program: unknown mnemonic 'frobnicate'");
    }

    @Test
    void errorOnTheQuotesLineItself() {
      String text =
          "name = t\n"
              + "processes = [ { name = p, program = \"\"\"frobnicate rax\n"
              + "  syscall\n"
              + "\"\"\" } ]\n";
      assertAt(fails(text), "t.conf", 2, "processes[0].program: unknown mnemonic 'frobnicate'");
    }

    @Test
    void oneLineStringWithEscapedNewlinesMapsToItsLine() {
      String text =
          "name = t\n\n"
              + "processes = [ { name = p, program = \"mov rax, 1\\n"
              + "frobnicate\\n"
              + "syscall\" } ]\n";
      assertAt(fails(text), "t.conf", 3, "processes[0].program: unknown mnemonic 'frobnicate'");
    }

    @Test
    void errorInAFileFixture() {
      ScenarioException e =
          assertThrows(
              ScenarioException.class,
              () -> ScenarioLoader.load(DIR.resolve("asm-error.conf"), List.of()));
      assertAt(
          e,
          DIR.resolve("asm-error.conf").toString(),
          8,
          "processes[1].program: undefined label 'loop2'");
    }

    @Test
    void errorInAProgramFromASetHasNoLine() {
      ScenarioException e = fails(BASE, "processes=[{name=q, program=\"frobnicate\"}]");
      assertAt(
          e,
          "--set processes=[{name=q, program=\"frobnicate\"}]",
          0,
          "processes[0].program: unknown mnemonic");
    }
  }

  @Nested
  class Files_ {
    @Test
    void hoconSyntaxErrorInAFile() {
      ScenarioException e =
          assertThrows(
              ScenarioException.class,
              () -> ScenarioLoader.load(DIR.resolve("syntax-error.conf"), List.of()));
      assertAt(e, DIR.resolve("syntax-error.conf").toString(), 5, "List should have ]");
    }

    @Test
    void hoconSyntaxErrorInText() {
      assertAt(fails("name = t\n\nmachine { cpus = 2 \n"), "t.conf", 4, "end of file");
      assertAt(fails("name = t\nmachine { cpus = 2 }}\n"), "t.conf", 2, "}");
    }

    @Test
    void objectRunningIntoText() {
      assertAt(
          fails(BASE + "\ndescription = text [1]\n"), "t.conf", 6, "missing newline or comma?");
    }

    @Test
    void unresolvedSubstitution() {
      assertAt(fails(BASE + "\ndescription = ${nowhere}\n"), "t.conf", 6, "nowhere");
    }

    @Test
    void missingIncludeRequired() {
      ScenarioException e =
          assertThrows(
              ScenarioException.class,
              () -> ScenarioLoader.load(DIR.resolve("missing-include.conf"), List.of()));
      assertAt(
          e,
          DIR.resolve("missing-include.conf").toString(),
          3,
          "cannot include 'not-there.conf'",
          "not found");
    }

    @Test
    void missingFile() {
      Path p = DIR.resolve("no-such-scenario.conf");
      ScenarioException e =
          assertThrows(ScenarioException.class, () -> ScenarioLoader.load(p, List.of()));
      assertAt(e, p.toString(), 0, "no such file");
      assertEquals(p + ": no such file", e.getMessage());
    }

    @Test
    void directoryInsteadOfFile() {
      ScenarioException e =
          assertThrows(ScenarioException.class, () -> ScenarioLoader.load(DIR, List.of()));
      assertAt(e, DIR.toString(), 0, "is a directory");
    }

    @Test
    void invalidUtf8IsReportedNotThrown(@TempDir Path dir) throws Exception {
      Path p = dir.resolve("bin.conf");
      Files.write(p, new byte[] {'n', 'a', 'm', 'e', '=', (byte) 0xff, (byte) 0xfe, '\n'});
      assertThrows(ScenarioException.class, () -> ScenarioLoader.load(p, List.of()));
    }

    private static void assertEquals(String a, String b) {
      org.junit.jupiter.api.Assertions.assertEquals(a, b);
    }
  }

  @Nested
  class Overrides {
    @Test
    void unknownKey() {
      assertAt(
          fails(BASE, "machine.cpuz=8"),
          "--set machine.cpuz=8",
          0,
          "unknown key 'cpuz' in machine (known: cpus, memory, memory-banks, tlb, latency)");
      assertAt(
          fails(BASE, "colour=red"), "--set colour=red", 0, "unknown key 'colour' at top level");
    }

    @Test
    void integersOnlyWhereIntegersAreMeant() {
      assertAt(fails(BASE, "machine.cpus=1e3"), "--set machine.cpus=1e3", 0, "machine.cpus must be an integer, got number 1e3");
      assertAt(fails(BASE, "machine.cpus=2.0"), "--set machine.cpus=2.0", 0, "machine.cpus must be an integer, got number 2.0");
    }

    @Test
    void tooDeepAValueIsRefusedBeforeParsing() {
      String deep = "x=" + "[".repeat(5000) + "]".repeat(5000);
      ScenarioException e = fails(BASE, deep);
      assertEquals("--set " + deep, e.file());
      assertEquals(0, e.line());
      org.junit.jupiter.api.Assertions.assertTrue(e.reason().startsWith("nested more than 64 levels deep"), e.reason());
    }

    @Test
    void badValueSyntax() {
      assertAt(fails(BASE, "machine.cpus=["), "--set machine.cpus=[", 0, "malformed value");
      assertAt(fails(BASE, "mode="), "--set mode=", 0, "malformed value");
    }

    @Test
    void notKeyEqualsValue() {
      assertAt(fails(BASE, "machine.cpus"), "--set machine.cpus", 0, "expected key=value");
      assertAt(fails(BASE, "=8"), "--set =8", 0, "missing key");
      assertAt(
          fails(BASE, "machine..cpus=8"),
          "--set machine..cpus=8",
          0,
          "malformed key 'machine..cpus'");
    }

    @Test
    void moreThanOneValue() {
      assertAt(
          fails(BASE, "mode=concurrent, seed=2"),
          "--set mode=concurrent, seed=2",
          0,
          "single HOCON value");
    }

    @Test
    void wrongTypeOrRange() {
      assertAt(
          fails(BASE, "machine.cpus=abc"),
          "--set machine.cpus=abc",
          0,
          "machine.cpus must be an integer, got string 'abc'");
      assertAt(
          fails(BASE, "machine.cpus=0"),
          "--set machine.cpus=0",
          0,
          "machine.cpus must be between 1 and 4096, got 0");
      assertAt(
          fails(BASE, "mode=fast"),
          "--set mode=fast",
          0,
          "mode must be one of deterministic, concurrent");
    }

    @Test
    void errorsInTheFileStillPointAtTheFile() {
      String text = BASE + "machine.cpus = 0\n";
      assertAt(
          fails(text, "mode=concurrent"), "t.conf", 5, "machine.cpus must be between 1 and 4096");
    }

    @Test
    void aSetCanFixTheFile() throws Exception {
      String text = BASE + "machine.cpus = 0\n";
      assertAt(fails(text), "t.conf", 5, "machine.cpus must be between 1 and 4096"); // broken on its own
      assertEquals(1, Fixtures.parse(text, "machine.cpus=1").machine().cpus());
      assertEquals(3, Fixtures.parse(text, "machine.cpus=3").machine().cpus());
    }
  }
}
