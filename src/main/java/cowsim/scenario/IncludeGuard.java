package cowsim.scenario;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigIncludeContext;
import com.typesafe.config.ConfigIncluder;
import com.typesafe.config.ConfigIncluderClasspath;
import com.typesafe.config.ConfigIncluderFile;
import com.typesafe.config.ConfigIncluderURL;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigParseable;
import java.io.File;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;

/**
 * Typesafe Config's includer, with the checks of {@link ScenarioFiles} on every file a scenario
 * includes (before Typesafe Config opens it) and a limit on the number of includes. The including
 * itself is Typesafe Config's own (the fallback), unchanged.
 */
final class IncludeGuard
    implements ConfigIncluder, ConfigIncluderFile, ConfigIncluderURL, ConfigIncluderClasspath {

  /** An include refused: the included file, where in it (0: the file as a whole), and why. */
  static final class Refused extends ConfigException {
    private static final long serialVersionUID = 1L;

    final String file;
    final int line;
    final String reason;
    /** What the include statement names, to find it in the including file. */
    final String name;

    Refused(String file, int line, String reason, String name) {
      super(reason);
      this.file = file;
      this.line = line;
      this.reason = reason;
      this.name = name;
    }
  }

  /** The includes of one load, counted across every file. */
  static final class Count {
    private int includes;
  }

  private final Count count;
  private final ConfigIncluder fallback;

  IncludeGuard() {
    this(new Count(), null);
  }

  private IncludeGuard(Count count, ConfigIncluder fallback) {
    this.count = count;
    this.fallback = fallback;
  }

  @Override
  public ConfigIncluder withFallback(ConfigIncluder f) {
    return f == fallback ? this : new IncludeGuard(count, f);
  }

  @Override
  public ConfigObject include(ConfigIncludeContext context, String what) {
    counted(what);
    // what Typesafe Config will try next to the including file: the name, or name.conf/.json/.properties
    for (String name : new String[] {what, what + ".conf", what + ".json", what + ".properties"}) {
      ConfigParseable p = context.relativeTo(name);
      if (p != null && p.origin() != null && p.origin().filename() != null) {
        check(Path.of(p.origin().filename()), what);
      }
    }
    return fallback.include(context, what);
  }

  @Override
  public ConfigObject includeFile(ConfigIncludeContext context, File what) {
    counted(what.getPath());
    for (String suffix : new String[] {"", ".conf", ".json", ".properties"}) {
      File f = new File(what.getPath() + suffix);
      if (f.exists()) {
        check(f.toPath(), what.getName());
      }
    }
    return ((ConfigIncluderFile) fallback).includeFile(context, what);
  }

  @Override
  public ConfigObject includeURL(ConfigIncludeContext context, URL what) {
    counted(what.toString());
    if ("file".equalsIgnoreCase(what.getProtocol())) {
      try {
        Path p = Path.of(what.toURI());
        if (p.toFile().exists()) {
          check(p, what.toString());
        }
      } catch (URISyntaxException | IllegalArgumentException e) {
        // Typesafe Config reports a URL it cannot open
      }
    }
    return ((ConfigIncluderURL) fallback).includeURL(context, what);
  }

  @Override
  public ConfigObject includeResources(ConfigIncludeContext context, String what) {
    counted(what);
    return ((ConfigIncluderClasspath) fallback).includeResources(context, what);
  }

  private void counted(String name) {
    if (++count.includes > ScenarioFiles.MAX_INCLUDES) {
      throw new Refused(
          null, 0, "more than " + ScenarioFiles.MAX_INCLUDES + " includes (does a file include itself?)", name);
    }
  }

  private static void check(Path file, String name) {
    ScenarioFiles.Read r = ScenarioFiles.read(file);
    if (r.problem() != null) {
      throw new Refused(file.toString(), r.problem().line(), r.problem().reason(), name);
    }
  }
}
