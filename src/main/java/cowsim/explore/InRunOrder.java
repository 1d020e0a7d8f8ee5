package cowsim.explore;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.IntSupplier;

/**
 * Hands runs completed in any order (parallel jobs) to a listener in run order: a run is passed on
 * once every run before it was passed on or skipped. Thread-safe; the listener is called one run
 * at a time.
 */
final class InRunOrder {

  private final Consumer<RunOutcome> listener;
  private final IntSupplier lastWanted;
  private final Map<Integer, Optional<RunOutcome>> waiting = new HashMap<>();
  private int next;

  /** @param lastWanted the highest run index still wanted (runs after it are dropped: --until-first) */
  InRunOrder(Consumer<RunOutcome> listener, IntSupplier lastWanted) {
    this.listener = listener;
    this.lastWanted = lastWanted;
  }

  /** Run {@code index} ended with {@code o}, or was not started (null). */
  synchronized void done(int index, RunOutcome o) {
    waiting.put(index, Optional.ofNullable(o));
    while (waiting.containsKey(next)) {
      Optional<RunOutcome> r = waiting.remove(next);
      if (r.isPresent() && next <= lastWanted.getAsInt()) {
        listener.accept(r.get());
      }
      next++;
    }
  }
}
