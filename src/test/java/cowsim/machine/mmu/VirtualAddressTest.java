package cowsim.machine.mmu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class VirtualAddressTest {

  @Test
  void constants() {
    assertEquals(4096, VirtualAddress.PAGE_SIZE);
    assertEquals(12, VirtualAddress.PAGE_SHIFT);
    assertEquals(512, VirtualAddress.ENTRIES);
  }

  @Test
  void canonicalEdges() {
    assertTrue(VirtualAddress.canonical(0));
    assertTrue(VirtualAddress.canonical(0x0000_7FFF_FFFF_FFFFL));
    assertFalse(VirtualAddress.canonical(0x0000_8000_0000_0000L));
    assertFalse(VirtualAddress.canonical(0xFFFF_7FFF_FFFF_FFFFL));
    assertTrue(VirtualAddress.canonical(0xFFFF_8000_0000_0000L));
    assertTrue(VirtualAddress.canonical(-1L));
    assertFalse(VirtualAddress.canonical(0x0001_0000_0000_0000L));
    assertFalse(VirtualAddress.canonical(Long.MIN_VALUE));
  }

  @Test
  void userAndKernelHalves() {
    assertTrue(VirtualAddress.user(0));
    assertTrue(VirtualAddress.user(0x0000_7FFF_FFFF_FFFFL));
    assertFalse(VirtualAddress.user(0x0000_8000_0000_0000L));
    assertFalse(VirtualAddress.user(0xFFFF_8000_0000_0000L));
    assertFalse(VirtualAddress.user(-1L));

    assertTrue(VirtualAddress.kernel(0xFFFF_8000_0000_0000L));
    assertTrue(VirtualAddress.kernel(-1L));
    assertFalse(VirtualAddress.kernel(0xFFFF_7FFF_FFFF_FFFFL));
    assertFalse(VirtualAddress.kernel(0x0000_7FFF_FFFF_FFFFL));
  }

  @Test
  void indicesOfAComposedAddress() {
    long va = (3L << 39) | (5L << 30) | (7L << 21) | (9L << 12) | 0x123;
    assertEquals(3, VirtualAddress.pml4Index(va));
    assertEquals(5, VirtualAddress.pdptIndex(va));
    assertEquals(7, VirtualAddress.pdIndex(va));
    assertEquals(9, VirtualAddress.ptIndex(va));
    assertEquals(0x123, VirtualAddress.offset(va));
    assertEquals(3, VirtualAddress.index(va, 4));
    assertEquals(5, VirtualAddress.index(va, 3));
    assertEquals(7, VirtualAddress.index(va, 2));
    assertEquals(9, VirtualAddress.index(va, 1));
  }

  @Test
  void indicesOfKnownAddresses() {
    long top = 0x0000_7FFF_FFFF_FFFFL;
    assertEquals(255, VirtualAddress.pml4Index(top), "bit 47 is clear in the lower half");
    for (int level = 1; level <= 3; level++) assertEquals(511, VirtualAddress.index(top, level));
    assertEquals(511, VirtualAddress.pml4Index(-1L));
    assertEquals(0xFFF, VirtualAddress.offset(top));

    long kernelBase = 0xFFFF_8000_0000_0000L;
    assertEquals(256, VirtualAddress.pml4Index(kernelBase));
    assertEquals(0, VirtualAddress.pdptIndex(kernelBase));

    // 0x400000 = 4 MiB: PD index 2, everything else 0 (a classic ELF load address).
    assertEquals(2, VirtualAddress.pdIndex(0x400000));
    assertEquals(0, VirtualAddress.ptIndex(0x400000));
    assertEquals(1, VirtualAddress.pdptIndex(0x4000_0000L));
    assertEquals(1, VirtualAddress.pml4Index(0x80_0000_0000L));
  }

  @Test
  void levelOutsideOneToFourIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> VirtualAddress.index(0, 0));
    assertThrows(IllegalArgumentException.class, () -> VirtualAddress.index(0, 5));
  }

  @Test
  void pageNumberStaysIn36BitsAndInverts() {
    assertEquals(0x7_FFFF_FFFFL, VirtualAddress.pageNumber(0x0000_7FFF_FFFF_FFFFL));
    long kvpn = VirtualAddress.pageNumber(0xFFFF_8000_0000_1000L);
    assertEquals((1L << 35) + 1, kvpn);
    assertEquals(0xF_FFFF_FFFFL, VirtualAddress.pageNumber(-1L));
    assertEquals(0xFFFF_8000_0000_1000L, VirtualAddress.fromPageNumber(kvpn));
    assertEquals(0x0000_7FFF_FFFF_F000L, VirtualAddress.fromPageNumber(0x7_FFFF_FFFFL));
    assertEquals(0x5000L, VirtualAddress.fromPageNumber(VirtualAddress.pageNumber(0x5abcL)));
  }

  @Test
  void pageBaseAndOffset() {
    assertEquals(0x7000L, VirtualAddress.pageBase(0x7fffL));
    assertEquals(0xfff, VirtualAddress.offset(0x7fffL));
    assertEquals(0xFFFF_8000_0000_1000L, VirtualAddress.pageBase(0xFFFF_8000_0000_1234L));
    assertEquals(0x234, VirtualAddress.offset(0xFFFF_8000_0000_1234L));
    assertEquals(0, VirtualAddress.offset(0x1000));
  }
}
