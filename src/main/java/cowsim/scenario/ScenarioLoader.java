package cowsim.scenario;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import com.typesafe.config.ConfigUtil;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The loader of scenario files, bundled scenarios and scenario text, with {@code --set} overrides.
 *
 * <p>Parses the HOCON, applies the overrides, falls back to {@code cowsim/scenario-defaults.conf},
 * then validates everything into a {@link Scenario}.
 *
 * <p>Every problem with the input, including a missing file and HOCON syntax errors, is reported as
 * a {@link ScenarioException} located at a file and line.
 */
public final class ScenarioLoader {
  /** Classpath name of the defaults every scenario falls back to. */
  public static final String DEFAULTS_RESOURCE = "cowsim/scenario-defaults.conf";

  private static final String PROCESS_DEFAULTS = "process-defaults";
  private static final String REGION_DEFAULTS = "region-defaults";

  private ScenarioLoader() {}

  /**
   * Loads a scenario file. {@code include required("x.conf")} is relative to the file.
   *
   * @param sets command-line overrides, each {@code key=value} with a HOCON value; later ones win
   */
  public static Scenario load(Path file, List<String> sets) throws ScenarioException {
    String shown = file.toString();
    // Checked before Typesafe Config opens it: a FIFO would never end, /dev/zero never stop.
    ScenarioFiles.Read read = ScenarioFiles.read(file);
    if (read.problem() != null) {
      throw new ScenarioException(shown, read.problem().line(), read.problem().reason());
    }
    // Typesafe Config resolves includes against the parent of the path it is given, and a bare
    // "x.conf" has none; the Locator maps the absolute paths back to what the user typed.
    Path absolute = file.toAbsolutePath().normalize();
    Locator locator = Locator.forFile(file, absolute, setOrigins(sets), classLoader());
    Config parsed =
        parsing(
            locator,
            () ->
                ConfigFactory.parseFile(absolute.toFile(), guarded().setAllowMissing(false)).resolve());
    return finish(parsed, sets, locator);
  }

  /**
   * A scenario file (or, with {@code file} null, a bundled resource) read and resolved into one
   * self-contained HOCON text, its includes inlined: what {@link #parse} reads back into the same
   * scenario (the --set overrides are applied after resolution there as in {@link #load}). A
   * cluster worker gets this text instead of the files.
   */
  public static String resolvedText(Path file, String classpathName) throws ScenarioException {
    Config parsed;
    if (file == null) {
      ClassLoader loader = classLoader();
      if (loader.getResource(classpathName) == null) {
        throw new ScenarioException(classpathName, 0, "no such resource on the classpath");
      }
      Locator locator = Locator.forResource(classpathName, setOrigins(List.of()), loader);
      parsed = parsing(locator, () -> ConfigFactory.parseResources(
          loader, classpathName, guarded().setAllowMissing(false).setClassLoader(loader)).resolve());
    } else {
      ScenarioFiles.Read read = ScenarioFiles.read(file);
      if (read.problem() != null) {
        throw new ScenarioException(file.toString(), read.problem().line(), read.problem().reason());
      }
      Path absolute = file.toAbsolutePath().normalize();
      Locator locator = Locator.forFile(file, absolute, setOrigins(List.of()), classLoader());
      parsed = parsing(locator, () -> ConfigFactory.parseFile(absolute.toFile(), guarded().setAllowMissing(false)).resolve());
    }
    return parsed.root().render(com.typesafe.config.ConfigRenderOptions.concise());
  }

  /** Loads a scenario bundled on the classpath, such as the default scenario. */
  public static Scenario loadResource(String classpathName, List<String> sets)
      throws ScenarioException {
    ClassLoader loader = classLoader();
    if (loader.getResource(classpathName) == null) {
      throw new ScenarioException(classpathName, 0, "no such resource on the classpath");
    }
    Locator locator = Locator.forResource(classpathName, setOrigins(sets), loader);
    Config parsed =
        parsing(
            locator,
            () ->
                ConfigFactory.parseResources(
                        loader, classpathName, guarded().setAllowMissing(false).setClassLoader(loader))
                    .resolve());
    return finish(parsed, sets, locator);
  }

  /**
   * Parses scenario text, as if read from a file called {@code originName} (which messages name).
   * Includes resolve on the classpath.
   */
  public static Scenario parse(String text, String originName, List<String> sets)
      throws ScenarioException {
    ScenarioFiles.Problem deep = ScenarioFiles.nesting(text);
    if (deep != null) {
      throw new ScenarioException(originName, deep.line(), deep.reason());
    }
    Locator locator = Locator.forText(originName, text, setOrigins(sets), classLoader());
    Config parsed =
        parsing(
            locator,
            () -> ConfigFactory.parseString(text, guarded().setOriginDescription(originName)).resolve());
    return finish(parsed, sets, locator);
  }

