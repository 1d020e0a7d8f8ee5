package cowsim.kernel;

import static cowsim.kernel.FakeHardware.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.machine.memory.FrameStore;
import cowsim.machine.mmu.Pte;
import cowsim.machine.mmu.VirtualAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The page-table mapper on tables built by hand in a FakeHardware's memory. */
class PageTablesTest {

  private static final long USER = Pte.P | Pte.RW | Pte.US;
  /** Indices 0x24, 0xd1, 0x159, 0x89 at levels 4..1, so every level uses a distinct slot. */
  private static final long VA = 0x0000_1234_5678_9000L;

  private FakeHardware hw;
  private long pml4;
  private long pdpt;
  private long pd;
  private long pt;

  @BeforeEach
  void setUp() {
    hw = new FakeHardware();
    pml4 = hw.takeFrame();
    pdpt = hw.takeFrame();
    pd = hw.takeFrame();
    pt = hw.takeFrame();
  }

  private void link(long table, int level, long next) {
    hw.store.write(PageTables.entryAddr(table, VA, level), Pte.make(next, PageTables.TABLE_FLAGS));
  }

  private PageTables.Leaf translate(long va) {
    AtomicReference<PageTables.Leaf> out = new AtomicReference<>();
    PageTables.translate(hw, pml4, va, out::set);
    assertNotNull(out.get(), "translate did not complete");
    return out.get();
  }

  private int mapTo(long va, long frame, long flags) {
    int[] res = {-1};
    PageTables.mapTo(hw, pml4, va, frame, flags, r -> res[0] = r);
    assertTrue(res[0] >= 0, "mapTo did not complete");
    return res[0];
  }

  @Test
  void entryAddrIsTableBasePlusEightTimesIndex() {
    for (int level = 1; level <= 4; level++) {
      assertEquals((pt << 12) + 8L * VirtualAddress.index(VA, level), PageTables.entryAddr(pt, VA, level));
    }
  }

  @Test
  void translateWalksFourLevelsToTheLeafPte() {
    link(pml4, 4, pdpt);
    link(pdpt, 3, pd);
    link(pd, 2, pt);
    long pte = Pte.make(0x77, USER | Pte.COW);
    hw.store.write(PageTables.entryAddr(pt, VA, 1), pte);

    PageTables.Leaf leaf = translate(VA + 0x123);

    assertEquals(1, leaf.level());
    assertEquals(pte, leaf.entry());
    assertEquals(PageTables.entryAddr(pt, VA, 1), leaf.entryAddr());
    assertTrue(leaf.present());
    assertTrue(leaf.mapped4k());
    assertEquals(
        List.of(
            "read " + hex(PageTables.entryAddr(pml4, VA, 4)) + " -> " + hex(Pte.make(pdpt, PageTables.TABLE_FLAGS)),
            "read " + hex(PageTables.entryAddr(pdpt, VA, 3)) + " -> " + hex(Pte.make(pd, PageTables.TABLE_FLAGS)),
            "read " + hex(PageTables.entryAddr(pd, VA, 2)) + " -> " + hex(Pte.make(pt, PageTables.TABLE_FLAGS)),
            "read " + hex(PageTables.entryAddr(pt, VA, 1)) + " -> " + hex(pte)),
        hw.events);
  }

  @Test
  void translateReturnsANonPresentLeafPteAtLevelOne() {
    link(pml4, 4, pdpt);
    link(pdpt, 3, pd);
    link(pd, 2, pt);

    PageTables.Leaf leaf = translate(VA);

    assertEquals(1, leaf.level());
    assertEquals(0, leaf.entry());
    assertFalse(leaf.present());
    assertFalse(leaf.mapped4k());
  }

  @Test
  void translateStopsAtTheFirstNonPresentLevel() {
    link(pml4, 4, pdpt); // PDPT entry left empty

    PageTables.Leaf leaf = translate(VA);

    assertEquals(3, leaf.level());
    assertEquals(PageTables.entryAddr(pdpt, VA, 3), leaf.entryAddr());
    assertFalse(leaf.present());
    assertFalse(leaf.mapped4k());
    assertEquals(2, hw.events.size(), "no read below the missing level: " + hw.events);
  }

