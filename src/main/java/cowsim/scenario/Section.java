package cowsim.scenario;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import cowsim.scenario.Locator.Location;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * One HOCON object of a scenario (the root, {@code machine}, {@code processes[0]}, ...).
 *
 * <p>Its strict, typed accessors produce errors that name the full path and the offending line.
 *
 * <p>Typesafe Config's own getters quietly convert strings to numbers and "yes" to true; scenario
 * files are checked more strictly so that typos do not turn into surprising values.
 */
final class Section {
  private static final Pattern HEX = Pattern.compile("0[xX][0-9a-fA-F_]+");
  private static final Pattern DECIMAL = Pattern.compile("[0-9][0-9_]*");
  /** An integer as written: ASCII digits, no fraction, no exponent (HOCON reads 1e3 and 2.0 as ints). */
  private static final Pattern INTEGER = Pattern.compile("-?[0-9]+");
  /** A size or duration as written: ASCII digits, then an optional unit. */
  private static final Pattern AMOUNT = Pattern.compile("[0-9]+[ \t]*[A-Za-z]*");

  private final ConfigObject object;
  private final String path;
  private final Location where;
  private final Locator locator;

  /**
   * @param object the object with defaults applied
   * @param path how messages name it: empty for the root, else like {@code processes[0].memory[1]}
   * @param where where the author wrote it, for errors about a missing key
   */
  Section(ConfigObject object, String path, Location where, Locator locator) {
    this.object = object;
    this.path = path;
    this.where = where;
    this.locator = locator;
  }

  ConfigObject object() {
    return object;
  }

  String path() {
    return path;
  }

  Location where() {
    return where;
  }

