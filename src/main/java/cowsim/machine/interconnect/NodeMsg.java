package cowsim.machine.interconnect;

import akka.actor.typed.ActorRef;

/** What a simulated component's actor receives: a packet, or a control-plane request. */
public sealed interface NodeMsg permits NodeMsg.Packet, NodeMsg.CollectStats, NodeMsg.Wire {

  /**
   * One message on the interconnect, stamped with the virtual cycle at which it arrives.
   *
   * @param time arrival cycle (send cycle plus latency)
   */
  record Packet(long time, int src, int dst, Payload payload) implements NodeMsg {}

  /**
   * Control plane, sent once by the run's guardian before any packet: where everything is. Akka
   * keeps one sender's messages in order and the guardian sends this before it starts the
   * conductor, so no packet can overtake it.
   */
  record Wire(Wiring wiring) implements NodeMsg {}

  /** Control plane, outside virtual time: report counters and end-of-run state. */
  record CollectStats(ActorRef<NodeStats> replyTo) implements NodeMsg {}
}
