package cowsim.isa;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** The mnemonics of the simulated ISA; aliases such as {@code jz} share one constant. */
public enum Op {
  MOV, ADD, SUB, AND, OR, XOR, INC, DEC, CMP, TEST,
  JMP, JE, JNE, JL, JLE, JG, JGE,
  PUSH, POP, CALL, RET, SYSCALL, PAUSE, NOP, RDFSBASE, ASSERT;

  private static final Map<String, Op> BY_MNEMONIC = new HashMap<>();

  static {
    for (Op op : values()) {
      BY_MNEMONIC.put(op.mnemonic, op);
    }
    BY_MNEMONIC.put("jz", JE);
    BY_MNEMONIC.put("jnz", JNE);
  }

  private final String mnemonic = name().toLowerCase(Locale.ROOT);

  /** The op for a mnemonic (case-insensitive, aliases included), or null. */
  public static Op parse(String mnemonic) {
    return BY_MNEMONIC.get(mnemonic.toLowerCase(Locale.ROOT));
  }

  /** The canonical lower-case mnemonic ({@code je} for both je and jz). */
  public String mnemonic() {
    return mnemonic;
  }

  /** True for jmp and the conditional jumps. */
  public boolean isJump() {
    return this == JMP || this == JE || this == JNE || this == JL || this == JLE || this == JG
        || this == JGE;
  }
}