  @Test
  void translateStopsAtATwoMegabytePsEntryInThePageDirectory() {
    link(pml4, 4, pdpt);
    link(pdpt, 3, pd);
    long huge = Pte.make(0x200, USER | Pte.PS);
    hw.store.write(PageTables.entryAddr(pd, VA, 2), huge);

    PageTables.Leaf leaf = translate(VA);

    assertEquals(2, leaf.level());
    assertEquals(huge, leaf.entry());
    assertTrue(leaf.present());
    assertFalse(leaf.mapped4k(), "a 2 MiB page is not a 4 KiB mapping");
    assertEquals(3, hw.events.size(), "the PS entry's frame is not read as a table: " + hw.events);
  }

  @Test
  void mapToCreatesZeroedTablesLinkedWithPresentWritableUser() {
    long frame = 0x99;
    assertEquals(PageTables.MAPPED, mapTo(VA, frame, USER));

    // three allocations (PDPT, PD, PT), each zeroed before it is linked and walked
    List<String> allocs = hw.eventsStartingWith("alloc");
    assertEquals(3, allocs.size(), hw.events.toString());
    long table = pml4;
    for (int level = 4; level > 1; level--) {
      long e = hw.store.read(PageTables.entryAddr(table, VA, level));
      assertTrue(Pte.present(e), "level " + level + " linked");
      assertEquals(PageTables.TABLE_FLAGS, Pte.flags(e), "level " + level + " flags P|RW|US");
      long next = Pte.frame(e);
      assertEquals("alloc -> " + hex(next), allocs.get(4 - level));
      assertTrue(
          hw.indexOf("zeroFrame " + hex(next)) < hw.indexOf("write " + hex(PageTables.entryAddr(table, VA, level)) + " = " + hex(e)),
          "table " + hex(next) + " zeroed before it is linked");
      // the fresh table held garbage; now only the one entry on the path is non-zero
      long[] words = hw.store.readFrame(next);
      int idx = VirtualAddress.index(VA, level - 1);
      for (int i = 0; i < FrameStore.WORDS_PER_FRAME; i++) {
        if (i != idx) {
          assertEquals(0, words[i], "table " + hex(next) + " word " + i);
        }
      }
      table = next;
    }
    assertEquals(Pte.make(frame, USER), hw.store.read(PageTables.entryAddr(table, VA, 1)));
    assertEquals(hw.pte(pml4, VA), Pte.make(frame, USER));
    assertTrue(hw.eventsStartingWith("invlpg").isEmpty(), "map_to's flush is the caller's");
  }

  @Test
  void mapToReusesExistingTables() {
    assertEquals(PageTables.MAPPED, mapTo(VA, 0x99, USER));
    hw.clearEvents();

    assertEquals(PageTables.MAPPED, mapTo(VA + 0x1000, 0x9a, USER));

    assertTrue(hw.eventsStartingWith("alloc").isEmpty(), hw.events.toString());
    assertEquals(4, hw.eventsStartingWith("read").size());
    assertEquals(1, hw.eventsStartingWith("write").size());
    assertEquals(Pte.make(0x9a, USER), hw.pte(pml4, VA + 0x1000));
    assertEquals(Pte.make(0x99, USER), hw.pte(pml4, VA));
  }

  @Test
  void mapToReturnsAlreadyMappedAndLeavesAPresentPteAlone() {
    long pteAddr = hw.mapByHand(pml4, VA, 0x55, USER);
    hw.clearEvents();

    assertEquals(PageTables.ALREADY_MAPPED, mapTo(VA, 0x66, USER));

    assertEquals(Pte.make(0x55, USER), hw.store.read(pteAddr));
    assertTrue(hw.eventsStartingWith("write", "alloc").isEmpty(), hw.events.toString());
  }

