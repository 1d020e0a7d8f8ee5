package cowsim.scenario;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** How the simulated CPUs are scheduled: reproducibly from the seed, or truly concurrently. */
public enum Mode {
  DETERMINISTIC,
  CONCURRENT;

  /** The names accepted in scenario files and on the command line, in declaration order. */
  public static final List<String> NAMES = Arrays.stream(values()).map(Mode::toString).toList();

  /** The scenario-file spelling: {@code deterministic} or {@code concurrent}. */
  @Override
  public String toString() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The mode spelled {@code name} (exactly as in scenario files), if any. */
  public static Optional<Mode> parse(String name) {
    for (Mode m : values()) {
      if (m.toString().equals(name)) {
        return Optional.of(m);
      }
    }
    return Optional.empty();
  }
}
