package cowsim.isa;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * {@link Semantics#countdown} against the instructions it stands for: the same registers, flags
 * and rip as {@code dec rcx} and {@code jne} executed one by one, for every budget and at the
 * register's edges (0 wraps, MIN_VALUE overflows).
 */
class CountdownTest {

  private final Program loop = assemble("mov rax, 1\nwait: dec rcx\n jne wait\n nop");

  private static Program assemble(String text) {
    try {
      return Assembler.assemble(text);
    } catch (AsmException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void theAssemblerMarksOnlyADecFollowedByAJneBackToIt() {
    assertEquals(-1, loop.countdownRegister(0));
    assertEquals(Reg.RCX.ordinal(), loop.countdownRegister(1));
    assertEquals(-1, loop.countdownRegister(2));
    Program other = assemble("a: dec rcx\n jne b\n b: dec rdx\n je b\n c: dec qword [rbx]\n jne c\n d: inc rsi\n jne d\n dec r9");
    for (int i = 0; i < other.size(); i++) {
      assertEquals(-1, other.countdownRegister(i), "instruction " + i + " is no countdown loop");
    }
  }

  @Test
  void aCountdownIsTheLoopRunOneInstructionAtATime() {
    long[] starts = {1, 2, 3, 7, 64, 1025, 0, -1, Long.MIN_VALUE, Long.MIN_VALUE + 1, Long.MIN_VALUE + 2, Long.MAX_VALUE};
    long[] budgets = {1, 2, 3, 31, 32, 1000};
    for (long x : starts) {
      for (long budget : budgets) {
        for (long flags : new long[] {RegisterFile.RFLAGS_RESET, RegisterFile.RFLAGS_RESET | RegisterFile.CF | RegisterFile.OF}) {
          RegisterFile stepped = start(x, flags);
          long iterations = 0;
          while (iterations < budget) {
            Semantics.execute(loop.at(1), stepped, 0);
            Semantics.execute(loop.at(2), stepped, 0);
            iterations++;
            if (stepped.rip != 1) {
              break;
            }
          }
          RegisterFile fast = start(x, flags);
          long ran = Semantics.countdown(fast, Reg.RCX.ordinal(), budget);
          String what = "rcx " + x + ", budget " + budget + ", flags " + flags;
          assertEquals(iterations, ran, what);
          assertEquals(stepped, fast, what);
        }
      }
    }
  }

  private static RegisterFile start(long rcx, long flags) {
    RegisterFile r = new RegisterFile();
    r.set(Reg.RCX, rcx);
    r.rflags = flags;
    r.rip = 1;
    return r;
  }
}
