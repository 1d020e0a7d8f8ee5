package cowsim.isa;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;

/**
 * The expressions an operand is written in: numbers, named constants and registers combined with
 * {@code |}, {@code <<}, {@code +}, {@code -}, {@code *} and parentheses, with C's precedence
 * (tightest first: unary {@code -} and {@code +}, {@code *}, {@code + -}, {@code <<}, {@code |}).
 * Arithmetic is 64-bit and wraps, as the assembler's immediates do. The value is linear in the
 * registers: a constant and the registers added to it, each with its multiplier, which a memory
 * operand turns into base, index and scale and any other operand must not have.
 *
 * <pre>
 *   expr    := shift ('|' shift)*
 *   shift   := sum ('&lt;&lt;' sum)*
 *   sum     := product (('+' | '-') product)*
 *   product := unary ('*' unary)*
 *   unary   := ('-' | '+') unary | NUMBER | NAME | '(' expr ')'
 * </pre>
 */
final class OperandExpr {
  private static final BigInteger MIN_IMM = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger MAX_IMM = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  /** A register in a value: {@code reg * scale}; {@code scaled} when a {@code *} made it. */
  record Term(Reg reg, long scale, boolean scaled) {}

  /** A value: {@code constant} plus every term, in the order they were written. */
  record Value(long constant, List<Term> terms) {
    boolean isConstant() {
      return terms.isEmpty();
    }
  }

  private final String text;
  private final String operand;
  private final int line;
  private int pos;

  private OperandExpr(String text, String operand, int line) {
    this.text = text;
    this.operand = operand;
    this.line = line;
  }

  /**
   * The value of {@code text}, which is (a part of) {@code operand}, the operand as written, named
   * in every error.
   */
  static Value parse(String text, String operand, int line) throws AsmException {
    OperandExpr p = new OperandExpr(text, operand, line);
    p.skipSpace();
    if (p.pos == text.length()) {
      throw p.error("nothing to evaluate");
    }
    Value v = p.or();
    p.skipSpace();
    if (p.pos < text.length()) {
      throw p.error(
          text.charAt(p.pos) == ')' ? "unbalanced ')'" : "unexpected '" + text.charAt(p.pos) + "'");
    }
    return v;
  }

