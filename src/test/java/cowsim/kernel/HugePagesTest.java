package cowsim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.machine.mmu.Pte;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The kernel's 2 MiB pages on a fake CPU: demand paging, the COW fault by knob, the split, unmapping. */
class HugePagesTest {

  private static final long BLOCK = 0x1000_0000L;
  private static final long COW_HUGE = Pte.P | Pte.US | Pte.A | Pte.D | Pte.COW | Pte.PS;

  private FakeHardware hw;
  private long pml4;

  @BeforeEach
  void setUp() {
    hw = new FakeHardware(4096);
    pml4 = hw.takeFrame();
    hw.policy = KernelPolicy.linux();
    hw.vmas(new Vma(BLOCK, BLOCK + HugePages.SIZE, true, true));
  }

  private long pdAddr() {
    long pdpt = Pte.frame(hw.store.read(PageTables.entryAddr(pml4, BLOCK, 4)));
    long pd = Pte.frame(hw.store.read(PageTables.entryAddr(pdpt, BLOCK, 3)));
    return PageTables.entryAddr(pd, BLOCK, 2);
  }

  private String demand() {
    String[] out = {"not called"};
    HugePages.demand(hw, pml4, BLOCK + 0x1234, true, err -> out[0] = err);
    return out[0];
  }

  @Test
  void aDemandFaultMapsOneZeroedOrderNineBlockWithOnePdEntry() {
    assertNull(demand());
    long pde = hw.store.read(pdAddr());
    long head = Pte.frame(pde);
    assertTrue(Pte.present(pde) && Pte.huge(pde) && Pte.writable(pde), Pte.describe(pde));
    assertEquals(0, head % 512, "a 2 MiB block is 512-frame aligned");
    assertEquals(1, hw.refs.get(head), "the block's reference is on its head");
    assertEquals(0, hw.refs.get(head + 1));
    for (long f = head; f < head + 512; f++) {
      assertEquals(0, hw.store.read(f << 12), "every frame zeroed: frame " + f);
    }
    assertEquals(1, hw.counters.hugeFaults);
    assertTrue(hw.eventsStartingWith("alloc").contains("alloc order 9 -> " + FakeHardware.hex(head)));
  }

  @Test
  void aPdEntryPopulatedMeanwhileWinsAndTheBlockGoesBack() {
    hw.once(e -> e.startsWith("alloc order 9"), () -> {
      long t = hw.takeFrame();
      PageTables.mapTo(hw, pml4, BLOCK, t, AddressSpaces.userFlags(true), r -> {});
    });
    assertNull(demand());
    assertFalse(Pte.huge(hw.store.read(pdAddr())), "the sibling's page table stands");
    assertTrue(hw.eventsStartingWith("free").stream().anyMatch(e -> e.endsWith("order 9")), hw.eventsStartingWith("free").toString());
  }

  /** A huge COW page shared with a child: head refcount 2, PD entry read-only + COW. */
  private long shared(int refcount) {
    assertNull(demand());
    long a = pdAddr();
    long pde = hw.store.read(a);
    hw.store.write(a, Pte.make(Pte.frame(pde), COW_HUGE));
    hw.refs.set(Pte.frame(pde), refcount);
    hw.clearEvents();
    return Pte.frame(pde);
  }

  private String cowFault(long va) {
    String[] out = {"not called"};
    CowFault.handle(hw, pml4, va, err -> out[0] = err);
    return out[0];
  }

  @Test
  void strat9RefusesAHugeCowPage() {
    hw.policy = KernelPolicy.strat9();
    long head = shared(2);
    assertEquals("Page not mapped or huge page", cowFault(BLOCK + 8));
    assertEquals(Pte.make(head, COW_HUGE), hw.store.read(pdAddr()), "nothing changed: the task faults again");
  }

  @Test
  void aSoleOwnerGetsTheHugeEntryBackWritable() {
    long head = shared(1);
    assertNull(cowFault(BLOCK + 8));
    long pde = hw.store.read(pdAddr());
    assertEquals(head, Pte.frame(pde));
    assertTrue(Pte.huge(pde) && Pte.writable(pde) && !Pte.cow(pde), Pte.describe(pde));
    assertEquals(1, hw.counters.cowReuses);
    assertEquals(0, hw.counters.hugeSplits);
  }

