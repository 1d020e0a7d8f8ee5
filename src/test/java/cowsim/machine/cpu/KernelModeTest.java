package cowsim.machine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.isa.RegisterFile;
import cowsim.machine.cpu.CpuActor.FlushAck;
import cowsim.machine.cpu.CpuActor.FlushIpi;
import cowsim.machine.cpu.CpuActor.Mode;
import cowsim.machine.interconnect.Payload;
import cowsim.machine.interconnect.Topology;
import cowsim.machine.memory.FrameAllocator;
import cowsim.machine.memory.MemoryBank;
import cowsim.machine.mmu.Mmu;
import cowsim.machine.observe.Event;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The CPU's kernel mode without a run: one message per memory operation, each to the node that
 * owns it, and the lock spins (one atomic try per message, IPIs taken between tries, the mmap
 * lock's back-off, the soft lockup).
 */
class KernelModeTest {

  private static final Topology TOPO = new Topology(2, 2); // cpus 0-1, banks 2-3, allocator 4, kernel 5
  private static final long LOCKUP = 100;

  private final FakeBus bus = new FakeBus(0, TOPO);
  private final Mmu mmu = new Mmu(bus, 64, 4, false, 2, 1);
  private final ShootdownUnit shootdown = new ShootdownUnit(new ShootdownUnit.Config(false, 0, 3), FakeBus.LAT, bus, mmu);
  private final List<String> calls = new ArrayList<>();
  private Mode mode = Mode.KERNEL;
  private Context current = new Context(4, 5, "t", new RegisterFile(), null);

  private final KernelMode.Cpu cpu =
      new KernelMode.Cpu() {
        @Override
        public Mode mode() {
          return mode;
        }

        @Override
        public void mode(Mode m) {
          mode = m;
        }

        @Override
        public Context current() {
          return current;
        }

        @Override
        public void switchTo(Context thread, long faultPage, int faultCount) {
          calls.add("switchTo " + thread.tid());
        }

        @Override
        public void becomeIdle() {
          calls.add("idle");
        }
      };

  /** A request to the kernel's tables, as the kernel would declare one. */
  private record Ask(long tag) implements Payload.ToKernel {}

  private KernelMode kernelMode(long leakAfter) {
    return kernelMode(leakAfter, LOCKUP);
  }

  private KernelMode kernelMode(long leakAfter, long lockupCycles) {
    CpuConfig cfg = new CpuConfig(64, 4, cowsim.machine.mmu.HugeTlb.DEFAULT, 8, 1_000, 1_000_000, 10, false, 1, new ShootdownUnit.Config(false, 0, 3), 0, lockupCycles, leakAfter, InjectedFault.EXCEPTION, false);
    return new KernelMode(cfg, FakeBus.LAT, bus, mmu, shootdown, null, cpu);
  }

  @Test
  void eachOperationIsOneMessageToTheNodeThatOwnsIt() {
    KernelMode k = kernelMode(0);
    long[] got = new long[1];
    k.refAdd(7, -1, old -> got[0] = old);
    FakeBus.Sent s = bus.takeFirst();
    assertEquals(TOPO.bankOfFrame(7), s.dst(), "frame 7 lives in bank 7 % 2");
    assertEquals(new MemoryBank.RefAdd(bus.tag(), 7, -1), s.payload());
    bus.answer(3);
    assertEquals(3, got[0]);

    k.allocate(f -> got[0] = f);
    s = bus.takeFirst();
    assertEquals(TOPO.allocator(), s.dst());
    assertEquals(FakeBus.LAT.allocator(), s.latency());
    assertTrue(s.payload() instanceof FrameAllocator.Allocate);
    bus.answer(0x20);
    assertEquals(0x20, got[0]);

    k.call(Ask::new, r -> calls.add("answered"));
    s = bus.takeFirst();
    assertEquals(TOPO.kernel(), s.dst(), "a request to the kernel's tables");
    assertEquals(FakeBus.LAT.kernelCall(), s.latency());
    assertEquals(new Ask(bus.tag()), s.payload(), "made with the request's tag");
    bus.answer(new MemoryBank.Value(bus.tag(), 1));
    assertEquals(List.of("answered"), calls);
  }

  @Test
  void blocksOfAnOrderAreOneAllocatorMessageEachAndOrderZeroIsAsBefore() {
    KernelMode k = kernelMode(0);
    long[] got = {0};
    k.allocate(f -> got[0] = f);
    assertEquals(new FrameAllocator.Allocate(bus.tag(), 0), bus.takeFirst().payload(), "allocate(k) asks for order 0");
    bus.answer(0x20);
    k.free(0x20, () -> calls.add("freed"));
    assertEquals(new FrameAllocator.Free(bus.tag(), 0x20, 0), bus.takeFirst().payload());
    bus.answer(0);

    k.allocate(9, f -> got[0] = f);
    FakeBus.Sent s = bus.takeFirst();
    assertEquals(TOPO.allocator(), s.dst());
    assertEquals(FakeBus.LAT.allocator(), s.latency());
    assertEquals(new FrameAllocator.Allocate(bus.tag(), 9), s.payload());
    bus.answer(0x200);
    assertEquals(0x200, got[0], "the head frame");

    k.split(0x200, 9, () -> calls.add("split"));
    s = bus.takeFirst();
    assertEquals(TOPO.allocator(), s.dst());
    assertEquals(new FrameAllocator.Split(bus.tag(), 0x200, 9), s.payload());
    bus.answer(1);

    k.free(0x400, 9, () -> calls.add("freed 9"));
    assertEquals(new FrameAllocator.Free(bus.tag(), 0x400, 9), bus.takeFirst().payload());
    bus.answer(0);
    assertEquals(List.of("freed", "split", "freed 9"), calls);
    assertTrue(bus.sent.isEmpty());
  }

  @Test
  void aCopyNamesItsSourceFrameForTheObserver() {
    KernelMode k = kernelMode(0);
    long[][] data = new long[1][];
    k.readFrame(0x30, d -> data[0] = d);
    bus.takeFirst(MemoryBank.ReadFrame.class);
    long[] contents = new long[512];
    bus.answer(new MemoryBank.FrameData(bus.tag(), contents));
    k.writeFrame(0x31, data[0], () -> {});
    assertEquals(0x30, bus.takeFirst(MemoryBank.WriteFrame.class).source(), "the array a read returned");
    bus.answer(0);
    k.writeFrame(0x32, null, () -> {});
    assertEquals(-1, bus.takeFirst(MemoryBank.WriteFrame.class).source(), "zeroing");
  }

  @Test
  void aLockSpinsOneTryPerMessageAndTakesIpisBetweenTries() {
    KernelMode k = kernelMode(0);
    int[] held = {0};
    k.lock(0x40, "the page-table lock", () -> held[0]++);
    assertEquals(new MemoryBank.Lock(bus.tag(), 0x40), bus.takeFirst().payload());
    shootdown.receive(new FlushIpi(1, 3, null), false); // an IPI waits for a boundary
    bus.answer(1); // busy
    assertEquals(new FlushAck(0, 3), bus.takeFirst().payload(), "taken while spinning");
    assertEquals(FakeBus.LAT.lockSpin(), bus.now);
    bus.takeFirst(MemoryBank.Lock.class);
    bus.answer(1);
    assertEquals(2 * FakeBus.LAT.lockSpin(), bus.now, "a constant spin");
    bus.takeFirst(MemoryBank.Lock.class);
    bus.answer(0);
    assertEquals(1, held[0]);
    assertEquals(2 * FakeBus.LAT.lockSpin(), k.lockWaitCycles());
  }

  @Test
  void theReaderWriterLockBacksOffUpToItsLimit() {
    KernelMode k = kernelMode(0, 1_000_000);
    k.rwLock(0x40, true, "the mmap_lock (write)", () -> {});
    long[] pauses = new long[5];
    for (int i = 0; i < 5; i++) {
      assertTrue(bus.takeFirst(MemoryBank.RwTryLock.class).write());
      long before = bus.now;
      bus.answer(1);
      pauses[i] = bus.now - before;
    }
    assertEquals(List.of(7L, 14L, 28L, 56L, 64L), java.util.Arrays.stream(pauses).boxed().toList(), "doubled from lock-spin up to lock-backoff");
  }

  @Test
  void aSpinLongerThanTheLockupLimitHaltsTheCpuAndReportsIt() {
    KernelMode k = kernelMode(0);
    bus.deterministic = false;
    int[] held = {0};
    k.lock(0x40, "the page-table lock", () -> held[0]++);
    while (bus.now <= LOCKUP) {
      bus.takeFirst(MemoryBank.Lock.class);
      bus.answer(1);
    }
    assertEquals(List.of(), bus.sent, "no more tries");
    assertEquals(Mode.HALTED, mode);
    assertEquals(0, held[0]);
    assertEquals(1, k.lockups());
    Event.Lockup l = bus.events(Event.Lockup.class).get(0);
    assertEquals(4, l.pid());
    assertEquals("the page-table lock", l.what());
    assertEquals(List.of("soft lockup on cpu-0: " + bus.now + " cycles on the page-table lock"), bus.limits, "concurrent mode ends on it");
  }

  @Test
  void theLeakHookForgetsOneRelease() {
    KernelMode k = kernelMode(2);
    int[] released = {0};
    k.rwUnlock(0x40, false, () -> released[0]++);
    bus.takeFirst(MemoryBank.RwUnlock.class);
    bus.answer(0);
    k.rwUnlock(0x40, false, () -> released[0]++);
    assertEquals(List.of(), bus.sent, "the second release is forgotten");
    assertEquals(2, released[0], "though the kernel goes on as if it were done");
  }

  @Test
  void theThreadOperationsArePassedToTheCpu() {
    KernelMode k = kernelMode(0);
    k.switchTo(new Context(1, 9, "u", new RegisterFile(), null), -1, 0);
    k.becomeIdle();
    assertEquals(List.of("switchTo 9", "idle"), calls);
    current = null;
    assertNull(k.regs(), "idle: no registers");
  }
}
