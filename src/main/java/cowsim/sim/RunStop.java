package cowsim.sim;

/**
 * A request to stop one run early and judge it on what it found so far (SIGINT or SIGTERM during
 * {@code stress}): the run ends as {@link SimResult.Ending#INTERRUPTED}, its counters and
 * violations collected as at any other ending. Any thread may {@link #request} it, before the run
 * starts or while it goes on; the run's guardian {@link #onRequest listens} once it is up.
 */
public final class RunStop {

  /** guarded by this */
  private boolean requested;
  /** guarded by this: the guardian's hook, once it listens */
  private Runnable hook;

  /** Asks the run to stop; a second call does nothing. */
  public void request() {
    Runnable h;
    synchronized (this) {
      if (requested) {
        return;
      }
      requested = true;
      h = hook;
    }
    if (h != null) {
      h.run();
    }
  }

  /** Whether {@link #request} was called. */
  public synchronized boolean requested() {
    return requested;
  }

  /** The guardian's hook: run at once when the stop was requested already, else at the request. */
  void onRequest(Runnable h) {
    boolean now;
    synchronized (this) {
      hook = h;
      now = requested;
    }
    if (now) {
      h.run();
    }
  }
}
