package cowsim.isa;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Tests of Reg and RegisterFile. */
class RegisterFileTest {

  @Test
  void regOrdinalsAreHardwareNumbers() {
    assertEquals(0, Reg.RAX.ordinal());
    assertEquals(1, Reg.RCX.ordinal());
    assertEquals(2, Reg.RDX.ordinal());
    assertEquals(3, Reg.RBX.ordinal());
    assertEquals(4, Reg.RSP.ordinal());
    assertEquals(5, Reg.RBP.ordinal());
    assertEquals(6, Reg.RSI.ordinal());
    assertEquals(7, Reg.RDI.ordinal());
    assertEquals(8, Reg.R8.ordinal());
    assertEquals(15, Reg.R15.ordinal());
    assertEquals(16, Reg.values().length);
  }

  @Test
  void regParseIsCaseInsensitiveAndRejectsOthers() {
    assertEquals(Reg.RAX, Reg.parse("rax"));
    assertEquals(Reg.R12, Reg.parse("R12"));
    assertEquals(Reg.RSP, Reg.parse("rSp"));
    assertNull(Reg.parse("eax"));
    assertNull(Reg.parse("rip"));
    assertNull(Reg.parse("r16"));
    assertEquals("r9", Reg.R9.toString());
  }

  @Test
  void subRegistersMapToTheirFullRegister() {
    assertEquals(Reg.RAX, Reg.parseSubRegister("eax"));
    assertEquals(Reg.RAX, Reg.parseSubRegister("AL"));
    assertEquals(Reg.RBX, Reg.parseSubRegister("bh"));
    assertEquals(Reg.RSI, Reg.parseSubRegister("sil"));
    assertEquals(Reg.RSP, Reg.parseSubRegister("esp"));
    assertEquals(Reg.R8, Reg.parseSubRegister("r8d"));
    assertEquals(Reg.R15, Reg.parseSubRegister("r15b"));
    assertNull(Reg.parseSubRegister("rax"));
  }

  @Test
  void resetState() {
    RegisterFile r = new RegisterFile();
    assertEquals(0x202, r.rflags);
    assertEquals(0x33, r.cs);
    assertEquals(0x2b, r.ss);
    assertEquals(0, r.rip);
    assertEquals(0, r.fsBase);
    for (Reg reg : Reg.values()) {
      assertEquals(0, r.get(reg));
    }
  }

  @Test
  void flagBitPositions() {
    assertEquals(1L, RegisterFile.CF);
    assertEquals(1L << 6, RegisterFile.ZF);
    assertEquals(1L << 7, RegisterFile.SF);
    assertEquals(1L << 11, RegisterFile.OF);
    RegisterFile r = new RegisterFile();
    r.rflags |= RegisterFile.ZF | RegisterFile.CF;
    assertTrue(r.flag(RegisterFile.ZF));
    assertTrue(r.flag(RegisterFile.CF | RegisterFile.ZF));
    assertFalse(r.flag(RegisterFile.ZF | RegisterFile.SF));
  }

  @Test
  void getAndSetUseTheOrdinal() {
    RegisterFile r = new RegisterFile();
    r.set(Reg.R13, -7);
    assertEquals(-7, r.get(Reg.R13));
    assertEquals(-7, r.gpr[13]);
  }

  @Test
  void copyIsDeepAndEqual() {
    RegisterFile r = new RegisterFile();
    r.set(Reg.RDI, 99);
    r.rip = 4;
    r.fsBase = 0x7000;
    RegisterFile c = r.copy();
    assertNotSame(r.gpr, c.gpr);
    assertEquals(r, c);
    assertEquals(r.hashCode(), c.hashCode());
    c.set(Reg.RDI, 100);
    assertEquals(99, r.get(Reg.RDI));
    assertNotEquals(r, c);
  }

  @Test
  void copyFromOverwritesEverything() {
    RegisterFile src = new RegisterFile();
    src.set(Reg.RAX, 1);
    src.set(Reg.R15, 2);
    src.rip = 3;
    src.rflags = 0x2c3;
    src.fsBase = 4;
    src.cs = 5;
    src.ss = 6;
    RegisterFile dst = new RegisterFile();
    dst.set(Reg.RBX, 77);
    dst.copyFrom(src);
    assertEquals(src, dst);
    assertEquals(0, dst.get(Reg.RBX));
  }

  @Test
  void equalsDistinguishesEveryField() {
    RegisterFile a = new RegisterFile();
    RegisterFile b = a.copy();
    b.rip = 1;
    assertNotEquals(a, b);
    b = a.copy();
    b.rflags ^= RegisterFile.ZF;
    assertNotEquals(a, b);
    b = a.copy();
    b.fsBase = 1;
    assertNotEquals(a, b);
    b = a.copy();
    b.cs = 0;
    assertNotEquals(a, b);
    b = a.copy();
    b.ss = 0;
    assertNotEquals(a, b);
    assertNotEquals(a, null);
    assertNotEquals(a, "rax");
  }

  @Test
  void toStringShowsAllRegistersInHex() {
    RegisterFile r = new RegisterFile();
    r.set(Reg.RAX, 42);
    r.set(Reg.R15, -1);
    r.rip = 10;
    r.rflags |= RegisterFile.ZF | RegisterFile.CF;
    r.fsBase = 0x7fff0000L;
    String s = r.toString();
    assertTrue(s.startsWith("rax=0x2a rcx=0x0 "), s);
    assertTrue(s.contains("r15=0xffffffffffffffff"), s);
    assertTrue(s.contains("rip=0xa"), s);
    assertTrue(s.contains("rflags=0x243 [CF ZF]"), s);
    assertTrue(s.contains("fs=0x7fff0000 cs=0x33 ss=0x2b"), s);
    for (Reg reg : Reg.values()) {
      assertTrue(s.contains(reg + "=0x"), reg::toString);
    }
    assertFalse(s.contains("\n"));
  }
}
