package cowsim.isa;

import static cowsim.isa.Isa.one;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Effective addresses and which instructions need a load and/or a store. */
class AddressingTest {
  private RegisterFile r;

  @BeforeEach
  void setUp() {
    r = new RegisterFile();
    r.set(Reg.RBX, 0x1000);
    r.set(Reg.RCX, 3);
    r.set(Reg.RSP, 0x8000);
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @CsvSource(delimiter = '|', value = {
    "[0x2000]                | 0x2000",
    "[rbx]                   | 0x1000",
    "[rbx + 16]              | 0x1010",
    "[rbx - 16]              | 0x0ff0",
    "[rbx + rcx*8]           | 0x1018",
    "[rbx + rcx*4 + 0x100]   | 0x110c",
    "[rbx + rcx*2 - 1]       | 0x1005",
    "[rcx*8 + 0x40]          | 0x0058",
    "[rbx + rcx]             | 0x1003",
    "[rbx+rcx*1+1]           | 0x1004",
    "[rsp + 8]               | 0x8008",
    "[ -8 ]                  | 0xfffffffffffffff8",
    "[rbx + PROT_WRITE]      | 0x1002",
    "[rbx - ARCH_SET_FS]     | 0xfffffffffffffffe",
  })
  void effectiveAddress(String operand, String expected) {
    Instruction i = one("mov rax, " + operand);
    long want = Long.parseUnsignedLong(expected.substring(2), 16);
    assertEquals(want, Semantics.effectiveAddress(i.mem(), r));
    assertEquals(want, Semantics.loadAddress(i, r));
  }

  @Test
  void effectiveAddressWrapsAround() {
    r.set(Reg.RAX, -1);
    Instruction i = one("mov rdx, [rax + rax*8 + 10]");
    assertEquals(-1L + -8L + 10L, Semantics.effectiveAddress(i.mem(), r));
  }

  @Test
  void effectiveAddressOfARecordBuiltByHand() {
    Operand.Mem m = new Operand.Mem(Reg.RBX, Reg.RCX, 8, -0x18);
    assertEquals(0x1000, Semantics.effectiveAddress(m, r));
    assertEquals(0x1234, Semantics.effectiveAddress(new Operand.Mem(null, null, 1, 0x1234), r));
  }

  @Test
  void memRejectsABadScale() {
    assertThrows(IllegalArgumentException.class, () -> new Operand.Mem(Reg.RAX, Reg.RBX, 3, 0));
  }

  @Test
  void storeAddressComesFromRegistersBeforeExecution() {
    // mov [rbx], rbx-style hazards: the store address must not see the update.
    Instruction i = one("add [rbx + rcx*8], rcx");
    long addr = Semantics.storeAddress(i, r);
    Semantics.execute(i, r, 1);
    assertEquals(0x1018, addr);
  }

  @ParameterizedTest(name = "{0}: load={1} store={2}")
  @CsvSource(delimiter = '|', value = {
    "mov rax, rbx            | false | false",
    "mov rax, 5              | false | false",
    "mov rax, [rbx]          | true  | false",
    "mov [rbx], rax          | false | true",
    "mov qword [rbx], 1      | false | true",
    "add rax, [rbx]          | true  | false",
    "add [rbx], rax          | true  | true",
    "sub [rbx], 1            | true  | true",
    "and [rbx], rax          | true  | true",
    "or [rbx], rax           | true  | true",
    "xor [rbx], rax          | true  | true",
    "cmp [rbx], rax          | true  | false",
    "cmp rax, [rbx]          | true  | false",
    "test [rbx], 1           | true  | false",
    "inc rax                 | false | false",
    "inc qword [rbx]         | true  | true",
    "dec qword [rbx]         | true  | true",
    "push rax                | false | true",
    "push 1                  | false | true",
    "push [rbx]              | true  | true",
    "pop rax                 | true  | false",
    "ret                     | true  | false",
    "syscall                 | false | false",
    "pause                   | false | false",
    "nop                     | false | false",
    "rdfsbase rax            | false | false",
    "assert rax == 1, \"m\"  | false | false",
    "assert [rbx] == 1, \"m\"| true  | false",
    "assert 1 < [rbx], \"m\" | true  | false",
  })
  void loadAndStoreNeeds(String src, boolean load, boolean store) {
    Instruction i = one(src);
    assertEquals(load, Semantics.needsLoad(i), "needsLoad");
    assertEquals(store, Semantics.needsStore(i), "needsStore");
  }

  @Test
  void jumpAndCallNeeds() {
    Program p = Isa.prog("x: jmp x\ncall x\njle x");
    assertEquals(false, Semantics.needsLoad(p.at(0)));
    assertEquals(false, Semantics.needsStore(p.at(0)));
    assertEquals(false, Semantics.needsLoad(p.at(1)));
    assertEquals(true, Semantics.needsStore(p.at(1)));
    assertEquals(false, Semantics.needsLoad(p.at(2)));
    assertEquals(false, Semantics.needsStore(p.at(2)));
  }
}
