package cowsim.isa;

import static cowsim.isa.Isa.one;
import static cowsim.isa.RegisterFile.CF;
import static cowsim.isa.RegisterFile.OF;
import static cowsim.isa.RegisterFile.SF;
import static cowsim.isa.RegisterFile.ZF;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Per-instruction tests of data movement, arithmetic, logic and flags. */
class SemanticsTest {
  private static final long ARITH = CF | ZF | SF | OF;
  private RegisterFile r;

  @BeforeEach
  void setUp() {
    r = new RegisterFile();
  }

  private Outcome exec(String src) {
    return Semantics.execute(one(src), r, 0);
  }

  private Outcome exec(String src, long loaded) {
    return Semantics.execute(one(src), r, loaded);
  }

  /** The arithmetic flags of r, for exact comparison. */
  private long flags() {
    return r.rflags & ARITH;
  }

  // ---- mov ----

  @Test
  void movRegImm() {
    assertSame(Outcome.CONTINUE, exec("mov rax, 0x1234"));
    assertEquals(0x1234, r.get(Reg.RAX));
    assertEquals(1, r.rip);
  }

  @Test
  void movRegReg() {
    r.set(Reg.R9, -3);
    exec("mov r14, r9");
    assertEquals(-3, r.get(Reg.R14));
    assertEquals(-3, r.get(Reg.R9));
  }

  @Test
  void movRegMemUsesLoadedValue() {
    Instruction i = one("mov rcx, [rbx + 8]");
    assertTrue(Semantics.needsLoad(i));
    assertFalse(Semantics.needsStore(i));
    assertSame(Outcome.CONTINUE, Semantics.execute(i, r, 0xdeadL));
    assertEquals(0xdead, r.get(Reg.RCX));
  }

  @Test
  void movMemRegStoresWithoutTouchingRegisters() {
    r.set(Reg.RDX, 77);
    r.set(Reg.RBX, 0x1000);
    RegisterFile before = r.copy();
    Instruction i = one("mov [rbx], rdx");
    assertFalse(Semantics.needsLoad(i));
    assertTrue(Semantics.needsStore(i));
    assertEquals(0x1000, Semantics.storeAddress(i, r));
    Outcome o = Semantics.execute(i, r, 0);
    assertEquals(Outcome.Kind.STORE, o.kind());
    assertEquals(77, o.storeValue());
    before.rip = 1;
    assertEquals(before, r);
  }

  @Test
  void movMemImm() {
    Outcome o = exec("mov qword [rbx], -1");
    assertEquals(Outcome.Kind.STORE, o.kind());
    assertEquals(-1, o.storeValue());
  }

  @Test
  void movLeavesFlagsAlone() {
    r.rflags |= CF | OF | ZF | SF;
    exec("mov rax, 0");
    assertEquals(CF | OF | ZF | SF, flags());
  }

  // ---- add / sub ----

  @ParameterizedTest(name = "{0} + {1} = {2} flags {3}")
  @CsvSource({
    // x, y, result, CF ZF SF OF
    "1, 2, 3, ----",
    "0x7fffffffffffffff, 1, 0x8000000000000000, --SO",
    "0xffffffffffffffff, 1, 0, CZ--",
    "0x8000000000000000, 0x8000000000000000, 0, CZ-O",
    "0xffffffffffffffff, 0xffffffffffffffff, 0xfffffffffffffffe, C-S-",
    "-5, 3, -2, --S-",
    "0, 0, 0, -Z--",
  })
  void add(String x, String y, String res, String f) {
    r.set(Reg.RAX, num(x));
    r.set(Reg.RBX, num(y));
    r.rflags |= ARITH; // every flag must be recomputed, not or-ed in
    assertSame(Outcome.CONTINUE, exec("add rax, rbx"));
    assertEquals(num(res), r.get(Reg.RAX));
    assertEquals(num(y), r.get(Reg.RBX));
    assertEquals(flagBits(f), flags(), () -> "flags " + f);
    assertEquals(1, r.rip);
  }

  @ParameterizedTest(name = "{0} - {1} = {2} flags {3}")
  @CsvSource({
    "5, 3, 2, ----",
    "5, 5, 0, -Z--",
    "0, 1, -1, C-S-",
    "3, 5, -2, C-S-",
    "0x8000000000000000, 1, 0x7fffffffffffffff, ---O",
    "0x7fffffffffffffff, -1, 0x8000000000000000, C-SO",
    "-1, 1, -2, --S-",
    "1, -1, 2, C---",
  })
  void sub(String x, String y, String res, String f) {
    r.set(Reg.RAX, num(x));
    r.rflags |= ARITH;
    exec("sub rax, " + y);
    assertEquals(num(res), r.get(Reg.RAX));
    assertEquals(flagBits(f), flags(), () -> "flags " + f);
  }

