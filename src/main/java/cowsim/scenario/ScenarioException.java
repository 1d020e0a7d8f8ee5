package cowsim.scenario;

/**
 * A problem in a scenario file or a {@code --set} override, located at a file and line.
 *
 * <p>The message is one line, {@code file:line: reason}, so editors and terminals can jump to it.
 */
public final class ScenarioException extends Exception {
  private static final long serialVersionUID = 1L;

  private final String file;
  private final int line;
  private final String reason;

  /**
   * @param file the file path as given, a classpath resource name, or {@code --set key=value}
   * @param line the 1-based line, or 0 when no line applies
   * @param reason what is wrong and what is allowed
   */
  public ScenarioException(String file, int line, String reason) {
    this(file, line, reason, null);
  }

  public ScenarioException(String file, int line, String reason, Throwable cause) {
    super(format(file, line, reason), cause);
    this.file = file;
    this.line = Math.max(line, 0);
    this.reason = oneLine(reason);
  }

  private static String format(String file, int line, String reason) {
    String f = oneLine(file);
    String r = oneLine(reason);
    return line > 0 ? f + ":" + line + ": " + r : f + ": " + r;
  }

  /**
   * The text on one line: a line break (in a key, a value or a file name quoted in the message)
   * shows as a backslash and n, and any other control character as a backslash-u escape.
   */
  static String oneLine(String s) {
    if (s == null) {
      return "null";
    }
    StringBuilder b = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\n') {
        b.append("\\n");
      } else if (c == '\r') {
        b.append("\\r");
      } else if (c == '\t') {
        b.append(' ');
      } else if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }

  /** The file path as given, a classpath resource name, or {@code --set key=value}. */
  public String file() {
    return file;
  }

  /** The 1-based line of the offending value, or 0 when unknown or not applicable. */
  public int line() {
    return line;
  }

  /** What is wrong, without the location prefix (on one line). */
  public String reason() {
    return reason;
  }
}
