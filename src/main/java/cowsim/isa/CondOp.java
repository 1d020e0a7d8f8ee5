package cowsim.isa;

/** The comparison of an {@code assert}: signed 64-bit. */
public enum CondOp {
  EQ("=="), NE("!="), LT("<"), LE("<="), GT(">"), GE(">=");

  private final String symbol;

  CondOp(String symbol) {
    this.symbol = symbol;
  }

  public String symbol() {
    return symbol;
  }

  /** The operator spelled {@code s}, or null. */
  public static CondOp parse(String s) {
    for (CondOp c : values()) {
      if (c.symbol.equals(s)) {
        return c;
      }
    }
    return null;
  }

  public boolean test(long left, long right) {
    return switch (this) {
      case EQ -> left == right;
      case NE -> left != right;
      case LT -> left < right;
      case LE -> left <= right;
      case GT -> left > right;
      case GE -> left >= right;
    };
  }

  @Override
  public String toString() {
    return symbol;
  }
}
