package cowsim.check;

import static cowsim.check.Shadow.hex;

import cowsim.machine.mmu.Pte;
import cowsim.machine.observe.Event;

/**
 * {@code cow-isolation}: after fork split two address spaces, neither sees the other's stores. A
 * load returns a value another address space stored after the split (or an unrelated one
 * stored); a user store lands in a frame another live address space maps. The store check holds
 * inside kernel operations too: a half-built fork child is not live until fork returns, so stores
 * fork has not yet flushed away are not reported, but a store into a live process's frame always is.
 */
final class CowIsolationMonitor implements Monitor {

  private final Shadow shadow;
  private final Findings findings;

  CowIsolationMonitor(Shadow shadow, Findings findings) {
    this.shadow = shadow;
    this.findings = findings;
  }

  @Override
  public boolean check(Event e) {
    if (e instanceof Event.MemRead r && r.access() != null && r.access().user()) {
      return load(r);
    } else if (e instanceof Event.MemWrite w && w.access() != null && w.access().user()) {
      return store(w);
    } else if (e instanceof Event.MemWrite w && w.access() == null) {
      return physicalStore(w);
    } else if (e instanceof Event.FrameWrite f && f.frame() == shadow.zeroFrame) {
      return zeroPageStore(f.cpu(), f.cycle(), f.source() < 0 ? "zeroed" : "copied frame " + hex(f.source()) + " into");
    }
    return false;
  }

  /**
   * The kernel wrote into the shared zero page: every address space's never-written pages that a
   * read faulted in read it, so that store is seen by all of them (nothing may write it, ever).
   */
  private boolean zeroPageStore(int cpu, long cycle, String what) {
    long frame = shadow.zeroFrame;
    return findings.report(ViolationKind.COW_ISOLATION, cpu, 0, 0, -1, frame, cycle,
        "the kernel on cpu-" + cpu + " " + what + " frame " + hex(frame) + ", the shared zero page every address space's untouched pages read",
        Findings.key("cow-zero-page", frame, cycle), frame, null);
  }

  /**
   * A kernel store by physical address (no MMU, no address space: PTE updates, ack words) that
   * lands in a user data frame two live address spaces map: the kernel wrote into a page it had to
   * copy first (put_user resolves copy-on-write through the MMU; a write straight into the PTE's
   * frame does not). Page tables and reserved frames are the kernel's own and never user data.
   */
  private boolean physicalStore(Event.MemWrite w) {
    long frame = w.paddr() >>> 12;
    if (frame == shadow.zeroFrame) {
      return zeroPageStore(w.cpu(), w.cycle(), "stored " + w.value() + " into");
    }
    if (shadow.tableRole(frame) || shadow.kernelRole(frame) != null) {
      return false;
    }
    Shadow.Mapping first = shadow.otherLiveMapping(frame, -1);
    if (first == null) {
      return false;
    }
    Shadow.Mapping second = shadow.otherLiveMapping(frame, first.space());
    if (second == null) {
      return false;
    }
    return findings.report(ViolationKind.COW_ISOLATION, w.cpu(), shadow.spaceById(first.space()).pid, 0, first.va(), frame, w.cycle(),
        "the kernel stored " + w.value() + " into frame " + hex(frame) + " by its physical address, a frame pids "
            + shadow.spaceById(first.space()).pid + " and " + shadow.spaceById(second.space()).pid + " both map (at " + hex(first.va())
            + " and " + hex(second.va()) + ")",
        Findings.key("cow-kernel-write", frame), frame, first);
  }

  private boolean load(Event.MemRead r) {
    Event.Access a = r.access();
    long frame = r.paddr() >>> 12;
    Shadow.Space s = shadow.space(a.cr3());
    long[] w = shadow.writers(frame);
    int slot = (int) ((r.paddr() & 0xfff) >>> 3);
    if (w == null || w[slot] < 0 || w[slot] == s.id) {
      return false;
    }
    long split = shadow.split(s.id, w[slot]);
    if (w[512 + slot] <= split) {
      return false;
    }
    Shadow.Space other = shadow.spaceById(w[slot]);
    return findings.report(ViolationKind.COW_ISOLATION, r.cpu(), a.pid(), a.tid(), a.va(), frame, r.cycle(),
        "pid " + a.pid() + " loaded " + r.value() + " from " + hex(a.va()) + ", a value pid " + other.pid
            + (split >= 0 ? " stored after the two were split by fork" : " (an unrelated address space) stored"),
        Findings.key("cow-read", s.id, a.va() & ~0xfffL, frame), frame, new Shadow.Mapping(s.id, a.va() & ~0xfffL));
  }

  /**
   * A user store into a frame a GUP reference of another address space holds (vmsplice's FOLL_GET,
   * whose pipe reads the page later, or a gup_test pin): the reference's owner would see it, a
   * leak between two address spaces that cow.c's vmsplice tests fail ("Leak from parent into
   * child"). A store by the address space that took the reference, into its own page, is what
   * vmsplice and a pin promise to show.
   */
  private boolean pinnedStore(Event.MemWrite w, Shadow.Space s, long frame) {
    for (long owner : shadow.pinners(frame)) {
      if (owner != s.id && owner >= 0) {
        Event.Access a = w.access();
        return findings.report(ViolationKind.COW_ISOLATION, w.cpu(), a.pid(), a.tid(), a.va(), frame, w.cycle(),
            "pid " + a.pid() + " stored " + w.value() + " at " + hex(a.va()) + " into frame " + hex(frame)
                + ", which a pin of pid " + shadow.spaceById(owner).pid + " holds (its pipe will read the store)",
            Findings.key("cow-pin-write", s.id, a.va() & ~0xfffL, frame), frame, new Shadow.Mapping(s.id, a.va() & ~0xfffL));
      }
    }
    return false;
  }

  private boolean store(Event.MemWrite w) {
    Event.Access a = w.access();
    long frame = w.paddr() >>> 12;
    Shadow.Space s = shadow.space(a.cr3());
    Shadow.Mapping other = shadow.otherLiveMapping(frame, s.id);
    if (other == null) {
      return pinnedStore(w, s, frame);
    }
    long pte = shadow.walk(a.cr3(), a.va());
    return findings.report(ViolationKind.COW_ISOLATION, w.cpu(), a.pid(), a.tid(), a.va(), frame, w.cycle(),
        (a.kernel() ? "the kernel, for pid " + a.pid() + ", stored " : "pid " + a.pid() + " stored ") + w.value() + " at " + hex(a.va()) + " into frame " + hex(frame) + ", which pid "
            + shadow.spaceById(other.space()).pid + " also maps (its own PTE: " + Pte.describe(pte) + ")",
        Findings.key("cow-write", s.id, a.va() & ~0xfffL, frame), frame, new Shadow.Mapping(s.id, a.va() & ~0xfffL));
  }
}
