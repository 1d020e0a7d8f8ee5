package cowsim.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.kernel.ProcessInfo;
import cowsim.report.Verdict;
import cowsim.scenario.ScenarioLoader;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * getrusage and write in a real run: the program checks its own minor faults (asserts), the
 * report keeps each process's output and count. The fork child starts at 0 faults (copy_process);
 * the parent's getrusage into a page that fork made copy-on-write takes the COW fault after it
 * has taken the count, so the count shows up in the next call.
 */
class RusageWriteScenarioTest {

  private static final String SCENARIO = """
      name = rusage-write
      machine { cpus = 2, memory = 16 MiB }
      processes = [
        { name = p,
          memory = [ { at = 0x400000, size = 16 KiB, prot = rw },
                     { at = 0x600000, size = 4 KiB, prot = rw, populate = true } ],
          program = \"\"\"
            mov qword [0x400000], 1         ; three demand-zero faults
            mov qword [0x401000], 1
            mov qword [0x402000], 1
            mov rax, SYS_getrusage
            mov rdi, RUSAGE_THREAD
            mov rsi, 0x600000
            syscall
            assert rax == 0, "getrusage"
            mov rbx, [0x600040]
            assert rbx == 3, "ru_minflt (thread)"
            mov rbx, [0x600048]
            assert rbx == 0, "ru_majflt"
            mov rax, SYS_getrusage
            mov rdi, RUSAGE_SELF
            mov rsi, 0x600000
            syscall
            mov rbx, [0x600040]
            assert rbx == 3, "ru_minflt (self)"
            mov qword [0x600000], 0x0a6968  ; "hi\\n"
            mov rax, SYS_write
            mov rdi, 1
            mov rsi, 0x600000
            mov rdx, 3
            syscall
            assert rax == 3, "write returns the count"
            mov rax, SYS_fork
            syscall
            cmp rax, 0
            jne parent
            mov qword [0x400000], 2         ; a COW copy: the child's first fault
            mov rax, SYS_getrusage
            mov rdi, RUSAGE_SELF
            mov rsi, 0x600000
            syscall
            mov rbx, [0x600040]
            assert rbx == 1, "the child counts its own faults only"
            mov qword [0x600000], 0x0a63    ; "c\\n" to stderr
            mov rax, SYS_write
            mov rdi, 2
            mov rsi, 0x600000
            mov rdx, 2
            syscall
            mov rax, SYS_exit
            mov rdi, 0
            syscall
          parent:
            mov rax, SYS_wait4
            mov rdi, -1
            mov rsi, 0
            syscall
            mov rax, SYS_getrusage
            mov rdi, RUSAGE_SELF
            mov rsi, 0x600000
            syscall
            mov rbx, [0x600040]
            assert rbx == 3, "taken before the copy-out's own COW fault"
            mov rax, SYS_getrusage
            mov rdi, RUSAGE_SELF
            mov rsi, 0x600000
            syscall
            mov rbx, [0x600040]
            assert rbx == 4, "which the next call counts"
            mov rax, SYS_write
            mov rdi, 5
            syscall
            assert rax == -9, "no such fd: -EBADF"
          \"\"\" }
      ]
      expect { exit-code = 0 }
      """;

  @ParameterizedTest
  @ValueSource(strings = {"strat9", "linux"})
  void theProgramSeesItsFaultsAndTheReportKeepsItsOutput(String profile) throws Exception {
    SimResult r = new Simulation().run(ScenarioLoader.parse(SCENARIO, "rusage-write.conf", List.of("kernel.profile=" + profile)), null);
    assertTrue(Verdict.judge(r).pass(), () -> Verdict.judge(r).failures() + " " + r.assertionFailures() + " " + r.endDetail());
    ProcessInfo parent = r.processes().get(0);
    ProcessInfo child = r.processes().get(1);
    assertEquals("hi\n", parent.stdout());
    assertEquals("", parent.stderr());
    assertEquals("c\n", child.stderr());
    assertEquals(4, parent.minflt());
    assertEquals(2, child.minflt(), "its COW copy, then the copy-out's COW fault on the buffer page");
  }
}
