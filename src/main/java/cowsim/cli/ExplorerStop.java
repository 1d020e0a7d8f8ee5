package cowsim.cli;

import cowsim.explore.Explorer;

/**
 * The stop of a command that explores (explore, mutants): SIGINT or SIGTERM may ask for it before
 * the command's explorer exists, and the explorer then starts stopped. Synchronized, so a stop
 * asked while the explorer is being attached is never lost.
 */
final class ExplorerStop {
  private boolean asked;
  private Explorer explorer;

  /** Ask the explorer to stop: now if it exists, else as soon as it is attached. */
  synchronized void stop() {
    asked = true;
    if (explorer != null) {
      explorer.stop();
    }
  }

  /** The command's explorer, stopped at once if a stop was asked already. */
  synchronized Explorer attach(Explorer e) {
    explorer = e;
    if (asked) {
      e.stop();
    }
    return e;
  }

  /** Whether the attached explorer was stopped (false before one is attached). */
  synchronized boolean stopped() {
    return explorer != null && explorer.stopped();
  }
}
