package cowsim.scenario;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import cowsim.kernel.KernelPolicy;
import cowsim.kernel.Mistake;
import java.util.List;

/**
 * The reader of the {@code kernel} section of a scenario: a profile, then any policy knob.
 *
 * <p>The one place that knows kernel keys and profiles. The profiles' values come from
 * reference.conf ({@code cowsim.kernel.profiles}); a knob written in the scenario (or given with
 * {@code --set kernel.x=y}) wins over its profile.
 */
final class KernelReader {
  static final List<String> KEYS = List.of("profile", "tlb", "refcount", "cow-fault", "fork", "fault", "munmap", "pcid", "mm-lock", "mistake");
  static final List<String> TLB_KEYS =
      List.of("fork", "cow-fault", "munmap", "mprotect", "flush-ceiling", "ack-timeout-spins", "ack-flag", "free-after-flush", "generation-check");

  private KernelReader() {}

  static Kernel read(Section kernel) throws ScenarioException {
    kernel.checkKeys(KEYS);
    String profile = kernel.choice("profile", Kernel.PROFILES);
    Config base = ConfigFactory.defaultReference().getConfig("cowsim.kernel.profiles." + profile);
    if (kernel.optional("tlb") != null) {
      kernel.section("tlb").checkKeys(TLB_KEYS);
    }
    only(kernel, "refcount", "on-alloc");
    only(kernel, "cow-fault", "lock");
    if (kernel.optional("fork") != null) {
      kernel.section("fork").checkKeys(List.of("child-fs-base", "rollback"));
    }
    only(kernel, "fault", "present-page");
    only(kernel, "munmap", "stop-at-untouched");
    Knobs k = new Knobs(kernel, base);
    KernelPolicy policy =
        new KernelPolicy(
            profile,
            KernelPolicy.Flush.of(k.choice("tlb.fork", KernelPolicy.FORK_FLUSH)),
            KernelPolicy.Flush.of(k.choice("tlb.cow-fault", KernelPolicy.PATH_FLUSH)),
            KernelPolicy.Flush.of(k.choice("tlb.munmap", KernelPolicy.PATH_FLUSH)),
            KernelPolicy.Flush.of(k.choice("tlb.mprotect", KernelPolicy.PATH_FLUSH)),
            (int) k.integer("tlb.flush-ceiling", 1, 512),
            k.integer("tlb.ack-timeout-spins", 0, Long.MAX_VALUE / 1024),
            KernelPolicy.AckFlag.of(k.choice("tlb.ack-flag", KernelPolicy.ACK_FLAGS)),
            k.bool("tlb.free-after-flush"),
            (int) k.integer("refcount.on-alloc", 0, 1),
            k.choice("cow-fault.lock", List.of("none", "page-table")).equals("page-table"),
            k.choice("fork.child-fs-base", List.of("zero", "inherit")).equals("inherit"),
            k.choice("fork.rollback", List.of("restore-and-decrement", "teardown-only")).equals("teardown-only"),
            k.choice("fault.present-page", List.of("retry", "kill")).equals("kill"),
            k.bool("munmap.stop-at-untouched"),
            k.bool("pcid"),
            k.bool("tlb.generation-check"),
            KernelPolicy.MmLock.of(k.choice("mm-lock", KernelPolicy.MM_LOCKS)),
            mistake(kernel));
    return new Kernel(profile, kernel.object().toConfig(), policy);
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

  private static void only(Section kernel, String key, String sub) throws ScenarioException {
    if (kernel.optional(key) != null) {
      kernel.section(key).checkKeys(List.of(sub));
    }
  }

  /** A knob from the scenario when it sets it, else from the profile. */
  private record Knobs(Section kernel, Config profile) {

    private Section owner(String path) throws ScenarioException {
      int dot = path.indexOf('.');
      if (dot < 0) {
        return kernel.optional(path) == null ? null : kernel;
      }
      String head = path.substring(0, dot);
      if (kernel.optional(head) == null) {
        return null;
      }
      Section s = kernel.section(head);
      return s.optional(path.substring(dot + 1)) == null ? null : s;
    }

    private static String leaf(String path) {
      return path.substring(path.indexOf('.') + 1);
    }

    String choice(String path, List<String> allowed) throws ScenarioException {
      Section s = owner(path);
      return s == null ? profile.getString(path) : s.choice(path.contains(".") ? leaf(path) : path, allowed);
    }

    long integer(String path, long min, long max) throws ScenarioException {
      Section s = owner(path);
      return s == null ? profile.getLong(path) : s.integer(path.contains(".") ? leaf(path) : path, min, max);
    }

    boolean bool(String path) throws ScenarioException {
      Section s = owner(path);
      return s == null ? profile.getBoolean(path) : s.bool(path.contains(".") ? leaf(path) : path);
    }
  }
}
