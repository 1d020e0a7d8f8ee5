package cowsim.machine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.report.Verdict;
import cowsim.scenario.Mode;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioLoader;
import cowsim.sim.SimResult;
import cowsim.sim.Simulation;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Returns to user mode without Java recursion: system calls that the kernel answers at once
 * (no message) re-enter the CPU's user loop, not a nested call, so a program may make any number
 * of them in a row; and a CPU in such a loop still sends itself {@code Resume} now and then, so
 * virtual time reaches {@code max-cycles} and other CPUs' IPIs are taken.
 */
class UserReentryTest {

  /**
   * Each iteration makes five system calls the kernel answers without a message: getpid, gettid,
   * arch_prctl(ARCH_SET_FS), an unknown number and clone(CLONE_VM) without a stack; the program
   * asserts each answer.
   */
  private static Scenario syscallLoop(long iterations, String mode) throws Exception {
    return ScenarioLoader.parse(
        """
        name = syscall-loop
        mode = %s
        machine { cpus = 1 }
        limits { max-cycles = 1000000000000, timeout = 120s }
        processes = [ { name = p, program = \"\"\"
            mov r12, %d
          loop:
            mov rax, SYS_getpid
            syscall
            assert rax == 1, "getpid"
            mov rax, SYS_gettid
            syscall
            assert rax == 1, "gettid"
            mov rax, SYS_arch_prctl
            mov rdi, ARCH_SET_FS
            mov rsi, r12
            syscall
            assert rax == 0, "arch_prctl"
            mov rax, 9999
            syscall
            assert rax == -38, "unknown system call: -ENOSYS"
            mov rax, SYS_clone
            mov rdi, CLONE_VM
            mov rsi, 0
            syscall
            assert rax == -22, "clone without a stack: -EINVAL"
            dec r12
            jne loop
            rdfsbase rbx
            assert rbx == 1, "the last FS base set"
            mov rax, SYS_exit
            mov rdi, 0
            syscall
        \"\"\" } ]
        """
            .formatted(mode, iterations),
        "syscall-loop.conf",
        List.of());
  }

  @Test
  void aMillionSystemCallsInARow() throws Exception {
    long start = System.nanoTime();
    SimResult r = new Simulation().run(syscallLoop(200_000, "deterministic"), null);
    long millis = (System.nanoTime() - start) / 1_000_000;
    assertEquals(SimResult.Ending.ALL_EXITED, r.ending(), r.endDetail() + " " + r.error());
    assertEquals(1_000_001, r.stat("syscalls"), "5 x 200,000 in the loop, then exit");
    assertEquals(List.of(), r.assertionFailures());
    assertEquals(0, r.processes().get(0).exitCode());
    assertTrue(Verdict.judge(r).pass(), Verdict.judge(r).failures().toString());
    // batches of register-only instructions and of re-entries end in a Resume: messages stay
    // proportional to the work, not one per system call
    assertTrue(r.stat("messages") < 200_000, "messages: " + r.stat("messages"));
    System.out.println("1,000,001 system calls: " + millis + " ms of host time, " + r.stat("messages") + " messages, " + r.stat("cycles") + " cycles");
  }

  @Test
  void theSameInConcurrentMode() throws Exception {
    SimResult r = new Simulation().run(syscallLoop(20_000, "concurrent"), null);
    assertEquals(SimResult.Ending.ALL_EXITED, r.ending(), r.endDetail() + " " + r.error());
    assertEquals(100_001, r.stat("syscalls"));
    assertEquals(List.of(), r.assertionFailures());
  }

  private static Scenario endless(Mode mode) throws Exception {
    return ScenarioLoader.parse(
        """
        name = endless-syscalls
        machine { cpus = 1 }
        limits { max-cycles = 5000000, timeout = 60s }
        processes = [ { name = p, program = \"\"\"
          loop:
            mov rax, SYS_getpid
            syscall
            jmp loop
        \"\"\" } ]
        """,
        "endless.conf",
        List.of())
        .withMode(mode);
  }

  @Test
  void anEndlessSystemCallLoopEndsAtMaxCycles() throws Exception {
    for (Mode mode : Mode.values()) {
      SimResult r = new Simulation().run(endless(mode), null);
      assertEquals(SimResult.Ending.LIMIT, r.ending(), mode + ": " + r.endDetail() + " " + r.error());
      assertTrue(r.endDetail().contains("max-cycles 5000000"), r.endDetail());
      assertTrue(r.stat("syscalls") > 10_000, mode + ": " + r.stat("syscalls"));
    }
  }

  /**
   * A CPU looping on getpid still takes a flush IPI within a few dozen system calls: strat9's fork
   * on cpu-0 (shootdown_all) waits for cpu-1's ack, which would otherwise wait for the end of
   * the looping task's 200,000-cycle quantum.
   */
  @Test
  void aSystemCallLoopTakesIpisSoon() throws Exception {
    Scenario s =
        ScenarioLoader.parse(
            """
            name = loop-and-fork
            machine { cpus = 2 }
            processes = [
              { name = looper, cpu = 1, program = \"\"\"
                  mov r12, 20000
                loop:
                  mov rax, SYS_getpid
                  syscall
                  dec r12
                  jne loop
              \"\"\" },
              { name = forker, cpu = 0, memory = [ { at = 0x400000, size = 4 KiB, prot = rw, populate = true } ],
                program = \"\"\"
                  mov rax, SYS_fork
                  syscall
              \"\"\" } ]
            """,
            "loop-and-fork.conf",
            List.of());
    SimResult r = new Simulation().run(s, null);
    assertEquals(SimResult.Ending.ALL_EXITED, r.ending(), r.endDetail());
    assertEquals(1, r.stat("shootdowns"));
    assertEquals(0, r.stat("ack_timeouts"));
    // 64 re-entries of about 100 cycles each, plus the IPI's latency both ways
    assertTrue(r.stat("shootdown_wait_cycles") < 20_000, "waited " + r.stat("shootdown_wait_cycles") + " cycles for the ack");
  }
}
