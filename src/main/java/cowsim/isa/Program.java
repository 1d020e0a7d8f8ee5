package cowsim.isa;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An assembled, immutable program: instructions addressed by index, and the label table.
 *
 * <p>rip indexes this list; rip == {@link #size()} means the task ran off the end, which the CPU
 * checks. A label defined after the last instruction has index {@code size()}.
 */
public final class Program {
  private final Instruction[] code;
  /** per instruction: whether it reads or writes memory (Semantics.needsLoad or needsStore) */
  private final boolean[] memory;
  /** per instruction: the register of a countdown loop {@code dec reg; jne <this dec>} starting here, else -1 */
  private final int[] countdown;
  private final List<Instruction> instructions;
  private final Map<String, Integer> labels;

  Program(List<Instruction> instructions, Map<String, Integer> labels) {
    this.code = instructions.toArray(new Instruction[0]);
    this.memory = new boolean[code.length];
    for (int i = 0; i < code.length; i++) {
      memory[i] = Semantics.needsLoad(code[i]) || Semantics.needsStore(code[i]);
    }
    this.countdown = new int[code.length];
    for (int i = 0; i < code.length; i++) {
      countdown[i] = -1;
      if (code[i].op() == Op.DEC && code[i].a() instanceof Operand.RegOp r
          && i + 1 < code.length && code[i + 1].op() == Op.JNE && code[i + 1].target() == i) {
        countdown[i] = r.reg().ordinal();
      }
    }
    this.instructions = List.of(code);
    this.labels = Collections.unmodifiableMap(new LinkedHashMap<>(labels));
  }

  public List<Instruction> instructions() {
    return instructions;
  }

  public int size() {
    return code.length;
  }

  /** The instruction at {@code index}; throws IndexOutOfBoundsException outside [0, size). */
  public Instruction at(int index) {
    return code[index];
  }

  /**
   * Whether the instruction at {@code index} reads or writes memory ({@link Semantics#needsLoad}
   * or {@link Semantics#needsStore}), decided once when the program is assembled rather than per
   * instruction executed.
   */
  public boolean touchesMemory(int index) {
    return memory[index];
  }

  /**
   * The register (its ordinal) of a countdown loop starting at {@code index}: {@code dec reg}
   * there and {@code jne} back to it next, a delay loop that {@link Semantics#countdown} runs
   * many iterations of at once; -1 when there is none.
   */
  public int countdownRegister(int index) {
    return countdown[index];
  }

  /** Label name to instruction index, in definition order. */
  public Map<String, Integer> labels() {
    return labels;
  }

  /** The index a label points at, or -1 if there is no such label. */
  public int indexOfLabel(String name) {
    Integer i = labels.get(name);
    return i == null ? -1 : i;
  }

  /** A listing: one instruction per line with its index. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < code.length; i++) {
      sb.append(i).append(": ").append(code[i].text()).append('\n');
    }
    return sb.toString();
  }
}
