package cowsim.isa;

import static cowsim.isa.Isa.one;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The simulator's assert instruction. */
class AssertInstructionTest {
  private RegisterFile r;

  @BeforeEach
  void setUp() {
    r = new RegisterFile();
  }

  @ParameterizedTest(name = "{0} {1} {2} holds={3}")
  @CsvSource({
    "3, ==, 3, true", "3, ==, 4, false",
    "3, !=, 4, true", "3, !=, 3, false",
    "-1, <, 0, true", "0, <, -1, false", "3, <, 3, false",
    "3, <=, 3, true", "-1, <=, -2, false",
    "0, >, -1, true", "-1, >, 0, false", "3, >, 3, false",
    "3, >=, 3, true", "-9223372036854775808, >=, 9223372036854775807, false",
  })
  void eachComparisonPassesAndFails(long left, String op, long right, boolean holds) {
    r.set(Reg.RAX, left);
    r.set(Reg.RBX, right);
    long flags = r.rflags;
    Outcome o = Semantics.execute(one("assert rax " + op + " rbx, \"msg\""), r, 0);
    assertEquals(1, r.rip);
    assertEquals(flags, r.rflags, "assert must not touch flags");
    if (holds) {
      assertSame(Outcome.CONTINUE, o);
    } else {
      assertEquals(Outcome.Kind.ASSERT_FAILED, o.kind());
      assertEquals("assert failed: rax " + op + " rbx (left=" + left + ", right=" + right
          + "): \"msg\"", o.message());
    }
  }

  @Test
  void comparisonIsSigned() {
    r.set(Reg.RAX, -1); // 0xffff...ffff would be larger unsigned
    assertSame(Outcome.CONTINUE, Semantics.execute(one("assert rax < 1, \"s\""), r, 0));
  }

  @Test
  void failureMessageMatchesTheDocumentedFormat() {
    r.set(Reg.RAX, 3);
    Outcome o = Semantics.execute(one("assert rax == 5, \"child sees its own value\""), r, 0);
    assertEquals(Outcome.Kind.ASSERT_FAILED, o.kind());
    assertEquals(
        "assert failed: rax == 5 (left=3, right=5): \"child sees its own value\"", o.message());
  }

  @Test
  void memoryOperandUsesTheLoadedValue() {
    r.set(Reg.RBX, 0x3000);
    Instruction i = one("assert qword [rbx + 8] != 0, \"flag set\"");
    assertEquals(0x3008, Semantics.loadAddress(i, r));
    assertSame(Outcome.CONTINUE, Semantics.execute(i, r, 1));
    Outcome o = Semantics.execute(i, r, 0);
    assertEquals(
        "assert failed: qword [rbx + 8] != 0 (left=0, right=0): \"flag set\"", o.message());
  }

  @Test
  void memoryOnTheRightAndConstants() {
    Instruction i = one("assert SYS_exit == [rsp], \"x\"");
    assertSame(Outcome.CONTINUE, Semantics.execute(i, r, 60));
  }

  @Test
  void parsedFields() {
    Instruction i = one("assert r8 >= -0x10, \"a, b; c \\\"quoted\\\"\" ; real comment");
    assertEquals(Op.ASSERT, i.op());
    assertEquals(new Operand.RegOp(Reg.R8), i.a());
    assertEquals(new Operand.Imm(-16), i.b());
    assertEquals(CondOp.GE, i.cmp());
    assertEquals("a, b; c \"quoted\"", i.message());
    assertEquals(-1, i.target());
  }

  @Test
  void nonAssertInstructionsHaveNoAssertFields() {
    Instruction i = one("mov rax, 1");
    assertNull(i.cmp());
    assertNull(i.message());
  }

  @Test
  void condOpParse() {
    for (CondOp c : CondOp.values()) {
      assertSame(c, CondOp.parse(c.symbol()));
    }
    assertNull(CondOp.parse("="));
  }
}
