package cowsim.cli;

/**
 * A command that can stop early on SIGINT or SIGTERM (Ctrl-C) and still write what it found so
 * far (explore, stress, mutants). {@link Main}'s shutdown hook calls {@link #interrupt()} and
 * waits, bounded by {@code cowsim.cli.interrupt-wait}, for the command to write its summary and
 * files, marked incomplete.
 */
interface Interruptible {

  /**
   * Asks the command to stop: called once, from the shutdown hook's thread.
   *
   * @return whether the hook should wait for the command to finish (false: the command wrote
   *     what it had itself, in this call, and the JVM may exit at once)
   */
  boolean interrupt();
}
