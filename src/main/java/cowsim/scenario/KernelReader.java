package cowsim.scenario;

import java.util.List;

/**
 * The reader of the {@code kernel} section of a scenario.
 *
 * <p>The one place that knows kernel keys and profiles, so that adding profiles and policy knobs
 * touches only this class and {@link Kernel}.
 */
final class KernelReader {
  static final List<String> KEYS = List.of("profile");

  private KernelReader() {}

  static Kernel read(Section kernel) throws ScenarioException {
    kernel.checkKeys(KEYS);
    String profile = kernel.choice("profile", Kernel.PROFILES);
    return new Kernel(profile, kernel.object().toConfig());
  }
}
