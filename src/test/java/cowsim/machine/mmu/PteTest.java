package cowsim.machine.mmu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PteTest {

  @Test
  void bitPositionsMatchX86() {
    assertEquals(0x1L, Pte.P);
    assertEquals(0x2L, Pte.RW);
    assertEquals(0x4L, Pte.US);
    assertEquals(0x8L, Pte.PWT);
    assertEquals(0x10L, Pte.PCD);
    assertEquals(0x20L, Pte.A);
    assertEquals(0x40L, Pte.D);
    assertEquals(0x80L, Pte.PS);
    assertEquals(0x100L, Pte.G);
    assertEquals(0x200L, Pte.COW);
    assertEquals(0x8000_0000_0000_0000L, Pte.NX);
    assertEquals(0x000F_FFFF_FFFF_F000L, Pte.ADDR_MASK);
  }

  @Test
  void makeAndFrameRoundTrip() {
    long[] frames = {0, 1, 0x1a3, 0x12345, Pte.MAX_FRAME};
    long flags = Pte.P | Pte.RW | Pte.US | Pte.A | Pte.D | Pte.COW | Pte.NX;
    for (long f : frames) {
      long pte = Pte.make(f, flags);
      assertEquals(f, Pte.frame(pte));
      assertEquals(f << 12, Pte.address(pte));
      assertEquals(flags, Pte.flags(pte));
    }
    assertEquals(0x1a3L << 12 | 0x67, Pte.make(0x1a3, 0x67));
  }

  @Test
  void predicatesReadTheirOwnBitOnly() {
    long all = Pte.make(7, Pte.P | Pte.RW | Pte.US | Pte.A | Pte.D | Pte.PS | Pte.G | Pte.COW | Pte.NX);
    assertTrue(Pte.present(all));
    assertTrue(Pte.writable(all));
    assertTrue(Pte.user(all));
    assertTrue(Pte.accessed(all));
    assertTrue(Pte.dirty(all));
    assertTrue(Pte.huge(all));
    assertTrue(Pte.global(all));
    assertTrue(Pte.cow(all));
    assertTrue(Pte.nx(all));

    long frameOnly = Pte.make(Pte.MAX_FRAME, 0);
    assertFalse(Pte.present(frameOnly));
    assertFalse(Pte.writable(frameOnly));
    assertFalse(Pte.user(frameOnly));
    assertFalse(Pte.accessed(frameOnly));
    assertFalse(Pte.dirty(frameOnly));
    assertFalse(Pte.huge(frameOnly));
    assertFalse(Pte.global(frameOnly));
    assertFalse(Pte.cow(frameOnly));
    assertFalse(Pte.nx(frameOnly));
  }

  @Test
  void makeRejectsBadInput() {
    assertThrows(IllegalArgumentException.class, () -> Pte.make(-1, Pte.P));
    assertThrows(IllegalArgumentException.class, () -> Pte.make(Pte.MAX_FRAME + 1, Pte.P));
    assertThrows(IllegalArgumentException.class, () -> Pte.make(1, 0x1000));
  }

  @Test
  void cowTransitionEditsFlagsButKeepsFrame() {
    long pte = Pte.make(0x42, Pte.P | Pte.RW | Pte.US | Pte.A | Pte.D);
    long shared = Pte.withFlags(Pte.withoutFlags(pte, Pte.RW), Pte.COW);
    assertEquals(0x42, Pte.frame(shared));
    assertFalse(Pte.writable(shared));
    assertTrue(Pte.cow(shared));

    long privateCopy = Pte.withFlags(Pte.withoutFlags(Pte.withFrame(shared, 0x99), Pte.COW), Pte.RW);
    assertEquals(0x99, Pte.frame(privateCopy));
    assertTrue(Pte.writable(privateCopy));
    assertFalse(Pte.cow(privateCopy));
    assertTrue(Pte.user(privateCopy) && Pte.dirty(privateCopy));
  }

  @Test
  void flagEditsCannotCorruptTheAddress() {
    long pte = Pte.make(0x1234, Pte.P);
    assertEquals(0x1234, Pte.frame(Pte.withFlags(pte, -1L)));
    assertEquals(0x1234, Pte.frame(Pte.withoutFlags(pte, -1L)));
    assertEquals(0L, Pte.flags(Pte.withoutFlags(pte, -1L)));
  }

  @Test
  void describeListsFlagsInBitOrder() {
    long pte = Pte.make(0x1a3, Pte.COW | Pte.D | Pte.A | Pte.US | Pte.RW | Pte.P);
    assertEquals("frame 0x1a3 P RW US A D COW", Pte.describe(pte));
    assertEquals("frame 0x0", Pte.describe(0));
    assertEquals(
        "frame 0x200 P PWT PCD PS G NX",
        Pte.describe(Pte.make(0x200, Pte.P | Pte.PWT | Pte.PCD | Pte.PS | Pte.G | Pte.NX)));
  }
}
