package cowsim.machine.observe;

import java.util.List;

/**
 * The observations one component made while handling one packet, in order. Each component sends
 * its batch to the observer before it reports "done", so in deterministic mode the observer's
 * mailbox holds every batch in the global delivery order; in concurrent mode, in an order that
 * respects causality.
 *
 * <p>With the conductor's direct delivery (docs/ARCHITECTURE.md) one batch holds the observations
 * of a slice of packets, of every component, in delivery order, and {@code node} is -1.
 */
public record Observations(int node, List<Event> items) implements ObserverInbox {}