  @Test
  void aSharedHugePageIsSplitIntoCompoundCowPtesThenCopiedAt4KiB() {
    long head = shared(2);
    long va = BLOCK + 5 * 4096 + 8;
    assertNull(cowFault(va));
    long pde = hw.store.read(pdAddr());
    assertTrue(Pte.present(pde) && !Pte.huge(pde), "the PD entry points to a page table now");
    long table = Pte.frame(pde);
    for (int i = 0; i < 512; i++) {
      long pte = hw.store.read((table << 12) + 8L * i);
      if (i == 5) {
        assertTrue(Pte.writable(pte) && !Pte.cow(pte) && (pte & HugePages.COMPOUND) == 0, "the copy: " + Pte.describe(pte));
        assertFalse(Pte.frame(pte) >= head && Pte.frame(pte) < head + 512);
      } else {
        assertEquals(head + i, Pte.frame(pte));
        assertTrue(!Pte.writable(pte) && Pte.cow(pte) && (pte & HugePages.COMPOUND) != 0 && !Pte.huge(pte), Pte.describe(pte));
      }
    }
    // 2 (the PMDs) + 511 (a reference per PTE, folio_ref_add) - 1 (the PTE that got its copy)
    assertEquals(512, hw.refs.get(head));
    assertEquals(0, hw.refs.get(head + 1), "the other frames' counts stay 0: the block is one page");
    assertEquals(1, hw.counters.hugeSplits);
    assertEquals(1, hw.counters.cowCopies);
    List<String> order = hw.eventsStartingWith("write " + FakeHardware.hex(pdAddr()), "shootdown", "invlpg " + FakeHardware.hex(BLOCK));
    assertTrue(order.get(0).startsWith("write " + FakeHardware.hex(pdAddr()) + " = 0x0"), "pmdp_invalidate first: " + order);
  }

  @Test
  void withoutThePageTableLockTheHugePathIsNotTakenAndTheFaultIsRefused() {
    hw.policy = KernelPolicy.builder(Profile.STRAT9).set(Knob.HUGE_COW_FAULT, KernelPolicy.HugeCowFault.SPLIT).build();
    shared(2);
    assertEquals("Page not mapped or huge page", cowFault(BLOCK));
  }

  @Test
  void copyModeCopiesTheWholeBlockAndDropsTheOld() {
    hw.policy = KernelPolicy.linux().toBuilder().set(Knob.HUGE_COW_FAULT, KernelPolicy.HugeCowFault.COPY).build();
    long head = shared(2);
    hw.store.write((head + 7) << 12, 99);
    assertNull(cowFault(BLOCK));
    long pde = hw.store.read(pdAddr());
    long copy = Pte.frame(pde);
    assertTrue(Pte.huge(pde) && Pte.writable(pde) && copy != head);
    assertEquals(99, hw.store.read((copy + 7) << 12), "all 2 MiB copied");
    assertEquals(1, hw.refs.get(head));
    assertEquals(1, hw.refs.get(copy));
  }

  @Test
  void unmappingFreesTheBlockUnderLinuxAndOne4KiBFrameUnderStrat9() {
    long head = shared(1);
    long a = pdAddr();
    HugePages.unmap(hw, a, hw.store.read(a), () -> {});
    assertEquals(0, hw.store.read(a));
    assertTrue(hw.eventsStartingWith("free").contains("free " + FakeHardware.hex(head) + " order 9"), hw.eventsStartingWith("free").toString());

    setUp();
    hw.policy = KernelPolicy.strat9();
    long h2 = shared(1);
    long a2 = pdAddr();
    HugePages.unmap(hw, a2, hw.store.read(a2), () -> {});
    assertTrue(hw.buddy.isFree(h2), "the head's 4 KiB went back");
    assertTrue(hw.buddy.isAllocated(h2 + 1) && hw.buddy.isAllocated(h2 + 511), "511 frames leak");
  }

  @Test
  void aPteOfASplitBlockHoldsItsReferenceOnTheHead() {
    long pte = Pte.make(0x400 + 37, Pte.P | Pte.US | HugePages.COMPOUND);
    assertEquals(0x400, HugePages.refFrame(pte));
    assertEquals(HugePages.ORDER, HugePages.refOrder(pte));
    long plain = Pte.make(0x437, Pte.P | Pte.US);
    assertEquals(0x437, HugePages.refFrame(plain));
    assertEquals(0, HugePages.refOrder(plain));
  }
}
