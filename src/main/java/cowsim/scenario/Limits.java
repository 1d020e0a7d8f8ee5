package cowsim.scenario;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounds that stop a run which would otherwise not end.
 *
 * @param maxCycles simulated cycles before the run is stopped, positive
 * @param timeout wall-clock time before the run is stopped, positive
 * @param maxRefaults repeated faults tolerated before a refault-loop violation, positive
 */
public record Limits(long maxCycles, Duration timeout, int maxRefaults) {
  public Limits {
    Objects.requireNonNull(timeout, "timeout");
  }
}
