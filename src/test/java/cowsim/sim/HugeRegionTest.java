package cowsim.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.report.Verdict;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioLoader;
import cowsim.stats.Stat;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A 64 TiB region nobody touches costs what a 4 KiB one does, but for one PML4 entry read per 512
 * GiB it spans in each walk over it: fork's clone_cow, mprotect, munmap and the child's exit
 * teardown go over the page tables, not over its 2^34 pages (they used to build an array of every
 * page, which overflowed an int from 8 TiB on). Asserted on messages and frames, which are
 * deterministic; wall-clock time is not asserted.
 */
class HugeRegionTest {

  /** Where the region starts: 16 TiB, a PML4 boundary, so 64 TiB spans PML4 slots 32..159. */
  private static final long AT = 1L << 44;

  private static String scenario(long size) {
    return """
        name = huge-region
        seed = 1
        machine { cpus = 2, memory = 16 MiB }
        processes = [
          { name = main,
            memory = [ { at = 0x400000, size = 4 KiB, populate = true },
                       { at = %1$d, size = %2$d } ],
            program = \"\"\"
              mov rax, SYS_fork
              syscall
              cmp rax, 0
              je child
              mov rdi, rax
              mov rsi, 0
              mov rax, SYS_wait4
              syscall
              mov rax, SYS_mprotect
              mov rdi, %1$d
              mov rsi, %2$d
              mov rdx, PROT_READ
              syscall
              assert rax == 0, "mprotect of the region"
              mov rax, SYS_munmap
              mov rdi, %1$d
              mov rsi, %2$d
              syscall
              assert rax == 0, "munmap of the region"
              mov rax, SYS_exit_group
              mov rdi, 0
              syscall
            child:
              mov qword [0x400000], 7
              mov rax, SYS_exit
              mov rdi, 0
              syscall
            \"\"\" }
        ]
        expect { exit-code = 0 }
        """
        .formatted(AT, size);
  }

  private static SimResult run(long size, String profile) throws Exception {
    Scenario s = ScenarioLoader.parse(scenario(size), "huge-region.conf", List.of("kernel.profile=" + profile));
    SimResult r = new Simulation().run(s, null);
    assertTrue(Verdict.judge(r).pass(), () -> size + " " + profile + ": " + Verdict.judge(r).failures() + " " + r.endDetail());
    return r;
  }

  @ParameterizedTest
  @ValueSource(strings = {"strat9", "linux"})
  void a64TiBUntouchedRegionCostsWhatA4KiBOneDoesButOneReadPerPml4Entry(String profile) throws Exception {
    SimResult small = run(4096, profile);
    SimResult huge = run(64L << 40, profile);

    for (Stat frames : List.of(Stat.FRAMES_ALLOCATED, Stat.FRAMES_FREED, Stat.FRAMES_IN_USE, Stat.PAGE_FAULTS)) {
      assertEquals(small.stat(frames), huge.stat(frames), frames.key);
    }
    assertEquals(0, huge.stat(Stat.FRAMES_IN_USE), "every frame back");
    // Each walk over the region reads one PML4 entry per 512 GiB: 128 instead of 1, 127 more steps.
    // strat9: fork and mprotect walk it all; munmap and the child's teardown stop at its first,
    // untouched, page (munmap.stop-at-untouched). Each step is a read and its reply.
    // linux: all four walk it all, and each step also takes and drops the page-table lock.
    long extra = profile.equals("strat9") ? 2 * 127 * 2 : 4 * 127 * (2 + 2 + 2);
    assertEquals(small.stat(Stat.MESSAGES) + extra, huge.stat(Stat.MESSAGES));
  }
}
