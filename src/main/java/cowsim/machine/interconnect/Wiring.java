package cowsim.machine.interconnect;

import akka.actor.typed.ActorRef;
import cowsim.stats.Progress;
import cowsim.machine.observe.Observations;
import java.util.List;

/**
 * Where every simulated component is, and how messages reach it. Built once by the run's
 * guardian after all components are spawned and before the first packet is sent; never mutated
 * afterwards, so sharing it between actors shares no mutable state.
 *
 * @param conductor the deterministic conductor, or null in concurrent mode
 * @param observer where observations go (the oracles), or null when nobody checks
 * @param progress the run's live progress counters (for a display; never read by the simulation)
 * @param direct deterministic mode: whether the conductor calls the nodes' packet handlers itself
 *     (direct delivery, every actor of the run on one thread) rather than sending them packets
 * @param timeline whether the run records a timeline (a trace listens to the observations): the
 *     timeline-only events ({@code Event.TimelineOnly}) are built only then
 */
public record Wiring(
    List<ActorRef<NodeMsg>> nodes,
    ActorRef<Conductor.Command> conductor,
    ActorRef<RunEvent> runner,
    ActorRef<Observations> observer,
    Topology topology,
    Latencies latencies,
    Progress progress,
    boolean direct,
    boolean timeline) {

  public Wiring {
    if (direct && conductor == null) {
      throw new IllegalArgumentException("direct delivery is the conductor's: deterministic mode only");
    }
  }

  /** Mailbox delivery (or concurrent mode when {@code conductor} is null). */
  public Wiring(
      List<ActorRef<NodeMsg>> nodes,
      ActorRef<Conductor.Command> conductor,
      ActorRef<RunEvent> runner,
      ActorRef<Observations> observer,
      Topology topology,
      Latencies latencies,
      Progress progress) {
    this(nodes, conductor, runner, observer, topology, latencies, progress, false, false);
  }

  public boolean deterministic() {
    return conductor != null;
  }

  public ActorRef<NodeMsg> ref(int node) {
    return nodes.get(node);
  }
}
