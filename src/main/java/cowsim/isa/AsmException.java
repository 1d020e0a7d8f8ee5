package cowsim.isa;

/** An assembly error at one line of the program text. */
public final class AsmException extends Exception {
  private static final long serialVersionUID = 1L;

  private final int line;
  private final String reason;

  public AsmException(int line, String reason) {
    super("line " + line + ": " + reason);
    this.line = line;
    this.reason = reason;
  }

  /** 1-based line in the source given to the assembler. */
  public int line() {
    return line;
  }

  /** What is wrong, without the line prefix. */
  public String reason() {
    return reason;
  }
}
