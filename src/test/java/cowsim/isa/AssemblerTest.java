package cowsim.isa;

import static cowsim.isa.Isa.one;
import static cowsim.isa.Isa.prog;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Successful assembly: syntax, operands, immediates, constants and labels. */
class AssemblerTest {

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "mov rax, 1        | MOV",
    "add rax, 1        | ADD",
    "sub rax, 1        | SUB",
    "and rax, 1        | AND",
    "or rax, 1         | OR",
    "xor rax, 1        | XOR",
    "inc rax           | INC",
    "dec rax           | DEC",
    "cmp rax, 1        | CMP",
    "test rax, 1       | TEST",
    "jmp l             | JMP",
    "je l              | JE",
    "jz l              | JE",
    "jne l             | JNE",
    "jnz l             | JNE",
    "jl l              | JL",
    "jle l             | JLE",
    "jg l              | JG",
    "jge l             | JGE",
    "push rax          | PUSH",
    "pop rax           | POP",
    "call l            | CALL",
    "ret               | RET",
    "syscall           | SYSCALL",
    "pause             | PAUSE",
    "nop               | NOP",
    "rdfsbase rax      | RDFSBASE",
    "assert rax == 1, \"m\" | ASSERT",
  })
  void everyMnemonic(String src, Op op) {
    Program p = prog(src + "\nl: nop");
    Instruction i = p.at(0);
    assertEquals(op, i.op());
    assertEquals(src, i.text());
    assertEquals(1, i.line());
    assertEquals(op.isJump() || op == Op.CALL ? 1 : -1, i.target());
  }

  @Test
  void mnemonicsAndRegistersAreCaseInsensitive() {
    Instruction i = one("MoV R10, RBX");
    assertEquals(Op.MOV, i.op());
    assertEquals(new Operand.RegOp(Reg.R10), i.a());
    assertEquals(new Operand.RegOp(Reg.RBX), i.b());
    assertEquals(Op.SYSCALL, one("SYSCALL").op());
  }

  @Test
  void operandShapes() {
    Instruction i = one("mov [rbx + 8], rax");
    assertEquals(new Operand.Mem(Reg.RBX, null, 1, 8), i.a());
    assertEquals(new Operand.RegOp(Reg.RAX), i.b());
    assertEquals(i.a(), i.mem());
    i = one("add rcx, [rsp]");
    assertEquals(new Operand.Mem(Reg.RSP, null, 1, 0), i.b());
    assertEquals(i.b(), i.mem());
    i = one("push 7");
    assertEquals(new Operand.Imm(7), i.a());
    assertEquals(null, i.b());
    assertEquals(null, i.mem());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
    "[0x40]                | -    | -    | 1 | 64",
    "[rbx]                 | RBX  | -    | 1 | 0",
    "[rbx + 24]            | RBX  | -    | 1 | 24",
    "[rbx - 24]            | RBX  | -    | 1 | -24",
    "[rbx + rsi*4]         | RBX  | RSI  | 4 | 0",
    "[rbx + rsi*8 + 0x10]  | RBX  | RSI  | 8 | 16",
    "[rbx + rsi*2 - 8]     | RBX  | RSI  | 2 | -8",
    "[rsi*8 + 32]          | -    | RSI  | 8 | 32",
    "[rbx + rsi]           | RBX  | RSI  | 1 | 0",
    "[rax + rsp]           | RSP  | RAX  | 1 | 0",
    "[8*rsi + rbx]         | RBX  | RSI  | 8 | 0",
    "[16 + rbx]            | RBX  | -    | 1 | 16",
    "[rbx + -8]            | RBX  | -    | 1 | -8",
    "[R15+R14*1+1]         | R15  | R14  | 1 | 1",
    "[rbx + MAP_ANONYMOUS] | RBX  | -    | 1 | 32",
    "[rbx - 0x7fff_0000]   | RBX  | -    | 1 | -2147418112",
    "[SYS_exit]            | -    | -    | 1 | 60",
  })
  void memoryOperandForms(String text, String base, String index, int scale, long disp) {
    Operand.Mem m = one("mov rax, " + text).mem();
    assertEquals(new Operand.Mem(reg(base), reg(index), scale, disp), m);
  }

  private static Reg reg(String s) {
    return s.equals("-") ? null : Reg.valueOf(s);
  }

  @Test
  void qwordAndQwordPtr() {
    Operand.Mem want = new Operand.Mem(Reg.RBX, null, 1, 0);
    assertEquals(want, one("mov qword [rbx], 1").a());
    assertEquals(want, one("mov qword ptr [rbx], 1").a());
    assertEquals(want, one("mov QWORD PTR [rbx], 1").a());
    assertEquals(want, one("mov qword[rbx], 1").a());
    assertEquals(want, one("mov rax, qword ptr [rbx]").b());
    assertEquals(want, one("inc qword [rbx]").a());
    assertEquals(want, one("push qword ptr [rbx]").a());
  }

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource(delimiter = '|', value = {
    "0                       | 0",
    "42                      | 42",
    "-5                      | -5",
    "0x10                    | 16",
    "0X1f                    | 31",
    "-0x10                   | -16",
    "0x7fff_0000             | 2147418112",
    "1_000_000               | 1000000",
    "0xFFFFFFFFFFFFFFFF      | -1",
    "18446744073709551615    | -1",
    "0x8000000000000000      | -9223372036854775808",
    "9223372036854775807     | 9223372036854775807",
    "-9223372036854775808    | -9223372036854775808",
    "-0x8000000000000000     | -9223372036854775808",
    "+7                      | 7",
  })
  void immediates(String text, long value) {
    assertEquals(new Operand.Imm(value), one("mov rax, " + text).b());
  }

  @Test
  void everyNamedConstantAssembles() {
    for (Map.Entry<String, Long> e : Constants.NAMES.entrySet()) {
      assertEquals(new Operand.Imm(e.getValue()), one("mov rax, " + e.getKey()).b(), e.getKey());
    }
  }

  @Test
  void constantValuesMatchLinux() {
    Map<String, Long> n = Constants.NAMES;
    assertEquals(45, n.size());
    assertEquals(0L, n.get("SYS_read"));
    assertEquals(1L, n.get("SYS_write"));
    assertEquals(3L, n.get("SYS_close"));
    assertEquals(22L, n.get("SYS_pipe"));
    assertEquals(278L, n.get("SYS_vmsplice"));
    assertEquals(293L, n.get("SYS_pipe2"));
    assertEquals(98L, n.get("SYS_getrusage"));
    assertEquals(0L, n.get("RUSAGE_SELF"));
    assertEquals(1L, n.get("RUSAGE_THREAD"));
    assertEquals(9L, n.get("SYS_mmap"));
    assertEquals(10L, n.get("SYS_mprotect"));
    assertEquals(11L, n.get("SYS_munmap"));
    assertEquals(24L, n.get("SYS_sched_yield"));
    assertEquals(39L, n.get("SYS_getpid"));
    assertEquals(56L, n.get("SYS_clone"));
    assertEquals(57L, n.get("SYS_fork"));
    assertEquals(60L, n.get("SYS_exit"));
    assertEquals(61L, n.get("SYS_wait4"));
    assertEquals(158L, n.get("SYS_arch_prctl"));
    assertEquals(186L, n.get("SYS_gettid"));
    assertEquals(203L, n.get("SYS_sched_setaffinity"));
    assertEquals(231L, n.get("SYS_exit_group"));
    assertEquals(302L, n.get("SYS_PROC_FORK"));
    assertEquals(0x100L, n.get("CLONE_VM"));
    assertEquals(0x1002L, n.get("ARCH_SET_FS"));
    assertEquals(0x1003L, n.get("ARCH_GET_FS"));
    assertEquals(0L, n.get("PROT_NONE"));
    assertEquals(1L, n.get("PROT_READ"));
    assertEquals(2L, n.get("PROT_WRITE"));
    assertEquals(4L, n.get("PROT_EXEC"));
    assertEquals(0x02L, n.get("MAP_PRIVATE"));
    assertEquals(0x20L, n.get("MAP_ANONYMOUS"));
    assertEquals(0x10L, n.get("MAP_FIXED"));
    assertEquals(0x40000L, n.get("MAP_HUGETLB"));
    assertEquals(28L, n.get("SYS_madvise"));
    assertEquals(4L, n.get("MADV_DONTNEED"));
    assertEquals(257L, n.get("SYS_openat"));
    assertEquals(16L, n.get("SYS_ioctl"));
    assertEquals(-100L, n.get("AT_FDCWD"));
    assertEquals(2L, n.get("O_RDWR"));
    // _IOW('g', 7, struct pin_longterm_test): dir 1 << 30, size 24 << 16, type 'g' << 8, nr 7
    assertEquals((1L << 30) | (24L << 16) | ('g' << 8) | 7, n.get("PIN_LONGTERM_TEST_START"));
    assertEquals(('g' << 8) | 8L, n.get("PIN_LONGTERM_TEST_STOP"));
    assertEquals((1L << 30) | (8L << 16) | ('g' << 8) | 9, n.get("PIN_LONGTERM_TEST_READ"));
    assertEquals(1L, n.get("PIN_LONGTERM_TEST_FLAG_USE_WRITE"));
    assertEquals(2L, n.get("PIN_LONGTERM_TEST_FLAG_USE_FAST"));
    assertEquals(Constants.SYS_exit, n.get("SYS_exit").intValue());
    assertThrows(UnsupportedOperationException.class, () -> n.put("X", 1L));
  }

  @Test
  void constantsWorkInEveryImmediatePosition() {
    assertEquals(new Operand.Imm(0x1002), one("cmp rdi, ARCH_SET_FS").b());
    assertEquals(new Operand.Imm(57), one("push SYS_fork").a());
    assertEquals(new Operand.Imm(3), one("mov qword [rbx], 3").b());
  }

  @Test
  void labelsForwardBackwardAndAlone() {
    Program p = prog(
        """
        start:
            mov rcx, 3
        again: dec rcx
            jnz again
            jmp end
            nop
        end:
        """);
    assertEquals(5, p.size());
    assertEquals(0, p.indexOfLabel("start"));
    assertEquals(1, p.indexOfLabel("again"));
    assertEquals(5, p.indexOfLabel("end"));
    assertEquals(-1, p.indexOfLabel("nowhere"));
    assertEquals(1, p.at(2).target());
    assertEquals(5, p.at(3).target());
    assertEquals(List.of("start", "again", "end"), List.copyOf(p.labels().keySet()));
    assertEquals("dec rcx", p.at(1).text());
    assertEquals(3, p.at(1).line());
  }

  @Test
  void severalLabelsOnOneInstruction() {
    Program p = prog("a:\nb: c: nop\njmp b");
    assertEquals(0, p.indexOfLabel("a"));
    assertEquals(0, p.indexOfLabel("b"));
    assertEquals(0, p.indexOfLabel("c"));
    assertEquals(0, p.at(1).target());
  }

  @Test
  void labelNamesMayUseDotsAndUnderscores() {
    Program p = prog(".L_loop.1: nop\n_x: jmp .L_loop.1\ncall _x");
    assertEquals(0, p.at(1).target());
    assertEquals(1, p.at(2).target());
  }

  @Test
  void labelsAreCaseSensitive() {
    Program p = prog("Loop: nop\nloop: nop\njmp loop\njmp Loop");
    assertEquals(1, p.at(2).target());
    assertEquals(0, p.at(3).target());
  }

  @Test
  void commentsAndBlankLinesKeepLineNumbers() {
    Program p = prog(
        "; header comment\n"
            + "\n"
            + "   mov rax, 1   ; set rax\n"
            + "\t\n"
            + "lbl: ; a label with a comment\n"
            + "assert rax == 1, \"semi;colon\" ; trailing\n");
    assertEquals(2, p.size());
    assertEquals(3, p.at(0).line());
    assertEquals("mov rax, 1", p.at(0).text());
    assertEquals(6, p.at(1).line());
    assertEquals("semi;colon", p.at(1).message());
    assertEquals(1, p.indexOfLabel("lbl"));
  }

  @Test
  void crlfLineEndings() {
    Program p = prog("mov rax, 1\r\nloop: dec rax\r\njnz loop\r\n");
    assertEquals(3, p.size());
    assertEquals("dec rax", p.at(1).text());
    assertEquals(1, p.at(2).target());
  }

  @Test
  void programIsImmutable() {
    Program p = prog("x: nop");
    assertThrows(UnsupportedOperationException.class, () -> p.instructions().clear());
    assertThrows(UnsupportedOperationException.class, () -> p.labels().put("y", 0));
    assertThrows(IndexOutOfBoundsException.class, () -> p.at(1));
    assertEquals(1, p.size());
    assertEquals(p.at(0), p.instructions().get(0));
  }

  @Test
  void programListing() {
    assertEquals("0: mov rax, 1\n1: ret\n", prog("mov rax, 1\nret").toString());
  }

  @Test
  void operandToStringIsIntelSyntax() {
    assertEquals("qword [rbx + rcx*8 - 16]", one("mov rax, [rbx + rcx*8 - 16]").b().toString());
    assertEquals("qword [0x10000]", one("mov rax, [0x10000]").b().toString());
    assertEquals("qword [rsi*2 + 4]", one("mov rax, [rsi*2 + 4]").b().toString());
    assertEquals("-3", one("mov rax, -3").b().toString());
    assertEquals("r11", one("mov rax, r11").b().toString());
  }

  @Test
  void whitespaceIsFlexible() {
    Instruction i = one("  add\trax ,[ rbx+rcx*8-8 ]  ");
    assertEquals(Op.ADD, i.op());
    assertEquals(new Operand.Mem(Reg.RBX, Reg.RCX, 8, -8), i.b());
    assertEquals("add\trax ,[ rbx+rcx*8-8 ]", i.text());
  }
}
