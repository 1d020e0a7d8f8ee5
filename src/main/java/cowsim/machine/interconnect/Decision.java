package cowsim.machine.interconnect;

/**
 * One decision of the conductor that differs from the time order, in the order it was made. The
 * conductor hands them back with its summary; replaying them on top of the same seed reproduces
 * the run ({@code cowsim.explore.ScheduleRecord} keeps them in a file).
 */
public sealed interface Decision permits Decision.Pick, Decision.Delay {

  /** At delivery {@code step}, the pending message at position {@code rank} in time order was delivered. */
  record Pick(long step, int rank) implements Decision {}

  /** The {@code send}-th packet handed to the conductor got {@code cycles} of extra latency. */
  record Delay(long send, long cycles) implements Decision {}
}
