package cowsim.scenario;

import com.typesafe.config.ConfigFactory;
import cowsim.kernel.KernelPolicy;
import cowsim.kernel.Knob;
import cowsim.kernel.Mistake;
import cowsim.kernel.Profile;
import java.util.ArrayList;
import java.util.List;

/**
 * The reader of the {@code kernel} section of a scenario: a profile, then any policy knob.
 *
 * <p>Which keys there are, what each may be and each profile's values all come from the knob
 * registry ({@link Knob}); a knob written in the scenario (or given with
 * {@code --set kernel.x=y}) wins over its profile.
 */
final class KernelReader {
  /** The keys of a {@code kernel} block: the profile, the knobs' first parts, the mistake. */
  static final List<String> KEYS = keys();

  private KernelReader() {}

  private static List<String> keys() {
    List<String> keys = new ArrayList<>(List.of("profile"));
    keys.addAll(children(List.of()));
    keys.add("mistake");
    return List.copyOf(keys);
  }

  /** The keys one level below {@code prefix} ({@code [tlb]}: fork, cow-fault, ...), in registry order. */
  static List<String> children(List<String> prefix) {
    return Knob.all().stream()
        .map(Knob::path)
        .filter(p -> p.size() > prefix.size() && p.subList(0, prefix.size()).equals(prefix))
        .map(p -> p.get(prefix.size()))
        .distinct()
        .toList();
  }

  static Kernel read(Section kernel) throws ScenarioException {
    kernel.checkKeys(KEYS);
    String profile = kernel.choice("profile", Kernel.PROFILES);
    checkGroups(kernel, List.of());
    KernelPolicy.Builder policy = KernelPolicy.builder(Profile.of(profile).orElseThrow());
    for (Knob<?> knob : Knob.all()) {
      set(policy, knob, kernel);
    }
    return new Kernel(profile, kernel.object().toConfig(), policy.mistake(mistake(kernel)).build());
  }

  /** The keys of every group the scenario writes ({@code kernel.tlb { ... }}), level by level. */
  private static void checkGroups(Section section, List<String> prefix) throws ScenarioException {
    for (String child : children(prefix)) {
      List<String> path = new ArrayList<>(prefix);
      path.add(child);
      List<String> below = children(path);
      if (!below.isEmpty() && section.optional(child) != null) {
        Section group = section.section(child);
        group.checkKeys(below);
        checkGroups(group, path);
      }
    }
  }

  /** The knob's value where the scenario writes it; else the profile's stays. */
  private static <T> void set(KernelPolicy.Builder policy, Knob<T> knob, Section kernel) throws ScenarioException {
    Section s = kernel;
    List<String> path = knob.path();
    for (String group : path.subList(0, path.size() - 1)) {
      if (s.optional(group) == null) {
        return;
      }
      s = s.section(group);
    }
    String leaf = path.get(path.size() - 1);
    if (s.optional(leaf) != null) {
      policy.set(knob, knob.type.read(new At(s, leaf)));
    }
  }

  /** A knob's key in its section, as the registry's types read it. */
  private record At(Section section, String key) implements Knob.Source<ScenarioException> {
    @Override
    public String choice(List<String> words) throws ScenarioException {
      return section.choice(key, words);
    }

    @Override
    public boolean bool() throws ScenarioException {
      return section.bool(key);
    }

    @Override
    public long integer(long min, long max) throws ScenarioException {
      return section.integer(key, min, max);
    }
  }

  /**
   * {@code kernel.mistake}: test equipment, not a knob of any profile, so its default comes from
   * reference.conf ({@code cowsim.kernel.mistake}) and not from the profile.
   */
  private static Mistake mistake(Section kernel) throws ScenarioException {
    String name =
        kernel.optional("mistake") == null
            ? ConfigFactory.defaultReference().getString("cowsim.kernel.mistake")
            : kernel.choice("mistake", Mistake.names());
    return Mistake.of(name).orElseThrow(() -> new IllegalStateException("reference.conf: unknown cowsim.kernel.mistake " + name));
  }

  /** A kernel block with only {@code profile = name}: the profile's values, no overrides. */
  static Kernel profileOnly(String name) throws ScenarioException {
    return profileWith(name, List.of());
  }

  /**
   * A kernel block with the profile and these knobs ({@code tlb.cow-fault=mm-cpus}), nothing
   * else from the scenario.
   */
  static Kernel profileWith(String name, List<String> knobs) throws ScenarioException {
    if (!Kernel.PROFILES.contains(name)) {
      throw new ScenarioException("--profile " + name, 0, "profile must be one of " + String.join(", ", Kernel.PROFILES) + ", got '" + name + "'");
    }
    com.typesafe.config.Config c = ConfigFactory.parseString("profile = " + name);
    for (String knob : knobs) {
      try {
        c = ConfigFactory.parseString(knob).withFallback(c);
      } catch (com.typesafe.config.ConfigException e) {
        throw new ScenarioException("--variant " + knob, 0, "expected knob=value, e.g. tlb.cow-fault=mm-cpus");
      }
    }
    String origin = knobs.isEmpty() ? "--profile " + name : "--variant " + String.join(",", knobs);
    Locator locator = Locator.forText(origin, "", java.util.Set.of(), KernelReader.class.getClassLoader());
    try {
      return read(new Section(c.root(), "kernel", locator.locate(c.root()), locator));
    } catch (ScenarioException e) {
      throw new ScenarioException("--variant " + String.join(",", knobs), 0, e.reason());
    } catch (RuntimeException e) {
      throw new ScenarioException("--variant " + String.join(",", knobs), 0, "not a kernel knob: " + e.getMessage());
    }
  }
}
