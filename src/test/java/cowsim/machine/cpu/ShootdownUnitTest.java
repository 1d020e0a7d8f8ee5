package cowsim.machine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.machine.cpu.CpuActor.AckTimeout;
import cowsim.machine.cpu.CpuActor.FlushAck;
import cowsim.machine.cpu.CpuActor.FlushIpi;
import cowsim.machine.interconnect.Topology;
import cowsim.machine.memory.MemoryBank;
import cowsim.machine.mmu.Mmu;
import cowsim.machine.observe.Event;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The shootdown protocol without a run: what the initiator sends and when it stops spinning
 * (per-request acks, shared ack flags polled one read per spin, the spin limit), and what a
 * target does with an IPI (now, or at its next boundary) and how it acknowledges.
 */
class ShootdownUnitTest {

  private static final Topology TOPO = new Topology(4, 1); // cpus 0-3, bank 4
  private static final long FLAGS = 3;

  private final FakeBus bus = new FakeBus(0, TOPO);
  private final Mmu mmu = new Mmu(bus, 64, 4, false, 2, 1);
  private int done;

  private ShootdownUnit unit(boolean shared, long timeoutSpins) {
    return new ShootdownUnit(new ShootdownUnit.Config(shared, timeoutSpins, FLAGS), FakeBus.LAT, bus, mmu);
  }

  @Test
  void perRequestAcksTheInitiatorSpinsUntilEveryTargetOfThisRequestAcked() {
    ShootdownUnit u = unit(false, 0);
    long[] pages = {0x1000, 0x2000};
    u.start(new int[] {1, 3}, pages, () -> done++);
    FakeBus.Sent first = bus.takeFirst();
    FakeBus.Sent second = bus.takeFirst();
    assertEquals(List.of(), bus.sent, "two IPIs, nothing else (no spin limit)");
    assertEquals(List.of(1, 3), List.of(first.dst(), second.dst()));
    assertEquals(FakeBus.LAT.ipi(), first.latency());
    FlushIpi ipi = (FlushIpi) second.payload();
    assertEquals(0, ipi.initiator());
    assertEquals(1, ipi.request());
    assertSame(pages, ipi.pages(), "the page list travels as it is (never mutated)");
    assertEquals(List.of(1, 3), bus.events(Event.IpiSent.class).stream().map(Event.IpiSent::target).toList());
    assertTrue(u.spinning());

    u.onAck(new FlushAck(1, 1));
    u.onAck(new FlushAck(3, 0)); // a late ack of an earlier request
    assertEquals(0, done, "one ack of this request is still missing");
    bus.now = 700;
    u.onAck(new FlushAck(3, 1));
    assertEquals(1, done);
    assertFalse(u.spinning());
    assertEquals(List.of(new Event.ShootdownDone(700, 0, 1, 0)), bus.events(Event.ShootdownDone.class));
    assertEquals(700, u.waitCycles());
    assertEquals(1, u.shootdowns());
    assertEquals(2, u.ipisSent());
    u.onAck(new FlushAck(1, 1));
    assertEquals(1, done, "an ack after the end changes nothing");
  }

  @Test
  void theSpinLimitIsATimerToItselfThatEndsTheWaitWithAcksMissing() {
    ShootdownUnit u = unit(false, 1000);
    u.start(new int[] {2}, null, () -> done++);
    bus.takeFirst(FlushIpi.class);
    FakeBus.Sent t = bus.takeFirst();
    assertEquals(0, t.dst(), "to itself");
    assertEquals(1000 * FakeBus.LAT.ackSpin(), t.latency());
    AckTimeout timer = (AckTimeout) t.payload();
    assertFalse(u.stale(timer));
    u.onTimeout(new AckTimeout(1)); // not the timer it set: ignored
    assertEquals(0, done);
    u.onTimeout(timer);
    assertEquals(1, done);
    assertEquals(1, u.ackTimeouts());
    assertEquals(List.of(new Event.ShootdownDone(0, 0, 1, 1)), bus.events(Event.ShootdownDone.class), "one ack missing");
    assertEquals(List.of(timer), bus.cancelled, "the timer is withdrawn");
    assertTrue(u.stale(timer), "its packet, if it arrives, is dropped");
  }

  @Test
  void acksBeforeTheLimitCancelItsTimerAndConcurrentModeSetsNone() {
    ShootdownUnit u = unit(false, 1000);
    u.start(new int[] {2}, null, () -> done++);
    bus.takeFirst(FlushIpi.class);
    AckTimeout timer = bus.takeFirst(AckTimeout.class);
    u.onAck(new FlushAck(2, 1));
    assertEquals(1, done);
    assertEquals(List.of(timer), bus.cancelled);
    assertEquals(0, u.ackTimeouts());

    bus.deterministic = false;
    u.start(new int[] {2}, null, () -> done++);
    bus.takeFirst(FlushIpi.class);
    assertEquals(List.of(), bus.sent, "no virtual-time limit when packets arrive as fast as the host delivers them");
  }

