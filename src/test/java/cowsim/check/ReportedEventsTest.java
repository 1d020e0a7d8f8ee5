package cowsim.check;

import static cowsim.check.Rig.A;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.machine.observe.Event;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Findings the machine reports itself: deadlock, refault loops, failed asserts. */
class ReportedEventsTest {

  @Test
  void deadlockIsOneViolation() {
    Rig r = new Rig();
    r.oracle.deadlock(5000, "cpu-0 spins for acks that never come");
    Violation v = r.assertOnly("deadlock");
    assertEquals(5000, v.cycle());
    assertEquals("cpu-0 spins for acks that never come", v.detail());
    assertEquals(-1, v.cpu());
    assertEquals(-1, v.frame());
    assertEquals(-1, v.vaddr());
    r.oracle.deadlock(6000, "again");
    assertEquals(Map.of("deadlock", 1), r.oracle.counts());
    assertEquals(1, r.violations().size());
  }

  @Test
  void refaultLoopIsOneViolationPerTaskAndPage() {
    Rig r = new Rig();
    r.start(0, 1, A);
    r.emit(new Event.Refault(r.cycle, 0, 1, 1, A + 8, 1001));
    Violation v = r.assertOnly("refault-loop");
    assertEquals(1, v.pid());
    assertEquals(1, v.tid());
    assertEquals(0, v.cpu());
    assertEquals(A + 8, v.vaddr());
    assertTrue(v.detail().contains("faulted 1001 times on page 0x400000"), v.detail());
    r.emit(new Event.Refault(r.cycle, 0, 1, 1, A + 8, 1001)); // the same loop again
    assertEquals(1, r.violations().size());
    r.emit(new Event.Refault(r.cycle, 1, 2, 2, A + 8, 1001)); // another process
    assertEquals(Map.of("refault-loop", 2), r.oracle.counts());
  }

  @Test
  void eachFailedAssertIsAViolation() {
    Rig r = new Rig();
    r.emit(new Event.AssertionFailed(r.cycle, 2, 3, 4, "line 7: rax == 5 failed (rax = 4)"));
    Violation v = r.assertOnly("assertion");
    assertEquals(2, v.cpu());
    assertEquals(3, v.pid());
    assertEquals(4, v.tid());
    assertEquals("line 7: rax == 5 failed (rax = 4)", v.detail());
    r.emit(new Event.AssertionFailed(r.cycle, 2, 3, 4, "line 7: rax == 5 failed (rax = 4)"));
    assertEquals(Map.of("assertion", 2), r.oracle.counts());
  }

  @Test
  void eventsThatAreOnlyHistoryReportNothing() {
    Rig r = new Rig();
    long p = r.start(0, 1, A);
    r.emit(new Event.IpiSent(r.cycle, 0, 1, 1));
    r.emit(new Event.TlbFlush(r.cycle, 1, "flush IPI from cpu-0"));
    r.emit(new Event.Invlpg(r.cycle, 0, p, A, "invlpg"));
    r.refGet(0, r.frameOf(p, A));
    r.finish();
    r.assertClean();
  }
}
