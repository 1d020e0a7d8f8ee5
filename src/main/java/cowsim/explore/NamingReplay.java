package cowsim.explore;

import cowsim.machine.interconnect.Decision;
import cowsim.machine.interconnect.NodeMsg;
import cowsim.machine.interconnect.Scheduler;
import cowsim.machine.interconnect.Topology;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Replays a schedule exactly as {@link ScheduleSpec#replay} does and notes, for each decision it
 * applies, which message it was: its arrival time, source, destination and type, so a schedule
 * file can say what {@code delay 777} delays.
 */
public final class NamingReplay implements Scheduler.Factory {

  private final ScheduleRecord record;
  private final Map<Decision, String> names = new ConcurrentHashMap<>();

  public NamingReplay(ScheduleRecord record) {
    this.record = record;
  }

  /** The message each applied decision named (after the run), e.g. {@code cycle 4521 cpu-1 -> memory Load}. */
  public String name(Decision d) {
    return names.get(d);
  }

  @Override
  public Scheduler scheduler(long seed, Topology topology) {
    ReplayScheduler replay = new ReplayScheduler(record);
    return new Scheduler() {
      @Override
      public long delay(long send, NodeMsg.Packet packet) {
        long extra = replay.delay(send, packet);
        if (extra != 0) {
          names.put(new Decision.Delay(send, extra), describe(packet, topology));
        }
        return extra;
      }

      @Override
      public long window() {
        return replay.window();
      }

      @Override
      public int choose(long step, List<NodeMsg.Packet> deliverable) {
        int rank = replay.choose(step, deliverable);
        if (rank != 0) {
          names.put(new Decision.Pick(step, rank), describe(deliverable.get(rank), topology));
        }
        return rank;
      }
    };
  }

  static String describe(NodeMsg.Packet p, Topology topology) {
    return "message at cycle " + p.time() + ", " + topology.name(p.src()) + " -> " + topology.name(p.dst()) + ", " + p.payload().getClass().getSimpleName();
  }
}