  @Test
  void sharedFlagsTheInitiatorClearsEachFlagThenPollsThemOneReadPerSpin() {
    ShootdownUnit u = unit(true, 0);
    u.start(new int[] {1, 2}, new long[] {0x5000}, () -> done++);
    // per target: a posted store clearing its flag, then the IPI
    MemoryBank.Write clear1 = bus.takeFirst(MemoryBank.Write.class);
    assertEquals(-1, clear1.tag(), "posted: no answer");
    assertEquals((FLAGS << 12) + 8, clear1.paddr());
    assertEquals(0, clear1.value());
    bus.takeFirst(FlushIpi.class);
    assertEquals((FLAGS << 12) + 16, bus.takeFirst(MemoryBank.Write.class).paddr());
    bus.takeFirst(FlushIpi.class);
    // the first poll: one spin, one read of cpu-1's flag
    MemoryBank.Read poll = bus.takeFirst(MemoryBank.Read.class);
    assertEquals((FLAGS << 12) + 8, poll.paddr());
    assertEquals(FakeBus.LAT.ackSpin(), bus.now);
    bus.answer(0); // not yet: spin again on the same flag
    assertEquals((FLAGS << 12) + 8, bus.takeFirst(MemoryBank.Read.class).paddr());
    bus.answer(1); // cpu-1 acked: on to cpu-2's flag
    assertEquals((FLAGS << 12) + 16, bus.takeFirst(MemoryBank.Read.class).paddr());
    assertEquals(0, done);
    bus.answer(1);
    assertEquals(1, done);
    assertEquals(3 * FakeBus.LAT.ackSpin(), bus.now, "three spins");
    assertEquals(List.of(), bus.sent);
    assertFalse(bus.outstanding());
  }

  @Test
  void sharedFlagsTheSpinLimitIsACountOfPolls() {
    ShootdownUnit u = unit(true, 2);
    u.start(new int[] {1}, null, () -> done++);
    bus.takeFirst(MemoryBank.Write.class);
    bus.takeFirst(FlushIpi.class);
    bus.takeFirst(MemoryBank.Read.class);
    bus.answer(0);
    bus.takeFirst(MemoryBank.Read.class);
    bus.answer(0);
    assertEquals(1, done, "gave up after two polls");
    assertEquals(1, u.ackTimeouts());
    assertEquals(List.of(), bus.sent, "no third read");
  }

  @Test
  void aTargetTakesAnIpiAtItsNextBoundaryAndAcksTheInitiator() {
    ShootdownUnit u = unit(false, 0);
    mmu.writeCr3(1);
    u.receive(new FlushIpi(2, 9, new long[] {0x7000}), false);
    assertEquals(List.of(), bus.sent, "in user mode: deferred to the boundary");
    u.takeDeferred();
    FakeBus.Sent ack = bus.takeFirst();
    assertEquals(2, ack.dst());
    assertEquals(FakeBus.LAT.ipi(), ack.latency());
    assertEquals(new FlushAck(0, 9), ack.payload());
    assertEquals(1, u.ipisHandled());
    assertEquals(1, mmu.invlpgs(), "each page of the IPI counts as an invlpg");
    u.takeDeferred();
    assertEquals(List.of(), bus.sent, "taken once");

    u.receive(new FlushIpi(1, 4, null), true); // idle: at once
    assertEquals(new FlushAck(0, 4), bus.takeFirst().payload());
    assertEquals(2, mmu.flushes(), "the CR3 write and the full flush");
  }

  @Test
  void withSharedFlagsATargetAcksBySettingItsOwnFlag() {
    ShootdownUnit u = unit(true, 0);
    u.receive(new FlushIpi(2, 9, null), true);
    MemoryBank.Write set = bus.takeFirst(MemoryBank.Write.class);
    assertEquals(-1, set.tag());
    assertEquals(FLAGS << 12, set.paddr(), "cpu-0's flag, whoever sent the IPI");
    assertEquals(1, set.value());
    assertNull(set.access(), "the kernel's store");
  }

  @Test
  void anInitiatorTakesIncomingIpisWhileItSpinsSoTwoShootdownsCannotDeadlock() {
    ShootdownUnit u = unit(false, 0);
    u.receive(new FlushIpi(3, 5, null), false); // waiting for a boundary
    u.start(new int[] {3}, null, () -> done++);
    bus.takeFirst(FlushIpi.class);
    assertEquals(new FlushAck(0, 5), bus.takeFirst().payload(), "the deferred IPI is taken once the spin starts");
    u.receive(new FlushIpi(3, 6, null), false);
    assertEquals(new FlushAck(0, 6), bus.takeFirst().payload(), "and any IPI while it spins");
    u.onAck(new FlushAck(3, 1));
    assertEquals(1, done);
  }

  @Test
  void noTargetsNoShootdown() {
    ShootdownUnit u = unit(true, 10);
    u.start(new int[0], null, () -> done++);
    assertEquals(1, done);
    assertEquals(List.of(), bus.sent);
    assertEquals(0, u.shootdowns());
    assertFalse(u.spinning());
  }

  @Test
  void ackFlagsAreOneWordPerCpuFromTheirFrame() {
    assertEquals(FLAGS << 12, unit(true, 0).ackFlag(0));
    assertEquals((FLAGS << 12) + 8 * 513, unit(true, 0).ackFlag(513), "past the first frame");
  }
}
