package cowsim.isa;

/**
 * One assembled instruction.
 *
 * @param op the operation
 * @param a first operand (destination for two-operand ops; left side of an assert), or null
 * @param b second operand (source; right side of an assert), or null
 * @param target for jumps and call: the resolved instruction index of the label, else -1
 * @param cmp for assert: the comparison, else null
 * @param message for assert: the message string without quotes, else null
 * @param line 1-based line in the program text
 * @param text the instruction as written (label and comment removed, trimmed), for traces
 */
public record Instruction(
    Op op, Operand a, Operand b, int target, CondOp cmp, String message, int line, String text) {

  /** The memory operand, or null if the instruction has none (there is never more than one). */
  public Operand.Mem mem() {
    if (a instanceof Operand.Mem m) {
      return m;
    }
    return b instanceof Operand.Mem m ? m : null;
  }

  @Override
  public String toString() {
    return text;
  }
}
