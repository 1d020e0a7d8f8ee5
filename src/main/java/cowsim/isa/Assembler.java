package cowsim.isa;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Assembler for the simulator's Intel-syntax x86-64 subset: text to {@link Program}.
 *
 * <p>Two passes: the first parses every line and records label definitions, the second resolves
 * jump and call targets to instruction indices so that execution never looks up a name.
 */
public final class Assembler {
  /** A label at the start of a line; the name is checked separately to give a clear error. */
  private static final Pattern LABEL_DEF = Pattern.compile("([^\\s:;,\\[\\]\"]+)\\s*:");
  private static final Pattern NAME = Pattern.compile("[A-Za-z_.][A-Za-z0-9_.]*");
  private static final BigInteger MIN_IMM = BigInteger.valueOf(Long.MIN_VALUE);
  private static final BigInteger MAX_IMM = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

  private Assembler() {}

  /** An instruction whose label operand, if any, is not resolved yet. */
  private record Parsed(Instruction insn, String label) {}

  /**
   * Assembles {@code source}.
   *
   * @throws AsmException at the first error, naming its 1-based line
   */
  public static Program assemble(String source) throws AsmException {
    String[] lines = source.split("\n", -1);
    List<Parsed> parsed = new ArrayList<>();
    Map<String, Integer> labels = new LinkedHashMap<>();
    Map<String, Integer> labelLines = new HashMap<>();
    for (int n = 0; n < lines.length; n++) {
      int lineNo = n + 1;
      String line = stripComment(lines[n]).strip();
      Matcher m = LABEL_DEF.matcher(line);
      while (m.lookingAt()) {
        String name = m.group(1);
        checkLabelName(name, lineNo);
        Integer first = labelLines.putIfAbsent(name, lineNo);
        if (first != null) {
          throw new AsmException(
              lineNo, "duplicate label '" + name + "' (first defined on line " + first + ")");
        }
        labels.put(name, parsed.size());
        line = line.substring(m.end()).strip();
        m = LABEL_DEF.matcher(line);
      }
      if (!line.isEmpty()) {
        parsed.add(parseInstruction(line, lineNo));
      }
    }
    if (parsed.isEmpty()) {
      throw new AsmException(1, "empty program: no instructions");
    }
    List<Instruction> code = new ArrayList<>(parsed.size());
    for (Parsed p : parsed) {
      Instruction i = p.insn();
      if (p.label() != null) {
        Integer target = labels.get(p.label());
        if (target == null) {
          throw new AsmException(i.line(), "undefined label '" + p.label() + "'");
        }
        i = new Instruction(i.op(), i.a(), i.b(), target, i.cmp(), i.message(), i.line(), i.text());
      }
      code.add(i);
    }
    return new Program(code, labels);
  }

