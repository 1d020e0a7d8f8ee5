package cowsim.kernel;

import static cowsim.kernel.FakeHardware.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** strat9's memory::cow frame_inc_ref / frame_dec_ref: plain fetch_add / fetch_sub, free at 1 -> 0. */
class FrameRefsTest {

  private FakeHardware hw;
  private long frame;
  private boolean done;

  @BeforeEach
  void setUp() {
    hw = new FakeHardware();
    frame = hw.takeFrame();
    done = false;
  }

  @Test
  void incRefAddsOne() {
    FrameRefs.incRef(hw, frame, () -> done = true);

    assertTrue(done);
    assertEquals(1, hw.refcount(frame));
    assertEquals(List.of("refadd " + hex(frame) + " +1 -> 0"), hw.events);
  }

  @Test
  void decRefFromTwoKeepsTheFrame() {
    hw.refs.set(frame, 2);

    FrameRefs.decRef(hw, frame, () -> done = true);

    assertTrue(done);
    assertEquals(1, hw.refcount(frame));
    assertTrue(hw.buddy.isAllocated(frame));
    assertEquals(List.of("refadd " + hex(frame) + " -1 -> 2"), hw.events);
  }

  @Test
  void decRefFromOneFreesTheFrame() {
    hw.refs.set(frame, 1);

    FrameRefs.decRef(hw, frame, () -> done = true);

    assertTrue(done);
    assertEquals(0, hw.refcount(frame));
    assertTrue(hw.buddy.isFree(frame));
    assertEquals(List.of("refadd " + hex(frame) + " -1 -> 1", "free " + hex(frame)), hw.events);
    assertEquals(List.of(), hw.badFrees);
  }

  @Test
  void decRefFromZeroWrapsSilentlyAndDoesNotFree() {
    FrameRefs.decRef(hw, frame, () -> done = true);

    assertTrue(done);
    assertEquals(0xFFFF_FFFFL, hw.refcount(frame), "u32 fetch_sub wraps to 2^32-1");
    assertTrue(hw.buddy.isAllocated(frame));
    assertEquals(List.of("refadd " + hex(frame) + " -1 -> 0"), hw.events);
  }

  @Test
  void incRefFromTheWrappedValueComesBackToZeroWithoutFreeing() {
    hw.refs.set(frame, -1);

    FrameRefs.incRef(hw, frame, () -> done = true);

    assertTrue(done);
    assertEquals(0, hw.refcount(frame));
    assertTrue(hw.buddy.isAllocated(frame));
  }
}
