package cowsim.check;

import cowsim.machine.observe.Event;

import static cowsim.check.Shadow.hex;

/**
 * What the machine itself reports about progress and programs: {@code refault-loop} (a task
 * faulted on one page too often without progress), {@code assertion} (a program's assert failed)
 * and {@code deadlock} (see {@link Oracle#deadlock}).
 */
final class ProgramMonitor implements Monitor {

  private final Shadow shadow;
  private final Findings findings;

  ProgramMonitor(Shadow shadow, Findings findings) {
    this.shadow = shadow;
    this.findings = findings;
  }

  @Override
  public boolean check(Event e) {
    if (e instanceof Event.Refault r) {
      return findings.report(ViolationKind.REFAULT_LOOP, r.cpu(), r.pid(), r.tid(), r.va(), -1, r.cycle(),
          "pid " + r.pid() + " faulted " + r.faults() + " times on page " + hex(r.va() & ~0xfffL) + " without making progress; the task was stopped",
          Findings.key("refault", r.pid(), r.tid(), r.va() & ~0xfffL));
    }
    if (e instanceof Event.Lockup l) {
      return findings.report(ViolationKind.DEADLOCK, l.cpu(), l.pid(), l.tid(), -1, -1, l.cycle(), l.detail(), Findings.key("deadlock"));
    }
    if (e instanceof Event.AssertionFailed a) {
      return findings.report(ViolationKind.ASSERTION, a.cpu(), a.pid(), a.tid(), -1, -1, a.cycle(), a.message(), Findings.key("assert", shadow.seq));
    }
    return false;
  }

  void deadlock(long cycle, String detail) {
    findings.report(ViolationKind.DEADLOCK, -1, 0, 0, -1, -1, cycle, detail, Findings.key("deadlock"));
  }
}
