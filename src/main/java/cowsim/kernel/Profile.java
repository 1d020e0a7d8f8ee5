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
  STRAT9(),
  /** the corrected policy, as Linux does it (the current Linux: the clean reference). */
  LINUX("linux", null, "the current Linux"),
  /**
   * Linux before 5.8: linux with the COW fault reusing a page by its map count (what made
   * CVE-2020-29374 possible).
   */
  LINUX_5_7("linux-5.7", LINUX, "Linux before 5.8 (5.7 and older)"),
  /** Linux 5.9 to 5.18: linux with the COW fault reusing a page only at refcount 1. */
  LINUX_5_9("linux-5.9", LINUX, "Linux 5.9 to 5.18"),
  /**
   * linux before the 2017 fix "mm: fix MADV_[FREE|DONTNEED] TLB flush miss problem" (v4.13):
   * linux's values except where a knob declares another ({@code tlb.nested-flush = off}, and
   * {@code cow.reuse = mapcount} as every Linux before 5.8).
   */
  LINUX_4_12("linux-4.12", LINUX, "Linux 4.12, before the MADV_DONTNEED nested-flush fix");

  /** The name a scenario writes ({@code kernel.profile = linux}). */
  public final String key;

  /**
   * The profile this one is a variant of ("linux with these knob values"): every knob has the
   * base's value unless it declares one for this profile ({@link Knob}); null for a base profile.
   */
  public final Profile base;

  /** One line: which kernel it is. */
  public final String doc;

  Profile(String key, Profile base, String doc) {
    this.key = key;
    this.base = base;
    this.doc = doc;
  }

  /** strat9 and linux, whose values every knob declares. */
  Profile() {
    this("strat9", null, "strat9 as of its late-March 2026 fork.rs");
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
