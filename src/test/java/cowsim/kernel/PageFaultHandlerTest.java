package cowsim.kernel;

import static cowsim.kernel.FakeHardware.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.machine.mmu.Pte;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * strat9's page-fault path: COW first for a write to a present page, then the generic handler
 * (kill outside the VMAs, demand-zero inside, "already present" counts as handled).
 */
class PageFaultHandlerTest {

  private static final long PID = 7;
  private static final Vma DATA = new Vma(0x40_0000L, 0x40_4000L, true);
  private static final Vma CODE = new Vma(0x20_0000L, 0x20_1000L, false);

  private FakeHardware hw;
  private long pml4;
  private int retries;
  private String killed;

  @BeforeEach
  void setUp() {
    hw = new FakeHardware();
    pml4 = hw.takeFrame();
    hw.loadCr3(pml4);
    hw.vmas(CODE, DATA);
    retries = 0;
    killed = null;
  }

  private void fault(long va, boolean write, boolean present) {
    PageFaultHandler.handle(hw, PID, va, write, present, () -> retries++, reason -> killed = reason);
    assertEquals(1, retries + (killed == null ? 0 : 1), "exactly one of retry / kill");
  }

  private List<String> calls() {
    return hw.eventsStartingWith("call");
  }

  private static KernelPolicy killingPolicy() {
    return KernelPolicy.builder(Profile.STRAT9).set(Knob.FAULT_PRESENT_PAGE, true).build();
  }

  @Test
  void withKillAWriteToAReadOnlyPageIsASigsegv() {
    hw.policy = killingPolicy();
    long frame = hw.takeFrame();
    hw.mapByHand(pml4, DATA.start(), frame, Pte.P | Pte.US);

    fault(DATA.start(), true, true);

    assertTrue(killed.contains("SIGSEGV"), killed);
  }

  @Test
  void withKillAPageThatBecameCopyOnWriteMeanwhileIsRetried() {
    // a stale read-only TLB entry faults on a page another thread made writable (not COW, so
    // the COW handler declines); before the generic handler reads it, a sibling's fork
    // write-protects it: Linux retries, and the next fault takes the COW path
    hw.policy = killingPolicy();
    long frame = hw.takeFrame();
    long pteAddr = hw.mapByHand(pml4, DATA.start(), frame, Pte.P | Pte.US | Pte.RW);
    hw.once(e -> e.startsWith("call FindVma"), () -> hw.store.write(pteAddr, Pte.make(frame, Pte.P | Pte.US | Pte.COW)));

    fault(DATA.start(), true, true);

    assertEquals(1, retries);
    assertNull(killed);
  }

  @Test
  void writeToAPresentCowPageIsResolvedByTheCowHandlerThenRetried() {
    long frame = hw.takeFrame();
    long pteAddr = hw.mapByHand(pml4, DATA.start(), frame, Pte.P | Pte.US | Pte.COW);
    hw.refs.set(frame, 1);

    fault(DATA.start() + 8, true, true);

    assertEquals(1, retries);
    assertNull(killed);
    assertEquals(Pte.make(frame, Pte.P | Pte.US | Pte.RW), hw.store.read(pteAddr));
    assertEquals(List.of(), calls(), "the generic handler does not run after Ok");
    assertEquals(1, hw.counters.pageFaults);
    assertEquals(1, hw.counters.cowFaults);
    assertEquals(1, hw.counters.cowReuses);
  }

  @Test
  void writeToASharedCowPageGetsAPrivateCopyThenRetries() {
    long frame = hw.takeFrame();
    hw.store.write(frame << 12, 0x1234);
    long pteAddr = hw.mapByHand(pml4, DATA.start(), frame, Pte.P | Pte.US | Pte.COW);
    hw.refs.set(frame, 2);

    fault(DATA.start(), true, true);

    assertEquals(1, retries);
    long pte = hw.store.read(pteAddr);
    assertNotEquals(frame, Pte.frame(pte));
    assertTrue(Pte.writable(pte));
    assertEquals(0x1234, hw.store.read(Pte.frame(pte) << 12));
    assertEquals(1, hw.counters.cowCopies);
  }

  @Test
  void faultOutsideEveryVmaKillsTheTask() {
    fault(0x1000_0000L, false, false);

    assertEquals(0, retries);
    assertTrue(killed.contains("outside every VMA"), killed);
    assertTrue(killed.contains("0x10000000"), killed);
    KernelState.FindVma q = (KernelState.FindVma) hw.requests.get(0);
    assertEquals(PID, q.pid());
    assertEquals(0x1000_0000L, q.va());
    assertTrue(hw.eventsStartingWith("alloc", "write").isEmpty());
  }

  @Test
  void writeFaultOnAPresentPageOutsideEveryVmaKillsAfterTheCowHandlerRefuses() {
    long frame = hw.takeFrame();
    hw.mapByHand(pml4, 0x1000_0000L, frame, Pte.P | Pte.US);

    fault(0x1000_0000L, true, true);

    assertTrue(killed.contains("outside every VMA"), killed);
    assertEquals(1, hw.counters.cowFaults, "COW was tried first");
  }

  @Test
  void kernelHalfAddressKillsWithoutAskingForTheVma() {
    fault(0xffff_8000_0000_1000L, false, false);

    assertTrue(killed.contains("non-user"), killed);
    assertEquals(List.of(), hw.events);
  }

