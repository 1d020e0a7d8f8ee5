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
            mov qword [0x400008], 2
            mov rax, SYS_mmap             ; 2 MiB pages at the mmap base
            mov rdi, 0
            mov rsi, 0x400000
            mov rdx, 3
            mov r10, 0x40022
            syscall
            assert rax == 0x100000000000, "MAP_HUGETLB of 4 MiB at the mmap base"
            mov rbx, rax
            mov qword [rbx], 3
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

  @Test
  void aProgramOnHugeVmasRunsToItsEndUnderLinuxWithEveryFrameBack() throws Exception {
    SimResult r = new Simulation().run(ScenarioLoader.parse(SCENARIO, "huge-vma.conf", List.of("kernel.profile=linux")), null);
    assertTrue(Verdict.judge(r).pass(), () -> Verdict.judge(r).failures() + " " + r.assertionFailures() + " " + r.endDetail());
    assertEquals(SimResult.Ending.ALL_EXITED, r.ending());
    assertEquals(0, r.stat(Stat.FRAMES_IN_USE), "every frame came back");
    assertEquals(2, r.stat(Stat.HUGE_FAULTS), "the region's first 2 MiB page and the mmapped area's");
    // the child's store splits the region's shared page; the munmap across the boundary splits
    // the mmapped area's first 2 MiB page (its second was never touched: nothing to split)
    assertEquals(2, r.stat(Stat.HUGE_SPLITS));
  }

  /**
   * strat9: the child's store on the shared 2 MiB page re-faults until it is stopped; the munmap
   * across the boundary leaves the 2 MiB page it cuts mapped (the 4 KiB unmap fails on a huge
   * parent entry), so the parent's teardown never drops it (refcount-mismatch), and every 2 MiB
   * page that is dropped frees 4 KiB of its block (frame-leak).
   */
  @Test
  void underStrat9TheChildsStoreRefaultsAndTheTeardownLeaksTheBlocks() throws Exception {
    SimResult r = new Simulation().run(ScenarioLoader.parse(SCENARIO, "huge-vma.conf", List.of("kernel.profile=strat9")), null);
    assertEquals(java.util.Set.of("refault-loop", "frame-leak", "refcount-mismatch"),
        Verdict.foundKinds(r).keySet().stream().map(Object::toString).collect(java.util.stream.Collectors.toSet()));
    assertEquals(SimResult.Ending.ALL_EXITED, r.ending());
    assertEquals(0, r.stat(Stat.HUGE_SPLITS));
  }
}
