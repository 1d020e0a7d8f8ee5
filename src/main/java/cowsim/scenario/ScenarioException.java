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
    this.reason = reason;
  }

  private static String format(String file, int line, String reason) {
    return line > 0 ? file + ":" + line + ": " + reason : file + ": " + reason;
  }

  /** The file path as given, a classpath resource name, or {@code --set key=value}. */
  public String file() {
    return file;
  }

  /** The 1-based line of the offending value, or 0 when unknown or not applicable. */
  public int line() {
    return line;
  }

  /** What is wrong, without the location prefix. */
  public String reason() {
    return reason;
  }
}
