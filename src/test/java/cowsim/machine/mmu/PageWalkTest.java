package cowsim.machine.mmu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class PageWalkTest {
  private static final long TABLE = Pte.P | Pte.RW | Pte.US;

  @Test
  void entryAddressIsTableBasePlusEightTimesIndex() {
    long va = (3L << 39) | (5L << 30) | (7L << 21) | (9L << 12) | 0xabc;
    assertEquals(0x1000L * 4096 + 3 * 8, PageWalk.entryAddress(0x1000, va, 4));
    assertEquals(0x2000L * 4096 + 5 * 8, PageWalk.entryAddress(0x2000, va, 3));
    assertEquals(0x3000L * 4096 + 7 * 8, PageWalk.entryAddress(0x3000, va, 2));
    assertEquals(0x4000L * 4096 + 9 * 8, PageWalk.entryAddress(0x4000, va, 1));
    assertEquals(4096L + 511 * 8, PageWalk.entryAddress(1, -1L, 1));
    assertEquals(256 * 8, PageWalk.entryAddress(0, 0xFFFF_8000_0000_0000L, 4));
  }

  @Test
  void rightsAreAndedAcrossLevelsAndNxIsOred() {
    long leaf = Pte.make(9, Pte.P | Pte.RW | Pte.US);
    assertEquals(Pte.RW | Pte.US, PageWalk.effectiveRights(TABLE, TABLE, TABLE, leaf));

    long readOnlyPd = Pte.P | Pte.US;
    long r = PageWalk.effectiveRights(TABLE, TABLE, readOnlyPd, leaf);
    assertFalse(Pte.writable(r));
    assertTrue(Pte.user(r));

    long supervisorPml4 = Pte.P | Pte.RW;
    r = PageWalk.effectiveRights(supervisorPml4, TABLE, TABLE, leaf);
    assertFalse(Pte.user(r));
    assertTrue(Pte.writable(r));

    r = PageWalk.effectiveRights(TABLE, TABLE | Pte.NX, TABLE, leaf);
    assertTrue(Pte.nx(r));
    assertEquals(0, r & ~(Pte.RW | Pte.US | Pte.NX), "rights carry only RW/US/NX");
  }

  @Test
  void hugeLeavesIgnoreLowerEntries() {
    long pde2m = Pte.make(0x200, Pte.P | Pte.RW | Pte.US | Pte.PS);
    assertEquals(Pte.RW | Pte.US, PageWalk.effectiveRights(TABLE, TABLE, pde2m, 0));
    assertEquals(PageWalk.PD, PageWalk.leafLevel(TABLE, pde2m));

    long pdpte1g = Pte.make(0x40000, Pte.P | Pte.US | Pte.PS);
    assertEquals(Pte.US, PageWalk.effectiveRights(TABLE, pdpte1g, 0, 0));
    assertEquals(PageWalk.PDPT, PageWalk.leafLevel(pdpte1g, 0));
    assertEquals(PageWalk.PT, PageWalk.leafLevel(TABLE, TABLE));
  }

  @Test
  void leafDetection() {
    assertTrue(PageWalk.isLeaf(TABLE, 1));
    assertTrue(PageWalk.isLeaf(TABLE | Pte.PS, 1), "bit 7 is PAT at PT level, still a leaf");
    assertFalse(PageWalk.isLeaf(TABLE, 2));
    assertTrue(PageWalk.isLeaf(TABLE | Pte.PS, 2));
    assertTrue(PageWalk.isLeaf(TABLE | Pte.PS, 3));
    assertFalse(PageWalk.isLeaf(TABLE | Pte.PS, 4));
  }

  @Test
  void reservedBits() {
    assertTrue(PageWalk.reserved(TABLE | Pte.PS, 4));
    assertFalse(PageWalk.reserved(TABLE, 4));
    assertFalse(PageWalk.reserved(Pte.make(0x200, TABLE | Pte.PS), 2));
    assertFalse(PageWalk.reserved(Pte.make(0x201, TABLE | Pte.PS), 2), "bit 12 is PAT");
    assertTrue(PageWalk.reserved(Pte.make(0x202, TABLE | Pte.PS), 2));
    assertTrue(PageWalk.reserved(Pte.make(0x40200, TABLE | Pte.PS), 3));
    assertFalse(PageWalk.reserved(Pte.make(0x40000, TABLE | Pte.PS), 3));
    assertFalse(PageWalk.reserved(Pte.make(0x203, TABLE), 2), "table pointers need no alignment");
    assertFalse(PageWalk.reserved(Pte.make(0x203, TABLE | Pte.PS), 1));
  }

  @Test
  void pageSizes() {
    assertEquals(4096, PageWalk.pageSize(1));
    assertEquals(2L << 20, PageWalk.pageSize(2));
    assertEquals(1L << 30, PageWalk.pageSize(3));
  }

  @Test
  void frameOfPicksTheSliceOfAHugePage() {
    long va = 0x4000_0000L + 0x12_3456L; // 1 GiB + 0x123456
    assertEquals(0x77, PageWalk.frameOf(Pte.make(0x77, TABLE), 1, va));

    long pde = Pte.make(0x400, TABLE | Pte.PS); // 2 MiB page at 4 MiB
    assertEquals(0x400 + 0x123, PageWalk.frameOf(pde, 2, va));
    assertEquals(0x400 + 0x123, PageWalk.frameOf(pde | (1L << 12), 2, va), "PAT bit ignored");

    long pdpte = Pte.make(0x80000, TABLE | Pte.PS); // 1 GiB page at 2 GiB
    assertEquals(0x80000 + 0x123, PageWalk.frameOf(pdpte, 3, va));
    assertEquals(0x80000 + 0x3FFFF, PageWalk.frameOf(pdpte, 3, 0x7FFF_FFFFL));
  }

  @Test
  void accessedAndDirtyBitsToSet() {
    long fresh = Pte.make(1, TABLE);
    assertEquals(Pte.A, PageWalk.adBitsToSet(fresh, false, true), "D never on a table entry");
    assertEquals(Pte.A, PageWalk.adBitsToSet(fresh, true, false));
    assertEquals(Pte.A | Pte.D, PageWalk.adBitsToSet(fresh, true, true));
    assertEquals(Pte.D, PageWalk.adBitsToSet(fresh | Pte.A, true, true));
    assertEquals(0, PageWalk.adBitsToSet(fresh | Pte.A, true, false));
    assertEquals(0, PageWalk.adBitsToSet(fresh | Pte.A | Pte.D, true, true));
  }

  @Test
  void accessChecks() {
    long rw = Pte.RW | Pte.US;
    assertEquals(0, PageWalk.checkAccess(rw, true, true, false));
    assertEquals(0, PageWalk.checkAccess(rw, false, true, true));

    long ro = Pte.US;
    assertEquals(0, PageWalk.checkAccess(ro, false, true, false));
    assertEquals(
        PageWalk.PF_PRESENT | PageWalk.PF_WRITE | PageWalk.PF_USER,
        PageWalk.checkAccess(ro, true, true, false));
    assertEquals(
        PageWalk.PF_PRESENT | PageWalk.PF_WRITE,
        PageWalk.checkAccess(ro, true, false, false),
        "CR0.WP=1: kernel writes to read-only pages fault too (CoW needs this)");

    long kernelOnly = Pte.RW;
    assertEquals(PageWalk.PF_PRESENT | PageWalk.PF_USER, PageWalk.checkAccess(kernelOnly, false, true, false));
    assertEquals(0, PageWalk.checkAccess(kernelOnly, true, false, false));

    long noExec = Pte.RW | Pte.US | Pte.NX;
    assertEquals(
        PageWalk.PF_PRESENT | PageWalk.PF_USER | PageWalk.PF_FETCH,
        PageWalk.checkAccess(noExec, false, true, true));
  }

  @Test
  void errorCodes() {
    assertEquals(0b00110, PageWalk.errorCode(false, true, true, false));
    assertEquals(0b10101, PageWalk.errorCode(true, false, true, true));
    assertEquals("not-present write user", PageWalk.describeErrorCode(0b110));
    assertEquals(
        "protection read supervisor reserved-bit fetch",
        PageWalk.describeErrorCode(PageWalk.PF_PRESENT | PageWalk.PF_RSVD | PageWalk.PF_FETCH));
  }

  @Test
  void walkLoopFromTheJavadocTranslatesThroughFourLevels() {
    // A tiny in-test memory: frames 1..4 hold PML4, PDPT, PD, PT.
    long va = 0x0000_7F12_3456_7ABCL;
    java.util.Map<Long, Long> mem = new java.util.HashMap<>();
    mem.put(PageWalk.entryAddress(1, va, 4), Pte.make(2, TABLE));
    mem.put(PageWalk.entryAddress(2, va, 3), Pte.make(3, TABLE));
    mem.put(PageWalk.entryAddress(3, va, 2), Pte.make(4, TABLE));
    mem.put(PageWalk.entryAddress(4, va, 1), Pte.make(0x99, Pte.P | Pte.US | Pte.COW));

    long rights = PageWalk.INITIAL_RIGHTS;
    long table = 1;
    long frame = -1;
    int faultCode = 0;
    for (int level = 4; ; level--) {
      long addr = PageWalk.entryAddress(table, va, level);
      long e = mem.getOrDefault(addr, 0L);
      assertTrue(Pte.present(e));
      rights = PageWalk.combineRights(rights, e);
      boolean leaf = PageWalk.isLeaf(e, level);
      if (leaf) faultCode = PageWalk.checkAccess(rights, true, true, false);
      if (faultCode != 0) break;
      long bits = PageWalk.adBitsToSet(e, leaf, true);
      mem.put(addr, e | bits);
      if (leaf) {
        frame = PageWalk.frameOf(e, level, va);
        break;
      }
      table = Pte.frame(e);
    }
    assertEquals(-1, frame, "write to a CoW (read-only) page must fault");
    assertEquals(PageWalk.PF_PRESENT | PageWalk.PF_WRITE | PageWalk.PF_USER, faultCode);
    assertTrue(Pte.accessed(mem.get(PageWalk.entryAddress(1, va, 4))));
    assertFalse(Pte.accessed(mem.get(PageWalk.entryAddress(4, va, 1))), "faulting access sets no A/D on the leaf");
  }
}
