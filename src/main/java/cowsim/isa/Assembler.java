package cowsim.isa;

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
      } else if (c == '<' && k + 1 < cond.length() && cond.charAt(k + 1) == '<') {
        k++; // a shift in an operand, not a comparison
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

  /**
   * A register, or a constant expression: numbers and named constants with {@code | << + - *}
   * and parentheses ({@link OperandExpr}); a register takes part in an expression only inside a
   * memory operand.
   */
  private static Operand parseScalar(String s, int line) throws AsmException {
    OperandExpr.Value v = OperandExpr.parse(s, s, line);
    if (v.isConstant()) {
      return new Operand.Imm(v.constant());
    }
    if (v.terms().size() == 1 && !OperandExpr.isExpression(s)) {
      return new Operand.RegOp(v.terms().get(0).reg());
    }
    throw new AsmException(
        line,
        "operand \"" + s + "\": a register can be part of an expression only inside [ ] (a memory operand)");
  }

  /**
   * {@code [base + index*scale + disp]} in any term order, the displacement any constant
   * expression; '-' only before constants.
   */
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
    OperandExpr.Value v = OperandExpr.parse(inner, s, line);
    Reg base = null;
    Reg index = null;
    int scale = 1;
    for (OperandExpr.Term t : v.terms()) {
      if (t.scale() < 0) {
        throw new AsmException(line, "a register cannot be subtracted in a memory operand");
      }
      if (t.scaled()) {
        if (index != null) {
          throw new AsmException(line, "more than one index register in '" + s + "'");
        }
        long sc = t.scale();
        if (sc != 1 && sc != 2 && sc != 4 && sc != 8) {
          throw new AsmException(line, "scale must be 1, 2, 4 or 8");
        }
        if (t.reg() == Reg.RSP) {
          throw new AsmException(line, "rsp cannot be an index register");
        }
        index = t.reg();
        scale = (int) sc;
      } else if (t.scale() != 1) {
        throw new AsmException(line, "a register cannot be subtracted in a memory operand");
      } else if (base == null) {
        base = t.reg();
      } else if (index == null) {
        // x86 cannot index by rsp, but [rax + rsp] is fine with rsp as the base.
        if (t.reg() == Reg.RSP && base != Reg.RSP) {
          index = base;
          base = Reg.RSP;
        } else if (t.reg() == Reg.RSP) {
          throw new AsmException(line, "rsp cannot be an index register");
        } else {
          index = t.reg();
        }
      } else {
        throw new AsmException(line, "too many registers in memory operand '" + s + "'");
      }
    }
    return new Operand.Mem(base, index, scale, v.constant());
  }
}
