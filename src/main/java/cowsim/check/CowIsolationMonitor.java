package cowsim.check;

import static cowsim.check.Shadow.hex;

import cowsim.machine.mmu.Pte;

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
    }
    return false;
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

  private boolean store(Event.MemWrite w) {
    Event.Access a = w.access();
    long frame = w.paddr() >>> 12;
    Shadow.Space s = shadow.space(a.cr3());
    Shadow.Mapping other = shadow.otherLiveMapping(frame, s.id);
    if (other == null) {
      return false;
    }
    long pte = shadow.walk(a.cr3(), a.va());
    return findings.report(ViolationKind.COW_ISOLATION, w.cpu(), a.pid(), a.tid(), a.va(), frame, w.cycle(),
        (a.kernel() ? "the kernel, for pid " + a.pid() + ", stored " : "pid " + a.pid() + " stored ") + w.value() + " at " + hex(a.va()) + " into frame " + hex(frame) + ", which pid "
            + shadow.spaceById(other.space()).pid + " also maps (its own PTE: " + Pte.describe(pte) + ")",
        Findings.key("cow-write", s.id, a.va() & ~0xfffL, frame), frame, new Shadow.Mapping(s.id, a.va() & ~0xfffL));
  }
}
