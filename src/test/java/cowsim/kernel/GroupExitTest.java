package cowsim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.scenario.Mode;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioLoader;
import cowsim.sim.SimResult;
import cowsim.sim.Simulation;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/**
 * How a process ends (KernelState's exit and exit_group, after Linux's do_exit and
 * do_group_exit): a fault in one thread ends every thread of its process, the first group exit
 * decides the exit code, a thread cannot be added to a dying group, and exit codes are 8 bits.
 */
class GroupExitTest {

  /** One process whose main thread clones a sibling (tid 2) on its own stack; then each runs its part. */
  private static Scenario threads(String latency, String main, String sibling, Mode mode) throws Exception {
    return ScenarioLoader.parse(
        """
        name = group-exit
        machine { cpus = 2 %s }
        limits { max-cycles = 50000000, timeout = 60s }
        processes = [ { name = p, cpu = 0, memory = [ { at = 0x400000, size = 16 KiB, prot = rw, populate = true } ],
          program = \"\"\"
            mov rax, SYS_clone
            mov rdi, CLONE_VM
            mov rsi, 0x404000
            syscall
            cmp rax, 0
            je sibling
          %s
          sibling:
          %s
        \"\"\" } ]
        """
            .formatted(latency, main, sibling),
        "group-exit.conf",
        List.of())
        .withMode(mode);
  }

  private static final String FAULT = "mov rbx, [0x900000]   ; outside every VMA\n";

  private static SimResult run(Scenario s) {
    SimResult r = new Simulation().run(s, null);
    assertEquals(SimResult.Ending.ALL_EXITED, r.ending(), r.endDetail() + " " + r.liveTasks());
    return r;
  }

  private static ProcessInfo process(SimResult r, long pid) {
    return r.processes().stream().filter(p -> p.pid() == pid).findFirst().orElseThrow();
  }

  /** What the sibling is doing when the main thread faults. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "spin: mov rbx, [0x400000]\n jmp spin\n", // user loads on another CPU
        "spin: mov rax, SYS_getpid\n syscall\n jmp spin\n", // system calls answered at once
        "spin: mov rax, SYS_sched_yield\n syscall\n jmp spin\n", // in and out of the scheduler
        "spin: dec rcx\n jmp spin\n", // register-only
      })
  void aFaultInOneThreadEndsEveryThread(String sibling) throws Exception {
    for (Mode mode : Mode.values()) {
      // the main thread waits until the sibling runs (it sets a flag), then faults
      String main = "wait: mov rbx, [0x400008]\n cmp rbx, 1\n jne wait\n" + FAULT;
      String flagged = "mov qword [0x400008], 1\n" + sibling;
      SimResult r = run(threads("", main, flagged, mode));
      ProcessInfo p = process(r, 1);
      assertEquals(139, p.exitCode(), mode + " " + p);
      assertEquals("SIGSEGV", p.signal());
      assertTrue(p.killed(), mode + " " + p);
      assertTrue(p.killReason().contains("outside every VMA"), p.killReason());
      assertEquals(2, r.stat("exits"), "both threads ended");
    }
  }

  @Test
  void aFaultWhileASiblingIsBlockedInWait4EndsIt() throws Exception {
    // the main thread forks a child that runs a while, then waits for it; the sibling faults
    String main =
        """
            mov rax, SYS_fork
            syscall
            cmp rax, 0
            je child
            mov rax, SYS_wait4
            mov rdi, -1
            mov rsi, 0
            syscall
            mov rax, SYS_exit_group
            mov rdi, 3
            syscall
          child:
            mov rcx, 200000
          busy:
            dec rcx
            jne busy
            mov rax, SYS_exit
            mov rdi, 0
            syscall
        """;
    String sibling = "mov rcx, 20000\n delay: dec rcx\n jne delay\n" + FAULT;
    SimResult r = run(threads("", main, sibling, Mode.DETERMINISTIC));
    ProcessInfo p = process(r, 1);
    assertEquals(139, p.exitCode(), p.toString());
    assertTrue(p.killed());
    ProcessInfo child = r.processes().stream().filter(q -> q.ppid() == 1).findFirst().orElseThrow();
    assertEquals(0, child.exitCode(), "another process: it runs on and exits by itself");
    assertFalse(child.killed());
  }

  /**
   * With slow kill IPIs the sibling still runs after the main thread's fault started the group
   * exit, and calls exit_group(0) itself: the first group exit wins (do_group_exit), so the
   * process was killed with code 1, not "killed" with code 0.
   */
  @Test
  void theFirstGroupExitWinsAFaultBeforeExitGroup() throws Exception {
    String main = "wait: mov rbx, [0x400008]\n cmp rbx, 1\n jne wait\n" + FAULT;
    String sibling =
        """
            mov qword [0x400008], 1
            mov rcx, 20000
          delay:
            dec rcx
            jne delay
            mov rax, SYS_exit_group
            mov rdi, 0
            syscall
        """;
    SimResult r = run(threads(", latency { ipi = 200000 }", main, sibling, Mode.DETERMINISTIC));
    ProcessInfo p = process(r, 1);
    assertEquals(139, p.exitCode(), p.toString());
    assertTrue(p.killed(), p.toString());
  }

