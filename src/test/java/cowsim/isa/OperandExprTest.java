package cowsim.isa;

import static cowsim.isa.Isa.one;
import static cowsim.isa.Isa.prog;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Constant expressions in operands: | << + - * and parentheses over numbers and named constants. */
class OperandExprTest {

  private static long imm(String operand) {
    return ((Operand.Imm) one("mov rax, " + operand).b()).value();
  }

  @Test
  void flagsCombineWithOr() {
    assertEquals(Constants.NAMES.get("MAP_PRIVATE") | Constants.NAMES.get("MAP_ANONYMOUS"), imm("MAP_PRIVATE|MAP_ANONYMOUS"));
    assertEquals(0x40022, imm("MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB"));
    assertEquals(3, imm("PROT_READ|PROT_WRITE"));
  }

  @Test
  void arithmeticWithCsPrecedence() {
    assertEquals(65536, imm("4096 << 4"));
    assertEquals(4096 + 8, imm("4096 + 8"));
    assertEquals(1 << 5, imm("1 << 2 + 3"), "+ binds tighter than <<");
    assertEquals((1 << 2) | 1, imm("1 << 2 | 1"), "<< binds tighter than |");
    assertEquals(7 + 2 * 3, imm("7 + 2*3"));
    assertEquals((7 + 2) * 3, imm("(7 + 2) * 3"));
    assertEquals(-8, imm("-(4 + 4)"));
    assertEquals(10 - 3 - 2, imm("10 - 3 - 2"), "left to right");
    assertEquals(Long.MIN_VALUE, imm("-9223372036854775808"), "a signed literal keeps its range");
    assertEquals(Long.MIN_VALUE, imm("1 << 63"));
    assertEquals(-1, imm("0xffff_ffff_ffff_ffff"));
    assertEquals(2 << 20, imm("(2 << 20)"));
  }

  @Test
  void memoryOperandsTakeExpressionsAsTheirDisplacement() {
    assertEquals(new Operand.Mem(Reg.RBX, null, 1, 24), one("mov rax, [rbx + 8*3]").mem());
    assertEquals(new Operand.Mem(Reg.RBX, null, 1, 16), one("mov rax, [rbx + 8 + 8]").mem());
    assertEquals(new Operand.Mem(Reg.RBX, Reg.RCX, 8, 0x1000 | 8), one("mov rax, [rbx + rcx*8 + (0x1000 | 8)]").mem());
    assertEquals(new Operand.Mem(Reg.RBX, Reg.RCX, 4, -16), one("mov rax, [rbx + rcx*(2 << 1) - 2*8]").mem());
    assertEquals(new Operand.Mem(null, Reg.RCX, 8, 0), one("mov rax, [2*rcx*4]").mem());
    assertEquals(new Operand.Mem(Reg.RSP, Reg.RAX, 1, 8), one("mov rax, [rax + rsp + 8]").mem());
  }

  @Test
  void everyWayOfWritingTheSameOperandAssemblesAlike() {
    // the forms the bundled scenarios use keep their instruction exactly (their trace hashes pin it)
    List<String[]> same = List.of(
        new String[] {"mov r10, 0x22", "mov r10, MAP_PRIVATE|MAP_ANONYMOUS"},
        new String[] {"mov rdi, 65536", "mov rdi, 4096 << 4"},
        new String[] {"mov rax, [rbx + 24]", "mov rax, [rbx + 8*3]"},
        new String[] {"mov rax, [rbx - 8]", "mov rax, [rbx + -8]"},
        new String[] {"mov rax, [rbx + rcx*8 - 8]", "mov rax, [rcx*8 + rbx - 8]"});
    for (String[] pair : same) {
      Instruction a = prog(pair[0]).at(0);
      Instruction b = prog(pair[1]).at(0);
      assertEquals(a.a(), b.a(), pair[1]);
      assertEquals(a.b(), b.b(), pair[1]);
    }
  }

  @Test
  void anAssertMayShift() {
    Instruction i = one("assert 1 << 4 == rax, \"m\"");
    assertEquals(new Operand.Imm(16), i.a());
    assertEquals(CondOp.parse("=="), i.cmp());
    Instruction j = one("assert rax < 1 << 4, \"m\"");
    assertEquals(CondOp.parse("<"), j.cmp());
    assertEquals(new Operand.Imm(16), j.b());
  }
}
