package cowsim.scenario;

import java.time.Duration;
import java.util.Objects;

/**
 * Bounds that stop a run which would otherwise not end.
 *
 * @param maxCycles simulated cycles before the run is stopped, 1..{@link #MAX_CYCLES}
 * @param timeout wall-clock time before the run is stopped, positive, at most {@link #MAX_TIMEOUT}
 * @param maxRefaults repeated faults tolerated before a refault-loop violation, positive
 * @param lockupCycles a CPU spinning on a kernel lock this long reports a soft lockup (a deadlock
 *     violation) and halts, 1..{@link #MAX_CYCLES}
 */
public record Limits(long maxCycles, Duration timeout, int maxRefaults, long lockupCycles) {

  /**
   * The longest {@code timeout}: 24 days. The run's guardian arms one Akka timer for it, and Akka's
   * scheduler refuses a delay of more than 2^31 - 1 ticks: 248 days at its default 10 ms tick, 24.8
   * days at 1 ms. Within 24 days every tick setting accepts it (above 248 days run used to hang).
   */
  public static final Duration MAX_TIMEOUT = Duration.ofDays(24);

  /**
   * The largest {@code max-cycles} and {@code lockup-cycles}: 10^18 cycles (about 10 years of
   * simulated time at 3 GHz). Clocks are longs: below this any clock plus any latency (at most
   * 10^9) or spin stays far from 2^63, so no cycle arithmetic can overflow.
   */
  public static final long MAX_CYCLES = 1_000_000_000_000_000_000L;

  public Limits {
    Objects.requireNonNull(timeout, "timeout");
  }
}
