package cowsim.kernel;

/** strat9's memory::cow refcount helpers: a plain fetch_add / fetch_sub per call, no lock. */
public final class FrameRefs {

  private FrameRefs() {}

  /** frame_inc_ref. */
  public static void incRef(Hardware hw, long frame, Runnable k) {
    hw.refAdd(frame, 1, old -> k.run());
  }

  /**
   * frame_dec_ref: fetch_sub; when the old value was 1 the frame goes back to the allocator. A
   * decrement from 0 wraps to 2^32-1 silently, as in strat9.
   */
  public static void decRef(Hardware hw, long frame, Runnable k) {
    decRef(hw, frame, 0, k);
  }

  /** frame_dec_ref of a block's head: at 0 the whole block of that buddy order goes back. */
  public static void decRef(Hardware hw, long frame, int order, Runnable k) {
    hw.refAdd(
        frame,
        -1,
        old -> {
          if (old == 1) {
            hw.log("frame {} refcount 1 -> 0, freed{}", CowFault.hex(frame), order == 0 ? "" : " (order " + order + ")");
            if (order == 0) {
              hw.free(frame, k);
            } else {
              hw.free(frame, order, k);
            }
          } else {
            k.run();
          }
        });
  }
}
