package cowsim.check;

import cowsim.machine.observe.Event;

import static cowsim.check.Shadow.hex;

/**
 * {@code stale-tlb}: a load that returns something other than the last store, or any store, through
 * a TLB entry that no longer matches the PTE (gone, another frame, now read-only), unless the
 * tolerance rule holds: the PTE change that made the entry stale was made by a kernel operation
 * still in progress that has not yet completed a shootdown since (see {@link Shadow}).
 */
final class StaleTlbMonitor implements Monitor {

  private final Shadow shadow;
  private final Findings findings;

  private final boolean stores;

  /**
   * @param stores judge stores (before cow-isolation: a store through a stale entry is a stale
   *     entry first) or loads (after it: a load of another space's value is isolation first)
   */
  StaleTlbMonitor(Shadow shadow, Findings findings, boolean stores) {
    this.shadow = shadow;
    this.findings = findings;
    this.stores = stores;
  }

  @Override
  public boolean check(Event e) {
    if (!stores && e instanceof Event.MemRead r && r.access() != null && r.access().user() && r.access().tlbHit()) {
      Shadow.Pending p = shadow.pending(r.cpu());
      Event.Access a = r.access();
      if (p == null || p.stale() == null) {
        return false;
      }
      Shadow.Space s = shadow.space(a.cr3());
      long expected = s.expected(a.va());
      if (r.value() == expected) {
        return false;
      }
      long frame = r.paddr() >>> 12;
      Shadow.Mapping page = new Shadow.Mapping(s.id, a.va() & ~0xfffL);
      shadow.line(frame, page, r.cycle(), r.cpu(), () -> "load through a stale TLB entry returned " + r.value() + ", last store was " + expected);
      return findings.report(ViolationKind.STALE_TLB, r.cpu(), a.pid(), a.tid(), a.va(), frame, r.cycle(),
          "pid " + a.pid() + " loaded " + r.value() + " from " + hex(a.va()) + " through cpu-" + r.cpu() + "'s stale TLB entry (" + p.stale() + "); its last store there was " + expected,
          Findings.key("stale-tlb", s.id, a.va() & ~0xfffL, frame), frame, page);
    }
    if (stores && e instanceof Event.MemWrite w && w.access() != null && w.access().user() && w.access().tlbHit()) {
      Shadow.Pending p = shadow.pending(w.cpu());
      Event.Access a = w.access();
      if (p == null || p.stale() == null) {
        return false;
      }
      long frame = w.paddr() >>> 12;
      Shadow.Space s = shadow.space(a.cr3());
      Shadow.Mapping page = new Shadow.Mapping(s.id, a.va() & ~0xfffL);
      shadow.line(frame, page, w.cycle(), w.cpu(), () -> "store of " + w.value() + " through a stale TLB entry");
      return findings.report(ViolationKind.STALE_TLB, w.cpu(), a.pid(), a.tid(), a.va(), frame, w.cycle(),
          "pid " + a.pid() + " stored " + w.value() + " at " + hex(a.va()) + " into frame " + hex(frame) + " through cpu-" + w.cpu() + "'s stale TLB entry: " + p.stale(),
          Findings.key("stale-tlb", s.id, a.va() & ~0xfffL, frame), frame, page);
    }
    return false;
  }
}
