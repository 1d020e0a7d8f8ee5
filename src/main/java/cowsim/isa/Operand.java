package cowsim.isa;

/**
 * An instruction operand: a register, an immediate, or an 8-byte memory reference.
 *
 * <p>Jump and call targets are not operands: the assembler resolves labels to an instruction index
 * kept in {@link Instruction#target()}.
 */
public sealed interface Operand {

  /** A 64-bit general-purpose register. */
  record RegOp(Reg reg) implements Operand {
    @Override
    public String toString() {
      return reg.toString();
    }
  }

  /** A 64-bit immediate (named constants are already replaced by their value). */
  record Imm(long value) implements Operand {
    @Override
    public String toString() {
      return Long.toString(value);
    }
  }

  /**
   * The quadword at {@code base + index*scale + disp}; {@code base} and {@code index} may be null,
   * {@code scale} is 1 when there is no index.
   */
  record Mem(Reg base, Reg index, int scale, long disp) implements Operand {
    public Mem {
      if (scale != 1 && scale != 2 && scale != 4 && scale != 8) {
        throw new IllegalArgumentException("scale must be 1, 2, 4 or 8");
      }
    }

    @Override
    public String toString() {
      StringBuilder sb = new StringBuilder("qword [");
      boolean any = false;
      if (base != null) {
        sb.append(base);
        any = true;
      }
      if (index != null) {
        sb.append(any ? " + " : "").append(index);
        if (scale != 1) {
          sb.append('*').append(scale);
        }
        any = true;
      }
      if (!any) {
        sb.append(formatDisp(disp));
      } else if (disp < 0 && disp != Long.MIN_VALUE) {
        sb.append(" - ").append(formatDisp(-disp));
      } else if (disp != 0) {
        sb.append(" + ").append(formatDisp(disp));
      }
      return sb.append(']').toString();
    }

    private static String formatDisp(long d) {
      return d >= 0 && d < 0x10000 ? Long.toString(d) : "0x" + Long.toHexString(d);
    }
  }
}
