package cowsim.machine.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import com.typesafe.config.ConfigFactory;
import cowsim.machine.interconnect.Latencies;
import cowsim.machine.interconnect.NodeMsg;
import cowsim.machine.interconnect.Payload;
import cowsim.machine.interconnect.RunEvent;
import cowsim.machine.interconnect.Topology;
import cowsim.machine.interconnect.Wiring;
import cowsim.stats.Progress;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** One memory bank actor, driven by a probe standing in for a CPU (concurrent mode wiring). */
class MemoryBankTest {

  private static final ActorTestKit kit = ActorTestKit.create();
  private static final Topology TOPO = new Topology(4, 1); // cpus 0-3, bank 4, allocator 5, kernel 6
  private static final long FRAMES = 256;

  private TestProbe<NodeMsg> cpu;
  private ActorRef<NodeMsg> bank;
  private long tag;

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @BeforeEach
  void wire() {
    Latencies lat = Latencies.from(ConfigFactory.load());
    cpu = kit.createTestProbe();
    TestProbe<RunEvent> runner = kit.createTestProbe();
    bank = kit.spawn(MemoryBank.create(TOPO.bank(0), 0, FRAMES, Map.of(0x5008L, 77L), TOPO, lat, null));
    Wiring w =
        new Wiring(List.of(cpu.ref(), cpu.ref(), cpu.ref(), cpu.ref(), bank, cpu.ref(), cpu.ref()), null, runner.ref(), null, TOPO, lat, new Progress());
    bank.tell(new NodeMsg.Wire(w));
  }

  private Payload ask(java.util.function.LongFunction<Payload> request) {
    Payload p = request.apply(++tag);
    bank.tell(new NodeMsg.Packet(0, 0, TOPO.bank(0), p));
    NodeMsg.Packet reply = cpu.expectMessageClass(NodeMsg.Packet.class);
    assertEquals(0, reply.dst());
    assertTrue(reply.time() > 0, "an answer takes virtual time");
    return reply.payload();
  }

  private long value(java.util.function.LongFunction<Payload> request) {
    MemoryBank.Value v = (MemoryBank.Value) ask(request);
    assertEquals(tag, v.tag());
    return v.value();
  }

  @Test
  void readsWhatWasWrittenAndPowerOnWordsAreThere() {
    assertEquals(77, value(t -> new MemoryBank.Read(t, 0x5008, null)));
    assertEquals(0, value(t -> new MemoryBank.Write(t, 0x9010, 42, null)), "the old value");
    assertEquals(42, value(t -> new MemoryBank.Read(t, 0x9010, null)));
  }

  @Test
  void aPostedStoreIsNotAnswered() {
    bank.tell(new NodeMsg.Packet(0, 0, TOPO.bank(0), new MemoryBank.Write(-1, 0x9000, 5, null)));
    assertEquals(5, value(t -> new MemoryBank.Read(t, 0x9000, null)), "the only answer is the read's");
  }

  @Test
  void compareAndSwapIsOneAtomicStep() {
    value(t -> new MemoryBank.Write(t, 0xa000, 1, null));
    assertEquals(1, value(t -> new MemoryBank.CompareAndSwap(t, 0xa000, 2, 9)), "expected 2: no swap");
    assertEquals(1, value(t -> new MemoryBank.CompareAndSwap(t, 0xa000, 1, 9)));
    assertEquals(9, value(t -> new MemoryBank.Read(t, 0xa000, null)));
  }

  @Test
  void refcountsWrapSilentlyLikeStrat9s() {
    assertEquals(0, value(t -> new MemoryBank.RefAdd(t, 20, -1)), "fetch_sub from 0");
    assertEquals(0xFFFF_FFFFL, value(t -> new MemoryBank.RefGet(t, 20)));
    assertEquals(0xFFFF_FFFFL, value(t -> new MemoryBank.RefSet(t, 20, 1)));
    assertEquals(1, value(t -> new MemoryBank.RefGet(t, 20)));
  }

