package cowsim.machine.interconnect;

/** What the simulated machine tells whoever runs it: the run may be over. */
public sealed interface RunEvent {

  /** Deterministic mode: no message is left to deliver. */
  record Quiescent(long time) implements RunEvent {}

  /** A limit of the scenario was reached (for example max-cycles). */
  record LimitReached(String what, long time) implements RunEvent {}

  /** Every process has exited; in concurrent mode this ends the run. */
  record AllExited(long time) implements RunEvent {}
}
