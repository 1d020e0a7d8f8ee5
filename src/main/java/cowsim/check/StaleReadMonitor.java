package cowsim.check;

import cowsim.machine.observe.Event;

import static cowsim.check.Shadow.hex;

/**
 * {@code stale-read}: a user load returns something other than what its address space last stored
 * there (zero if nothing was; a fork child starts from its parent's values), so a write was lost
 * or a copy went wrong. A load through a stale entry the tolerance rule still forgives is not judged.
 */
final class StaleReadMonitor implements Monitor {

  private final Shadow shadow;
  private final Findings findings;

  StaleReadMonitor(Shadow shadow, Findings findings) {
    this.shadow = shadow;
    this.findings = findings;
  }

  @Override
  public boolean check(Event e) {
    if (!(e instanceof Event.MemRead r) || r.access() == null || !r.access().user()) {
      return false;
    }
    Event.Access a = r.access();
    Shadow.Pending p = a.tlbHit() ? shadow.pending(r.cpu()) : null;
    if (p != null && p.tolerated()) {
      return false; // a stale entry while the kernel is still at work on this page
    }
    Shadow.Space s = shadow.space(a.cr3());
    long expected = s.expected(a.va());
    if (r.value() == expected) {
      return false;
    }
    long frame = r.paddr() >>> 12;
    return findings.report(ViolationKind.STALE_READ, r.cpu(), a.pid(), a.tid(), a.va(), frame, r.cycle(),
        "pid " + a.pid() + " loaded " + r.value() + " from " + hex(a.va()) + " (frame " + hex(frame) + ") but its last store there was " + expected + ": a write was lost",
        Findings.key("stale-read", s.id, a.va() & ~0xfffL), frame, new Shadow.Mapping(s.id, a.va() & ~0xfffL));
  }
}