  String pathOf(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /** The keys in the order the author wrote them (Typesafe Config keeps no order). */
  List<String> keysInFileOrder() {
    List<String> keys = new ArrayList<>(object.keySet());
    keys.sort(
        Comparator.comparingInt((String k) -> lineOf(object.get(k)))
            .thenComparingInt(k -> locator.column(object.get(k), k))
            .thenComparing(Comparator.naturalOrder()));
    return keys;
  }

  private int lineOf(ConfigValue v) {
    int line = locator.locate(v).line();
    return line == 0 ? Integer.MAX_VALUE : line;
  }

  void checkKeys(List<String> known) throws ScenarioException {
    for (String key : keysInFileOrder()) {
      if (!known.contains(key)) {
        String in = path.isEmpty() ? "at top level" : "in " + path;
        throw error(
            object.get(key),
            "unknown key '" + key + "' " + in + " (known: " + String.join(", ", known) + ")");
      }
    }
  }

  ScenarioException error(ConfigValue value, String reason) {
    return locator.orFirstLine(locator.locate(value)).error(reason);
  }

  ScenarioException errorHere(String reason) {
    return locator.orFirstLine(where).error(path.isEmpty() ? reason : path + ": " + reason);
  }

  /** The value at {@code key}, or null when absent or set to null. */
  ConfigValue optional(String key) {
    ConfigValue v = object.get(key);
    return v == null || v.valueType() == ConfigValueType.NULL ? null : v;
  }

  ConfigValue required(String key, String what) throws ScenarioException {
    ConfigValue v = object.get(key);
    if (v == null) {
      throw errorHere("missing required key '" + key + "' (" + what + ")");
    }
    return v;
  }

  long integer(String key, long min, long max) throws ScenarioException {
    return integer(required(key, "an integer"), pathOf(key), min, max);
  }

  Integer optionalInt(String key, int min, int max) throws ScenarioException {
    ConfigValue v = optional(key);
    return v == null ? null : (int) integer(v, pathOf(key), min, max);
  }

  String string(String key) throws ScenarioException {
    return string(required(key, "a string"), pathOf(key));
  }

  /** A name of letters, digits, '.', '_' and '-'. */
  String name(String key, String what) throws ScenarioException {
    ConfigValue v = required(key, what);
    return name(v, pathOf(key));
  }

  String name(ConfigValue v, String name) throws ScenarioException {
    String s = string(v, name);
    if (!ScenarioReader.NAME.matcher(s).matches()) {
      throw error(v, name + " must match [A-Za-z0-9._-]+, got " + quote(s));
    }
    return s;
  }

  String choice(String key, List<String> allowed) throws ScenarioException {
    ConfigValue v = required(key, "one of " + String.join(", ", allowed));
    String s = string(v, pathOf(key));
    if (!allowed.contains(s)) {
      throw error(
          v, pathOf(key) + " must be one of " + String.join(", ", allowed) + ", got " + quote(s));
    }
    return s;
  }

  boolean bool(String key) throws ScenarioException {
    ConfigValue v = required(key, "true or false");
    if (v.valueType() != ConfigValueType.BOOLEAN) {
      throw error(v, pathOf(key) + " must be true or false, got " + describe(v));
    }
    return (Boolean) v.unwrapped();
  }

  /**
   * A byte count: a whole number, a HOCON size such as {@code 16 KiB} (ASCII digits, no fraction),
   * or hex such as {@code 0x4000}.
   */
  long size(String key) throws ScenarioException {
    ConfigValue v = required(key, "a size like 16 KiB");
    String name = pathOf(key);
    if (v.valueType() == ConfigValueType.NUMBER) {
      return integer(v, name, Long.MIN_VALUE, Long.MAX_VALUE);
    }
    if (v.valueType() == ConfigValueType.STRING) {
      String s = ((String) v.unwrapped()).strip();
      if (HEX.matcher(s).matches()) {
        return address(v, name);
      }
      if (AMOUNT.matcher(s).matches()) {
        try {
          return v.atKey("v").getBytes("v");
        } catch (ConfigException e) {
          // Fall through to the common message, which says what a size looks like.
        }
      }
    }
    throw error(v, name + " must be a size like 16 KiB or 4096, got " + describe(v) + " (a whole number of ASCII digits, then an optional unit: B, KiB, MiB, GiB, TiB)");
  }

  /** A duration: a whole number of a unit, like {@code 60s} or {@code 500ms} (a bare number is ms). */
  Duration duration(String key) throws ScenarioException {
    ConfigValue v = required(key, "a duration like 60s");
    boolean number = v.valueType() == ConfigValueType.NUMBER && INTEGER.matcher(text(v)).matches();
    boolean string = v.valueType() == ConfigValueType.STRING && AMOUNT.matcher(((String) v.unwrapped()).strip()).matches();
    if (number || string) {
      try {
        return v.atKey("v").getDuration("v");
      } catch (ConfigException e) {
        // Fall through to the common message.
      }
    }
    throw error(v, pathOf(key) + " must be a duration like 60s or 500ms, got " + describe(v) + " (a whole number of ASCII digits, then a unit: ms, s, m, h, d)");
  }

  /** An address: a non-negative number, or a string in hex ({@code 0x400000}) or decimal. */
  long address(String key, String what) throws ScenarioException {
    return address(required(key, what), pathOf(key));
  }

  long address(ConfigValue v, String name) throws ScenarioException {
    if (v.valueType() == ConfigValueType.NUMBER) {
      return integer(v, name, 0, Long.MAX_VALUE);
    }
    if (v.valueType() == ConfigValueType.STRING) {
      String s = ((String) v.unwrapped()).strip();
      try {
        if (HEX.matcher(s).matches()) {
          return Long.parseLong(s.substring(2).replace("_", ""), 16);
        }
        if (DECIMAL.matcher(s).matches()) {
          return Long.parseLong(s.replace("_", ""));
        }
      } catch (NumberFormatException e) {
        throw error(v, name + " is too large, got " + describe(v));
      }
    }
    throw error(v, name + " must be an address like 0x400000, got " + describe(v));
  }

  Section section(String key) throws ScenarioException {
    ConfigValue v = required(key, "an object { ... }");
    if (v.valueType() != ConfigValueType.OBJECT) {
      throw error(v, pathOf(key) + " must be an object { ... }, got " + describe(v));
    }
    return new Section((ConfigObject) v, pathOf(key), locator.locate(v), locator);
  }

  ConfigList list(String key, String what) throws ScenarioException {
    ConfigValue v = required(key, what);
    if (v.valueType() != ConfigValueType.LIST) {
      throw error(v, pathOf(key) + " must be a list [ ... ] of " + what + ", got " + describe(v));
    }
    return (ConfigList) v;
  }

  long integer(ConfigValue v, String name, long min, long max) throws ScenarioException {
    Object u = v.unwrapped();
    if (v.valueType() != ConfigValueType.NUMBER
        || !(u instanceof Integer || u instanceof Long)
        || !INTEGER.matcher(text(v)).matches()) {
      throw error(v, name + " must be an integer, got " + describe(v));
    }
    long n = ((Number) u).longValue();
    if (n < min || n > max) {
      throw error(v, name + " must be " + range(min, max) + ", got " + n);
    }
    return n;
  }

  private static String range(long min, long max) {
    if (max == Long.MAX_VALUE || (max == Integer.MAX_VALUE && min >= 0)) {
      return min == 1 ? "positive" : "at least " + min;
    }
    return "between " + min + " and " + max;
  }

  /** Numbers and booleans are accepted where a string is expected, as the text the author wrote. */
  String string(ConfigValue v, String name) throws ScenarioException {
    switch (v.valueType()) {
      case STRING:
        return (String) v.unwrapped();
      case NUMBER:
      case BOOLEAN:
        return v.atKey("v").getString("v");
      default:
        throw error(v, name + " must be a string, got " + describe(v));
    }
  }

  /** How a wrong value reads in a message: its type and, for scalars, the value. */
  static String describe(ConfigValue v) {
    switch (v.valueType()) {
      case OBJECT:
        return "an object";
      case LIST:
        return "a list";
      case NULL:
        return "null";
      case STRING:
        return "string " + quote((String) v.unwrapped());
      case NUMBER:
        return "number " + text(v);
      default:
        return v.valueType().name().toLowerCase(Locale.ROOT) + " " + v.render();
    }
  }

  /** A scalar as the author wrote it (a number's own text: 1e3 stays 1e3, where render says 1000). */
  static String text(ConfigValue v) {
    return v.atKey("v").getString("v");
  }

  static String quote(String s) {
    String oneLine = s.replace("\n", "\\n");
    if (oneLine.length() > 40) {
      oneLine = oneLine.substring(0, 37) + "...";
    }
    return "'" + oneLine + "'";
  }

  static String hex(long n) {
    return "0x" + Long.toHexString(n);
  }

  /** A byte count in the largest binary unit that divides it exactly, e.g. {@code 16 KiB}. */
  static String bytes(long n) {
    for (Map.Entry<Long, String> unit :
        List.of(
            Map.entry(1L << 30, "GiB"), Map.entry(1L << 20, "MiB"), Map.entry(1L << 10, "KiB"))) {
      if (n != 0 && n % unit.getKey() == 0) {
        return n / unit.getKey() + " " + unit.getValue();
      }
    }
    return n + " bytes";
  }
}