  /** The other order: exit_group(7), then (the kill IPI still on its way) a fault: code 7, not killed. */
  @Test
  void theFirstGroupExitWinsExitGroupBeforeAFault() throws Exception {
    String main = "wait: mov rbx, [0x400008]\n cmp rbx, 1\n jne wait\n mov rax, SYS_exit_group\n mov rdi, 7\n syscall\n";
    String sibling = "mov qword [0x400008], 1\n mov rcx, 20000\n delay: dec rcx\n jne delay\n" + FAULT;
    SimResult r = run(threads(", latency { ipi = 200000 }", main, sibling, Mode.DETERMINISTIC));
    ProcessInfo p = process(r, 1);
    assertEquals(7, p.exitCode(), p.toString());
    assertFalse(p.killed(), p.toString());
  }

  /**
   * A thread that calls clone after its group's exit began gets no new thread (copy_process
   * refuses when a fatal signal is pending) and ends there: nothing of the process survives.
   */
  @Test
  void noThreadJoinsADyingGroup() throws Exception {
    String main = "wait: mov rbx, [0x400008]\n cmp rbx, 1\n jne wait\n" + FAULT;
    String sibling =
        """
            mov qword [0x400008], 1
            mov rcx, 20000
          delay:
            dec rcx
            jne delay
            mov rax, SYS_clone
            mov rdi, CLONE_VM
            mov rsi, 0x403000
            syscall
          forever:
            jmp forever
        """;
    SimResult r = run(threads(", latency { ipi = 200000 }", main, sibling, Mode.DETERMINISTIC));
    ProcessInfo p = process(r, 1);
    assertEquals(139, p.exitCode(), p.toString());
    assertTrue(p.killed());
    assertEquals(2, p.threads(), "the late clone made no thread");
    assertEquals(1, r.stat("threads"));
  }

  private static Scenario exitWith(long code) throws Exception {
    return ScenarioLoader.parse(
        """
        name = exit-code
        processes = [ { name = p, memory = [ { at = 0x400000, size = 4 KiB, prot = rw, populate = true } ],
          program = \"\"\"
            mov rax, SYS_fork
            syscall
            cmp rax, 0
            je child
            mov rax, SYS_wait4
            mov rdi, -1
            mov rsi, 0x400000
            syscall
            mov rbx, [0x400000]
            assert rbx == %d, "wait4's status: (code & 0xff) << 8"
            mov rax, SYS_exit
            mov rdi, 0
            syscall
          child:
            mov rax, SYS_exit
            mov rdi, %d
            syscall
        \"\"\" } ]
        """
            .formatted((code & 0xff) << 8, code),
        "exit-code.conf",
        List.of());
  }

