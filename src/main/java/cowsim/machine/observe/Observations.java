package cowsim.machine.observe;

import java.util.List;

/**
 * The observations one component made while handling one packet, in order. Each component sends
 * its batch to the observer before it reports "done", so in deterministic mode the observer's
 * mailbox holds every batch in the global delivery order; in concurrent mode, in an order that
 * respects causality.
 */
public record Observations(int node, List<Event> items) implements ObserverInbox {}
