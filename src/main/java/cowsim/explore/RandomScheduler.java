package cowsim.explore;

import cowsim.machine.interconnect.NodeMsg;
import cowsim.machine.interconnect.Scheduler;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The {@code random} strategy: every message between two components gets a seeded extra latency
 * in [0, max-jitter] cycles (a component's messages to itself keep theirs), and each delivery is a seeded uniform choice among the deliverable messages (those
 * arriving within {@code window} cycles of the earliest pending one).
 */
final class RandomScheduler implements Scheduler {

  private final SplittableRandom jitter;
  private final SplittableRandom choice;
  private final long maxJitter;
  private final long window;

  RandomScheduler(long seed, long maxJitter, long window) {
    // streams of their own: the conductor's tie-break keys come from the plain seed
    SplittableRandom root = new SplittableRandom(seed ^ 0x5DEECE66DL);
    this.jitter = root.split();
    this.choice = root.split();
    this.maxJitter = maxJitter;
    this.window = window;
  }

  @Override
  public long delay(long send, NodeMsg.Packet packet) {
    // the interconnect's latency varies; a component's messages to itself (resume after a batch,
    // timers) are local work and keep their time
    return maxJitter == 0 || packet.src() == packet.dst() ? 0 : jitter.nextLong(maxJitter + 1);
  }

  @Override
  public long window() {
    return window;
  }

  @Override
  public int choose(long step, List<NodeMsg.Packet> deliverable) {
    return deliverable.size() == 1 ? 0 : choice.nextInt(deliverable.size());
  }
}