  /** Whether {@code s} is more than a single name or number: an expression to evaluate. */
  static boolean isExpression(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '|' || c == '<' || c == '*' || c == '(' || c == ')' || Character.isWhitespace(c)
          || ((c == '+' || c == '-') && i > 0)) {
        return true;
      }
    }
    return false;
  }

  private AsmException error(String what) {
    return new AsmException(line, "operand \"" + operand + "\": " + what);
  }

  private Value or() throws AsmException {
    Value v = shift();
    while (peek("|")) {
      pos++;
      Value r = shift();
      requireConstants(v, r, "'|'");
      v = constant(v.constant() | r.constant());
    }
    return v;
  }

  private Value shift() throws AsmException {
    Value v = sum();
    while (peek("<<")) {
      pos += 2;
      Value r = sum();
      requireConstants(v, r, "'<<'");
      if (r.constant() < 0 || r.constant() > 63) {
        throw error("a shift count must be between 0 and 63, got " + r.constant());
      }
      v = constant(v.constant() << r.constant());
    }
    return v;
  }

  private Value sum() throws AsmException {
    Value v = product();
    while (peek("+") || peek("-")) {
      boolean minus = text.charAt(pos++) == '-';
      Value r = product();
      v = add(v, minus ? negate(r) : r);
    }
    return v;
  }

  private Value product() throws AsmException {
    Value v = unary();
    while (peek("*")) {
      pos++;
      Value r = unary();
      v = multiply(v, r);
    }
    return v;
  }

  private Value unary() throws AsmException {
    skipSpace();
    if (pos == text.length()) {
      throw error("a number, a name or '(' is missing at the end");
    }
    char c = text.charAt(pos);
    if (c == '-' || c == '+') {
      pos++;
      skipSpace();
      // "-9223372036854775808" is one number: the sign belongs to it, so its range is signed
      if (c == '-' && pos < text.length() && Character.isDigit(text.charAt(pos))) {
        return constant(number("-" + word(), line));
      }
      Value v = unary();
      return c == '-' ? negate(v) : v;
    }
    if (c == '(') {
      pos++;
      Value v = or();
      skipSpace();
      if (pos == text.length() || text.charAt(pos) != ')') {
        throw error("missing ')'");
      }
      pos++;
      return v;
    }
    if (Character.isDigit(c)) {
      return constant(number(word(), line));
    }
    if (Character.isLetter(c) || c == '_' || c == '.') {
      return name(word());
    }
    throw error(
        c == ')' ? "a number, a name or '(' is missing before ')'" : "a number, a name or '(' is missing before '" + c + "'");
  }

  /** A register (with its value as a term) or a named constant. */
  private Value name(String s) throws AsmException {
    Reg r = Reg.parse(s);
    if (r != null) {
      return new Value(0, List.of(new Term(r, 1, false)));
    }
    Reg full = Reg.parseSubRegister(s);
    if (full != null) {
      throw new AsmException(
          line, "sub-register '" + s + "' is not supported; use the 64-bit register '" + full + "'");
    }
    Long v = Constants.NAMES.get(s);
    if (v != null) {
      return constant(v);
    }
    for (String name : Constants.NAMES.keySet()) {
      if (name.equalsIgnoreCase(s)) {
        throw new AsmException(
            line, "unknown register or constant '" + s + "' (constants are case-sensitive: '" + name + "')");
      }
    }
    throw new AsmException(line, "unknown register or constant '" + s + "'");
  }

  /** The letters, digits, '_' and '.' from here on. */
  private String word() {
    int start = pos;
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (!(Character.isLetterOrDigit(c) || c == '_' || c == '.')) {
        break;
      }
      pos++;
    }
    return text.substring(start, pos);
  }

  private boolean peek(String op) {
    skipSpace();
    return text.startsWith(op, pos);
  }

  private void skipSpace() {
    while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) {
      pos++;
    }
  }

  private void requireConstants(Value l, Value r, String op) throws AsmException {
    if (!l.isConstant() || !r.isConstant()) {
      throw error(op + " applies to numbers and constants, not to a register"
          + " (parenthesize the constant part: rbx + (A | B))");
    }
  }

  private Value multiply(Value l, Value r) throws AsmException {
    if (l.isConstant() && r.isConstant()) {
      return constant(l.constant() * r.constant());
    }
    if (!l.isConstant() && !r.isConstant()) {
      throw error("two registers cannot be multiplied");
    }
    Value reg = l.isConstant() ? r : l;
    long by = l.isConstant() ? l.constant() : r.constant();
    if (reg.terms().size() != 1 || reg.constant() != 0) {
      throw error("only a single register can be multiplied (by a scale)");
    }
    Term t = reg.terms().get(0);
    return new Value(0, List.of(new Term(t.reg(), t.scale() * by, true)));
  }

  private static Value add(Value l, Value r) {
    List<Term> terms = new ArrayList<>(l.terms());
    terms.addAll(r.terms());
    return new Value(l.constant() + r.constant(), List.copyOf(terms));
  }

  private static Value negate(Value v) {
    List<Term> terms = new ArrayList<>();
    for (Term t : v.terms()) {
      terms.add(new Term(t.reg(), -t.scale(), t.scaled()));
    }
    return new Value(-v.constant(), List.copyOf(terms));
  }

  private static Value constant(long v) {
    return new Value(v, List.of());
  }

  /**
   * A number: decimal or {@code 0x} hex, optionally signed, with {@code _} between digits; up to
   * 64 bits (values above Long.MAX_VALUE keep their bit pattern: 0xFFFFFFFFFFFFFFFF is -1).
   */
  static long number(String s, int line) throws AsmException {
    String t = s;
    boolean negative = false;
    if (t.startsWith("-") || t.startsWith("+")) {
      negative = t.charAt(0) == '-';
      t = t.substring(1);
    }
    int radix = 10;
    if (t.length() > 1 && t.charAt(0) == '0' && (t.charAt(1) == 'x' || t.charAt(1) == 'X')) {
      radix = 16;
      t = t.substring(2);
    }
    boolean ok = !t.isEmpty() && !t.startsWith("_") && !t.endsWith("_");
    for (int i = 0; ok && i < t.length(); i++) {
      char c = t.charAt(i);
      ok = c == '_' || Character.digit(c, radix) >= 0;
    }
    if (!ok) {
      throw new AsmException(line, "malformed number '" + s + "'");
    }
    BigInteger v = new BigInteger(t.replace("_", ""), radix);
    if (negative) {
      v = v.negate();
    }
    if (v.compareTo(MIN_IMM) < 0 || v.compareTo(MAX_IMM) > 0) {
      throw new AsmException(line, "immediate out of 64-bit range");
    }
    return v.longValue();
  }
}
