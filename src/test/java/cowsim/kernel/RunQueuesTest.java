package cowsim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The per-CPU run queues and their policy, without actors. */
class RunQueuesTest {

  private final RunQueues<String> q = new RunQueues<>(3);

  @Test
  void eachCpuRunsItsQueueInFifoOrder() {
    q.add("a", 1);
    q.add("b", 1);
    q.enqueue("c", -1, 1);
    assertEquals("a", q.next(1));
    assertEquals("b", q.next(1));
    assertEquals("c", q.next(1));
    assertNull(q.next(0), "no stealing from cpu-1");
  }

  @Test
  void affinityWinsOverTheGivenCpu() {
    assertEquals(new RunQueues.Queued(2, false), q.enqueue("a", 2, 0));
    assertEquals(new RunQueues.Queued(0, false), q.enqueue("b", -1, 0));
    assertEquals(1, q.queued(2));
    assertEquals(1, q.queued(0));
  }

  @Test
  void anEmptyQueueIdlesItsCpuUntilSomethingIsQueuedThere() {
    assertFalse(q.idle(1));
    assertNull(q.next(1));
    assertTrue(q.idle(1));
    assertEquals(new RunQueues.Queued(1, true), q.enqueue("a", -1, 1), "the idle CPU is to be woken");
    assertFalse(q.idle(1));
    assertEquals(new RunQueues.Queued(1, false), q.enqueue("b", -1, 1), "only once");
    assertEquals("a", q.next(1));
    assertFalse(q.idle(1));
  }

  @Test
  void leastLoadedCountsQueuedAndRunningAndPrefersTheLowestCpu() {
    assertEquals(0, q.leastLoaded());
    q.setRunning(0, 7);
    assertEquals(1, q.leastLoaded());
    q.add("a", 1);
    assertEquals(2, q.leastLoaded());
    q.add("b", 2);
    assertEquals(0, q.leastLoaded(), "all equal: the lowest");
    assertEquals(1, q.load(0));
    assertEquals(7, q.setRunning(0, 0));
    assertEquals(0, q.running(0));
    assertEquals(0, q.leastLoaded());
  }

  @Test
  void migrationIsRemoveThenEnqueueAtTheTail() {
    q.add("a", 0);
    q.add("x", 1);
    assertTrue(q.remove("a", 0));
    assertFalse(q.remove("a", 0));
    q.enqueue("a", 1, 0);
    assertEquals("x", q.next(1));
    assertEquals("a", q.next(1));
  }

  @Test
  void affinityMustNameACpu() {
    assertTrue(q.isCpu(0));
    assertTrue(q.isCpu(2));
    assertFalse(q.isCpu(3));
    assertFalse(q.isCpu(-1));
    assertEquals(3, q.cpus());
  }
}
