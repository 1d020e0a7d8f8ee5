package cowsim.isa;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** The sixteen 64-bit general-purpose registers, in x86 encoding order. */
public enum Reg {
  RAX, RCX, RDX, RBX, RSP, RBP, RSI, RDI,
  R8, R9, R10, R11, R12, R13, R14, R15;

  /** Number of general-purpose registers. */
  public static final int COUNT = 16;

  private static final Map<String, Reg> BY_NAME = new HashMap<>();
  private static final Map<String, Reg> SUB_REGISTERS = new HashMap<>();

  static {
    for (Reg r : values()) {
      BY_NAME.put(r.lower, r);
    }
    // Legacy names: eax/ax/al/ah style for a..d, esi/si/sil style for si, di, bp, sp.
    String[] abcd = {"a", "b", "c", "d"};
    for (String x : abcd) {
      Reg r = BY_NAME.get("r" + x + "x");
      for (String s : new String[] {"e" + x + "x", x + "x", x + "l", x + "h"}) {
        SUB_REGISTERS.put(s, r);
      }
    }
    for (String x : new String[] {"si", "di", "bp", "sp"}) {
      Reg r = BY_NAME.get("r" + x);
      for (String s : new String[] {"e" + x, x, x + "l"}) {
        SUB_REGISTERS.put(s, r);
      }
    }
    for (int n = 8; n <= 15; n++) {
      Reg r = BY_NAME.get("r" + n);
      for (String suffix : new String[] {"d", "w", "b", "l"}) {
        SUB_REGISTERS.put("r" + n + suffix, r);
      }
    }
  }

  private final String lower = name().toLowerCase(Locale.ROOT);

  /** The register named {@code s} (case-insensitive), or null if {@code s} is not a 64-bit GPR. */
  public static Reg parse(String s) {
    return BY_NAME.get(s.toLowerCase(Locale.ROOT));
  }

  /**
   * The 64-bit register containing sub-register {@code s} ({@code eax} gives {@link #RAX}), or
   * null; the assembler uses it to explain why {@code eax} is rejected.
   */
  public static Reg parseSubRegister(String s) {
    return SUB_REGISTERS.get(s.toLowerCase(Locale.ROOT));
  }

  /** The assembler spelling, e.g. {@code rax}. */
  @Override
  public String toString() {
    return lower;
  }
}
