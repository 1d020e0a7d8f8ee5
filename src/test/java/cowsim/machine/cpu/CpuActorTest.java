package cowsim.machine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import com.typesafe.config.ConfigFactory;
import cowsim.isa.Assembler;
import cowsim.isa.RegisterFile;
import cowsim.kernel.KernelOnCpu;
import cowsim.kernel.KernelPolicy;
import cowsim.kernel.KernelState;
import cowsim.kernel.Layout;
import cowsim.kernel.TaskImage;
import cowsim.machine.interconnect.Latencies;
import cowsim.machine.interconnect.NodeMsg;
import cowsim.machine.observe.Event;
import cowsim.machine.interconnect.Payload;
import cowsim.machine.interconnect.RunEvent;
import cowsim.machine.interconnect.Topology;
import cowsim.machine.interconnect.Wiring;
import cowsim.machine.memory.MemoryBank;
import cowsim.machine.mmu.PageWalk;
import cowsim.machine.mmu.Pte;
import cowsim.stats.Progress;
import cowsim.machine.observe.Observations;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * One CPU actor, with a probe standing in for memory, the allocator and the kernel's tables
 * (concurrent-mode wiring): what its copy-to-user store tells the oracles.
 */
class CpuActorTest {

  private static final ActorTestKit kit = ActorTestKit.create();
  private static final Topology TOPO = new Topology(1, 1); // cpu 0, bank 1, allocator 2, kernel 3
  private static final long PML4 = 0x40;
  private static final long LEAF = 0x50;
  private static final long STATUS = 0x400010;

  private TestProbe<NodeMsg> machine;
  private TestProbe<Observations> observer;
  private ActorRef<NodeMsg> cpu;

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @BeforeEach
  void wire() {
    Latencies lat = Latencies.from(ConfigFactory.load());
    machine = kit.createTestProbe();
    observer = kit.createTestProbe();
    TestProbe<RunEvent> runner = kit.createTestProbe();
    CpuConfig cfg =
        new CpuConfig(64, 4, cowsim.machine.mmu.HugeTlb.DEFAULT, 64, 200_000, Long.MAX_VALUE, 1000, false, Layout.KERNEL_PML4, new ShootdownUnit.Config(true, 0, Layout.ACK_FLAGS_FRAME), 0, 20_000_000, 0, InjectedFault.EXCEPTION, false);
    cpu = kit.spawn(CpuActor.create(0, cfg, port -> KernelOnCpu.on(port, KernelPolicy.strat9(), 1000), TOPO, lat, null));
    Wiring w = new Wiring(List.of(cpu, machine.ref(), machine.ref(), machine.ref()), null, runner.ref(), observer.ref(), TOPO, lat, new Progress());
    cpu.tell(new NodeMsg.Wire(w));
  }

  private NodeMsg.Packet next() {
    return machine.expectMessageClass(NodeMsg.Packet.class);
  }

  private void answer(NodeMsg.Packet to, Payload p) {
    cpu.tell(new NodeMsg.Packet(to.time() + 10, to.dst(), 0, p));
  }

  /**
   * A kill IPI (a sibling's group exit) that arrives before the Run of its task, when the kernel's
   * dispatch and its exit_group cross: kept, so the task ends at its first boundary instead of
   * running on.
   */
  @Test
  void aKillThatComesBeforeItsTaskStopsTheTaskWhenItArrives() throws Exception {
    cpu.tell(new NodeMsg.Packet(0, TOPO.kernel(), 0, new KernelState.Kill(5, 1)));
    cpu.tell(new NodeMsg.Packet(1, TOPO.kernel(), 0, new KernelState.Reschedule()));
    NodeMsg.Packet sched = next();
    KernelState.Schedule s = (KernelState.Schedule) sched.payload();
    TaskImage task =
        new TaskImage(
            5, 4, "sibling", PML4, new RegisterFile(), Assembler.assemble("spin: jmp spin"), false,
            TaskImage.None.INSTANCE, 0, TaskImage.Refaults.NONE);
    answer(sched, new KernelState.Run(s.tag(), task));
    KernelState.Exit e = (KernelState.Exit) next().payload();
    assertEquals(5, e.tid());
    assertEquals(1, e.code(), "the group's code");
    assertFalse(e.group(), "the thread ends; its group's exit is under way");
    assertEquals(0, cpuInstructions(), "before its first instruction");
  }

  private long cpuInstructions() {
    TestProbe<cowsim.machine.interconnect.NodeStats> stats = kit.createTestProbe();
    cpu.tell(new NodeMsg.CollectStats(stats.ref()));
    return stats.receiveMessage().counters().get("instructions");
  }

  @Test
  void theKernelsStatusStoreIsTheTasksStoreMarkedAsTheKernels() throws Exception {
    cpu.tell(new NodeMsg.Packet(0, TOPO.kernel(), 0, new KernelState.Reschedule()));
    NodeMsg.Packet sched = next();
    KernelState.Schedule s = (KernelState.Schedule) sched.payload();
    TaskImage task =
        new TaskImage(
            5, 4, "waiter", PML4, new RegisterFile(), Assembler.assemble("nop"), false,
            new TaskImage.WriteStatus(STATUS, 0x100), 0, TaskImage.Refaults.NONE);
    answer(sched, new KernelState.Run(s.tag(), task));
    // the walk: PML4 -> PDPT -> PD -> PT, every entry present, writable, user, accessed, dirty
    long flags = Pte.P | Pte.RW | Pte.US | Pte.A | Pte.D;
    long[] next = {0x41, 0x42, 0x43, LEAF};
    long table = PML4;
    for (int level = 4; level >= 1; level--) {
      NodeMsg.Packet p = next();
      MemoryBank.Read r = (MemoryBank.Read) p.payload();
      assertEquals(PageWalk.entryAddress(table, STATUS, level), r.paddr());
      answer(p, new MemoryBank.Value(r.tag(), Pte.make(next[4 - level], flags)));
      table = next[4 - level];
    }
    NodeMsg.Packet p = next();
    MemoryBank.Write w = (MemoryBank.Write) p.payload();
    assertEquals((LEAF << 12) | (STATUS & 0xfff), w.paddr());
    assertEquals(0x100, w.value());
    Event.Access a = w.access();
    assertEquals(new Event.Access(PML4, 4, 5, STATUS, false, true), a, "as the waiter's own store, through the MMU");
    assertTrue(a.user() && a.kernel());
    assertFalse(a.tlbHit(), "the walk translated it");
  }
}
