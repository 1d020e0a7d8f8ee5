package cowsim.explore;

import cowsim.machine.interconnect.NodeMsg;
import cowsim.machine.interconnect.Scheduler;
import cowsim.machine.interconnect.Topology;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;

/**
 * Probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS 2010)
 * over the conductor's deliveries. Each CPU gets a distinct random priority in d..d+n-1; d - 1
 * change points are drawn uniformly from the deliveries 1..k; each delivery goes to the
 * highest-priority CPU among the deliverable messages (its earliest one); after the delivery
 * numbered k_i the priority of the CPU that just ran drops to i (below every initial priority).
 *
 * <p>A message belongs to its destination when that is a CPU, else to its source when that is a
 * CPU; a message tied to no CPU has the lowest priority (0). Deliverable means arriving within
 * {@code window} cycles of the earliest pending message, so a high-priority CPU that spins runs at
 * most that far ahead in virtual time instead of livelocking the run.
 */
final class PctScheduler implements Scheduler {

  private final Topology topo;
  private final long window;
  private final int[] priority;
  private final List<Long> changePoints;

  PctScheduler(long seed, Topology topo, int depth, long steps, long window, List<Long> explicit) {
    this.topo = topo;
    this.window = window;
    SplittableRandom rng = new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L);
    int n = topo.cpus();
    int[] perm = new int[n];
    for (int i = 0; i < n; i++) {
      perm[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = perm[i];
      perm[i] = perm[j];
      perm[j] = t;
    }
    priority = new int[n];
    for (int i = 0; i < n; i++) {
      priority[perm[i]] = depth + i;
    }
    if (explicit != null) {
      changePoints = List.copyOf(explicit);
    } else {
      Set<Long> drawn = new LinkedHashSet<>();
      int wanted = (int) Math.min(depth - 1, Math.max(steps, 0));
      while (drawn.size() < wanted) {
        drawn.add(1 + rng.nextLong(steps));
      }
      changePoints = List.copyOf(new ArrayList<>(drawn));
    }
  }

  /** The change points, in the order that gives their new priorities (1, 2, ...). */
  List<Long> changePoints() {
    return changePoints;
  }

  @Override
  public long delay(long send, NodeMsg.Packet packet) {
    return 0;
  }

  @Override
  public long window() {
    return window;
  }

  private int owner(NodeMsg.Packet p) {
    if (topo.isCpu(p.dst())) {
      return p.dst();
    }
    return topo.isCpu(p.src()) ? p.src() : -1;
  }

  @Override
  public int choose(long step, List<NodeMsg.Packet> deliverable) {
    int best = 0;
    int bestPriority = Integer.MIN_VALUE;
    for (int i = 0; i < deliverable.size(); i++) {
      int o = owner(deliverable.get(i));
      int p = o < 0 ? 0 : priority[o];
      if (p > bestPriority) {
        bestPriority = p;
        best = i;
      }
    }
    int ran = owner(deliverable.get(best));
    long count = step + 1;
    for (int i = 0; i < changePoints.size(); i++) {
      if (changePoints.get(i) == count && ran >= 0) {
        priority[ran] = i + 1;
      }
    }
    return best;
  }
}
