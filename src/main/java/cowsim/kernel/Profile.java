package cowsim.kernel;

import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * A kernel profile: a named set of knob values ({@code kernel.profile} in a scenario). Each
 * {@link Knob} declares its value in every profile.
 */
public enum Profile {
  /** strat9 as of its late-March 2026 fork.rs (the reference notes). */
  STRAT9("strat9"),
  /** the corrected policy, as Linux does it. */
  LINUX("linux"),
  /**
   * linux before the 2017 fix "mm: fix MADV_[FREE|DONTNEED] TLB flush miss problem" (v4.13):
   * linux's values except where a knob declares another ({@code tlb.nested-flush = off}).
   */
  LINUX_4_12("linux-4.12");

  /** The name a scenario writes ({@code kernel.profile = linux}). */
  public final String key;

  Profile(String key) {
    this.key = key;
  }

  /** The profile of this name, if there is one. */
  public static Optional<Profile> of(String key) {
    return Arrays.stream(values()).filter(p -> p.key.equals(key)).findFirst();
  }

  /** Every profile's name, in declaration order. */
  public static List<String> keys() {
    return Arrays.stream(values()).map(p -> p.key).toList();
  }

  @Override
  public String toString() {
    return key;
  }
}