  @Test
  void theLockBitIsTestAndSet() {
    assertEquals(0, value(t -> new MemoryBank.Lock(t, 30)), "taken");
    assertEquals(1, value(t -> new MemoryBank.Lock(t, 30)), "held");
    value(t -> new MemoryBank.Unlock(t, 30));
    assertEquals(0, value(t -> new MemoryBank.Lock(t, 30)), "taken again");
  }

  /** A try from CPU {@code src} (every answer comes to the probe, which stands for all of them). */
  private long tryLock(int src, boolean write) {
    long t = ++tag;
    bank.tell(new NodeMsg.Packet(0, src, TOPO.bank(0), new MemoryBank.RwTryLock(t, 31, write)));
    NodeMsg.Packet reply = cpu.expectMessageClass(NodeMsg.Packet.class);
    assertEquals(src, reply.dst());
    return ((MemoryBank.Value) reply.payload()).value();
  }

  private void unlock(int src, boolean write) {
    long t = ++tag;
    bank.tell(new NodeMsg.Packet(0, src, TOPO.bank(0), new MemoryBank.RwUnlock(t, 31, write)));
    cpu.expectMessageClass(NodeMsg.Packet.class);
  }

  @Test
  void theMmapLockIsAReaderWriterLockThatServesItsWaitersInOrder() {
    assertEquals(0, tryLock(0, false), "a reader");
    assertEquals(0, tryLock(2, false), "readers share it");
    assertEquals(1, tryLock(3, true), "a writer waits for the readers (and queues)");
    unlock(2, false);
    assertEquals(1, tryLock(2, false), "a new reader queues behind the waiting writer");
    assertEquals(1, tryLock(3, true), "one reader left");
    unlock(0, false);
    assertEquals(1, tryLock(2, false), "still the writer's turn");
    assertEquals(0, tryLock(3, true), "the writer at the head gets it");
    assertEquals(1, tryLock(2, false), "a writer excludes readers");
    assertEquals(1, tryLock(0, true), "and writers (who queue behind the reader)");
    assertEquals(0, value(t -> new MemoryBank.Lock(t, 31)), "the page-table lock bit is another word");
    unlock(3, true);
    assertEquals(1, tryLock(0, true), "the writer behind the reader waits its turn");
    assertEquals(0, tryLock(2, false), "the reader at the head gets it");
    unlock(2, false);
    assertEquals(0, tryLock(0, true), "then the writer");
    unlock(0, true);
    assertEquals(0, tryLock(2, false), "free again, nobody waiting");
    unlock(2, false);
  }

  @Test
  void framesCopyAndZero() {
    long[] data = new long[512];
    data[3] = 33;
    value(t -> new MemoryBank.WriteFrame(t, 40, data, 39));
    MemoryBank.FrameData f = (MemoryBank.FrameData) ask(t -> new MemoryBank.ReadFrame(t, 40));
    assertEquals(33, f.data()[3]);
    value(t -> new MemoryBank.WriteFrame(t, 40, null, -1));
    assertEquals(0, value(t -> new MemoryBank.Read(t, (40L << 12) + 24, null)));
  }

  @Test
  void memoryBeyondTheMachinesEndReadsAsAllOnesAndDoesNotCrash() {
    long beyond = (FRAMES + 5) << 12;
    assertEquals(-1L, value(t -> new MemoryBank.Read(t, beyond, null)));
    assertEquals(-1L, value(t -> new MemoryBank.Write(t, beyond, 1, null)));
    MemoryBank.FrameData f = (MemoryBank.FrameData) ask(t -> new MemoryBank.ReadFrame(t, FRAMES + 9));
    assertTrue(Arrays.stream(f.data()).allMatch(x -> x == -1L));
    assertEquals(0, value(t -> new MemoryBank.Write(t, 0x9010, 42, null)), "the bank still serves");
  }
}
