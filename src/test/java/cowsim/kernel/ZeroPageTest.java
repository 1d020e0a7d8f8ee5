package cowsim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.machine.mmu.Pte;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The shared zero page on a fake CPU: a read maps it without a reference, the first write replaces it. */
class ZeroPageTest {

  private static final long PAGE = 0x40_3000L;

  private FakeHardware hw;
  private long pml4;

  @BeforeEach
  void setUp() {
    hw = new FakeHardware();
    pml4 = hw.takeFrame();
    hw.policy = KernelPolicy.linux();
    hw.vmas(new Vma(0x40_0000L, 0x41_0000L, true));
  }

  private long pte() {
    long[] out = {0};
    PageTables.translate(hw, pml4, PAGE, leaf -> out[0] = leaf.entry());
    return out[0];
  }

  @Test
  void aReadMapsTheZeroFrameReadOnlyWithNoReference() {
    String[] err = {"not called"};
    AddressSpaces.mapZeroPage(hw, pml4, PAGE, true, e -> err[0] = e);
    assertNull(err[0]);
    long pte = pte();
    assertEquals(Layout.ZERO_FRAME, Pte.frame(pte));
    assertTrue(Pte.present(pte) && !Pte.writable(pte) && Pte.cow(pte), Pte.describe(pte));
    assertEquals(0, hw.refs.get(Layout.ZERO_FRAME), "the zero page is never counted");
    assertEquals(3, hw.eventsStartingWith("alloc").size(), "only the page tables (PDPT, PD, PT): no frame for the page");
  }

  @Test
  void theFirstWriteGetsAFreshZeroedFrameAndDropsNothing() {
    AddressSpaces.mapZeroPage(hw, pml4, PAGE, true, e -> {});
    hw.clearEvents();
    String[] err = {"not called"};
    CowFault.handle(hw, pml4, PAGE + 8, e -> err[0] = e);
    assertNull(err[0]);
    long pte = pte();
    assertNotEquals(Layout.ZERO_FRAME, Pte.frame(pte));
    assertTrue(Pte.writable(pte) && !Pte.cow(pte), Pte.describe(pte));
    assertEquals(0, hw.store.read(Pte.frame(pte) << 12), "zeroed, not copied from anything");
    assertEquals(0, hw.refs.get(Layout.ZERO_FRAME), "no decrement of the zero frame");
    assertEquals(1, hw.refs.get(Pte.frame(pte)));
    assertTrue(hw.badFrees.isEmpty(), hw.badFrees.toString());
  }

  @Test
  void aReadOnlyVmaMapsItWithoutTheCowBit() {
    AddressSpaces.mapZeroPage(hw, pml4, PAGE, false, e -> {});
    long pte = pte();
    assertTrue(!Pte.writable(pte) && !Pte.cow(pte), "a write there is an access error: " + Pte.describe(pte));
  }
}