  @ParameterizedTest
  @ValueSource(longs = {0, 1, 255, 256, 257, -1, 0x1_0000_0042L})
  void exitCodesAreEightBitsInWait4AndTheReport(long code) throws Exception {
    SimResult r = run(exitWith(code));
    assertEquals(List.of(), r.assertionFailures());
    ProcessInfo child = process(r, 2);
    assertEquals((int) (code & 0xff), child.exitCode(), "the report says what wait4 gave the parent");
    assertFalse(child.killed());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void killedAndTheExitCodeAgree(Mode mode) throws Exception {
    // both threads race: one faults, one calls exit_group(0); whichever comes first decides both
    String main = FAULT;
    String sibling = "mov rax, SYS_exit_group\n mov rdi, 0\n syscall\n";
    for (int seed = 1; seed <= 5; seed++) {
      SimResult r = run(threads("", main, sibling, mode).withSeed(seed));
      ProcessInfo p = process(r, 1);
      assertEquals(p.killed() ? 139 : 0, p.exitCode(), mode + " seed " + seed + ": " + p);
    }
  }

  /**
   * A child killed by a fault is reported as Linux's wait4 reports it (kernel/exit.c,
   * wait_task_zombie): the status word is the signal, SIGSEGV = 11 (WTERMSIG), not an exit code
   * shifted by 8; the report's exit code is the shell's 139 and names the signal.
   */
  @Test
  void aChildKilledByAFaultHasTheSignalInItsWait4Status() throws Exception {
    Scenario s = ScenarioLoader.parse(
        """
        name = sigsegv-status
        machine { cpus = 1 }
        processes = [ { name = p, memory = [ { at = 0x400000, size = 4 KiB, prot = rw } ], program = \"\"\"
            mov rax, SYS_fork
            syscall
            cmp rax, 0
            je child
            mov rax, SYS_wait4
            mov rdi, -1
            mov rsi, 0x400000
            syscall
            mov rbx, [0x400000]
            assert rbx == 11, "wait4's status: WTERMSIG = SIGSEGV"
            mov rax, SYS_exit
            mov rdi, 0
            syscall
          child:
            mov rax, [0x900000]
        \"\"\" } ]
        expect { exit-codes { p = SIGSEGV } }
        """,
        "sigsegv-status.conf",
        List.of());
    assertEquals(139, s.expect().exitCodes().get("p"));
    SimResult r = run(s);
    assertEquals(List.of(), r.assertionFailures());
    ProcessInfo child = process(r, 2);
    assertEquals(139, child.exitCode());
    assertTrue(child.killed());
    assertEquals("SIGSEGV", child.signal());
    assertEquals(null, process(r, 1).signal());
  }

  /**
   * A child the kernel kills for want of memory is reported as Linux's OOM killer ends it
   * (mm/oom_kill.c: __oom_kill_process sends SIGKILL): wait4's status is 9, the report's exit
   * code 137 with signal SIGKILL, and {@code expect} takes the signal's name. The child touches
   * more demand-zero pages than a 1 MiB machine has.
   */
  @ParameterizedTest
  @ValueSource(strings = {"strat9", "linux"})
  void aChildKilledForWantOfMemoryDiesBySigkill(String profile) throws Exception {
    Scenario s = ScenarioLoader.parse(
        """
        name = oom-status
        machine { cpus = 1, memory = 1 MiB }
        kernel { profile = %s }
        processes = [ { name = p, stack = 0, memory = [ { at = 0x400000, size = 4 KiB, prot = rw },
            { at = 0x800000, size = 2 MiB, prot = rw } ], program = \"\"\"
            mov rax, SYS_fork
            syscall
            cmp rax, 0
            je child
            mov rax, SYS_wait4
            mov rdi, -1
            mov rsi, 0x400000
            syscall
            mov rbx, [0x400000]
            assert rbx == 9, "wait4's status: WTERMSIG = SIGKILL"
            mov rax, SYS_exit
            mov rdi, 0
            syscall
          child:
            mov rcx, 0x800000
          touch:
            mov qword [rcx], 1
            add rcx, 4096
            jmp touch
        \"\"\" } ]
        expect { exit-codes { p = SIGKILL } }
        """.formatted(profile),
        "oom-status.conf",
        List.of());
    assertEquals(137, s.expect().exitCodes().get("p"));
    SimResult r = run(s);
    assertEquals(List.of(), r.assertionFailures());
    ProcessInfo child = process(r, 2);
    assertTrue(child.killed());
    assertTrue(child.killReason().startsWith("out of memory"), child.killReason());
    assertEquals(137, child.exitCode());
    assertEquals("SIGKILL", child.signal());
  }
}
