package cowsim.machine.interconnect;

/**
 * A fact a component reports to the run's observer (the correctness oracles) while it handles a
 * packet. Observations are outside the simulation: they are not packets, take no virtual time
 * and never change the schedule.
 */
public interface Observation {}
