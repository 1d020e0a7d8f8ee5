package cowsim.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.isa.Reg;
import cowsim.isa.RegisterFile;
import cowsim.kernel.ProcessTable.State;
import cowsim.kernel.ProcessTable.Task;
import java.util.List;
import org.junit.jupiter.api.Test;

/** pids and tids, fork and clone, group exit, zombies, wait4 and mm_cpumask, without actors. */
class ProcessTableTest {

  private static final List<Vma> LAYOUT = List.of(new Vma(Layout.STACK_TOP - 0x2000, Layout.STACK_TOP, true));

  private final ProcessTable table = new ProcessTable();
  private final RunQueues<Task> queues = new RunQueues<>(2);

  private Task boot() {
    return table.boot(new ProcessSetup("p", -1, LAYOUT, List.of(), null, false));
  }

  @Test
  void bootGivesTheFirstThreadThePidAndTheStackTop() {
    Task t = boot();
    assertEquals(1, t.tid);
    assertEquals(1, t.proc.pid);
    assertEquals(Layout.STACK_TOP, t.regs.get(Reg.RSP));
    assertTrue(t.action instanceof TaskImage.Boot);
    assertEquals(1, table.alive());
  }

  @Test
  void pidsAndTidsShareOneCounter() {
    Task p = boot();
    Task thread = table.cloneThread(p, new RegisterFile());
    Task child = table.fork(p, 0x99, List.of(), new RegisterFile());
    assertEquals(2, thread.tid);
    assertSame(p.proc, thread.proc);
    assertEquals(3, child.proc.pid);
    assertEquals(1, child.proc.ppid);
    assertEquals(List.of(3L), p.proc.children);
    assertEquals(2, table.alive());
    assertEquals(1, table.forks());
    assertEquals(1, table.clones());
  }

  @Test
  void waitWithoutChildrenIsEchildAndAZombieIsReapedOnce() {
    Task p = boot();
    assertEquals(-Errno.ECHILD, table.wait(p, -1));
    Task child = table.fork(p, 0x99, List.of(), new RegisterFile());
    assertEquals(0, table.wait(p, -1), "a live child: block");
    assertEquals(-Errno.ECHILD, table.wait(p, 42), "not a child");
    assertTrue(table.endThread(child, 7, false, null));
    assertNull(table.teardownDone(child.proc.pid), "nobody waits yet");
    assertEquals(child.proc.pid, table.wait(p, -1));
    assertEquals(7L << 8, ProcessTable.status(child.proc));
    assertEquals(-Errno.ECHILD, table.wait(p, -1), "reaped");
  }

  @Test
  void aBlockedWaiterIsWokenByItsChildsTeardown() {
    Task p = boot();
    Task child = table.fork(p, 0x99, List.of(), new RegisterFile());
    table.block(p, new RegisterFile(), child.proc.pid, 0x5000);
    assertEquals(State.BLOCKED, p.state);
    table.endThread(child, 3, false, null);
    assertSame(p, table.teardownDone(child.proc.pid));
    assertEquals(child.proc.pid, p.regs.get(Reg.RAX));
    assertEquals(new TaskImage.WriteStatus(0x5000, 3L << 8), p.action);
    assertTrue(child.proc.reaped);
    assertEquals(1, table.alive());
  }

  @Test
  void groupExitKillsTheOthersAndTheFirstCodeWins() {
    Task a = boot();
    Task queued = table.cloneThread(a, new RegisterFile());
    Task running = table.cloneThread(a, new RegisterFile());
    queued.cpu = 1;
    queues.add(queued, 1);
    running.state = State.RUNNING;
    running.cpu = 0;
    assertTrue(table.startGroupExit(a.proc, 5));
    assertEquals(List.of(running), table.zapOtherThreads(a, 5, queues));
    assertEquals(State.DEAD, queued.state);
    assertNull(queues.next(1), "left its queue");
    assertTrue(running.killed);
    assertFalse(table.startGroupExit(a.proc, 9), "already exiting");
    assertFalse(table.endThread(a, 5, true, "fault"));
    assertTrue(table.endThread(running, running.killCode, false, null));
    assertEquals(5, running.proc.exitCode);
    assertEquals("fault", a.proc.killReason);
    assertEquals(3, table.exits());
  }

  @Test
  void mmCpumaskFollowsSwitchesAndTlbGenCounts() {
    Task a = boot();
    table.setCr3(1, 0x77);
    Task b = table.cloneThread(a, new RegisterFile());
    table.switched(0, 0, a.tid);
    table.switched(1, 0, b.tid);
    assertArrayEquals(new int[] {1}, table.mmCpus(0, 0x77, false));
    assertArrayEquals(new int[] {0, 1}, table.mmCpus(-1, 0x77, true));
    assertEquals(1, table.tlbGen(0x77));
    table.switched(1, b.tid, 0);
    assertArrayEquals(new int[] {}, table.mmCpus(0, 0x77, false));
    assertArrayEquals(new int[] {}, table.mmCpus(0, 0x12, false), "an unknown space");
  }

  @Test
  void liveTaskIsNullForUnknownAndDeadTasks() {
    Task a = boot();
    assertSame(a, table.liveTask(1));
    assertNull(table.liveTask(9));
    table.endThread(a, 0, false, null);
    assertNull(table.liveTask(1));
    assertEquals(1, table.processInfos().size());
    assertEquals(List.of(), table.liveTasks());
  }
}