  @ParameterizedTest(name = "cmp {0}, {1} flags {2}")
  @CsvSource({
    "5, 3, ----",
    "5, 5, -Z--",
    "0, 1, C-S-",
    "0x8000000000000000, 1, ---O",
    "-1, 1, --S-",
  })
  void cmpSetsFlagsLikeSubButKeepsOperands(String x, String y, String f) {
    r.set(Reg.RSI, num(x));
    r.set(Reg.RDI, num(y));
    assertSame(Outcome.CONTINUE, exec("cmp rsi, rdi"));
    assertEquals(num(x), r.get(Reg.RSI));
    assertEquals(num(y), r.get(Reg.RDI));
    assertEquals(flagBits(f), flags());
    assertEquals(1, r.rip);
  }

  @Test
  void addRegMem() {
    r.set(Reg.RAX, 10);
    Instruction i = one("add rax, qword ptr [rsp]");
    assertTrue(Semantics.needsLoad(i));
    assertFalse(Semantics.needsStore(i));
    assertSame(Outcome.CONTINUE, Semantics.execute(i, r, 32));
    assertEquals(42, r.get(Reg.RAX));
  }

  @Test
  void readModifyWriteLoadsAndStoresTheSameAddress() {
    r.set(Reg.RBX, 0x5000);
    Instruction i = one("add [rbx+8], 1");
    assertTrue(Semantics.needsLoad(i));
    assertTrue(Semantics.needsStore(i));
    assertEquals(0x5008, Semantics.loadAddress(i, r));
    assertEquals(0x5008, Semantics.storeAddress(i, r));
    Outcome o = Semantics.execute(i, r, 41);
    assertEquals(Outcome.Kind.STORE, o.kind());
    assertEquals(42, o.storeValue());
    assertEquals(0x5000, r.get(Reg.RBX));
    assertEquals(0, flags());
  }

  @Test
  void subMemRegSetsFlagsFromTheMemoryValue() {
    r.set(Reg.RCX, 1);
    Outcome o = exec("sub [rdi], rcx", 0);
    assertEquals(-1, o.storeValue());
    assertEquals(CF | SF, flags());
  }

  @Test
  void cmpMemImmLoadsButDoesNotStore() {
    Instruction i = one("cmp qword [rbp - 16], 7");
    r.set(Reg.RBP, 0x100);
    assertTrue(Semantics.needsLoad(i));
    assertFalse(Semantics.needsStore(i));
    assertEquals(0xf0, Semantics.loadAddress(i, r));
    assertSame(Outcome.CONTINUE, Semantics.execute(i, r, 7));
    assertEquals(ZF, flags());
  }

  // ---- logic ----

  @Test
  void andClearsCarryAndOverflow() {
    r.set(Reg.RAX, 0b1100);
    r.rflags |= CF | OF;
    exec("and rax, 10"); // 0b1010
    assertEquals(0b1000, r.get(Reg.RAX));
    assertEquals(0, flags());
  }

  @Test
  void andToZeroSetsZf() {
    r.set(Reg.RAX, 0xf0);
    exec("and rax, 0x0f");
    assertEquals(0, r.get(Reg.RAX));
    assertEquals(ZF, flags());
  }

  @Test
  void orSetsSign() {
    r.set(Reg.R8, 1);
    r.rflags |= CF | OF | ZF;
    exec("or r8, 0x8000000000000000");
    assertEquals(0x8000000000000001L, r.get(Reg.R8));
    assertEquals(SF, flags());
  }

  @Test
  void xorSelfZeroes() {
    r.set(Reg.RAX, 12345);
    r.rflags |= CF | OF | SF;
    exec("xor rax, rax");
    assertEquals(0, r.get(Reg.RAX));
    assertEquals(ZF, flags());
  }

  @Test
  void xorMemDestinationStores() {
    Outcome o = exec("xor [rax], 0xff", 0x0f);
    assertEquals(0xf0, o.storeValue());
  }

  @Test
  void orMemSourceUsesLoaded() {
    r.set(Reg.RDX, 0x100);
    exec("or rdx, [r8 + r9*2]", 0x1);
    assertEquals(0x101, r.get(Reg.RDX));
  }

  @Test
  void testSetsFlagsButKeepsOperand() {
    r.set(Reg.RAX, 0b0110);
    r.rflags |= CF | OF;
    assertSame(Outcome.CONTINUE, exec("test rax, 9"));
    assertEquals(0b0110, r.get(Reg.RAX));
    assertEquals(ZF, flags());
    exec("test rax, rax");
    assertEquals(0, flags());
    r.set(Reg.RAX, -1);
    exec("test rax, rax");
    assertEquals(SF, flags());
  }

