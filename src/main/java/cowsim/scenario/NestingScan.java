package cowsim.scenario;

/**
 * A cheap scan of HOCON text for its nesting depth, before Typesafe Config parses it: its parser
 * and resolver recurse once per level, so a few thousand levels overflow the Java stack. Counted as
 * nesting: the open braces and brackets, plus the segments of a dotted key ({@code a.b.c = 1} is
 * three levels, as {@code a { b { c = 1 } }}). Strings (quoted and triple-quoted), comments and
 * substitutions ({@code ${x}}) are skipped.
 *
 * <p>It reads HOCON closely enough for any file Typesafe Config accepts; in text it would reject
 * anyway it may count differently, and the parser then reports the syntax error.
 */
final class NestingScan {

  /** Where the text first nests deeper than the limit. */
  record TooDeep(int line, int depth) {}

  private NestingScan() {}

  /** The first place where the nesting exceeds {@code max}, or null when it never does. */
  static TooDeep check(String text, int max) {
    int[] weights = new int[16]; // per open container: 1 + the dotted segments of its key
    boolean[] objects = new boolean[16];
    int open = 0;
    int depth = 0; // the sum of the open containers' weights
    boolean keyPos = true; // reading a key (in an object, before '=' or ':')
    int dots = 0; // '.' in the key being read: a.b.c nests two levels more than c
    int line = 1;
    int n = text.length();
    int i = 0;
    while (i < n) {
      char c = text.charAt(i);
      if (c == '#' || (c == '/' && i + 1 < n && text.charAt(i + 1) == '/')) {
        while (i < n && text.charAt(i) != '\n') {
          i++;
        }
      } else if (c == '"' && text.startsWith("\"\"\"", i)) {
        int end = text.indexOf("\"\"\"", i + 3);
        end = end < 0 ? n : end + 3;
        while (end < n && text.charAt(end) == '"') {
          end++; // a run of more than three quotes ends the string with its last three
        }
        line += count(text, i, end);
        i = end;
      } else if (c == '"') {
        i++;
        while (i < n && text.charAt(i) != '"' && text.charAt(i) != '\n') {
          i += text.charAt(i) == '\\' ? 2 : 1;
        }
        if (i < n && text.charAt(i) == '"') {
          i++;
        }
      } else if (c == '$' && i + 1 < n && text.charAt(i + 1) == '{') {
        int end = text.indexOf('}', i);
        end = end < 0 ? n : end + 1;
        line += count(text, i, end);
        i = end;
      } else {
        if (c == '\n') {
          line++;
        }
        if (c == '{' || c == '[') {
          if (open == weights.length) {
            weights = java.util.Arrays.copyOf(weights, open * 2);
            objects = java.util.Arrays.copyOf(objects, open * 2);
          }
          weights[open] = 1 + dots;
          objects[open] = c == '{';
          depth += weights[open++];
          if (depth > max) {
            return new TooDeep(line, depth);
          }
          dots = 0;
          keyPos = c == '{';
        } else if (c == '}' || c == ']') {
          if (open > 0) {
            depth -= weights[--open];
          }
          dots = 0;
          keyPos = false;
        } else if (c == '.' && keyPos) {
          dots++;
          if (depth + dots > max) {
            return new TooDeep(line, depth + dots);
          }
        } else if (c == '=' || c == ':') {
          keyPos = false;
        } else if (c == '\n' || c == ',') {
          dots = 0;
          keyPos = open == 0 || objects[open - 1];
        }
        i++;
      }
    }
    return null;
  }

  private static int count(String text, int from, int to) {
    int lines = 0;
    for (int j = from; j < to; j++) {
      if (text.charAt(j) == '\n') {
        lines++;
      }
    }
    return lines;
  }
}