  @Test
  void mapToReturnsAlreadyMappedOnAHugePageDirectoryEntry() {
    link(pml4, 4, pdpt);
    link(pdpt, 3, pd);
    long huge = Pte.make(0x200, USER | Pte.PS);
    hw.store.write(PageTables.entryAddr(pd, VA, 2), huge);

    assertEquals(PageTables.ALREADY_MAPPED, mapTo(VA, 0x66, USER));

    assertEquals(huge, hw.store.read(PageTables.entryAddr(pd, VA, 2)));
    assertTrue(hw.eventsStartingWith("write", "alloc").isEmpty(), hw.events.toString());
  }

  @Test
  void mapToReturnsFrameAllocationFailedWhenATableCannotBeAllocated() {
    hw.failAllocationsAfter(1); // the PDPT comes, the PD does not

    assertEquals(PageTables.FRAME_ALLOCATION_FAILED, mapTo(VA, 0x66, USER));

    List<String> allocs = hw.eventsStartingWith("alloc");
    assertEquals(2, allocs.size(), allocs.toString());
    assertEquals("alloc -> none", allocs.get(1));
    long pml4e = hw.store.read(PageTables.entryAddr(pml4, VA, 4));
    assertEquals("alloc -> " + hex(Pte.frame(pml4e)), allocs.get(0));
    assertTrue(Pte.present(pml4e), "the PDPT created before the failure stays linked (as in the crate)");
    assertEquals(0, hw.store.read(PageTables.entryAddr(Pte.frame(pml4e), VA, 3)), "no PD linked");
    assertEquals(0, hw.pte(pml4, VA));
  }

  @Test
  void unmapClearsThePteAndReturnsTheFrameWithoutFlushing() {
    long pteAddr = hw.mapByHand(pml4, VA, 0x55, USER | Pte.COW);
    hw.clearEvents();
    long[] out = {Long.MIN_VALUE};

    PageTables.unmap(hw, pml4, VA, f -> out[0] = f);

    assertEquals(0x55, out[0]);
    assertEquals(0, hw.store.read(pteAddr));
    assertEquals(List.of("write " + hex(pteAddr) + " = 0x0"), hw.eventsStartingWith("write"));
    assertTrue(hw.eventsStartingWith("invlpg", "free", "refadd").isEmpty(), hw.events.toString());
  }

  @Test
  void unmapOfAnUnmappedPageReturnsMinusOneAndWritesNothing() {
    link(pml4, 4, pdpt);
    long[] out = {Long.MIN_VALUE};

    PageTables.unmap(hw, pml4, VA, f -> out[0] = f);

    assertEquals(-1, out[0]);
    assertTrue(hw.eventsStartingWith("write").isEmpty());
  }

  @Test
  void updateFlagsRewritesFlagsAndKeepsTheFrame() {
    long pteAddr = hw.mapByHand(pml4, VA, 0x55, Pte.P | Pte.US | Pte.COW);
    hw.clearEvents();
    Boolean[] ok = {null};

    PageTables.updateFlags(hw, pml4, VA, USER, r -> ok[0] = r);

    assertTrue(ok[0]);
    assertEquals(Pte.make(0x55, USER), hw.store.read(pteAddr));
    assertTrue(hw.eventsStartingWith("invlpg").isEmpty(), "update_flags' flush is the caller's");
  }

  @Test
  void updateFlagsOfAnUnmappedPageFails() {
    Boolean[] ok = {null};

    PageTables.updateFlags(hw, pml4, VA, USER, r -> ok[0] = r);

    assertFalse(ok[0]);
    assertTrue(hw.eventsStartingWith("write").isEmpty());
  }

  @Test
  void tablesBuiltByMapToAreReadBackByTranslate() {
    long[] vas = {0x1000, 0x40_0000, 0x7fff_ffff_e000L, VA};
    long frame = 0x80;
    for (long va : vas) {
      assertEquals(PageTables.MAPPED, mapTo(va, frame++, USER));
    }
    frame = 0x80;
    long[] got = new long[vas.length];
    long[] want = new long[vas.length];
    for (int i = 0; i < vas.length; i++) {
      got[i] = translate(vas[i]).entry();
      want[i] = Pte.make(frame++, USER);
    }
    assertArrayEquals(want, got);
  }
}