  @Test
  void notPresentPageInAWritableVmaIsDemandZeroed() {
    long va = DATA.start() + 0x1008;
    long page = DATA.start() + 0x1000;

    fault(va, true, false);

    assertEquals(1, retries);
    long pteAddr = hw.pteAddr(pml4, page);
    long pte = hw.store.read(pteAddr);
    long frame = Pte.frame(pte);
    assertEquals(Pte.make(frame, Pte.P | Pte.US | Pte.RW), pte, "VMA protection: user, writable");
    assertEquals(1, hw.refcount(frame), "refcount 0 -> 1");
    for (long w : hw.store.readFrame(frame)) {
      assertEquals(0, w, "the fresh frame held garbage; it must be zeroed");
    }
    List<String> effects = hw.eventsStartingWith("alloc", "zeroFrame", "refadd", "invlpg", "write " + hex(pteAddr));
    assertEquals("alloc -> " + hex(frame), effects.get(0));
    assertEquals("zeroFrame " + hex(frame), effects.get(1));
    assertEquals(
        List.of(
            "write " + hex(pteAddr) + " = " + hex(pte),
            "refadd " + hex(frame) + " +1 -> 0",
            "invlpg " + hex(page)),
        effects.subList(effects.size() - 3, effects.size()),
        "map, frame_inc_ref, local flush");
    assertEquals(1, hw.counters.demandZeroFaults);
    assertEquals(0, hw.counters.cowFaults, "a not-present fault does not try COW");
  }

  @Test
  void notPresentPageInAReadOnlyVmaIsMappedReadOnly() {
    fault(CODE.start(), false, false);

    long pte = hw.pte(pml4, CODE.start());
    assertEquals(Pte.make(Pte.frame(pte), Pte.P | Pte.US), pte);
    assertEquals(1, retries);
  }

  @Test
  void demandZeroOutOfMemoryKillsTheTask() {
    hw.failAllocationsAfter(0);

    fault(DATA.start(), true, false);

    assertEquals("out of memory for a demand-zero page", killed);
    assertEquals(0, hw.pte(pml4, DATA.start()));
  }

  @Test
  void demandZeroWithoutRoomForAPageTableFreesTheFrameAndKills() {
    hw.failAllocationsAfter(2); // the data frame and the PDPT; the PD fails

    fault(DATA.start(), true, false);

    assertEquals("out of memory for a page table", killed);
    long frame = Long.parseLong(hw.eventsStartingWith("alloc").get(0).substring("alloc -> 0x".length()), 16);
    assertTrue(hw.buddy.isFree(frame));
    assertTrue(hw.eventsStartingWith("refadd").isEmpty());
  }

  @Test
  void writeToAPresentReadOnlyNonCowPageCountsAsHandledAndChangesNothing() {
    long frame = hw.takeFrame();
    long pteAddr = hw.mapByHand(pml4, CODE.start(), frame, Pte.P | Pte.US);

    fault(CODE.start(), true, true);

    // strat9's benign re-fault: the task is not killed and will fault again forever
    assertEquals(1, retries);
    assertNull(killed);
    assertEquals(Pte.make(frame, Pte.P | Pte.US), hw.store.read(pteAddr));
    assertEquals(List.of("call FindVma"), calls());
    assertTrue(hw.eventsStartingWith("alloc", "write", "refadd", "invlpg").isEmpty(), hw.events.toString());
    assertEquals(0, hw.counters.spuriousFaults, "a real protection violation, not spurious");
    assertEquals(0, hw.counters.demandZeroFaults);
  }

  @Test
  void cowFaultOutOfMemoryRetriesWithThePageStillReadOnly() {
    long frame = hw.takeFrame();
    long cowPte = Pte.make(frame, Pte.P | Pte.US | Pte.COW);
    long pteAddr = hw.mapByHand(pml4, DATA.start(), frame, Pte.P | Pte.US | Pte.COW);
    hw.refs.set(frame, 2);
    hw.failAllocationsAfter(0);

    fault(DATA.start(), true, true);

    assertEquals(1, retries, "the error is swallowed by the generic handler: re-fault forever");
    assertNull(killed);
    assertEquals(cowPte, hw.store.read(pteAddr));
    assertTrue(hw.logs.stream().anyMatch(l -> l.contains("OOM during COW copy")), hw.logs.toString());
    assertEquals(0, hw.counters.spuriousFaults);
  }

  @Test
  void writeFaultOnAnAlreadyWritablePteIsSpurious() {
    // a stale read-only TLB entry: another CPU already made the PTE writable
    long frame = hw.takeFrame();
    long pteAddr = hw.mapByHand(pml4, DATA.start(), frame, Pte.P | Pte.US | Pte.RW);

    fault(DATA.start(), true, true);

    assertEquals(1, retries);
    assertEquals(1, hw.counters.spuriousFaults);
    assertEquals(Pte.make(frame, Pte.P | Pte.US | Pte.RW), hw.store.read(pteAddr));
    assertTrue(hw.eventsStartingWith("alloc", "write", "refadd").isEmpty(), hw.events.toString());
  }

  @Test
  void notPresentFaultOnAPageThatIsNowPresentIsSpurious() {
    // a sibling demand-zeroed the page between our TLB miss and the handler
    long frame = hw.takeFrame();
    hw.mapByHand(pml4, DATA.start(), frame, Pte.P | Pte.US | Pte.RW);

    fault(DATA.start(), false, false);

    assertEquals(1, retries);
    assertEquals(1, hw.counters.spuriousFaults);
    assertTrue(hw.eventsStartingWith("alloc").isEmpty());
  }
}
