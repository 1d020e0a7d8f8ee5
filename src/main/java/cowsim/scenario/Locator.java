package cowsim.scenario;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigOrigin;
import com.typesafe.config.ConfigValue;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The mapping from Typesafe Config origins to the file and line an author should look at. */
final class Locator {
  /** A place in a scenario file or a {@code --set} override; line 0 means no particular line. */
  record Location(String file, int line) {
    ScenarioException error(String reason) {
      return new ScenarioException(file, line, reason);
    }
  }

  private final String primary;
  private final Path given;
  private final Path absolute;
  private final String text;
  private final Set<String> setOrigins;
  private final ClassLoader loader;
  private final Map<String, List<String>> sources = new HashMap<>();

  private Locator(
      String primary,
      Path given,
      Path absolute,
      String text,
      Set<String> setOrigins,
      ClassLoader loader) {
    this.primary = primary;
    this.given = given;
    this.absolute = absolute;
    this.text = text;
    this.setOrigins = setOrigins;
    this.loader = loader;
  }

  /**
   * For a scenario read from {@code given}, which Typesafe Config is handed as {@code absolute}.
   */
  static Locator forFile(Path given, Path absolute, Set<String> setOrigins, ClassLoader loader) {
    return new Locator(given.toString(), given, absolute, null, setOrigins, loader);
  }

  static Locator forResource(String name, Set<String> setOrigins, ClassLoader loader) {
    return new Locator(name, null, null, null, setOrigins, loader);
  }

  static Locator forText(
      String originName, String text, Set<String> setOrigins, ClassLoader loader) {
    return new Locator(originName, null, null, text, setOrigins, loader);
  }

  /** The scenario's own name: the file path as given, the resource name or the origin name. */
  String primary() {
    return primary;
  }

  Location unknownLine() {
    return new Location(primary, 0);
  }

  /**
   * Line 1 of the scenario: where an error about the whole text points when no value is to blame
   * (a missing top-level key, a nesting too deep to parse), so that it still reads {@code file:line:}.
   */
  Location firstLine() {
    return new Location(primary, 1);
  }

  /**
   * A location in the scenario itself with no line (a value from the defaults or merged from
   * several places, a missing key) becomes its first line; others (a --set) stay as they are.
   */
  Location orFirstLine(Location at) {
    return at.line() == 0 && at.file().equals(primary) ? firstLine() : at;
  }

  Location locate(ConfigValue value) {
    return locate(value == null ? null : value.origin());
  }

  Location locate(ConfigOrigin origin) {
    if (origin == null) {
      return unknownLine();
    }
    String base = baseDescription(origin);
    if (setOrigins.contains(base)) {
      return new Location(base, 0);
    }
    int line = Math.max(origin.lineNumber(), 0);
    // Resources first: one on a directory classpath also has a filename, an absolute one.
    if (origin.resource() != null) {
      // A bad default is only ever reached because of the scenario, so point there.
      if (origin.resource().equals(ScenarioLoader.DEFAULTS_RESOURCE)) {
        return unknownLine();
      }
      return new Location(origin.resource(), line);
    }
    if (origin.filename() != null) {
      return new Location(display(origin.filename()), line);
    }
    if (origin.url() != null) {
      return new Location(origin.url().toString(), line);
    }
    if (base.startsWith("merge of ")) {
      // Values merged from several places (file, --set, defaults) have no single line.
      return unknownLine();
    }
    return new Location(base, line);
  }

  /** The origin's description without the {@code : line} suffix Typesafe Config appends. */
  private static String baseDescription(ConfigOrigin origin) {
    String d = origin.description();
    if (origin.lineNumber() >= 0) {
      String suffix = ": " + origin.lineNumber();
      int at = d.lastIndexOf(suffix);
      if (at >= 0 && d.substring(at + suffix.length()).matches("(-\\d+)?")) {
        return d.substring(0, at);
      }
    }
    return d;
  }

  /**
   * Shows a file origin the way the user named it: Typesafe Config is given an absolute path (so
   * that includes resolve even for a bare file name), but messages should say {@code x.conf}.
   */
  private String display(String filename) {
    if (absolute == null) {
      return filename;
    }
    try {
      Path p = Path.of(filename).normalize();
      if (p.equals(absolute)) {
        return given.toString();
      }
      Path rel = absolute.getParent().relativize(p);
      Path dir = given.getParent();
      return (dir == null ? rel : dir.resolve(rel)).normalize().toString();
    } catch (IllegalArgumentException e) {
      return filename;
    }
  }

  /**
   * The file line of line {@code asmLine} of a program string.
   *
   * <p>Typesafe Config gives a string the line where its token ends, so a triple-quoted string
   * starts {@code newlines} lines earlier; the assembler counts its first line from there, which is
   * the quotes' own line (empty when the quotes are followed by a newline).
   */
  Location programLine(ConfigValue program, int asmLine) {
    Location end = locate(program);
    if (end.line() == 0) {
      return end;
    }
    String s = String.valueOf(program.unwrapped());
    int newlines = (int) s.chars().filter(c -> c == '\n').count();
    int first = end.line() - newlines;
    if (first < 1 || !sourceLineContains(program.origin(), first, "\"\"\"")) {
      // A one-line string with \n escapes: every program line is on the same file line.
      first = end.line();
    }
    int line = first + Math.max(asmLine, 1) - 1;
    return new Location(end.file(), Math.min(line, end.line()));
  }