  @Test
  void testMemNeedsLoadOnly() {
    Instruction i = one("test [rbx], rcx");
    assertTrue(Semantics.needsLoad(i));
    assertFalse(Semantics.needsStore(i));
  }

  // ---- inc / dec ----

  @Test
  void incKeepsCarry() {
    r.rflags |= CF;
    r.set(Reg.RCX, 41);
    exec("inc rcx");
    assertEquals(42, r.get(Reg.RCX));
    assertEquals(CF, flags());
  }

  @Test
  void incOverflowsAtMax() {
    r.set(Reg.RCX, Long.MAX_VALUE);
    exec("inc rcx");
    assertEquals(Long.MIN_VALUE, r.get(Reg.RCX));
    assertEquals(SF | OF, flags());
  }

  @Test
  void incOfMinusOneIsZeroWithoutCarry() {
    r.set(Reg.RCX, -1);
    exec("inc rcx");
    assertEquals(0, r.get(Reg.RCX));
    assertEquals(ZF, flags()); // add would set CF here; inc must not
  }

  @Test
  void decToZero() {
    r.set(Reg.R11, 1);
    r.rflags |= CF | SF | OF;
    exec("dec r11");
    assertEquals(0, r.get(Reg.R11));
    assertEquals(ZF | CF, flags());
  }

  @Test
  void decOverflowsAtMin() {
    r.set(Reg.R11, Long.MIN_VALUE);
    exec("dec r11");
    assertEquals(Long.MAX_VALUE, r.get(Reg.R11));
    assertEquals(OF, flags());
  }

  @Test
  void decOfZeroIsNegativeWithoutCarry() {
    exec("dec rax");
    assertEquals(-1, r.get(Reg.RAX));
    assertEquals(SF, flags());
  }

  @Test
  void incMemIsReadModifyWrite() {
    r.set(Reg.RSI, 0x2000);
    Instruction i = one("inc qword [rsi]");
    assertTrue(Semantics.needsLoad(i));
    assertTrue(Semantics.needsStore(i));
    assertEquals(0x2000, Semantics.loadAddress(i, r));
    assertEquals(0x2000, Semantics.storeAddress(i, r));
    Outcome o = Semantics.execute(i, r, 9);
    assertEquals(Outcome.Kind.STORE, o.kind());
    assertEquals(10, o.storeValue());
  }

  @Test
  void decMemStores() {
    Outcome o = exec("dec qword ptr [rsi + 8]", 1);
    assertEquals(0, o.storeValue());
    assertEquals(ZF, flags());
  }

  // ---- misc ----

  @Test
  void syscallAdvancesRipOnly() {
    r.set(Reg.RAX, 60);
    r.rip = 0;
    RegisterFile before = r.copy();
    assertSame(Outcome.SYSCALL, exec("syscall"));
    before.rip = 1;
    assertEquals(before, r);
  }

  @Test
  void pauseIsASpinHint() {
    assertSame(Outcome.PAUSE, exec("pause"));
    assertEquals(1, r.rip);
  }

  @Test
  void nopOnlyAdvances() {
    RegisterFile before = r.copy();
    assertSame(Outcome.CONTINUE, exec("nop"));
    before.rip = 1;
    assertEquals(before, r);
  }

  @Test
  void rdfsbaseReadsFsBase() {
    r.fsBase = 0x7f00_0000_1000L;
    Instruction i = one("rdfsbase r10");
    assertFalse(Semantics.needsLoad(i));
    assertFalse(Semantics.needsStore(i));
    assertSame(Outcome.CONTINUE, Semantics.execute(i, r, 0));
    assertEquals(0x7f00_0000_1000L, r.get(Reg.R10));
    assertEquals(1, r.rip);
  }

  @Test
  void ripAdvancesFromItsCurrentValue() {
    r.rip = 5;
    exec("nop");
    assertEquals(6, r.rip);
  }

  @Test
  void loadAddressWithoutMemoryOperandIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> Semantics.loadAddress(one("nop"), r));
  }

  /** Flags written as four positions "CZSO", '-' for clear. */
  static long flagBits(String f) {
    long bits = 0;
    bits |= f.charAt(0) == 'C' ? CF : 0;
    bits |= f.charAt(1) == 'Z' ? ZF : 0;
    bits |= f.charAt(2) == 'S' ? SF : 0;
    bits |= f.charAt(3) == 'O' ? OF : 0;
    return bits;
  }

  static long num(String s) {
    s = s.strip();
    boolean neg = s.startsWith("-");
    String t = neg ? s.substring(1) : s;
    long v = t.startsWith("0x") ? Long.parseUnsignedLong(t.substring(2), 16) : Long.parseLong(t);
    return neg ? -v : v;
  }
}
