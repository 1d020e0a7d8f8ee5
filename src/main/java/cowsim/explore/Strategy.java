package cowsim.explore;

import java.util.Locale;
import java.util.Optional;

/** How the deterministic conductor picks the next message to deliver. */
public enum Strategy {
  /** Earliest arrival first, ties broken by a seeded PRNG: the default, as before exploration existed. */
  TIME("time"),
  /** Seeded random choice among the deliverable messages, plus seeded extra latency per message. */
  RANDOM("random"),
  /** Probabilistic concurrency testing: CPU priorities with depth - 1 priority-change points. */
  PCT("pct"),
  /**
   * Systematic: every schedule with at most K preemptions, K = 0, 1, ... (explore only; a single
   * run takes the non-preemptive default schedule). See {@code cowsim.explore.systematic}.
   */
  SYSTEMATIC("systematic"),
  /** Time order with the explicit decisions of a schedule file ({@code run --schedule FILE}). */
  SCHEDULE("schedule");

  private final String cli;

  Strategy(String cli) {
    this.cli = cli;
  }

  /** The name on the command line. */
  public String cli() {
    return cli;
  }

  /** Parses a command-line name: time, random, pct or systematic (schedule files come from --schedule). */
  public static Optional<Strategy> parse(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    for (Strategy s : values()) {
      if (s != SCHEDULE && s.cli.equals(n)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  @Override
  public String toString() {
    return cli;
  }
}
