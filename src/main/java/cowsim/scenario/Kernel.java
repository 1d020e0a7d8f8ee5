package cowsim.scenario;

import com.typesafe.config.Config;
import java.util.List;
import java.util.Objects;

/**
 * The simulated kernel's configuration: a behaviour profile plus the whole {@code kernel} subtree.
 *
 * @param profile the profile name, one of {@link #PROFILES}
 * @param raw the {@code kernel} section as written (with defaults applied)
 * @param policy every policy knob: the profile's values, overridden by the scenario's
 */
public record Kernel(String profile, Config raw, cowsim.kernel.KernelPolicy policy) {
  /** Known kernel profiles ({@link cowsim.kernel.Profile}). */
  public static final List<String> PROFILES = cowsim.kernel.Profile.keys();

  public Kernel {
    Objects.requireNonNull(profile, "profile");
    Objects.requireNonNull(raw, "raw");
    Objects.requireNonNull(policy, "policy");
  }
}
