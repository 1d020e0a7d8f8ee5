package cowsim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Linux's map count and AnonExclusive bit (kernel.Rmap) on a fake CPU, era by era. */
class RmapTest {

  private FakeHardware hw;
  private long frame;

  @BeforeEach
  void setUp() {
    hw = new FakeHardware();
    frame = hw.takeFrame();
    hw.policy = KernelPolicy.linux();
    hw.clearEvents();
  }

  private boolean dup() {
    boolean[] shared = {false};
    boolean[] called = {false};
    Rmap.tryDupAnon(hw, frame, s -> {
      called[0] = true;
      shared[0] = s;
    });
    assertTrue(called[0], "tryDupAnon completed");
    return shared[0];
  }

  @Test
  void strat9KeepsNoMapCountAndSendsNothing() {
    hw.policy = KernelPolicy.strat9();
    boolean[] ran = {false};
    Rmap.addNewAnon(hw, frame, () -> Rmap.remove(hw, frame, () -> ran[0] = true));
    assertTrue(ran[0]);
    assertTrue(dup(), "fork shares, as strat9 always does");
    assertEquals(List.of(), hw.eventsStartingWith("aux"), "no message for the second word");
  }

  @Test
  void aFreshAnonymousPageIsMappedOnceAndExclusive() {
    Rmap.addNewAnon(hw, frame, () -> {});
    assertEquals(1 | Rmap.EXCLUSIVE, hw.refs.aux(frame));
    Rmap.remove(hw, frame, () -> {});
    assertEquals(Rmap.EXCLUSIVE, hw.refs.aux(frame), "page_remove_rmap: the count goes, the bit stays");
  }

  @Test
  void forkSharesAnUnpinnedPageClearingItsExclusiveBit() {
    Rmap.addNewAnon(hw, frame, () -> {});
    hw.refs.set(frame, 1);
    assertTrue(dup());
    assertEquals(2, hw.refs.aux(frame), "map count 2, not exclusive any more");
  }

  @Test
  void forkCopiesAPinnedExclusivePageInsteadOfSharingIt() {
    Rmap.addNewAnon(hw, frame, () -> {});
    hw.refs.set(frame, 1 + Rmap.GUP_PIN_COUNTING_BIAS); // the mapping and a gup_test pin
    assertFalse(dup(), "folio_needs_cow_for_dma: copy_present_page");
    assertEquals(1 | Rmap.EXCLUSIVE, hw.refs.aux(frame), "the parent's page stays exclusive, mapped once");
  }

  @Test
  void theMistakeSharesThePinnedPage() {
    hw.policy = KernelPolicy.linux().toBuilder().mistake(Mistake.GUP_PIN_IGNORED_AT_FORK).build();
    Rmap.addNewAnon(hw, frame, () -> {});
    hw.refs.set(frame, 1 + Rmap.GUP_PIN_COUNTING_BIAS);
    assertTrue(dup());
    assertEquals(2, hw.refs.aux(frame));
  }

  @Test
  void beforeAnonExclusiveForkOnlyCountsTheMapping() {
    hw.policy = KernelPolicy.of(Profile.LINUX_5_7);
    Rmap.addNewAnon(hw, frame, () -> {});
    assertEquals(1, hw.refs.aux(frame), "no AnonExclusive bit before 5.19");
    hw.refs.set(frame, 1 + Rmap.GUP_PIN_COUNTING_BIAS);
    assertTrue(dup(), "a pinned page is shared: the root of CVE-2020-29374");
    assertEquals(2, hw.refs.aux(frame));
  }

  @Test
  void in59ForkCopiesAPinnedPageWithoutAskingTheBit() {
    hw.policy = KernelPolicy.of(Profile.LINUX_5_9);
    Rmap.addNewAnon(hw, frame, () -> {});
    hw.refs.set(frame, 1 + Rmap.GUP_PIN_COUNTING_BIAS);
    assertFalse(dup(), "page_maybe_dma_pinned: the early COW of 5.9's copy_present_pte");
    assertEquals(1, hw.refs.aux(frame), "still mapped once");
    hw.refs.set(frame, 2); // a FOLL_GET reference (vmsplice) is no pin
    assertTrue(dup());
    assertEquals(2, hw.refs.aux(frame));
  }
}
