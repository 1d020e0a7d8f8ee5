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
import cowsim.machine.observe.Event;
import cowsim.machine.observe.Observations;
import cowsim.stats.Progress;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The allocator actor, driven by a probe standing in for a CPU (concurrent mode wiring) and
 * observed by another: blocks of an order, split_page, and what it reports of them.
 */
class FrameAllocatorTest {

  private static final ActorTestKit kit = ActorTestKit.create();
  private static final Topology TOPO = new Topology(1, 1); // cpu 0, bank 1, allocator 2, kernel 3
  private static final long FRAMES = 4096;
  private static final long RESERVED = 8;

  private TestProbe<NodeMsg> cpu;
  private TestProbe<Observations> observer;
  private ActorRef<NodeMsg> allocator;
  private long tag;

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @BeforeEach
  void wire() {
    Latencies lat = Latencies.from(ConfigFactory.load());
    cpu = kit.createTestProbe();
    observer = kit.createTestProbe();
    TestProbe<RunEvent> runner = kit.createTestProbe();
    allocator = kit.spawn(FrameAllocator.create(TOPO.allocator(), FRAMES, 10, RESERVED, TOPO, lat, null));
    Wiring w = new Wiring(List.of(cpu.ref(), cpu.ref(), allocator, cpu.ref()), null, runner.ref(), observer.ref(), TOPO, lat, new Progress());
    allocator.tell(new NodeMsg.Wire(w));
  }

  private Payload ask(java.util.function.LongFunction<Payload> request) {
    Payload p = request.apply(++tag);
    allocator.tell(new NodeMsg.Packet(0, 0, TOPO.allocator(), p));
    NodeMsg.Packet reply = cpu.expectMessageClass(NodeMsg.Packet.class);
    assertEquals(0, reply.dst());
    return reply.payload();
  }

  /** Every event the allocator reported for the requests so far (one batch per packet). */
  private List<Event> observed(int packets) {
    List<Event> all = new ArrayList<>();
    for (int i = 0; i < packets; i++) {
      all.addAll(observer.expectMessageClass(Observations.class).items());
    }
    return all;
  }

  @Test
  void anOrderNineBlockSplitIntoFramesThatAreFreedOneByOne() {
    FrameAllocator.Allocated a = (FrameAllocator.Allocated) ask(t -> new FrameAllocator.Allocate(t, 9));
    long head = a.frame();
    assertEquals(512, head, "2 MiB-aligned, above the reserved frames");
    Payload split = ask(t -> new FrameAllocator.Split(t, head, 9));
    assertEquals(new FrameAllocator.SplitDone(tag, head, true), split);
    Payload freed = ask(t -> new FrameAllocator.Free(t, head + 7, 0));
    assertEquals(new FrameAllocator.Freed(tag, head + 7, BuddyAllocator.FreeResult.OK), freed, "a frame of the split block, alone");
    List<Event> events = observed(3);
    assertEquals(
        List.of(
            new Event.Alloc(events.get(0).cycle(), 0, head, 9),
            new Event.Split(events.get(1).cycle(), 0, head, 9, true),
            new Event.Free(events.get(2).cycle(), 0, head + 7, true, "OK", 0)),
        events,
        "each with its order");
  }

  @Test
  void aSplitOfAFrameThatHeadsNoBlockOfThatOrderIsRefusedAndReported() {
    long head = ((FrameAllocator.Allocated) ask(t -> new FrameAllocator.Allocate(t, 9))).frame();
    Payload notHead = ask(t -> new FrameAllocator.Split(t, head + 1, 9));
    assertEquals(new FrameAllocator.SplitDone(tag, head + 1, false), notHead);
    Payload wrongOrder = ask(t -> new FrameAllocator.Split(t, head, 0));
    assertEquals(new FrameAllocator.SplitDone(tag, head, false), wrongOrder);
    FrameAllocator.Freed f = (FrameAllocator.Freed) ask(t -> new FrameAllocator.Free(t, head + 1, 0));
    assertEquals(BuddyAllocator.FreeResult.NOT_BLOCK_START, f.result(), "still one block: its frames cannot be freed alone");
    Payload whole = ask(t -> new FrameAllocator.Free(t, head, 9));
    assertEquals(new FrameAllocator.Freed(tag, head, BuddyAllocator.FreeResult.OK), whole);
    List<Event> events = observed(5);
    assertEquals(new Event.Split(events.get(1).cycle(), 0, head + 1, 9, false), events.get(1));
    assertEquals(new Event.Split(events.get(2).cycle(), 0, head, 0, false), events.get(2));
    assertTrue(events.get(4) instanceof Event.Free last && last.ok() && last.order() == 9);
  }
}
