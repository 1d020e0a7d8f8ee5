package cowsim.scenario;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounds that stop a run which would otherwise not end.
 *
 * @param maxCycles simulated cycles before the run is stopped, positive
 * @param timeout wall-clock time before the run is stopped, positive
 * @param maxRefaults repeated faults tolerated before a refault-loop violation, positive
 * @param lockupCycles a CPU spinning on a kernel lock this long reports a soft lockup (a deadlock
 *     violation) and halts, positive
 */
public record Limits(long maxCycles, Duration timeout, int maxRefaults, long lockupCycles) {
  public Limits {
    Objects.requireNonNull(timeout, "timeout");
  }
}
