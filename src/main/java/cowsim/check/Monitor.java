package cowsim.check;

import cowsim.machine.observe.Event;
import java.util.Map;

/**
 * One correctness property, checked as the events go by (as Coyote's monitors): it reads the
 * {@link Shadow} as it was before the event and reports to the {@link Findings}. A monitor never
 * changes the shadow.
 */
interface Monitor {

  /**
   * Judge one event. True when it reported a violation about this access, so the monitors after
   * it in the oracle's order do not report the same access again.
   */
  boolean check(Event e);

  /** End-of-run checks on a quiescent machine; {@code refcounts}: every non-zero refcount. */
  default void finish(Map<Long, Integer> refcounts, long cycle) {}
}
