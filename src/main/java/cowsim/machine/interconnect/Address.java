package cowsim.machine.interconnect;

/**
 * Where a packet goes: one node of the interconnect, typed by the kind of payload it takes, so
 * {@link Node#send} refuses at compile time a message addressed to the wrong kind of node. The
 * {@link Topology} hands addresses out.
 */
public record Address<P extends Payload>(int node) {}
