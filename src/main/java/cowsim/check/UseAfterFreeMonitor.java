package cowsim.check;

import cowsim.machine.observe.Event;

import static cowsim.check.Shadow.hex;

/**
 * {@code use-after-free}: anything touches a frame the allocator holds as free (a user access, a
 * kernel read or write, the walker, a refcount atomic, a frame copy), or a user access goes
 * through a TLB entry filled before its frame was freed and handed out again.
 */
final class UseAfterFreeMonitor implements Monitor {

  private final Shadow shadow;
  private final Findings findings;

  UseAfterFreeMonitor(Shadow shadow, Findings findings) {
    this.shadow = shadow;
    this.findings = findings;
  }

  @Override
  public boolean check(Event e) {
    if (e instanceof Event.MemRead r) {
      return access(r.cycle(), r.cpu(), r.paddr(), r.access(), "load", "a kernel read");
    } else if (e instanceof Event.MemWrite w) {
      return access(w.cycle(), w.cpu(), w.paddr(), w.access(), "store", "a kernel write");
    } else if (e instanceof Event.MemCas c) {
      return touch(c.cycle(), c.cpu(), c.paddr() >>> 12, "the page walker's A/D update", -1, 0, 0, null);
    } else if (e instanceof Event.FrameRead r) {
      return touch(r.cycle(), r.cpu(), r.frame(), "a frame read", -1, 0, 0, null);
    } else if (e instanceof Event.FrameWrite w) {
      return touch(w.cycle(), w.cpu(), w.frame(), w.source() < 0 ? "zeroing" : "a copy into it", -1, 0, 0, null);
    } else if (e instanceof Event.RefChange r) {
      return touch(r.cycle(), r.cpu(), r.frame(), "a refcount update", -1, 0, 0, null);
    } else if (e instanceof Event.RefRead r) {
      return touch(r.cycle(), r.cpu(), r.frame(), "a refcount read", -1, 0, 0, null);
    }
    return false;
  }

  private boolean access(long cycle, int cpu, long paddr, Event.Access a, String what, String kernel) {
    long frame = paddr >>> 12;
    if (a == null || !a.user()) {
      return touch(cycle, cpu, frame, a == null ? kernel : "a page-walk read", -1, 0, 0, null);
    }
    Shadow.Mapping page = new Shadow.Mapping(shadow.space(a.cr3()).id, a.va() & ~0xfffL);
    // the description is built only when the frame is free (touch then reports it), not per access
    if (free(frame) && touch(cycle, cpu, frame, "a " + what + " by pid " + a.pid() + " at " + hex(a.va()), a.va(), a.pid(), a.tid(), page)) {
      return true;
    }
    Shadow.Pending p = a.tlbHit() ? shadow.pending(cpu) : null;
    if (p != null && p.reused() != null) {
      return findings.report(ViolationKind.USE_AFTER_FREE, cpu, a.pid(), a.tid(), a.va(), frame, cycle, "a " + what + " by pid " + a.pid() + " " + p.reused(),
          Findings.key("uaf-tlb", cpu, a.va() & ~0xfffL, frame), frame, page);
    }
    return false;
  }

  /** Whether {@code frame} is one the allocator has free (a reserved frame never is). */
  private boolean free(long frame) {
    return frame >= shadow.reserved && !shadow.allocated(frame);
  }

  private boolean touch(long cycle, int cpu, long frame, String what, long va, long pid, long tid, Shadow.Mapping page) {
    if (!free(frame)) {
      return false;
    }
    return findings.report(ViolationKind.USE_AFTER_FREE, cpu, pid, tid, va, frame, cycle,
        () -> what + " on cpu-" + cpu + " touched frame " + hex(frame) + ", which is free in the allocator",
        Findings.key("uaf", frame, shadow.generation(frame)), frame, page);
  }
}
