package cowsim.report;

/**
 * An output directory or file that cannot be used or written: bad input or a full disk, not a
 * simulator bug. The message is the one line the command prints (after {@code cowsim: }), exit
 * code 2.
 */
public final class OutputException extends Exception {

  public OutputException(String message) {
    super(message);
  }

  public OutputException(String message, Throwable cause) {
    super(message, cause);
  }
}