  /** Cuts a {@code ;} comment, ignoring semicolons inside a double-quoted string. */
  private static String stripComment(String line) {
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted && c == '\\') {
        i++;
      } else if (c == '"') {
        quoted = !quoted;
      } else if (c == ';' && !quoted) {
        return line.substring(0, i);
      }
    }
    return line;
  }

  private static void checkLabelName(String name, int line) throws AsmException {
    if (!NAME.matcher(name).matches()) {
      throw new AsmException(line, "invalid label name '" + name + "'");
    }
    if (Reg.parse(name) != null || Reg.parseSubRegister(name) != null) {
      throw new AsmException(line, "label '" + name + "' collides with a register name");
    }
    if (Op.parse(name) != null) {
      throw new AsmException(line, "label '" + name + "' collides with a mnemonic");
    }
  }

  private static Parsed parseInstruction(String text, int line) throws AsmException {
    int sp = 0;
    while (sp < text.length() && !Character.isWhitespace(text.charAt(sp))) {
      sp++;
    }
    String mnemonic = text.substring(0, sp);
    String rest = text.substring(sp).strip();
    Op op = Op.parse(mnemonic);
    if (op == null) {
      throw new AsmException(line, "unknown mnemonic '" + mnemonic + "'");
    }
    String mn = mnemonic.toLowerCase(Locale.ROOT);
    if (op == Op.ASSERT) {
      return new Parsed(parseAssert(rest, line, text), null);
    }
    List<String> ops = splitOperands(rest);
    Operand a = null;
    Operand b = null;
    String label = null;
    switch (op) {
      case MOV, ADD, SUB, AND, OR, XOR, CMP, TEST -> {
        if (ops.size() != 2) {
          throw new AsmException(line, "'" + mn + "' takes two operands");
        }
        a = parseOperand(ops.get(0), line);
        b = parseOperand(ops.get(1), line);
        if (a instanceof Operand.Imm) {
          throw new AsmException(
              line, "'" + mn + "' first operand must be a register or memory operand");
        }
        if (a instanceof Operand.Mem && b instanceof Operand.Mem) {
          throw new AsmException(line, "two memory operands");
        }
      }
      case INC, DEC -> {
        a = ops.size() == 1 ? parseOperand(ops.get(0), line) : null;
        if (a == null || a instanceof Operand.Imm) {
          throw new AsmException(line, "'" + mn + "' takes one register or memory operand");
        }
      }
      case PUSH -> {
        if (ops.size() != 1) {
          throw new AsmException(line, "'" + mn + "' takes one operand");
        }
        a = parseOperand(ops.get(0), line);
      }
      case POP, RDFSBASE -> {
        a = ops.size() == 1 ? parseOperand(ops.get(0), line) : null;
        if (!(a instanceof Operand.RegOp)) {
          throw new AsmException(line, "'" + mn + "' takes one register operand");
        }
      }
      case JMP, JE, JNE, JL, JLE, JG, JGE, CALL -> {
        if (ops.size() != 1
            || !NAME.matcher(ops.get(0)).matches()
            || Reg.parse(ops.get(0)) != null) {
          throw new AsmException(line, "'" + mn + "' takes one label operand");
        }
        label = ops.get(0);
      }
      case RET, SYSCALL, PAUSE, NOP -> {
        if (!ops.isEmpty()) {
          throw new AsmException(line, "'" + mn + "' takes no operands");
        }
      }
      default -> throw new AssertionError(op);
    }
    return new Parsed(new Instruction(op, a, b, -1, null, null, line, text), label);
  }

  /** {@code a OP b, "message"}. */
  private static Instruction parseAssert(String rest, int line, String text)
      throws AsmException {
    String usage = "'assert' expects: assert a OP b, \"message\"";
    int q = rest.indexOf('"');
    if (q < 0) {
      throw new AsmException(line, usage);
    }
    String cond = rest.substring(0, q).strip();
    if (!cond.endsWith(",")) {
      throw new AsmException(line, usage);
    }
    cond = cond.substring(0, cond.length() - 1).strip();
    StringBuilder msg = new StringBuilder();
    int i = q + 1;
    boolean closed = false;
    for (; i < rest.length(); i++) {
      char c = rest.charAt(i);
      if (c == '\\' && i + 1 < rest.length()) {
        msg.append(rest.charAt(++i));
      } else if (c == '"') {
        closed = true;
        i++;
        break;
      } else {
        msg.append(c);
      }
    }
    if (!closed) {
      throw new AsmException(line, "unterminated string");
    }
    if (!rest.substring(i).isBlank()) {
      throw new AsmException(line, "unexpected text after the assert message");
    }

    int k = 0;
    int depth = 0;
    for (; k < cond.length(); k++) {
      char c = cond.charAt(k);
      if (c == '[') {
        depth++;
      } else if (c == ']') {
        depth--;
      } else if (depth == 0 && (c == '=' || c == '!' || c == '<' || c == '>')) {
        break;
      }
    }
    int end = k + 1 < cond.length() && cond.charAt(k + 1) == '=' ? k + 2 : k + 1;
    CondOp cmp = k < cond.length() ? CondOp.parse(cond.substring(k, end)) : null;
    if (cmp == null) {
      throw new AsmException(line, "assert needs a comparison: one of == != < <= > >=");
    }
    Operand a = parseOperand(cond.substring(0, k).strip(), line);
    Operand b = parseOperand(cond.substring(end).strip(), line);
    if (a instanceof Operand.Mem && b instanceof Operand.Mem) {
      throw new AsmException(line, "two memory operands");
    }
    return new Instruction(Op.ASSERT, a, b, -1, cmp, msg.toString(), line, text);
  }

  /** Splits on commas outside brackets; no operands gives an empty list. */
  private static List<String> splitOperands(String rest) {
    List<String> out = new ArrayList<>(2);
    if (rest.isEmpty()) {
      return out;
    }
    int depth = 0;
    int start = 0;
    for (int i = 0; i < rest.length(); i++) {
      char c = rest.charAt(i);
      if (c == '[') {
        depth++;
      } else if (c == ']') {
        depth--;
      } else if (c == ',' && depth == 0) {
        out.add(rest.substring(start, i).strip());
        start = i + 1;
      }
    }
    out.add(rest.substring(start).strip());
    return out;
  }

  private static Operand parseOperand(String s, int line) throws AsmException {
    if (s.isEmpty()) {
      throw new AsmException(line, "missing operand");
    }
    String lower = s.toLowerCase(Locale.ROOT);
    String size = leadingWord(lower);
    if (size.equals("qword")) {
      String rest = s.substring(size.length()).strip();
      if (leadingWord(rest.toLowerCase(Locale.ROOT)).equals("ptr")) {
        rest = rest.substring(3).strip();
      }
      if (!rest.startsWith("[")) {
        throw new AsmException(line, "'qword' must be followed by a memory operand");
      }
      return parseMem(rest, line);
    }
    if (size.equals("byte") || size.equals("word") || size.equals("dword")
        || size.equals("tword") || size.equals("oword")) {
      throw new AsmException(line, "only 8-byte (qword) memory operands are supported");
    }
    if (s.startsWith("[")) {
      return parseMem(s, line);
    }
    return parseScalar(s, line);
  }

  /** The keyword at the start of {@code s} if followed by whitespace or '[', else "". */
  private static String leadingWord(String s) {
    int i = 0;
    while (i < s.length() && Character.isLetter(s.charAt(i))) {
      i++;
    }
    if (i == 0 || i == s.length()) {
      return "";
    }
    char c = s.charAt(i);
    return Character.isWhitespace(c) || c == '[' ? s.substring(0, i) : "";
  }

  /** A register, a number or a named constant. */
  private static Operand parseScalar(String s, int line) throws AsmException {
    char c0 = s.charAt(0);
    if (Character.isDigit(c0) || c0 == '-' || c0 == '+') {
      return new Operand.Imm(parseNumber(s, line));
    }
    if (!NAME.matcher(s).matches()) {
      throw new AsmException(line, "malformed operand '" + s + "'");
    }
    Reg r = Reg.parse(s);
    if (r != null) {
      return new Operand.RegOp(r);
    }
    Reg full = Reg.parseSubRegister(s);
    if (full != null) {
      throw new AsmException(
          line, "sub-register '" + s + "' is not supported; use the 64-bit register '" + full
              + "'");
    }
    Long v = Constants.NAMES.get(s);
    if (v != null) {
      return new Operand.Imm(v);
    }
    for (String name : Constants.NAMES.keySet()) {
      if (name.equalsIgnoreCase(s)) {
        throw new AsmException(
            line, "unknown register or constant '" + s + "' (constants are case-sensitive: '"
                + name + "')");
      }
    }
    throw new AsmException(line, "unknown register or constant '" + s + "'");
  }

  private static long parseNumber(String s, int line) throws AsmException {
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
    // Values above Long.MAX_VALUE keep their bit pattern (0xFFFFFFFFFFFFFFFF is -1).
    return v.longValue();
  }

  /** {@code [base + index*scale + disp]} in any term order; '-' only before the displacement. */
  private static Operand.Mem parseMem(String s, int line) throws AsmException {
    if (!s.endsWith("]")) {
      throw new AsmException(line, "missing ']' in memory operand '" + s + "'");
    }
    String inner = s.substring(1, s.length() - 1);
    if (inner.indexOf('[') >= 0 || inner.indexOf(']') >= 0) {
      throw new AsmException(line, "malformed memory operand '" + s + "'");
    }
    if (inner.isBlank()) {
      throw new AsmException(line, "empty memory operand");
    }
    Reg base = null;
    Reg index = null;
    int scale = 1;
    Long disp = null;
    boolean negative = false;
    int start = 0;
    for (int i = 0; i <= inner.length(); i++) {
      char c = i < inner.length() ? inner.charAt(i) : '+';
      if (c != '+' && c != '-') {
        continue;
      }
      String term = inner.substring(start, i).strip();
      start = i + 1;
      if (term.isEmpty()) {
        // A leading or doubled sign ("[-8]", "[rbx + -8]") is unary; a dangling one is not.
        if (i == inner.length()) {
          throw new AsmException(line, "malformed memory operand '" + s + "'");
        }
        negative ^= c == '-';
        continue;
      }
      int star = term.indexOf('*');
      if (star >= 0) {
        if (negative) {
          throw new AsmException(line, "a register cannot be subtracted in a memory operand");
        }
        if (index != null) {
          throw new AsmException(line, "more than one index register in '" + s + "'");
        }
        String left = term.substring(0, star).strip();
        String right = term.substring(star + 1).strip();
        if (left.isEmpty() || right.isEmpty()) {
          throw new AsmException(line, "malformed memory operand '" + s + "'");
        }
        boolean regLeft = !left.isEmpty() && !Character.isDigit(left.charAt(0));
        Operand regPart = parseScalar(regLeft ? left : right, line);
        String scalePart = regLeft ? right : left;
        if (!(regPart instanceof Operand.RegOp)) {
          throw new AsmException(line, "malformed memory operand '" + s + "'");
        }
        long sc = parseNumber(scalePart, line);
        if (sc != 1 && sc != 2 && sc != 4 && sc != 8) {
          throw new AsmException(line, "scale must be 1, 2, 4 or 8");
        }
        index = ((Operand.RegOp) regPart).reg();
        scale = (int) sc;
        if (index == Reg.RSP) {
          throw new AsmException(line, "rsp cannot be an index register");
        }
      } else {
        Operand o = parseScalar(term, line);
        if (o instanceof Operand.RegOp reg) {
          if (negative) {
            throw new AsmException(line, "a register cannot be subtracted in a memory operand");
          }
          if (base == null) {
            base = reg.reg();
          } else if (index == null) {
            // x86 cannot index by rsp, but [rax + rsp] is fine with rsp as the base.
            if (reg.reg() == Reg.RSP && base != Reg.RSP) {
              index = base;
              base = Reg.RSP;
            } else if (reg.reg() == Reg.RSP) {
              throw new AsmException(line, "rsp cannot be an index register");
            } else {
              index = reg.reg();
            }
          } else {
            throw new AsmException(line, "too many registers in memory operand '" + s + "'");
          }
        } else {
          if (disp != null) {
            throw new AsmException(line, "more than one displacement in '" + s + "'");
          }
          long v = ((Operand.Imm) o).value();
          disp = negative ? -v : v;
        }
      }
      negative = c == '-';
    }
    return new Operand.Mem(base, index, scale, disp == null ? 0 : disp);
  }
}