  /**
   * Where on its line the key {@code key} holding {@code value} is written, or {@link
   * Integer#MAX_VALUE} if that cannot be told. Typesafe Config keeps neither key order nor columns,
   * and several keys often share a line ({@code exit-codes { a = 0, b = 1 }}).
   */
  int column(ConfigValue value, String key) {
    ConfigOrigin origin = value.origin();
    List<String> lines = source(origin);
    int line = origin.lineNumber();
    if (lines == null || line < 1 || line > lines.size()) {
      return Integer.MAX_VALUE;
    }
    Matcher m =
        Pattern.compile("(?<![A-Za-z0-9_-])(\"?)" + Pattern.quote(key) + "\\1\\s*[=:{]")
            .matcher(lines.get(line - 1));
    return m.find() ? m.start() : Integer.MAX_VALUE;
  }

  /**
   * Whether line {@code line} of the origin's source contains {@code needle}; true if unreadable.
   */
  private boolean sourceLineContains(ConfigOrigin origin, int line, String needle) {
    List<String> lines = source(origin);
    if (lines == null) {
      return true;
    }
    return line <= lines.size() && lines.get(line - 1).contains(needle);
  }

  private List<String> source(ConfigOrigin origin) {
    String key;
    if (origin.resource() != null) {
      key = "resource:" + origin.resource();
    } else if (origin.filename() != null) {
      key = "file:" + origin.filename();
    } else if (text != null && baseDescription(origin).equals(primary)) {
      key = "text:";
    } else {
      return null;
    }
    return sources.computeIfAbsent(key, k -> readSource(origin));
  }

  private List<String> readSource(ConfigOrigin origin) {
    try {
      if (origin.resource() != null) {
        return readResource(origin.resource());
      }
      if (origin.filename() != null) {
        return readPath(Path.of(origin.filename()));
      }
      return lines(text);
    } catch (RuntimeException e) {
      return null;
    }
  }

  private static List<String> lines(String s) {
    return Arrays.asList(s.split("\n", -1));
  }

  /** The primary source's lines, or an empty list when it cannot be read. */
  private List<String> primaryLines() {
    List<String> lines;
    if (text != null) {
      lines = lines(text);
    } else if (absolute != null) {
      lines = sources.computeIfAbsent("file:" + absolute, k -> readPath(absolute));
    } else {
      lines = sources.computeIfAbsent("resource:" + primary, k -> readResource(primary));
    }
    return lines == null ? List.of() : lines;
  }

  private static List<String> readPath(Path p) {
    try {
      return Files.readAllLines(p, StandardCharsets.UTF_8);
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  private List<String> readResource(String name) {
    try (InputStream in = loader.getResourceAsStream(name)) {
      return in == null ? null : lines(new String(in.readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * An include {@link IncludeGuard} refused: at the line of the included file where it is wrong,
   * or, when the file as a whole is refused, at the include statement in the scenario.
   */
  ScenarioException fromRefusedInclude(IncludeGuard.Refused e) {
    if (e.file != null && e.line > 0) {
      return new ScenarioException(display(e.file), e.line, e.reason, e);
    }
    String what = e.file != null ? "cannot include '" + display(e.file) + "': it " + e.reason : e.reason;
    return includeStatement(e.name).error(what);
  }

  /** The line of the scenario's include statement naming {@code target}, or line 1. */
  private Location includeStatement(String target) {
    String name = target == null ? "" : target;
    try {
      Path p = Path.of(name).getFileName();
      name = p == null ? name : p.toString();
    } catch (IllegalArgumentException e) {
      // not a path: look for the text as it is
    }
    List<String> lines = primaryLines();
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i);
      if (l.contains("include") && l.contains(name)) {
        return new Location(primary, i + 1);
      }
    }
    return firstLine();
  }

  /** Converts a Typesafe Config failure (syntax, include, substitution) into a located error. */
  ScenarioException fromConfig(ConfigException e) {
    ConfigOrigin origin = e.origin();
    String message = String.valueOf(e.getMessage());
    if (origin != null && message.startsWith(origin.description() + ": ")) {
      message = message.substring(origin.description().length() + 2);
    }
    if (e instanceof ConfigException.IO && origin != null && origin.lineNumber() < 0) {
      // Typesafe Config names a missing include by its target only; find the include statement.
      String target = baseDescription(origin);
      String name =
          Path.of(target).getFileName() == null ? target : Path.of(target).getFileName().toString();
      List<String> lines = primaryLines();
      for (int i = 0; i < lines.size(); i++) {
        String l = lines.get(i);
        if (l.contains("include") && l.contains(name)) {
          return new ScenarioException(
              primary,
              i + 1,
              "cannot include '"
                  + name
                  + "': not found next to the including file nor on the classpath",
              e);
        }
      }
      return new ScenarioException(
          primary, 1, "cannot read '" + target + "': " + ioDetail(message), e);
    }
    if (message.contains("has type LIST rather than object at file root")
        || message.contains("rather than object at file root")) {
      message = "a scenario is an object of keys (name = ..., processes = [ ... ]), not a list or a value";
    }
    int trace = message.indexOf("include statements nested more than");
    if (trace >= 0) {
      message = message.substring(trace).replaceFirst("\\. Trace: .*$", "") + " (does a file include itself?)";
    }
    if (message.startsWith("Cannot concatenate object or list with a non-object-or-list")) {
      // Typesafe Config's wording here dumps its internal value classes.
      message =
          "an object or list runs into other text on the same line (missing newline or comma?)";
    }
    Location at = orFirstLine(locate(origin));
    return new ScenarioException(at.file(), at.line(), message, e);
  }

  private static String ioDetail(String message) {
    // Typesafe Config wraps the JDK's message as "java.io.Foo: detail".
    return message.replaceAll("(?:[a-z]+\\.)+[A-Z]\\w*(?:Exception|Error): ?", "");
  }
}
