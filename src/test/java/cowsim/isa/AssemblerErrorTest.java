package cowsim.isa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Assembly errors: each names its line and says what is wrong. */
class AssemblerErrorTest {

  private static AsmException fail(String source) {
    return assertThrows(AsmException.class, () -> Assembler.assemble(source));
  }

  /** Source lines are separated by '/' in the table; the error must be at the given line. */
  @ParameterizedTest(name = "{0} -> line {1}: {2}")
  @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
    // unknown things
    "nop / movx rax, 1                | 2 | unknown mnemonic 'movx'",
    "mov rax, rxx                     | 1 | unknown register or constant 'rxx'",
    "mov rax, [rbx + rxx*8]           | 1 | unknown register or constant 'rxx'",
    "mov rax, [rxx]                   | 1 | unknown register or constant 'rxx'",
    "mov rax, sys_exit                | 1 | unknown register or constant 'sys_exit' (constants are case-sensitive: 'SYS_exit')",
    "mov rax, rax + 1                 | 1 | operand \"rax + 1\": a register can be part of an expression only inside [ ] (a memory operand)",
    // sub-registers
    "mov eax, 1                       | 1 | sub-register 'eax' is not supported; use the 64-bit register 'rax'",
    "nop / / add rax, al              | 3 | sub-register 'al' is not supported; use the 64-bit register 'rax'",
    "mov [r8d], rax                   | 1 | sub-register 'r8d' is not supported; use the 64-bit register 'r8'",
    "push SIL                         | 1 | sub-register 'SIL' is not supported; use the 64-bit register 'rsi'",
    // labels
    "nop / jmp loop2 / loop: nop      | 2 | undefined label 'loop2'",
    "x: nop / x: nop                  | 2 | duplicate label 'x' (first defined on line 1)",
    "rax: nop                         | 1 | label 'rax' collides with a register name",
    "eax: nop                         | 1 | label 'eax' collides with a register name",
    "nop: nop                         | 1 | label 'nop' collides with a mnemonic",
    "jz: nop                          | 1 | label 'jz' collides with a mnemonic",
    "1abc: nop                        | 1 | invalid label name '1abc'",
    "jmp rax                          | 1 | 'jmp' takes one label operand",
    "jnz 5                            | 1 | 'jnz' takes one label operand",
    "call                             | 1 | 'call' takes one label operand",
    "x: je x, x                       | 1 | 'je' takes one label operand",
    // operand rules
    "pop 5                            | 1 | 'pop' takes one register operand",
    "pop [rsp]                        | 1 | 'pop' takes one register operand",
    "pop                              | 1 | 'pop' takes one register operand",
    "pop rax, rbx                     | 1 | 'pop' takes one register operand",
    "rdfsbase [rax]                   | 1 | 'rdfsbase' takes one register operand",
    "mov [rax], [rbx]                 | 1 | two memory operands",
    "add qword [rax], qword ptr [rbx] | 1 | two memory operands",
    "cmp [rax], [rbx]                 | 1 | two memory operands",
    "mov rax                          | 1 | 'mov' takes two operands",
    "add rax, 1, 2                    | 1 | 'add' takes two operands",
    "mov 5, rax                       | 1 | 'mov' first operand must be a register or memory operand",
    "cmp 5, rax                       | 1 | 'cmp' first operand must be a register or memory operand",
    "mov rax,                         | 1 | missing operand",
    "inc 5                            | 1 | 'inc' takes one register or memory operand",
    "dec                              | 1 | 'dec' takes one register or memory operand",
    "push                             | 1 | 'push' takes one operand",
    "push rax, rbx                    | 1 | 'push' takes one operand",
    "ret 8                            | 1 | 'ret' takes no operands",
    "syscall rax                      | 1 | 'syscall' takes no operands",
    // immediates
    "mov rax, 0x10000000000000000     | 1 | immediate out of 64-bit range",
    "mov rax, 18446744073709551616    | 1 | immediate out of 64-bit range",
    "mov rax, -9223372036854775809    | 1 | immediate out of 64-bit range",
    "mov rax, [rbx + 0x1_0000_0000_0000_0000] | 1 | immediate out of 64-bit range",
    "mov rax, 12ab                    | 1 | malformed number '12ab'",
    "mov rax, 0x                      | 1 | malformed number '0x'",
    "mov rax, 1_                      | 1 | malformed number '1_'",
    "mov rax, 0xfg                    | 1 | malformed number '0xfg'",
    // memory operands
    "mov rax, [rbx + rcx*3]           | 1 | scale must be 1, 2, 4 or 8",
    "mov rax, [rcx*16]                | 1 | scale must be 1, 2, 4 or 8",
    "mov rax, [rbx + rsp*2]           | 1 | rsp cannot be an index register",
    "mov rax, [rbx - rcx]             | 1 | a register cannot be subtracted in a memory operand",
    "mov rax, [rbx + rcx + rdx]       | 1 | too many registers in memory operand '[rbx + rcx + rdx]'",
    "mov rax, [rbx + rcx*2 + rdx*4]   | 1 | more than one index register in '[rbx + rcx*2 + rdx*4]'",
    "mov rax, [rbx                    | 1 | missing ']' in memory operand '[rbx'",
    "mov rax, []                      | 1 | empty memory operand",
    "mov rax, [rbx +]                 | 1 | operand \"[rbx +]\": a number, a name or '(' is missing at the end",
    "mov rax, [*]                     | 1 | operand \"[*]\": a number, a name or '(' is missing before '*'",
    "mov rax, [rbx + rcx*]            | 1 | operand \"[rbx + rcx*]\": a number, a name or '(' is missing at the end",
    "mov rax, (1 << 4                  | 1 | operand \"(1 << 4\": missing ')'",
    "mov rax, 1 << 4)                  | 1 | operand \"1 << 4)\": unbalanced ')'",
    "mov rax, 1 << 64                  | 1 | operand \"1 << 64\": a shift count must be between 0 and 63, got 64",
    "mov rax, 1 $ 2                    | 1 | operand \"1 $ 2\": unexpected '$'",
    "mov rax, [rbx*rcx]                | 1 | operand \"[rbx*rcx]\": two registers cannot be multiplied",
    "mov rax, [(rbx + 8)*2]            | 1 | operand \"[(rbx + 8)*2]\": only a single register can be multiplied (by a scale)",
    "mov rax, [rbx + MAP_SHARD]        | 1 | unknown register or constant 'MAP_SHARD'",
    "mov rax, [rbx + rcx*2*3]          | 1 | scale must be 1, 2, 4 or 8",
    "mov rax, dword [rbx]             | 1 | only 8-byte (qword) memory operands are supported",
    "mov rax, byte ptr [rbx]          | 1 | only 8-byte (qword) memory operands are supported",
    "mov qword rax, 1                 | 1 | 'qword' must be followed by a memory operand",
    "mov rax, qword ptr 5             | 1 | 'qword' must be followed by a memory operand",
    // assert
    "assert rax == 1                  | 1 | 'assert' expects: assert a OP b, \"message\"",
    "assert rax == 1 \"m\"            | 1 | 'assert' expects: assert a OP b, \"message\"",
    "assert rax = 1, \"m\"            | 1 | assert needs a comparison: one of == != < <= > >=",
    "assert rax, \"m\"                | 1 | assert needs a comparison: one of == != < <= > >=",
    "assert rax == 1, \"m             | 1 | unterminated string",
    "assert rax == 1, \"m\" x         | 1 | unexpected text after the assert message",
    "assert [rax] == [rbx], \"m\"     | 1 | two memory operands",
    "assert == 1, \"m\"               | 1 | missing operand",
    "assert eax == 1, \"m\"           | 1 | sub-register 'eax' is not supported; use the 64-bit register 'rax'",
  })
  void errorsNameTheLineAndReason(String source, int line, String reason) {
    AsmException e = fail(source.replace(" / ", "\n").replace("/ ", "\n"));
    assertEquals(reason, e.reason());
    assertEquals(line, e.line());
    assertEquals("line " + line + ": " + reason, e.getMessage());
  }

  /** Errors whose operand or reason has a '|', which the table above cannot hold. */
  @Test
  void anOperandErrorNamesTheOperand() {
    assertEquals("operand \"[rbx + 8 | 8]\": '|' applies to numbers and constants, not to a register"
        + " (parenthesize the constant part: rbx + (A | B))", fail("mov rax, [rbx + 8 | 8]").reason());
    assertEquals("operand \"rbx << 2\": '<<' applies to numbers and constants, not to a register"
        + " (parenthesize the constant part: rbx + (A | B))", fail("mov rax, rbx << 2").reason());
    assertEquals("operand \"MAP_PRIVATE|\": a number, a name or '(' is missing at the end",
        fail("mov r10, MAP_PRIVATE|").reason());
    assertEquals("operand \"MAP_PRIVATE||MAP_ANONYMOUS\": a number, a name or '(' is missing before '|'",
        fail("mov r10, MAP_PRIVATE||MAP_ANONYMOUS").reason());
  }

  @Test
  void emptyPrograms() {
    assertEquals("empty program: no instructions", fail("").reason());
    assertEquals("empty program: no instructions", fail("\n\n   \n").reason());
    assertEquals("empty program: no instructions", fail("; only a comment\n").reason());
    assertEquals("empty program: no instructions", fail("start:\nend:").reason());
  }

  @Test
  void lineNumbersCountBlankAndCommentLines() {
    AsmException e = fail("; comment\n\nmov rax, 1\n\n  bogus\n");
    assertEquals(5, e.line());
    assertEquals("unknown mnemonic 'bogus'", e.reason());
  }

  @Test
  void undefinedLabelReportsTheLineOfTheUse() {
    AsmException e = fail("nop\nnop\nnop\ncall helper\nnop");
    assertEquals(4, e.line());
    assertEquals("undefined label 'helper'", e.reason());
  }

  @Test
  void garbageOnlyEverRaisesAsmException() {
    // Random token soup must never escape as a RuntimeException from the parser.
    String[] tokens = {
      "mov", "add", "assert", "jmp", "pop", "push", "qword", "ptr", "rax", "rsp", "eax", "x", "x:",
      "[", "]", "+", "-", "*", ",", ";", "\"", "==", "<", "!", "=", "8", "3", "0x", "0xff", "_",
      "SYS_exit", " ", "\n", "\\",
    };
    Random rnd = new Random(42);
    for (int n = 0; n < 5000; n++) {
      StringBuilder sb = new StringBuilder();
      int len = 1 + rnd.nextInt(12);
      for (int k = 0; k < len; k++) {
        sb.append(tokens[rnd.nextInt(tokens.length)]);
        if (rnd.nextBoolean()) {
          sb.append(' ');
        }
      }
      String src = sb.toString();
      try {
        Program p = Assembler.assemble(src);
        assertTrue(p.size() > 0, src);
      } catch (AsmException e) {
        assertTrue(e.line() >= 1, src);
        assertFalse(e.reason().isEmpty(), src);
      } catch (RuntimeException e) {
        throw new AssertionError("crash on: " + src, e);
      }
    }
  }
}
