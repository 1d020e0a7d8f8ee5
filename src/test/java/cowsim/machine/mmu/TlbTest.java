package cowsim.machine.mmu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class TlbTest {

  private static void put(Tlb tlb, long vpn, int pcid, long frame) {
    tlb.insert(vpn, pcid, frame, true, true, true, false);
  }

  private static void putGlobal(Tlb tlb, long vpn, long frame) {
    tlb.insert(vpn, 0, frame, true, false, true, true);
  }

  @Test
  void geometryIsValidated() {
    assertThrows(IllegalArgumentException.class, () -> new Tlb(0, 1));
    assertThrows(IllegalArgumentException.class, () -> new Tlb(4, 0));
    assertThrows(IllegalArgumentException.class, () -> new Tlb(6, 4));
    assertThrows(IllegalArgumentException.class, () -> new Tlb(-4, -2));
    Tlb odd = new Tlb(12, 3);
    assertEquals(4, odd.sets());
    assertEquals(3, odd.ways());
    assertEquals(12, odd.capacity());
  }

  @Test
  void packedEntryRoundTrip() {
    long e = Tlb.pack(0x1a3, true, false, true, false, true);
    assertEquals(0x1a3, Tlb.frame(e));
    assertTrue(Tlb.writable(e));
    assertFalse(Tlb.user(e));
    assertTrue(Tlb.dirty(e));
    assertFalse(Tlb.global(e));
    assertTrue(Tlb.nx(e));

    long full = Tlb.pack(Tlb.FRAME_MASK, true, true, true, true, true);
    assertNotEquals(Tlb.MISS, full);
    assertTrue(full >= 0, "packed entries never look like MISS");
    assertEquals(Tlb.FRAME_MASK, Tlb.frame(full));
    assertEquals(0L, Tlb.pack(0, false, false, false, false, false));
    assertThrows(IllegalArgumentException.class, () -> Tlb.pack(1L << 40, false, false, false, false, false));
    assertThrows(IllegalArgumentException.class, () -> Tlb.pack(-1, false, false, false, false, false));
    assertEquals("frame 0x1a3 RW D NX", Tlb.describe(e));
    assertEquals("miss", Tlb.describe(Tlb.MISS));
  }

  @Test
  void lookupCountsHitsAndMisses() {
    Tlb tlb = new Tlb(64, 4);
    assertEquals(Tlb.MISS, tlb.lookup(10, 0));
    tlb.insert(10, 0, 0x77, false, true, false, false);
    long e = tlb.lookup(10, 0);
    assertEquals(0x77, Tlb.frame(e));
    assertFalse(Tlb.writable(e));
    assertTrue(Tlb.user(e));
    assertFalse(Tlb.dirty(e));
    tlb.lookup(10, 0);
    tlb.lookup(11, 0);
    assertEquals(2, tlb.hits());
    assertEquals(2, tlb.misses());
    assertEquals(0, tlb.evictions());
    assertEquals(1, tlb.size());
  }

  @Test
  void lruEvictsLeastRecentlyUsedWayOfTheSet() {
    Tlb tlb = new Tlb(8, 4); // 2 sets; even vpns share set 0
    for (long vpn = 0; vpn <= 6; vpn += 2) put(tlb, vpn, 0, 100 + vpn);
    put(tlb, 1, 0, 101); // set 1: must not be disturbed
    assertEquals(5, tlb.size());

    assertNotEquals(Tlb.MISS, tlb.lookup(0, 0)); // 0 becomes most recent; 2 is now LRU
    put(tlb, 8, 0, 108);
    assertEquals(1, tlb.evictions());
    assertEquals(Tlb.MISS, tlb.probe(2, 0));
    for (long vpn : new long[] {0, 4, 6, 8}) assertNotEquals(Tlb.MISS, tlb.probe(vpn, 0), "vpn " + vpn);

    assertNotEquals(Tlb.MISS, tlb.lookup(4, 0)); // order now: 6 (oldest), 0, 8, 4
    put(tlb, 10, 0, 110);
    assertEquals(Tlb.MISS, tlb.probe(6, 0));
    put(tlb, 12, 0, 112);
    assertEquals(Tlb.MISS, tlb.probe(0, 0));

    assertEquals(101, Tlb.frame(tlb.probe(1, 0)));
    assertEquals(3, tlb.evictions());
    assertEquals(5, tlb.size());
  }

  @Test
  void insertRefreshesRecency() {
    Tlb tlb = new Tlb(2, 2);
    put(tlb, 1, 0, 1);
    put(tlb, 2, 0, 2);
    put(tlb, 1, 0, 11); // re-insert makes 1 most recent
    put(tlb, 3, 0, 3);
    assertEquals(Tlb.MISS, tlb.probe(2, 0));
    assertEquals(11, Tlb.frame(tlb.probe(1, 0)));
  }

  @Test
  void probeNeitherCountsNorTouchesLru() {
    Tlb tlb = new Tlb(2, 2);
    put(tlb, 1, 0, 1);
    put(tlb, 2, 0, 2);
    assertEquals(1, Tlb.frame(tlb.probe(1, 0)));
    assertEquals(Tlb.MISS, tlb.probe(9, 0));
    assertEquals(0, tlb.hits());
    assertEquals(0, tlb.misses());
    put(tlb, 3, 0, 3); // 1 is still LRU despite the probe
    assertEquals(Tlb.MISS, tlb.probe(1, 0));
  }

  @Test
  void nonPowerOfTwoSetsIndexByModulo() {
    Tlb three = new Tlb(9, 3); // 3 sets: set = vpn % 3, not a bit mask
    for (long vpn = 0; vpn < 9; vpn++) put(three, vpn, 0, vpn); // 3 per set, no evictions
    assertEquals(0, three.evictions());
    assertEquals(9, three.size());
    put(three, 9, 0, 9); // set 0 (0, 3, 6) is full
    assertEquals(1, three.evictions());
    assertEquals(Tlb.MISS, three.probe(0, 0));
    assertNotEquals(Tlb.MISS, three.probe(1, 0));
  }

  @Test
  void fullyAssociativeHoldsAnyVpns() {
    Tlb tlb = new Tlb(4, 4);
    long[] vpns = {0, 1L << 35, 0x7_FFFF_FFFFL, 12345};
    for (long v : vpns) put(tlb, v, 0, v & 0xFFFF);
    for (long v : vpns) assertEquals(v & 0xFFFF, Tlb.frame(tlb.lookup(v, 0)));
    assertEquals(0, tlb.evictions());
  }

  @Test
  void reinsertReplacesInsteadOfDuplicating() {
    Tlb tlb = new Tlb(16, 4);
    tlb.insert(3, 0, 10, false, true, false, false);
    tlb.insert(3, 0, 11, true, true, true, false);
    assertEquals(1, tlb.size());
    assertEquals(0, tlb.evictions());
    long e = tlb.lookup(3, 0);
    assertEquals(11, Tlb.frame(e));
    assertTrue(Tlb.writable(e));
    assertTrue(Tlb.dirty(e));
  }

  @Test
  void invalidateDropsOnlyThatPageForEveryPcid() {
    Tlb tlb = new Tlb(16, 4);
    put(tlb, 5, 1, 50);
    put(tlb, 5, 2, 51);
    put(tlb, 9, 1, 90); // same set as 5 (16/4 = 4 sets)
    put(tlb, 6, 1, 60);
    assertTrue(tlb.invalidate(5));
    assertEquals(Tlb.MISS, tlb.probe(5, 1));
    assertEquals(Tlb.MISS, tlb.probe(5, 2));
    assertEquals(90, Tlb.frame(tlb.probe(9, 1)));
    assertEquals(60, Tlb.frame(tlb.probe(6, 1)));
    assertEquals(2, tlb.size());
    assertFalse(tlb.invalidate(5));
    assertFalse(tlb.invalidate(123));
  }

  @Test
  void invalidateDropsGlobalEntries() {
    Tlb tlb = new Tlb(16, 4);
    putGlobal(tlb, 7, 70);
    assertTrue(tlb.invalidate(7));
    assertEquals(Tlb.MISS, tlb.probe(7, 0));
    assertEquals(0, tlb.size());
  }

  @Test
  void flushNonGlobalKeepsGlobalAndFlushAllDoesNot() {
    Tlb tlb = new Tlb(16, 4);
    put(tlb, 1, 0, 10);
    put(tlb, 2, 3, 20);
    putGlobal(tlb, 3, 30);
    tlb.flushNonGlobal();
    assertEquals(1, tlb.size());
    assertEquals(Tlb.MISS, tlb.probe(1, 0));
    assertEquals(Tlb.MISS, tlb.probe(2, 3));
    assertEquals(30, Tlb.frame(tlb.probe(3, 0)));
    put(tlb, 1, 0, 10);
    tlb.flushAll();
    assertEquals(0, tlb.size());
    assertEquals(Tlb.MISS, tlb.probe(3, 0));
    assertEquals(Tlb.MISS, tlb.probe(1, 0));
  }

  @Test
  void pcidsSeparateAddressSpaces() {
    Tlb tlb = new Tlb(16, 4);
    put(tlb, 7, 1, 100);
    put(tlb, 7, 2, 200);
    assertEquals(2, tlb.size());
    assertEquals(100, Tlb.frame(tlb.lookup(7, 1)));
    assertEquals(200, Tlb.frame(tlb.lookup(7, 2)));
    assertEquals(Tlb.MISS, tlb.lookup(7, 3));

    tlb.flushPcid(1);
    assertEquals(Tlb.MISS, tlb.probe(7, 1));
    assertEquals(200, Tlb.frame(tlb.probe(7, 2)));
    assertEquals(1, tlb.size());
  }

  @Test
  void globalEntriesMatchEveryPcidAndSurviveFlushPcid() {
    Tlb tlb = new Tlb(16, 4);
    tlb.insert(8, 1, 80, true, false, true, true);
    assertEquals(80, Tlb.frame(tlb.lookup(8, 1)));
    assertEquals(80, Tlb.frame(tlb.lookup(8, 5)));
    assertTrue(Tlb.global(tlb.probe(8, 0)));
    tlb.flushPcid(1);
    assertEquals(80, Tlb.frame(tlb.probe(8, 1)));
  }

  @Test
  void globalInsertReplacesPerPcidCopiesOfThatPage() {
    Tlb tlb = new Tlb(16, 4);
    put(tlb, 4, 1, 41);
    put(tlb, 4, 2, 42);
    putGlobal(tlb, 4, 40);
    assertEquals(1, tlb.size());
    assertEquals(40, Tlb.frame(tlb.probe(4, 1)));
    assertEquals(40, Tlb.frame(tlb.probe(4, 2)));
    // and a per-pcid insert over a global one replaces it rather than shadowing it
    put(tlb, 4, 1, 43);
    assertEquals(1, tlb.size());
    assertEquals(43, Tlb.frame(tlb.probe(4, 1)));
    assertEquals(Tlb.MISS, tlb.probe(4, 2));
  }

  @Test
  void slotScanFindsStaleFrames() {
    Tlb tlb = new Tlb(8, 2);
    put(tlb, 1, 0, 0x500);
    put(tlb, 2, 3, 0x600);
    int found = 0;
    for (int s = 0; s < tlb.capacity(); s++) {
      long e = tlb.entryAt(s);
      if (e != Tlb.MISS && Tlb.frame(e) == 0x600) {
        assertEquals(2, tlb.vpnAt(s));
        assertEquals(3, tlb.pcidAt(s));
        found++;
      }
    }
    assertEquals(1, found);
  }

  @Test
  void cleanEntryRecordsThatAWriteMustRewalk() {
    Tlb tlb = new Tlb(16, 4);
    tlb.insert(2, 0, 0x20, true, true, false, false);
    long clean = tlb.lookup(2, 0);
    assertTrue(Tlb.writable(clean) && !Tlb.dirty(clean));
    tlb.insert(2, 0, 0x20, true, true, true, false); // after the re-walk set D
    assertTrue(Tlb.dirty(tlb.lookup(2, 0)));
    assertEquals(1, tlb.size());
  }

  @Test
  void nxOverloadIsCached() {
    Tlb tlb = new Tlb(16, 4);
    tlb.insert(2, 0, 0x20, false, true, true, false, true);
    assertTrue(Tlb.nx(tlb.lookup(2, 0)));
    tlb.insert(3, 0, 0x30, false, true, true, false);
    assertFalse(Tlb.nx(tlb.lookup(3, 0)));
  }

  @Test
  void touchRefreshesTheLruOrderButCountsNothing() {
    Tlb tlb = new Tlb(2, 2);
    put(tlb, 1, 0, 10);
    put(tlb, 2, 0, 20);
    assertEquals(10, Tlb.frame(tlb.touch(1, 0)));
    assertEquals(Tlb.MISS, tlb.touch(3, 0));
    assertEquals(0, tlb.hits());
    assertEquals(0, tlb.misses());
    put(tlb, 3, 0, 30);
    assertNotEquals(Tlb.MISS, tlb.probe(1, 0), "touched: most recently used");
    assertEquals(Tlb.MISS, tlb.probe(2, 0), "the least recently used went");
  }

  @Test
  void aTwoMegabyteKeyIsNoFourKilobytePageNumberAndPicksTheSliceOfItsHeadFrame() {
    long va = 0x7fff_ffe0_1234L;
    long key = Tlb.hugeKey(va);
    assertTrue(Tlb.huge(key));
    assertFalse(Tlb.huge(VirtualAddress.pageNumber(va)));
    assertFalse(Tlb.huge(VirtualAddress.pageNumber(-1L)), "no page number, not even a kernel one, has the marker");
    assertEquals(key, Tlb.hugeKey(va & ~0x1f_ffffL), "every address of the 2 MiB page has the key");
    assertEquals(key, Tlb.hugeKey(va | 0x1f_ffffL));
    assertNotEquals(key, Tlb.hugeKey(va + 0x20_0000L));
    Tlb tlb = new Tlb(8, 2);
    tlb.insert(key, 0, 0x400, true, true, true, false);
    tlb.insert(VirtualAddress.pageNumber(va), 0, 0x77, true, true, true, false);
    assertEquals(2, tlb.size(), "the two sizes never replace each other");
    assertEquals(0x400 + 0x001, Tlb.hugeFrame(tlb.probe(key, 0), va), "va's 4 KiB page 1 of the 512");
    assertEquals(0x400 + 0x1ff, Tlb.hugeFrame(tlb.probe(key, 0), va | 0x1f_ffffL));
  }
}
