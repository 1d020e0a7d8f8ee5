package cowsim.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.report.Verdict;
import cowsim.scenario.ScenarioLoader;
import cowsim.stats.Stat;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * mmap, munmap and mprotect with sizes that used to crash the simulator or make a VMA past the user
 * half: a program gets Linux's -EINVAL or -ENOMEM in rax (its asserts check each), and a 64 TiB
 * mapping works, touched on one page, for the frames of that page only.
 */
class MmapErrorsTest {

  private static final String SCENARIO = """
      name = mmap-errors
      machine { cpus = 1, memory = 16 MiB }
      processes = [
        { name = p,
          program = \"\"\"
            mov rax, SYS_mmap             ; length 0: -EINVAL (do_mmap)
            mov rdi, 0
            mov rsi, 0
            mov rdx, 3
            mov r10, 0x22
            syscall
            assert rax == -22, "mmap of length 0"
            mov rax, SYS_mmap             ; PAGE_ALIGN(2^64 - 1) overflows: -ENOMEM
            mov rdi, 0
            mov rsi, -1
            mov rdx, 3
            mov r10, 0x22
            syscall
            assert rax == -12, "mmap whose length overflows"
            mov rax, SYS_mmap             ; 128 TiB from the mmap base: above TASK_SIZE, -ENOMEM
            mov rdi, 0
            mov rsi, 0x800000000000
            mov rdx, 3
            mov r10, 0x22
            syscall
            assert rax == -12, "mmap of 128 TiB"
            mov rax, SYS_mmap             ; 112 TiB from the 16 TiB base: no room, -ENOMEM
            mov rdi, 0
            mov rsi, 0x700000000000
            mov rdx, 3
            mov r10, 0x22
            syscall
            assert rax == -12, "mmap past the mmap area"
            mov rax, SYS_mmap             ; MAP_FIXED ending past TASK_SIZE: -ENOMEM
            mov rdi, 0x7ffffffff000
            mov rsi, 4096
            mov rdx, 3
            mov r10, 0x32
            syscall
            assert rax == -12, "MAP_FIXED past TASK_SIZE"
            mov rax, SYS_mmap             ; MAP_FIXED not page-aligned: -EINVAL
            mov rdi, 0x400001
            mov rsi, 4096
            mov rdx, 3
            mov r10, 0x32
            syscall
            assert rax == -22, "MAP_FIXED unaligned"
            mov rax, SYS_munmap           ; munmap of length 0: -EINVAL (do_vmi_munmap)
            mov rdi, 0x400000
            mov rsi, 0
            syscall
            assert rax == -22, "munmap of length 0"
            mov rax, SYS_munmap           ; reaching past TASK_SIZE: -EINVAL
            mov rdi, 0x400000
            mov rsi, -4096
            syscall
            assert rax == -22, "munmap past TASK_SIZE"
            mov rax, SYS_mprotect         ; length 0: 0 (do_mprotect_pkey)
            mov rdi, 0x400000
            mov rsi, 0
            mov rdx, 1
            syscall
            assert rax == 0, "mprotect of length 0"
            mov rax, SYS_mprotect         ; the end wraps: -ENOMEM
            mov rdi, 0x400000
            mov rsi, -4096
            mov rdx, 1
            syscall
            assert rax == -12, "mprotect whose end wraps"
            mov rax, SYS_mmap             ; 64 TiB: fine, at the mmap base
            mov rdi, 0
            mov rsi, 0x400000000000
            mov rdx, 3
            mov r10, 0x22
            syscall
            assert rax == 0x100000000000, "mmap of 64 TiB"
            mov rbx, rax
            mov qword [rbx], 7            ; its first page (strat9's munmap of a whole region
            mov rax, qword [rbx]          ; stops at the first untouched page)
            assert rax == 7, "the first page of 64 TiB"
            mov rax, SYS_mprotect
            mov rdi, rbx
            mov rsi, 0x400000000000
            mov rdx, 1
            syscall
            assert rax == 0, "mprotect of 64 TiB"
            mov rax, SYS_munmap
            mov rdi, rbx
            mov rsi, 0x400000000000
            syscall
            assert rax == 0, "munmap of 64 TiB"
            mov rax, SYS_exit_group
            mov rdi, 0
            syscall
          \"\"\" }
      ]
      expect { exit-code = 0 }
      """;

  @ParameterizedTest
  @ValueSource(strings = {"strat9", "linux"})
  void sizesGetLinuxsErrnoAndA64TiBMappingCostsItsTouchedPage(String profile) throws Exception {
    SimResult r = new Simulation().run(ScenarioLoader.parse(SCENARIO, "mmap-errors.conf", List.of("kernel.profile=" + profile)), null);
    assertTrue(Verdict.judge(r).pass(), () -> Verdict.judge(r).failures() + " " + r.assertionFailures() + " " + r.endDetail());
    assertEquals(SimResult.Ending.ALL_EXITED, r.ending());
    assertEquals(1, r.stat(Stat.DEMAND_ZERO_FAULTS), "one page of the 64 TiB was touched");
    assertEquals(0, r.stat(Stat.FRAMES_IN_USE), "its frame and tables came back");
    // mprotect and munmap walk the tables the touched page needed (a PDPT, a PD and a PT: at most
    // 512 steps each) and one PML4 entry per 512 GiB; a step is at most 4 reads and, under linux,
    // the page-table lock and its release, each a request and a reply: 2 x 3 x 512 x 12 = 36,864
    assertTrue(r.stat(Stat.MESSAGES) < 40_000, "bounded by the tables present: " + r.stat(Stat.MESSAGES));
  }
}
