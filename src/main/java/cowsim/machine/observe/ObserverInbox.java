package cowsim.machine.observe;

/** What the run's observer (the oracles) receives: observation batches, and its own control messages. */
public interface ObserverInbox {}
