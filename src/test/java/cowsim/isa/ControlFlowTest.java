package cowsim.isa;

import static cowsim.isa.Isa.one;
import static cowsim.isa.Isa.prog;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.BiPredicate;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Jumps, the stack instructions and whole programs run through the load/execute/store protocol. */
class ControlFlowTest {
  private RegisterFile r;

  @BeforeEach
  void setUp() {
    r = new RegisterFile();
  }

  private static final long[][] PAIRS = {
    {1, 2}, {2, 1}, {2, 2}, {-1, 1}, {1, -1}, {-5, -5}, {-7, -3}, {0, 0},
    // Signed overflow in the subtraction: only SF != OF gets these right.
    {Long.MIN_VALUE, 1}, {Long.MAX_VALUE, -1}, {1, Long.MIN_VALUE}, {-1, Long.MAX_VALUE},
  };

  static Stream<Arguments> jccCases() {
    List<Arguments> out = new ArrayList<>();
    Object[][] jccs = {
      {"je", (BiPredicate<Long, Long>) (a, b) -> a.longValue() == b.longValue()},
      {"jz", (BiPredicate<Long, Long>) (a, b) -> a.longValue() == b.longValue()},
      {"jne", (BiPredicate<Long, Long>) (a, b) -> a.longValue() != b.longValue()},
      {"jnz", (BiPredicate<Long, Long>) (a, b) -> a.longValue() != b.longValue()},
      {"jl", (BiPredicate<Long, Long>) (a, b) -> a < b},
      {"jle", (BiPredicate<Long, Long>) (a, b) -> a <= b},
      {"jg", (BiPredicate<Long, Long>) (a, b) -> a > b},
      {"jge", (BiPredicate<Long, Long>) (a, b) -> a >= b},
    };
    for (Object[] j : jccs) {
      for (long[] p : PAIRS) {
        out.add(Arguments.of(j[0], p[0], p[1], j[1]));
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "cmp {1}, {2}; {0}")
  @MethodSource("jccCases")
  void conditionalJumpAfterSignedCompare(
      String jcc, long a, long b, BiPredicate<Long, Long> expected) {
    Program p = prog("cmp rax, rbx\n" + jcc + " target\nnop\nnop\ntarget: nop");
    r.set(Reg.RAX, a);
    r.set(Reg.RBX, b);
    Semantics.execute(p.at(0), r, 0);
    assertEquals(1, r.rip);
    assertSame(Outcome.CONTINUE, Semantics.execute(p.at(1), r, 0));
    boolean taken = expected.test(a, b);
    assertEquals(taken ? 4 : 2, r.rip, taken ? "should jump" : "should fall through");
  }

  @Test
  void everyJccIsTakenAndNotTakenSomewhere() {
    // Guards the table above against a pair set that never exercises one side of a jcc.
    for (String jcc : new String[] {"je", "jne", "jl", "jle", "jg", "jge"}) {
      Op op = Op.parse(jcc);
      boolean sawTaken = false;
      boolean sawNotTaken = false;
      for (long[] pair : PAIRS) {
        RegisterFile f = new RegisterFile();
        f.set(Reg.RAX, pair[0]);
        f.set(Reg.RBX, pair[1]);
        Semantics.execute(one("cmp rax, rbx"), f, 0);
        if (Semantics.conditionHolds(op, f.rflags)) {
          sawTaken = true;
        } else {
          sawNotTaken = true;
        }
      }
      assertTrue(sawTaken && sawNotTaken, jcc);
    }
  }

  @Test
  void jmpAlwaysJumpsAndIgnoresFlags() {
    Program p = prog("top: nop\njmp top");
    r.rip = 1;
    r.rflags |= RegisterFile.ZF | RegisterFile.SF;
    Instruction j = p.at(1);
    assertEquals(0, j.target());
    assertFalse(Semantics.needsLoad(j));
    assertFalse(Semantics.needsStore(j));
    assertSame(Outcome.CONTINUE, Semantics.execute(j, r, 0));
    assertEquals(0, r.rip);
  }

  @Test
  void jumpsDoNotChangeFlags() {
    Program p = prog("je x\nx: nop");
    r.rflags |= RegisterFile.ZF | RegisterFile.CF;
    long before = r.rflags;
    Semantics.execute(p.at(0), r, 0);
    assertEquals(before, r.rflags);
  }

  @Test
  void conditionHoldsRejectsNonJumps() {
    assertThrows(IllegalArgumentException.class, () -> Semantics.conditionHolds(Op.ADD, 0));
  }

  // ---- stack ----

  @Test
  void pushRegister() {
    r.set(Reg.RSP, 0x8000);
    r.set(Reg.RAX, 123);
    Instruction i = one("push rax");
    assertFalse(Semantics.needsLoad(i));
    assertTrue(Semantics.needsStore(i));
    assertEquals(0x7ff8, Semantics.storeAddress(i, r));
    Outcome o = Semantics.execute(i, r, 0);
    assertEquals(Outcome.Kind.STORE, o.kind());
    assertEquals(123, o.storeValue());
    assertEquals(0x7ff8, r.get(Reg.RSP));
    assertEquals(1, r.rip);
  }

  @Test
  void pushImmediate() {
    r.set(Reg.RSP, 0x8000);
    Outcome o = Semantics.execute(one("push -2"), r, 0);
    assertEquals(-2, o.storeValue());
    assertEquals(0x7ff8, r.get(Reg.RSP));
  }

  @Test
  void pushMemoryLoadsThenStores() {
    r.set(Reg.RSP, 0x8000);
    r.set(Reg.RBX, 0x100);
    Instruction i = one("push qword [rbx + 8]");
    assertTrue(Semantics.needsLoad(i));
    assertTrue(Semantics.needsStore(i));
    assertEquals(0x108, Semantics.loadAddress(i, r));
    assertEquals(0x7ff8, Semantics.storeAddress(i, r));
    assertEquals(55, Semantics.execute(i, r, 55).storeValue());
  }

  @Test
  void pushRspPushesTheOldValue() {
    r.set(Reg.RSP, 0x8000);
    assertEquals(0x8000, Semantics.execute(one("push rsp"), r, 0).storeValue());
    assertEquals(0x7ff8, r.get(Reg.RSP));
  }

  @Test
  void popRegister() {
    r.set(Reg.RSP, 0x7ff8);
    Instruction i = one("pop rbx");
    assertTrue(Semantics.needsLoad(i));
    assertFalse(Semantics.needsStore(i));
    assertEquals(0x7ff8, Semantics.loadAddress(i, r));
    assertSame(Outcome.CONTINUE, Semantics.execute(i, r, 99));
    assertEquals(99, r.get(Reg.RBX));
    assertEquals(0x8000, r.get(Reg.RSP));
    assertEquals(1, r.rip);
  }

  @Test
  void popRspTakesThePoppedValue() {
    r.set(Reg.RSP, 0x7ff8);
    Semantics.execute(one("pop rsp"), r, 0x1234);
    assertEquals(0x1234, r.get(Reg.RSP));
  }

  @Test
  void callPushesReturnIndexAndJumps() {
    Program p = prog("nop\nnop\ncall f\nnop\nf: ret");
    r.rip = 2;
    r.set(Reg.RSP, 0x8000);
    Instruction call = p.at(2);
    assertEquals(4, call.target());
    assertFalse(Semantics.needsLoad(call));
    assertTrue(Semantics.needsStore(call));
    assertEquals(0x7ff8, Semantics.storeAddress(call, r));
    Outcome o = Semantics.execute(call, r, 0);
    assertEquals(Outcome.Kind.STORE, o.kind());
    assertEquals(3, o.storeValue());
    assertEquals(4, r.rip);
    assertEquals(0x7ff8, r.get(Reg.RSP));
  }

  @Test
  void retPopsIntoRip() {
    r.rip = 4;
    r.set(Reg.RSP, 0x7ff8);
    Instruction ret = one("ret");
    assertTrue(Semantics.needsLoad(ret));
    assertFalse(Semantics.needsStore(ret));
    assertEquals(0x7ff8, Semantics.loadAddress(ret, r));
    assertSame(Outcome.CONTINUE, Semantics.execute(ret, r, 3));
    assertEquals(3, r.rip);
    assertEquals(0x8000, r.get(Reg.RSP));
  }

  // ---- whole programs ----

  @Test
  void countedLoopWithBackwardJump() {
    Isa.Machine m = new Isa.Machine(
        """
        mov rcx, 10
        xor rax, rax
        loop:
          add rax, rcx
          dec rcx
          jnz loop
        """);
    m.run(1000);
    assertEquals(55, m.regs.get(Reg.RAX));
    assertEquals(0, m.regs.get(Reg.RCX));
    assertEquals(m.program.size(), m.regs.rip);
  }

  @Test
  void recursiveCallsBalanceTheStack() {
    // factorial(rdi) in rax, recursively, saving rdi on the stack.
    Isa.Machine m = new Isa.Machine(
        """
            mov rsp, 0x10000
            mov rdi, 6
            call fact
            jmp done
        fact:
            cmp rdi, 1
            jg recurse
            mov rax, 1
            ret
        recurse:
            push rdi
            dec rdi
            call fact
            pop rdi
            mov rbx, rax
            mov rax, 0
        mul:                ; rax = rbx * rdi by repeated addition
            add rax, rbx
            dec rdi
            jnz mul
            ret
        done:
        """);
    m.run(10_000);
    assertEquals(720, m.regs.get(Reg.RAX));
    assertEquals(0x10000, m.regs.get(Reg.RSP));
  }

  @Test
  void memoryCounterThroughReadModifyWrite() {
    Isa.Machine m = new Isa.Machine(
        """
        mov rbx, 0x4000
        mov qword [rbx + 8], 5
        add qword ptr [rbx + 8], 10
        inc qword [rbx + 8]
        mov rax, [rbx + 8]
        """);
    m.run(100);
    assertEquals(16, m.memory.get(0x4008L));
    assertEquals(16, m.regs.get(Reg.RAX));
  }

  @Test
  void runStopsAtSyscall() {
    Isa.Machine m = new Isa.Machine("mov rax, SYS_getpid\nsyscall\nnop");
    assertSame(Outcome.SYSCALL, m.run(10));
    assertEquals(2, m.regs.rip);
    assertEquals(39, m.regs.get(Reg.RAX));
  }
}
