package cowsim.kernel;

import cowsim.kernel.KernelPolicy.CowReuse;
import java.util.function.Consumer;

/**
 * Linux's per-page map count and AnonExclusive bit, kept in a frame's second metadata word (the
 * bank's {@code AuxAdd}/{@code AuxGet}/{@code AuxBits}): bits 0..31 count the PTEs mapping the
 * frame (Linux's {@code _mapcount} + 1, so 0 is "not mapped"), bit 32 is PG_anon_exclusive. Kept
 * only when {@link KernelPolicy#keepsMapcount()} (strat9 has neither: no message is sent), and
 * only for 4 KiB pages (a 2 MiB page's entire_mapcount is not modelled; its reuse decision stays
 * the refcount's).
 *
 * <p>A pin ({@code FOLL_PIN}: the gup_test device's) adds {@link #GUP_PIN_COUNTING_BIAS} to the refcount and
 * nothing to the map count, as try_grab_folio does for a small folio; {@code
 * folio_maybe_dma_pinned} is "refcount at least the bias".
 */
public final class Rmap {

  private Rmap() {}

  /** PG_anon_exclusive, in the second word. */
  public static final long EXCLUSIVE = 1L << 32;

  /** The map count's bits. */
  public static final long COUNT = 0xffff_ffffL;

  /** include/linux/mm.h: what a FOLL_PIN adds to a small folio's refcount. */
  public static final int GUP_PIN_COUNTING_BIAS = 1024;

  static boolean kept(Hardware hw) {
    return hw.policy().keepsMapcount();
  }

  static boolean anonExclusive(Hardware hw) {
    return hw.policy().get(Knob.COW_REUSE) == CowReuse.ANON_EXCLUSIVE;
  }

  /**
   * folio_add_new_anon_rmap: a fresh anonymous page (demand fault, COW copy, fork's copy of a
   * pinned page) is mapped once and, under anon-exclusive, exclusive. One store of the word.
   */
  static void addNewAnon(Hardware hw, long frame, Runnable k) {
    if (!kept(hw)) {
      k.run();
      return;
    }
    long w = 1 | (anonExclusive(hw) ? EXCLUSIVE : 0);
    hw.auxBits(frame, w, ~w, old -> k.run());
  }

  /** page_remove_rmap: one mapping fewer. */
  static void remove(Hardware hw, long frame, Runnable k) {
    if (!kept(hw)) {
      k.run();
      return;
    }
    hw.auxAdd(frame, -1, old -> k.run());
  }

  /**
   * fork's copy_present_pte for an anonymous 4 KiB page: page_try_dup_anon_rmap. Under
   * anon-exclusive an exclusive page that may be pinned (folio_needs_cow_for_dma: refcount at
   * least the bias) cannot be shared: {@code k} gets false and fork copies it
   * (copy_present_page). Under refcount (5.9 to 5.18) the same without the bit: any page that
   * may be pinned is copied; under mapcount (before 5.9) every page is shared. Otherwise the bit is cleared (the page is shared now) and the map count
   * goes up (the rmap dup); {@code k} gets true.
   */
  static void tryDupAnon(Hardware hw, long frame, Consumer<Boolean> k) {
    if (!kept(hw)) {
      k.accept(true);
      return;
    }
    Runnable dup = () -> {
      if (hw.policy().mistake() == Mistake.FORK_NO_MAPCOUNT_DUP) { // MISTAKE: the child's mapping not counted
        k.accept(true);
        return;
      }
      hw.auxAdd(frame, 1, old -> k.accept(true));
    };
    if (hw.policy().get(Knob.COW_REUSE) == CowReuse.REFCOUNT) {
      // 5.9's copy_present_pte ("mm: Do early cow for pinned pages during fork() for ptes",
      // v5.9-rc7): page_maybe_dma_pinned, the refcount at least the bias, copies the page
      // (the mm's has_pinned flag, set by the first FOLL_PIN, is not modelled)
      hw.refGet(frame, rc -> {
        if (rc >= GUP_PIN_COUNTING_BIAS && hw.policy().mistake() != Mistake.GUP_PIN_IGNORED_AT_FORK) { // MISTAKE: a pinned page shared
          k.accept(false);
        } else {
          dup.run();
        }
      });
      return;
    }
    if (!anonExclusive(hw)) {
      dup.run(); // before 5.9 fork shared a pinned page as any other
      return;
    }
    hw.auxGet(
        frame,
        w -> {
          if ((w & EXCLUSIVE) == 0) {
            dup.run();
            return;
          }
          hw.refGet(
              frame,
              rc -> {
                if (rc >= GUP_PIN_COUNTING_BIAS
                    && hw.policy().mistake() != Mistake.GUP_PIN_IGNORED_AT_FORK) { // MISTAKE: a pinned page shared
                  k.accept(false);
                  return;
                }
                hw.auxBits(frame, 0, EXCLUSIVE, old -> dup.run());
              });
        });
  }
}