  /**
   * Runs Typesafe Config's parse and resolve, turning its failures into located errors: syntax
   * and substitution errors, an include the guard refused, and (the nesting was checked before,
   * so only through includes nested in includes) a stack overflow.
   */
  private static Config parsing(Locator locator, java.util.function.Supplier<Config> parse)
      throws ScenarioException {
    try {
      return parse.get();
    } catch (IncludeGuard.Refused e) {
      throw locator.fromRefusedInclude(e);
    } catch (ConfigException e) {
      throw locator.fromConfig(e);
    } catch (StackOverflowError e) {
      throw locator.firstLine().error(
          "nested too deep to read (the loader allows " + ScenarioFiles.MAX_NESTING + " levels, includes nested in includes add up)");
    }
  }

  private static Scenario finish(Config parsed, List<String> sets, Locator locator)
      throws ScenarioException {
    Config merged = parsed;
    for (String set : sets == null ? List.<String>of() : sets) {
      merged = override(set).withFallback(merged);
    }
    Config defaults = defaults();
    ConfigObject processDefaults = defaults.getObject(PROCESS_DEFAULTS);
    ConfigObject regionDefaults = defaults.getObject(REGION_DEFAULTS);
    Config scenarioDefaults = defaults.withoutPath(PROCESS_DEFAULTS).withoutPath(REGION_DEFAULTS);
    try {
      return new ScenarioReader(locator, processDefaults, regionDefaults)
          .read(merged.withFallback(scenarioDefaults));
    } catch (ConfigException e) {
      // The reader checks types itself; this only catches what slips past it.
      throw locator.fromConfig(e);
    } catch (StackOverflowError e) {
      throw locator.firstLine().error(
          "nested too deep to read (the loader allows " + ScenarioFiles.MAX_NESTING + " levels)");
    }
  }

  /** One {@code --set key=value} as a Config whose values' origin is the override itself. */
  private static Config override(String set) throws ScenarioException {
    String where = setOrigin(set);
    int eq = set.indexOf('=');
    if (eq < 0) {
      throw new ScenarioException(where, 0, "expected key=value, like --set machine.cpus=8");
    }
    String key = set.substring(0, eq).strip();
    String value = set.substring(eq + 1);
    if (key.isEmpty()) {
      throw new ScenarioException(where, 0, "missing key before '=', like --set machine.cpus=8");
    }
    String path;
    try {
      path = ConfigUtil.joinPath(ConfigUtil.splitPath(key));
    } catch (ConfigException e) {
      throw new ScenarioException(
          where, 0, "malformed key '" + key + "' (a path like machine.tlb.entries)", e);
    }
    ScenarioFiles.Problem deep = ScenarioFiles.nesting(path + " = " + value);
    if (deep != null) {
      throw new ScenarioException(where, 0, deep.reason());
    }
    try {
      // Parsed once under a fixed key, to be sure the text is one value and not "a, b = 2".
      Config alone = parse("v = " + value, where);
      if (alone.root().size() != 1 || !alone.root().containsKey("v")) {
        throw new ScenarioException(where, 0, "the value must be a single HOCON value");
      }
      // Parsing "path = value" (not ConfigValue.atPath) gives the enclosing objects this
      // override as their origin too, so errors about them still point at the --set.
      return parse(path + " = " + value, where);
    } catch (ConfigException e) {
      String message = String.valueOf(e.getMessage());
      if (e.origin() != null && message.startsWith(e.origin().description() + ": ")) {
        message = message.substring(e.origin().description().length() + 2);
      }
      throw new ScenarioException(where, 0, "malformed value: " + message, e);
    }
  }

  private static Config parse(String text, String originDescription) {
    return ConfigFactory.parseString(text, options().setOriginDescription(originDescription))
        .resolve();
  }

  private static String setOrigin(String set) {
    return "--set " + set;
  }

  private static Set<String> setOrigins(List<String> sets) {
    Set<String> origins = new LinkedHashSet<>();
    for (String set : sets == null ? List.<String>of() : sets) {
      origins.add(setOrigin(set));
    }
    return origins;
  }

  private static Config defaults() {
    // Parsed per load: it is small, and a static cache would be shared mutable-looking state.
    return ConfigFactory.parseResources(
            classLoader(), DEFAULTS_RESOURCE, options().setAllowMissing(false))
        .resolve();
  }

  private static ConfigParseOptions options() {
    return ConfigParseOptions.defaults().setSyntax(ConfigSyntax.CONF);
  }

  /** For a scenario: includes go through a fresh {@link IncludeGuard} (its count is per load). */
  private static ConfigParseOptions guarded() {
    return options().setIncluder(new IncludeGuard());
  }

  private static ClassLoader classLoader() {
    return ScenarioLoader.class.getClassLoader();
  }
}
