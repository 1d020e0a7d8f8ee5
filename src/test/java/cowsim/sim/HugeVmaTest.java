package cowsim.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.kernel.Layout;
import cowsim.kernel.ProcessSetup;
import cowsim.kernel.Vma;
import cowsim.report.Verdict;
import cowsim.scenario.ScenarioLoader;
import cowsim.stats.Stat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * 2 MiB-page areas from the scenario and from mmap: a {@code page-size = 2 MiB} region becomes a
 * huge VMA at process start, MAP_HUGETLB makes one, and a program using both runs to its end
 * under both profiles (the kernel faults, forks and tears down a huge VMA as any other for now).
 */
class HugeVmaTest {

  private static final String SCENARIO = """
      name = huge-vma
      machine { cpus = 2, memory = 16 MiB }
      processes = [
        { name = p,
          memory = [ { at = 0x400000, size = 4 MiB, page-size = 2 MiB },
                     { at = 0x200000, size = 8 KiB, populate = true } ],
          program = \"\"\"
            mov qword [0x400000], 1       ; the first 2 MiB page of the region
            mov qword [0x400008], 2       ; (only its first page: strat9's exit teardown
                                          ; stops at the first untouched one)
            mov rax, SYS_mmap             ; a length of 2 MiB multiples only: -EINVAL
            mov rdi, 0
            mov rsi, 4096
            mov rdx, 3
            mov r10, MAP_PRIVATE
            or r10, MAP_ANONYMOUS
            or r10, MAP_HUGETLB
            syscall
            assert rax == -22, "MAP_HUGETLB of 4 KiB"
            mov rax, SYS_mmap             ; after the 4 KiB hint, rounded up to 2 MiB
            mov rdi, 0
            mov rsi, 0x400000
            mov rdx, 3
            mov r10, 0x40022
            syscall
            assert rax == 0x100000000000, "MAP_HUGETLB of 4 MiB at the mmap base"
            mov rbx, rax
            mov qword [rbx], 3            ; its first page only, as above
            mov rax, SYS_fork
            syscall
            cmp rax, 0
            je child
            mov rdi, rax
            mov rsi, 0
            mov rax, SYS_wait4
            syscall
            mov rax, qword [0x400000]
            assert rax == 1, "the parent's page, untouched by the child's store"
            mov rax, SYS_munmap           ; cut the middle out of the mmapped area
            mov rdi, rbx
            add rdi, 0x1ff000
            mov rsi, 0x2000
            syscall
            assert rax == 0, "munmap across the 2 MiB boundary"
            mov rax, SYS_exit_group
            mov rdi, 0
            syscall
          child:
            mov qword [0x400000], 9
            mov rax, qword [rbx]
            assert rax == 3, "the child sees the parent's store"
            mov rax, SYS_exit
            mov rdi, 0
            syscall
          \"\"\" }
      ]
      expect { exit-code = 0 }
      """;

  @Test
  void aRegionOf2MiBPagesBecomesAHugeVma() throws Exception {
    List<ProcessSetup> setups = Simulation.setups(ScenarioLoader.parse(SCENARIO, "huge-vma.conf", List.of()));
    assertEquals(
        List.of(
            new Vma(0x20_0000L, 0x20_2000L, true, false),
            new Vma(0x40_0000L, 0x80_0000L, true, true),
            new Vma(Layout.STACK_TOP - 0x4000, Layout.STACK_TOP, true, false)),
        setups.get(0).vmas());
    assertEquals(
        List.of(new Vma(0x20_0000L, 0x20_2000L, true), new Vma(Layout.STACK_TOP - 0x4000, Layout.STACK_TOP, true)),
        setups.get(0).populate(),
        "populated: the 4 KiB region and the stack");
  }

  @ParameterizedTest
  @ValueSource(strings = {"strat9", "linux"})
  void aProgramOnHugeVmasRunsToItsEnd(String profile) throws Exception {
    SimResult r = new Simulation().run(ScenarioLoader.parse(SCENARIO, "huge-vma.conf", List.of("kernel.profile=" + profile)), null);
    assertTrue(Verdict.judge(r).pass(), () -> Verdict.judge(r).failures() + " " + r.assertionFailures() + " " + r.endDetail());
    assertEquals(SimResult.Ending.ALL_EXITED, r.ending());
    assertEquals(0, r.stat(Stat.FRAMES_IN_USE), "every frame came back");
  }
}
