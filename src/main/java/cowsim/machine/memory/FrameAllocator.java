package cowsim.machine.memory;

import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import cowsim.machine.interconnect.Latencies;
import cowsim.machine.interconnect.Node;
import cowsim.machine.interconnect.NodeMsg;
import cowsim.machine.interconnect.NodeStats;
import cowsim.machine.interconnect.Payload;
import cowsim.machine.interconnect.Reply;
import cowsim.machine.interconnect.Topology;
import cowsim.machine.observe.Event;
import cowsim.stats.Stat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The physical frame allocator: a buddy allocator behind one actor (strat9's global allocator
 * lock is this actor's mailbox). Out of memory is an answer ({@code frame = -1}), never a hang.
 */
public final class FrameAllocator extends Node<FrameAllocator.Request> {

  /** Requests the allocator serves. */
  public sealed interface Request extends Payload.ToAllocator permits Allocate, Free, Split {}

  /** Allocate a block of 2^order frames. Answer: {@link Allocated}. */
  public record Allocate(long tag, int order) implements Request {}

  /** Free a block. Answer: {@link Freed}. */
  public record Free(long tag, long frame, int order) implements Request {}

  /**
   * Split the allocated block of 2^order frames at {@code frame} into single frames, each freed
   * on its own afterwards (Linux's split_page). Answer: {@link SplitDone}.
   */
  public record Split(long tag, long frame, int order) implements Request {}

  /** What the allocator answers, to the CPU that asked. */
  public sealed interface Answer extends Reply permits Allocated, Freed, SplitDone {}

  /** The first frame of the block, or -1 when out of memory. */
  public record Allocated(long tag, long frame) implements Answer {}

  /** Whether the free was legal (a double free is reported, not thrown). */
  public record Freed(long tag, long frame, BuddyAllocator.FreeResult result) implements Answer {}

  /** Whether the split was legal: {@code frame} headed an allocated block of that order. */
  public record SplitDone(long tag, long frame, boolean ok) implements Answer {}

  private final BuddyAllocator buddy;
  private final long reserved;
  private long frameAllocs;
  private long frameFrees;
  private long failures;
  private long badFrees;

  /**
   * @param reservedFrames frames [0, reservedFrames) belong to the kernel image and its tables
   */
  public static Behavior<NodeMsg> create(
      int id, long totalFrames, int maxOrder, long reservedFrames, Topology topo, Latencies lat, String logDir) {
    return Behaviors.setup(
        ctx -> new FrameAllocator(ctx, id, totalFrames, maxOrder, reservedFrames, topo, lat, logDir));
  }

  private FrameAllocator(
      ActorContext<NodeMsg> ctx,
      int id,
      long totalFrames,
      int maxOrder,
      long reservedFrames,
      Topology topo,
      Latencies lat,
      String logDir) {
    super(ctx, id, topo, lat, logDir, Request.class);
    this.buddy = new BuddyAllocator(totalFrames, maxOrder);
    this.buddy.reserve(0, reservedFrames);
    this.reserved = reservedFrames;
  }

  @Override
  protected String loggerSuffix() {
    return "allocator";
  }

  @Override
  protected void handle(int src, Request payload) {
    if (payload instanceof Allocate a) {
      long f = buddy.allocate(a.order());
      if (f < 0) {
        failures++;
        if (infoEnabled()) {
          info("cpu-{} allocate order {}: out of memory", src, a.order());
        }
      } else {
        frameAllocs += 1L << a.order();
        if (observing()) {
          observe(new Event.Alloc(now, src, f, a.order()));
        }
        if (infoEnabled()) {
          info("cpu-{} allocate order {}: frame {}", src, a.order(), hex(f));
        }
      }
      send(topo.toCpu(src), lat.allocator(), new Allocated(a.tag(), f));
    } else if (payload instanceof Free fr) {
      BuddyAllocator.FreeResult r = buddy.free(fr.frame(), fr.order());
      if (observing()) {
        observe(new Event.Free(now, src, fr.frame(), r.ok(), r.name(), fr.order()));
      }
      if (r.ok()) {
        frameFrees += 1L << fr.order();
        if (infoEnabled()) {
          info("cpu-{} free frame {} order {}", src, hex(fr.frame()), fr.order());
        }
      } else {
        badFrees++;
        warn("cpu-{} free frame {} order {}: {}", src, hex(fr.frame()), fr.order(), r);
      }
      send(topo.toCpu(src), lat.allocator(), new Freed(fr.tag(), fr.frame(), r));
    } else if (payload instanceof Split sp) {
      BuddyAllocator.FreeResult r = buddy.split(sp.frame(), sp.order());
      if (observing()) {
        observe(new Event.Split(now, src, sp.frame(), sp.order(), r.ok()));
      }
      if (r.ok()) {
        if (infoEnabled()) {
          info("cpu-{} split frame {} order {}", src, hex(sp.frame()), sp.order());
        }
      } else {
        warn("cpu-{} split frame {} order {}: {}", src, hex(sp.frame()), sp.order(), r);
      }
      send(topo.toCpu(src), lat.allocator(), new SplitDone(sp.tag(), sp.frame(), r.ok()));
    } else {
      throw new IllegalStateException("allocator got " + payload);
    }
  }

  private static String hex(long v) {
    return "0x" + Long.toHexString(v);
  }

  @Override
  protected NodeStats stats() {
    Map<String, Long> c = new LinkedHashMap<>();
    c.put(Stat.FRAMES_TOTAL.key, buddy.totalFrames() - reserved);
    c.put(Stat.FRAMES_ALLOCATED.key, frameAllocs);
    c.put(Stat.FRAMES_FREED.key, frameFrees);
    c.put(Stat.FRAMES_IN_USE.key, buddy.allocatedFrames());
    c.put(Stat.ALLOCATION_FAILURES.key, failures);
    c.put(Stat.BAD_FREES.key, badFrees);
    return new NodeStats(id, c, null, now);
  }
}
