package cowsim.kernel;

import static cowsim.kernel.FakeHardware.hex;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.machine.memory.FrameStore;
import cowsim.machine.mmu.Pte;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Every path of strat9's handle_cow_fault (fork.rs), in the reference's order of operations. */
class CowFaultTest {

  private static final long PAGE = 0x40_1000L;
  /** The faulting address: inside the page, not page-aligned. */
  private static final long FAULT_VA = PAGE + 0x18;
  /** A page fork write-protected: present, user, accessed, dirty, COW, no RW. */
  private static final long COW_FLAGS = Pte.P | Pte.US | Pte.A | Pte.D | Pte.COW;
  /** What the fault must leave: the same flags, writable, without COW. */
  private static final long RESOLVED_FLAGS = Pte.P | Pte.US | Pte.A | Pte.D | Pte.RW;

  private FakeHardware hw;
  private long pml4;
  private long oldFrame;
  private long pteAddr;
  private long[] pattern;

  @BeforeEach
  void setUp() {
    hw = new FakeHardware();
    pml4 = hw.takeFrame();
    oldFrame = hw.takeFrame();
    pattern = new long[FrameStore.WORDS_PER_FRAME];
    for (int i = 0; i < pattern.length; i++) {
      pattern[i] = 0x1111_0000_0000_0000L + i;
    }
    hw.store.writeFrame(oldFrame, pattern);
  }

  private void mapCow(long flags, int refcount) {
    pteAddr = hw.mapByHand(pml4, PAGE, oldFrame, flags);
    hw.refs.set(oldFrame, refcount);
    hw.clearEvents();
  }

  /** Runs the handler; returns its error string, or null for Ok. */
  private String fault() {
    String[] out = {null};
    boolean[] done = {false};
    CowFault.handle(
        hw,
        pml4,
        FAULT_VA,
        err -> {
          assertFalse(done[0], "continuation called twice");
          done[0] = true;
          out[0] = err;
        });
    assertTrue(done[0], "handler did not complete");
    return out[0];
  }

  private List<String> sideEffects() {
    return hw.eventsStartingWith("refget", "alloc", "readFrame", "writeFrame", "zeroFrame", "write", "invlpg", "refadd", "free");
  }

  @Test
  void unmappedPageIsRefused() {
    String err = fault();

    assertEquals("Page not mapped or huge page", err);
    assertEquals(List.of(), sideEffects());
    assertEquals(1, hw.counters.cowFaults);
  }

  @Test
  void twoMegabytePageIsRefusedEvenWithTheCowBit() {
    // PML4 -> PDPT -> PD entry with PS: fork makes such a block COW, the handler cannot resolve it
    long pdpt = hw.takeFrame();
    long pd = hw.takeFrame();
    hw.store.write(PageTables.entryAddr(pml4, PAGE, 4), Pte.make(pdpt, PageTables.TABLE_FLAGS));
    hw.store.write(PageTables.entryAddr(pdpt, PAGE, 3), Pte.make(pd, PageTables.TABLE_FLAGS));
    long huge = Pte.make(0x200, COW_FLAGS | Pte.PS);
    hw.store.write(PageTables.entryAddr(pd, PAGE, 2), huge);

    assertEquals("Page not mapped or huge page", fault());
    assertEquals(huge, hw.store.read(PageTables.entryAddr(pd, PAGE, 2)));
    assertEquals(List.of(), sideEffects());
  }

  @Test
  void presentPageWithoutBit9IsNotACowPage() {
    mapCow(Pte.P | Pte.US, 1);

    assertEquals("Not a COW page", fault());
    assertEquals(List.of(), sideEffects(), "refused before the refcount is read");
    assertEquals(Pte.make(oldFrame, Pte.P | Pte.US), hw.store.read(pteAddr));
  }

  @Test
  void soleOwnerMakesThePageWritableInPlace() {
    mapCow(COW_FLAGS, 1);

    assertNull(fault());

    assertEquals(Pte.make(oldFrame, RESOLVED_FLAGS), hw.store.read(pteAddr), "same frame, RW, no COW");
    assertEquals(
        List.of(
            "refget " + hex(oldFrame) + " -> 1",
            "write " + hex(pteAddr) + " = " + hex(Pte.make(oldFrame, RESOLVED_FLAGS)),
            "invlpg " + hex(PAGE), // update_flags(..).flush()
            "invlpg " + hex(PAGE)), // local_invlpg
        sideEffects());
    assertEquals(1, hw.counters.cowReuses);
    assertEquals(0, hw.counters.cowCopies);
    assertEquals(1, hw.refcount(oldFrame), "the refcount is not touched");
    assertArrayEquals(pattern, hw.store.readFrame(oldFrame));
  }

  @Test
  void sharedPageIsCopiedToANewFrameInFork_rsOrder() {
    mapCow(COW_FLAGS, 2);
    long freeBefore = hw.buddy.freeFrames();

    assertNull(fault());

    long pte = hw.store.read(pteAddr);
    long newFrame = Pte.frame(pte);
    assertNotEquals(oldFrame, newFrame);
    assertEquals(Pte.make(newFrame, RESOLVED_FLAGS), pte, "new frame, RW, no COW");
    assertArrayEquals(pattern, hw.store.readFrame(newFrame), "4096 bytes copied");
    assertArrayEquals(pattern, hw.store.readFrame(oldFrame), "the original is left as it was");
    assertEquals(1, hw.refcount(newFrame), "new frame 0 -> 1");
    assertEquals(1, hw.refcount(oldFrame), "old frame 2 -> 1");
    assertTrue(hw.buddy.isAllocated(oldFrame), "old frame still held by the other sharer");
    assertEquals(freeBefore - 1, hw.buddy.freeFrames());
    assertEquals(
        List.of(
            "refget " + hex(oldFrame) + " -> 2",
            "alloc -> " + hex(newFrame),
            "readFrame " + hex(oldFrame), // copy_nonoverlapping(src, dst, 4096)
            "writeFrame " + hex(newFrame),
            "write " + hex(pteAddr) + " = 0x0", // mapper.unmap(page)
            "write " + hex(pteAddr) + " = " + hex(Pte.make(newFrame, RESOLVED_FLAGS)), // map_to
            "invlpg " + hex(PAGE), // flush.flush()
            "refadd " + hex(newFrame) + " +1 -> 0", // frame_inc_ref(new)
            "invlpg " + hex(PAGE), // local_invlpg
            "refadd " + hex(oldFrame) + " -1 -> 2"), // frame_dec_ref(old)
        sideEffects());
    assertEquals(1, hw.counters.cowCopies);
    assertEquals(0, hw.counters.cowReuses);
    assertEquals(List.of(), hw.badFrees);
  }

