package cowsim.explore;

import cowsim.machine.interconnect.Decision;
import cowsim.machine.interconnect.NodeMsg;
import cowsim.machine.interconnect.Scheduler;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Replays a {@link ScheduleRecord}: time order, except at the recorded steps (deliver the message
 * at the recorded position in time order; the last one when fewer are pending) and for the
 * recorded sends (extra latency).
 */
final class ReplayScheduler implements Scheduler {

  private final Map<Long, Integer> picks = new HashMap<>();
  private final Map<Long, Long> delays = new HashMap<>();
  private final boolean sendOrderTies;

  ReplayScheduler(ScheduleRecord record) {
    sendOrderTies = record.sendOrderTies();
    for (Decision d : record.decisions()) {
      if (d instanceof Decision.Pick p) {
        picks.put(p.step(), p.rank());
      } else if (d instanceof Decision.Delay x) {
        delays.merge(x.send(), x.cycles(), Long::sum);
      }
    }
  }

  @Override
  public long delay(long send, NodeMsg.Packet packet) {
    return delays.isEmpty() ? 0 : delays.getOrDefault(send, 0L);
  }

  @Override
  public boolean seededTieBreak() {
    return !sendOrderTies;
  }

  @Override
  public long window() {
    return Long.MAX_VALUE;
  }

  @Override
  public int choose(long step, List<NodeMsg.Packet> deliverable) {
    Integer rank = picks.get(step);
    return rank == null ? 0 : Math.min(rank, deliverable.size() - 1);
  }
}
