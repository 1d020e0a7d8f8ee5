package cowsim.explore.systematic;

import cowsim.machine.interconnect.NodeMsg;
import cowsim.machine.interconnect.Scheduler;
import cowsim.machine.interconnect.Topology;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * One run of systematic exploration: it follows a prefix of forced choices and then the
 * non-preemptive default, and records at every delivery the deliverable set and the choice.
 *
 * <p>A packet is named by a stable identity, {@link #id}: its sender and how many packets that
 * sender had handed over before it. The conductor offers only each sender's earliest pending
 * packet, and a run is a function of its choices, so a forced choice "the packet with this
 * identity" replays whatever the other choices were; a list index would not.
 *
 * <p>The default (CHESS's non-preemptive scheduler): deliver to the running CPU, the owner of the
 * last delivered packet, while it has a deliverable packet, else the earliest deliverable. A
 * packet's owner is its destination when that is a CPU, else its source when that is a CPU, else
 * none (-1), as in PCT. Same-cycle packets are ordered by send order, not by the seeded key
 * ({@link #seededTieBreak}), so equivalent interleavings reach equal states.
 */
public final class SystematicScheduler implements Scheduler {

  /** One delivery: the deliverable packets (in the conductor's order) and the index chosen. */
  public record Step(long[] ids, int[] srcs, int[] dsts, int[] owners, int chosen) {}

  private final Topology topo;
  private final long window;
  private final Map<Long, Long> forced;
  private final IdentityHashMap<NodeMsg.Packet, Long> ids = new IdentityHashMap<>();
  private final Map<Integer, Long> sent = new java.util.HashMap<>();
  private final List<Step> steps = new ArrayList<>();
  private int running = -1;

  /**
   * @param forced delivery step -> identity of the packet to deliver there; the default elsewhere
   */
  public SystematicScheduler(Topology topo, long window, Map<Long, Long> forced) {
    this.topo = topo;
    this.window = window;
    this.forced = forced;
  }

  /** A packet identity from its sender and the sender's count of packets handed over before it. */
  public static long id(int src, long ordinal) {
    return ((long) (src + 1) << 40) | ordinal;
  }

  /** The sender an identity names (-1 for packets injected by nobody). */
  public static int sender(long id) {
    return (int) (id >>> 40) - 1;
  }

  /** A packet's owner: its destination when a CPU, else its source when a CPU, else -1. */
  int owner(NodeMsg.Packet p) {
    if (topo.isCpu(p.dst())) {
      return p.dst();
    }
    return topo.isCpu(p.src()) ? p.src() : -1;
  }

  @Override
  public long delay(long send, NodeMsg.Packet packet) {
    long n = sent.merge(packet.src(), 1L, Long::sum) - 1;
    ids.put(packet, id(packet.src(), n));
    return 0;
  }

  @Override
  public boolean seededTieBreak() {
    return false;
  }

  @Override
  public long window() {
    return window;
  }

  @Override
  public int choose(long step, List<NodeMsg.Packet> deliverable) {
    int n = deliverable.size();
    long[] pid = new long[n];
    int[] src = new int[n];
    int[] dst = new int[n];
    int[] own = new int[n];
    for (int i = 0; i < n; i++) {
      NodeMsg.Packet p = deliverable.get(i);
      Long id = ids.get(p);
      if (id == null) {
        throw new IllegalStateException("systematic: a deliverable packet was never handed over: " + p);
      }
      pid[i] = id;
      src[i] = p.src();
      dst[i] = p.dst();
      own[i] = owner(p);
    }
    int pick = -1;
    Long want = forced.get(step);
    if (want != null) {
      for (int i = 0; i < n; i++) {
        if (pid[i] == want) {
          pick = i;
        }
      }
      if (pick < 0) {
        throw new IllegalStateException("systematic: the forced packet " + Long.toHexString(want) + " is not deliverable at step " + step
            + ": the run diverged from the prefix it replays");
      }
    } else {
      pick = defaultChoice(own, running);
    }
    steps.add(new Step(pid, src, dst, own, pick));
    ids.remove(deliverable.get(pick));
    running = own[pick];
    return pick;
  }

  /** The non-preemptive default: the running CPU's first deliverable packet, else the earliest. */
  static int defaultChoice(int[] owners, int running) {
    if (running >= 0) {
      for (int i = 0; i < owners.length; i++) {
        if (owners[i] == running) {
          return i;
        }
      }
    }
    return 0;
  }

  /**
   * Whether delivering {@code owners[pick]}'s packet is a preemption: the running CPU has a
   * deliverable packet and another one's is delivered.
   */
  static boolean preempts(int[] owners, int pick, int running) {
    if (running < 0 || owners[pick] == running) {
      return false;
    }
    for (int o : owners) {
      if (o == running) {
        return true;
      }
    }
    return false;
  }

  /** The deliveries so far, in order. */
  public List<Step> steps() {
    return steps;
  }
}
