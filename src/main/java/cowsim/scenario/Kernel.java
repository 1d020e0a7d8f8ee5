package cowsim.scenario;

import com.typesafe.config.Config;
import java.util.List;
import java.util.Objects;

/**
 * The simulated kernel's configuration: a behaviour profile plus the whole {@code kernel} subtree.
 *
 * @param profile the profile name, one of {@link #PROFILES}
 * @param raw the {@code kernel} section with defaults applied, for knobs read by the kernel itself
 */
public record Kernel(String profile, Config raw) {
  /** Known kernel profiles. */
  public static final List<String> PROFILES = List.of("strat9");

  public Kernel {
    Objects.requireNonNull(profile, "profile");
    Objects.requireNonNull(raw, "raw");
  }
}
