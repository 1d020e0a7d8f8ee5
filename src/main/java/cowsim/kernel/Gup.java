package cowsim.kernel;

import cowsim.machine.mmu.Pte;
import cowsim.machine.observe.Event;
import java.util.function.Consumer;

/**
 * get_user_pages for one page (mm/gup.c), as vmsplice and the gup_test device take them: find
 * the page under the page-table lock, fault it in if it is not there (faultin_page), and take
 * the references of the kind asked for (try_grab_folio). The kinds:
 *
 * <ul>
 *   <li>{@link Kind#GET}: FOLL_GET, what vmsplice takes (fs/splice.c iter_to_pipe:
 *       iov_iter_get_pages2, a get_user_pages_fast without FOLL_PIN): one reference, nothing
 *       else. A shared anonymous page is not unshared (gup_must_unshare asks only FOLL_PIN), so
 *       the page stays shared with the COW peer and only the reuse test of the later write
 *       fault keeps the pipe's copy apart (the refcount: CVE-2020-29374's fix).
 *   <li>{@link Kind#PIN}: a R/O FOLL_PIN|FOLL_LONGTERM (pin_user_pages): {@link
 *       Rmap#GUP_PIN_COUNTING_BIAS} references; under {@code cow.reuse = anon-exclusive} a shared
 *       anonymous page is unshared first (gup_must_unshare, FAULT_FLAG_UNSHARE; the model
 *       resolves the unshare as the COW fault does, mapping the copy writable where Linux maps it
 *       read-only until the first write). Before 5.19 there is no unshare: the pin holds the
 *       shared page and the pinner's next write copies away from it (cow.c's "Longterm R/O pin is
 *       not reliable" on those kernels).
 *   <li>{@link Kind#PIN_WRITE}: FOLL_PIN|FOLL_WRITE|FOLL_LONGTERM: a page the PTE does not let
 *       the task write is write-faulted first (the COW is broken now), then the bias.
 * </ul>
 *
 * <p>The shared zero page takes no reference (the model keeps none on it; Linux's try_grab_folio
 * skips it for FOLL_PIN and its FOLL_GET reference can never free it). A FOLL_WRITE on a VMA
 * the task may not write is -EFAULT, as check_vma_flags says: the fault that fails is not a kill.
 */
final class Gup {

  private Gup() {}

  enum Kind {
    GET(1, "vmsplice get"),
    PIN(Rmap.GUP_PIN_COUNTING_BIAS, "gup_test pin"),
    PIN_WRITE(Rmap.GUP_PIN_COUNTING_BIAS, "gup_test pin");

    final int refs;
    final String what;

    Kind(int refs, String what) {
      this.refs = refs;
      this.what = what;
    }
  }

  /** How often a page is faulted in before the GUP gives up (-EFAULT). */
  private static final int ATTEMPTS = 3;

  /**
   * One page's references; {@code k} gets the buffer (frame, reference frame, order, the
   * references taken, the pinner's cr3; offset and length 0) or null on a fault.
   */
  static void page(Hardware hw, long pid, long va, Kind kind, Consumer<Pipes.Buf> k) {
    page(hw, pid, va, kind, 0, k);
  }

  private static void page(Hardware hw, long pid, long va, Kind kind, int attempt, Consumer<Pipes.Buf> k) {
    long pml4 = hw.cr3();
    long page = va & ~0xfffL;
    Runnable retry = () -> page(hw, pid, va, kind, attempt + 1, k);
    Runnable fail = () -> k.accept(null);
    boolean write = kind == Kind.PIN_WRITE;
    AddressSpaces.locked(hw, pml4, done -> PageTables.translate(hw, pml4, page, leaf -> {
      if (!leaf.mapped4k() && !leaf.mapped2m()) {
        done.accept(() -> faultIn(hw, pid, va, write, false, attempt, retry, fail));
        return;
      }
      long e = leaf.entry();
      if (write && !Pte.writable(e)) {
        // follow_page_pte: a FOLL_WRITE needs a writable PTE; faultin_page with FAULT_FLAG_WRITE
        done.accept(() -> faultIn(hw, pid, va, true, true, attempt, retry, fail));
        return;
      }
      boolean huge = leaf.mapped2m();
      long frame = huge ? Pte.frame(e) + ((va >>> 12) & 511) : Pte.frame(e);
      if (!huge && frame == Layout.ZERO_FRAME) {
        done.accept(() -> k.accept(new Pipes.Buf(frame, frame, 0, 0, 0, 0, pml4)));
        return;
      }
      long ref = huge ? Pte.frame(e) : HugePages.refFrame(e);
      int order = huge ? 9 : HugePages.refOrder(e);
      Runnable grab = () -> hw.refAdd(ref, kind.refs, old -> { // try_grab_folio
        hw.report(new Event.KernelRef(hw.now(), hw.cpu(), pml4, ref, frame, kind.refs, kind.what));
        done.accept(() -> k.accept(new Pipes.Buf(frame, ref, order, 0, 0, kind.refs, pml4)));
      });
      if (kind != Kind.PIN || !Rmap.anonExclusive(hw) || !Pte.cow(e)) {
        grab.run();
        return;
      }
      if (huge || order != 0) {
        // the model's 2 MiB pages keep no AnonExclusive bit: a COW-marked one counts as shared,
        // and the unshare goes through the huge COW fault (huge.cow-fault) and then the 4 KiB
        // copy of the page asked for (Linux: do_huge_pmd_wp_page splits a shared THP, then the
        // PTE's unshare copies the subpage)
        if (attempt >= ATTEMPTS) {
          grab.run();
        } else {
          done.accept(() -> faultIn(hw, pid, va, true, true, attempt, retry, fail));
        }
        return;
      }
      hw.auxGet(frame, w -> {
        if ((w & Rmap.EXCLUSIVE) != 0 || attempt >= ATTEMPTS) {
          grab.run();
          return;
        }
        // gup_must_unshare: a shared anonymous page is unshared before a R/O pin
        done.accept(() -> faultIn(hw, pid, va, true, true, attempt, retry, fail));
      });
    }));
  }

  private static void faultIn(Hardware hw, long pid, long va, boolean write, boolean present, int attempt, Runnable retry, Runnable fail) {
    if (attempt >= ATTEMPTS) {
      fail.run();
      return;
    }
    PageFaultHandler.handle(hw, pid, va, write, present, retry, why -> fail.run());
  }

  /** Drops a buffer's references (put_page, unpin_user_page); the frame is freed at 0. */
  static void release(Hardware hw, Pipes.Buf b, String what, Runnable k) {
    if (b.refs() == 0) {
      k.run(); // the zero page's buffer holds nothing
      return;
    }
    hw.refAdd(b.ref(), -b.refs(), old -> {
      hw.report(new Event.KernelRef(hw.now(), hw.cpu(), b.cr3(), b.ref(), b.frame(), -b.refs(), what));
      if (old == b.refs()) {
        if (b.order() == 0) {
          hw.free(b.ref(), k);
        } else {
          hw.free(b.ref(), b.order(), k);
        }
      } else {
        k.run();
      }
    });
  }
}
