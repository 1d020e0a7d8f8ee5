package cowsim.machine.interconnect;

import java.util.List;

/**
 * The conductor's delivery policy in deterministic mode: the choice the interconnect leaves open
 * (schedule exploration, {@code cowsim.explore}, implements it). One instance per run, used only by
 * the conductor actor, so it may keep state. The conductor keeps every pending packet in time
 * order (arrival cycle, then a seeded tie-break key, then send order) and asks the scheduler which
 * one to deliver next. The default time order has no scheduler at all: the conductor always takes
 * the earliest.
 */
public interface Scheduler {

  /**
   * Extra latency for a packet that is being handed to the interconnect.
   *
   * @param send how many packets were handed over before this one (0 for the first boot packet)
   * @return extra cycles added to its arrival time, 0 for none
   */
  long delay(long send, NodeMsg.Packet packet);

  /**
   * The deliverable set: pending packets that arrive at most this many cycles after the earliest
   * pending one. {@link Long#MAX_VALUE} offers every pending packet.
   */
  long window();

  /**
   * Picks the next delivery.
   *
   * @param step how many packets were delivered before this one
   * @param deliverable the deliverable packets in time order (never empty)
   * @return the index of the packet to deliver
   */
  int choose(long step, List<NodeMsg.Packet> deliverable);

  /**
   * Whether packets arriving at the same cycle are ordered by the seeded tie-break key (true, the
   * default) or by send order alone (false). Systematic exploration needs the latter: the seeded
   * keys are drawn in global send order, so two interleavings that differ only in the order of
   * independent deliveries would otherwise order one sender's same-cycle packets differently.
   * The conductor draws the key either way, so this choice moves no other run's trace_hash.
   */
  default boolean seededTieBreak() {
    return true;
  }

  /** How a run is scheduled: immutable, handed to the conductor, which builds its scheduler from it. */
  @FunctionalInterface
  interface Factory {
    /** A fresh scheduler for one run, or null for the time order. */
    Scheduler scheduler(long seed, Topology topology);
  }
}
