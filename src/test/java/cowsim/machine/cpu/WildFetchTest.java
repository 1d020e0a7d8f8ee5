package cowsim.machine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.kernel.ProcessInfo;
import cowsim.scenario.Mode;
import cowsim.scenario.ScenarioLoader;
import cowsim.sim.SimResult;
import cowsim.sim.Simulation;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Where a program may go: rip is an instruction index, and index {@code size()} (past the last
 * instruction, or a label after it) is the end, exit_group(0). Any other index is no code: the
 * fetch faults as at an unmapped address and the process is killed (code 1, SIGSEGV).
 */
class WildFetchTest {

  private static SimResult run(String program, Mode mode) throws Exception {
    String text =
        """
        name = fetch
        machine { cpus = 2 }
        processes = [ { name = p, memory = [ { at = 0x400000, size = 16 KiB, prot = rw, populate = true } ],
          program = \"\"\"
        %s
        \"\"\" } ]
        """
            .formatted(program);
    SimResult r = new Simulation().run(ScenarioLoader.parse(text, "fetch.conf", List.of()).withMode(mode), null);
    assertEquals(SimResult.Ending.ALL_EXITED, r.ending(), r.endDetail());
    return r;
  }

  @ParameterizedTest
  @ValueSource(longs = {12345, -1, 4, Long.MIN_VALUE, 0x400000})
  void aRetToNoInstructionIsASigsegv(long target) throws Exception {
    // 4 instructions: index 4 is the end (a clean exit); 5 and beyond, or negative, are no code
    long to = target == 4 ? 5 : target;
    for (Mode mode : Mode.values()) {
      SimResult r = run("mov rax, " + to + "\npush rax\nret\nnop", mode);
      ProcessInfo p = r.processes().get(0);
      assertEquals(139, p.exitCode(), mode + " " + p);
      assertTrue(p.killed());
      assertTrue(p.killReason().contains("instruction fetch at rip " + to + ", outside the program (SIGSEGV)"), p.killReason());
      assertEquals(1, r.stat("page_faults"), "an instruction-fetch fault");
    }
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "nop\nnop", // runs past its last instruction
        "jmp end\nnop\nend:", // jumps to a label after the last instruction
        "jmp main\nf: ret\nmain: call f", // call as the last instruction: ret comes back to the end
        "mov rax, 3\npush rax\nret", // ret to the end's index
      })
  void theEndOfTheProgramIsExitGroupZero(String program) throws Exception {
    ProcessInfo p = run(program, Mode.DETERMINISTIC).processes().get(0);
    assertEquals(0, p.exitCode(), p.toString());
    assertFalse(p.killed(), p.toString());
  }

  @ParameterizedTest
  @EnumSource(Mode.class)
  void aWildRetInOneThreadEndsTheProcess(Mode mode) throws Exception {
    SimResult r =
        run(
            """
                mov rax, SYS_clone
                mov rdi, CLONE_VM
                mov rsi, 0x404000
                syscall
                cmp rax, 0
                je sibling
              wait:
                mov rbx, [0x400008]
                cmp rbx, 1
                jne wait
                mov rax, 999
                push rax
                ret
              sibling:
                mov qword [0x400008], 1
              spin:
                mov rbx, [0x400000]
                jmp spin
            """,
            mode);
    ProcessInfo p = r.processes().get(0);
    assertEquals(139, p.exitCode(), p.toString());
    assertTrue(p.killed());
    assertEquals(2, r.stat("exits"), "the spinning sibling ended too");
  }
}
