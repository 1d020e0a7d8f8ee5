package cowsim.explore.systematic;

import java.util.Locale;

/**
 * Which partial-order reduction a systematic search uses; both are sound under the preemption
 * bound, see {@link SystematicSearch} (prefix) and {@link SleepSet} (sleep sets).
 */
public enum Reduction {
  /** Skip a prefix equivalent to a covered one with the same running CPU and no more preemptions. */
  PREFIX,
  /** Godefroid's sleep sets, with bound dependence: packets of different owners never sleep across each other. */
  SLEEP_SETS,
  /** Run every schedule within the bound. */
  NONE;

  /** The name on the command line: prefix, sleep-sets, none. */
  public String flag() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** From its command-line name; null when it names none. */
  public static Reduction parse(String s) {
    for (Reduction r : values()) {
      if (r.flag().equals(s)) {
        return r;
      }
    }
    return null;
  }
}
