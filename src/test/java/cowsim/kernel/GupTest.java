package cowsim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.isa.RegisterFile;
import cowsim.machine.mmu.Pte;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** get_user_pages for one page (kernel.Gup) on a fake CPU: FOLL_GET, a R/O pin, a R/W pin. */
class GupTest {

  private static final long TID = 11;
  private static final long PID = 10;
  private static final Vma DATA = new Vma(0x40_0000L, 0x40_4000L, true);
  private static final long PAGE = DATA.start() + 0x1000;
  /** A page fork shared: present, user, accessed, dirty, COW, no RW. */
  private static final long COW_FLAGS = Pte.P | Pte.US | Pte.A | Pte.D | Pte.COW;

  private FakeHardware hw;
  private long pml4;
  private long frame;

  @BeforeEach
  void setUp() {
    hw = new FakeHardware();
    hw.policy = KernelPolicy.linux();
    pml4 = hw.takeFrame();
    hw.store.write((pml4 << 12) + 8L * Layout.KERNEL_PML4_SLOT, FakeHardware.KERNEL_SLOT_ENTRY);
    hw.setCurrent(FakeHardware.task(TID, PID, pml4, new RegisterFile(), false));
    hw.loadCr3(pml4);
    hw.vmas(DATA);
    frame = hw.takeFrame();
  }

  /** A page shared with a fork child: refcount 2, map count 2, AnonExclusive clear. */
  private void mapShared() {
    hw.mapByHand(pml4, PAGE, frame, COW_FLAGS);
    hw.refs.set(frame, 2);
    hw.refs.updateAux(frame, 2, ~2L);
    hw.clearEvents();
  }

  private Pipes.Buf gup(Gup.Kind kind) {
    Pipes.Buf[] out = {null};
    boolean[] done = {false};
    Gup.page(hw, PID, PAGE + 8, kind, b -> {
      done[0] = true;
      out[0] = b;
    });
    assertTrue(done[0], "the GUP completed");
    return out[0];
  }

  private long pte() {
    long[] out = {0};
    PageTables.translate(hw, pml4, PAGE, leaf -> out[0] = leaf.entry());
    return out[0];
  }

  @Test
  void vmsplicesGetTakesOneReferenceAndLeavesTheSharedPageShared() {
    mapShared();
    Pipes.Buf b = gup(Gup.Kind.GET);
    assertEquals(frame, b.frame());
    assertEquals(1, b.refs());
    assertEquals(3, hw.refs.get(frame), "the two mappings and the pipe's reference");
    assertEquals(COW_FLAGS, Pte.flags(pte()), "no unshare: FOLL_GET is not FOLL_PIN (gup_must_unshare)");
    assertEquals(2, hw.refs.aux(frame), "a reference is no mapping");
  }

  @Test
  void aReadOnlyPinUnsharesASharedPageFirstUnderAnonExclusive() {
    mapShared();
    Pipes.Buf b = gup(Gup.Kind.PIN);
    assertNotNull(b);
    assertNotEquals(frame, b.frame(), "the pin holds the copy the unshare made, not the shared page");
    assertEquals(b.frame(), Pte.frame(pte()));
    assertEquals(1 + Rmap.GUP_PIN_COUNTING_BIAS, hw.refs.get(b.frame()), "its mapping and the pin's bias");
    assertEquals(1, hw.refs.get(frame), "the child's mapping is what is left on the shared page");
  }

  @Test
  void before519AReadOnlyPinHoldsTheSharedPage() {
    hw.policy = KernelPolicy.of(Profile.LINUX_5_9);
    mapShared();
    Pipes.Buf b = gup(Gup.Kind.PIN);
    assertEquals(frame, b.frame(), "no unshare fault before anon-exclusive");
    assertEquals(2 + Rmap.GUP_PIN_COUNTING_BIAS, hw.refs.get(frame));
  }

  @Test
  void aWritePinBreaksTheCowFirst() {
    mapShared();
    Pipes.Buf b = gup(Gup.Kind.PIN_WRITE);
    assertNotEquals(frame, b.frame(), "FOLL_WRITE: the write fault copied the shared page");
    assertTrue(Pte.writable(pte()));
    assertEquals(1 + Rmap.GUP_PIN_COUNTING_BIAS, hw.refs.get(b.frame()));
  }

  @Test
  void aMissingPageIsFaultedInAsARead() {
    Pipes.Buf b = gup(Gup.Kind.GET);
    assertTrue(Pte.present(pte()), "faultin_page");
    assertEquals(Layout.ZERO_FRAME, b.frame(), "linux: a read fault on untouched memory maps the zero page");
    assertEquals(0, b.refs());
  }

  @Test
  void aMissingPageIsFaultedInAsAWriteForAWritePin() {
    Pipes.Buf b = gup(Gup.Kind.PIN_WRITE);
    assertNotEquals(Layout.ZERO_FRAME, b.frame());
    assertTrue(Pte.writable(pte()));
    assertEquals(1 + Rmap.GUP_PIN_COUNTING_BIAS, hw.refs.get(b.frame()), "the demand-zero mapping and the pin");
  }

  @Test
  void theZeroPageTakesNoReferenceAndItsReleaseFreesNothing() {
    hw.mapByHand(pml4, PAGE, Layout.ZERO_FRAME, AddressSpaces.zeroPageFlags(true));
    hw.clearEvents();
    Pipes.Buf b = gup(Gup.Kind.GET);
    assertEquals(Layout.ZERO_FRAME, b.frame());
    assertEquals(0, b.refs());
    boolean[] released = {false};
    Gup.release(hw, b, "test", () -> released[0] = true);
    assertTrue(released[0]);
    assertEquals(java.util.List.of(), hw.eventsStartingWith("refadd", "free"), "nothing sent for the zero page");
  }

  @Test
  void aWritePinOfAReadOnlyVmaFailsWithoutKilling() {
    hw.vmas(new Vma(DATA.start(), DATA.end(), false));
    hw.mapByHand(pml4, PAGE, frame, Pte.P | Pte.US | Pte.A);
    hw.refs.set(frame, 1);
    assertNull(gup(Gup.Kind.PIN_WRITE), "check_vma_flags: -EFAULT");
    assertEquals(1, hw.refs.get(frame));
  }

  @Test
  void releaseFreesAtTheLastReference() {
    mapShared();
    hw.refs.set(frame, 1);
    boolean[] released = {false};
    Gup.release(hw, new Pipes.Buf(frame, frame, 0, 0, 0, 1, pml4), "test", () -> released[0] = true);
    assertTrue(released[0]);
    assertEquals(1, hw.eventsStartingWith("free").size(), hw.eventsStartingWith("free").toString());
  }
}