  @Test
  void oldFrameIsFreedWhenItsCountReachesZeroBetweenTheCheckAndTheDecrement() {
    mapCow(COW_FLAGS, 2);
    // the other sharer drops its reference after our refcount check (no lock, no recheck)
    hw.once(e -> e.startsWith("refget"), () -> hw.refs.set(oldFrame, 1));

    assertNull(fault());

    assertEquals(0, hw.refcount(oldFrame));
    List<String> tail = sideEffects().subList(sideEffects().size() - 2, sideEffects().size());
    assertEquals(List.of("refadd " + hex(oldFrame) + " -1 -> 1", "free " + hex(oldFrame)), tail);
    assertTrue(hw.buddy.isFree(oldFrame));
    assertEquals(List.of(), hw.badFrees);
    assertEquals(1, hw.counters.cowCopies, "copied although it ended up the sole owner");
  }

  @Test
  void outOfMemoryLeavesEverythingAsItWas() {
    mapCow(COW_FLAGS, 2);
    hw.failAllocationsAfter(0);

    assertEquals("OOM during COW copy", fault());

    assertEquals(Pte.make(oldFrame, COW_FLAGS), hw.store.read(pteAddr), "PTE unchanged");
    assertEquals(2, hw.refcount(oldFrame));
    assertEquals(List.of("refget " + hex(oldFrame) + " -> 2", "alloc -> none"), sideEffects());
    assertEquals(0, hw.counters.cowCopies);
  }

  @Test
  void failedMapOfTheCopyRestoresTheOldMappingAndFreesTheCopy() {
    mapCow(COW_FLAGS, 2);
    // in the unmap-then-map window a sibling thread's demand-zero fault finds the page absent and
    // maps its own zero frame there, so our map_to fails with PageAlreadyMapped
    long sibling = hw.takeFrame();
    long siblingPte = Pte.make(sibling, Pte.P | Pte.US | Pte.RW);
    hw.once(e -> e.equals("write " + hex(pteAddr) + " = 0x0"), () -> hw.store.write(pteAddr, siblingPte));
    long freeBefore = hw.buddy.freeFrames();

    assertEquals("Failed to map new COW frame", fault());

    List<String> effects = sideEffects();
    String alloc = effects.get(1);
    long newFrame = Long.parseLong(alloc.substring("alloc -> 0x".length()), 16);
    assertEquals(
        List.of(
            "refget " + hex(oldFrame) + " -> 2",
            "alloc -> " + hex(newFrame),
            "readFrame " + hex(oldFrame),
            "writeFrame " + hex(newFrame),
            "write " + hex(pteAddr) + " = 0x0",
            "free " + hex(newFrame)),
        effects,
        "no invlpg, no refcount change");
    // the restore was attempted: a second map_to walked down to the PTE after the failed one
    int unmapAt = hw.indexOf("write " + hex(pteAddr) + " = 0x0");
    long ptReadsAfter =
        hw.events.subList(unmapAt, hw.events.size()).stream()
            .filter(e -> e.startsWith("read " + hex(pteAddr) + " "))
            .count();
    assertEquals(2, ptReadsAfter, "map_to(new) and the restoring map_to(old) both reached the PTE");
    assertEquals(siblingPte, hw.store.read(pteAddr), "the restore does not overwrite a present PTE");
    assertEquals(2, hw.refcount(oldFrame));
    assertEquals(0, hw.refcount(newFrame));
    assertTrue(hw.buddy.isFree(newFrame));
    assertEquals(freeBefore, hw.buddy.freeFrames());
    assertEquals(List.of(), hw.badFrees);
  }

  @Test
  void failedUnmapReturnsWithoutFreeingTheCopy() {
    mapCow(COW_FLAGS, 2);
    // a sibling munmaps the page while we copy: unmap() fails and `?` returns at once, so the new
    // frame is never freed (as written in fork.rs)
    hw.once(e -> e.startsWith("writeFrame"), () -> hw.store.write(pteAddr, 0));

    assertEquals("Failed to unmap old COW frame", fault());

    long newFrame =
        Long.parseLong(hw.eventsStartingWith("alloc").get(0).substring("alloc -> 0x".length()), 16);
    assertTrue(hw.buddy.isAllocated(newFrame), "the copy leaks");
    assertTrue(hw.eventsStartingWith("free", "refadd", "invlpg").isEmpty(), hw.events.toString());
    assertEquals(2, hw.refcount(oldFrame));
  }

  @Test
  void pageAddressNotFaultAddressIsFlushed() {
    mapCow(COW_FLAGS, 1);

    assertNull(fault());

    assertTrue(hw.eventsStartingWith("invlpg").stream().allMatch(e -> e.equals("invlpg " + hex(PAGE))));
    assertFalse(hw.eventsStartingWith("invlpg").isEmpty());
  }
}
