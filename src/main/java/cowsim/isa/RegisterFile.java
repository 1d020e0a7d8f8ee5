package cowsim.isa;

import java.util.Arrays;

/**
 * The architectural register state of one task: GPRs, rip, rflags, the FS base and the user
 * segment selectors.
 *
 * <p>Fields are public and mutable because the CPU touches them on every instruction; {@link
 * #copy()} / {@link #copyFrom(RegisterFile)} are how a caller checkpoints state before an
 * instruction that may fault.
 */
public final class RegisterFile {
  /** Carry flag (bit 0). */
  public static final long CF = 1L << 0;
  /** Bit 1 of rflags is reserved and always reads as 1. */
  public static final long RESERVED1 = 1L << 1;
  /** Zero flag (bit 6). */
  public static final long ZF = 1L << 6;
  /** Sign flag (bit 7). */
  public static final long SF = 1L << 7;
  /** Interrupt-enable flag (bit 9); set in user mode. */
  public static final long IF = 1L << 9;
  /** Overflow flag (bit 11). */
  public static final long OF = 1L << 11;
  /** The flags an arithmetic instruction of this ISA can change. */
  public static final long ARITH_FLAGS = CF | ZF | SF | OF;

  /** rflags after reset / at process start: reserved bit 1 and IF. */
  public static final long RFLAGS_RESET = 0x202L;
  /** Linux x86-64 user code selector (__USER_CS). */
  public static final long USER_CS = 0x33L;
  /** Linux x86-64 user stack selector (__USER_DS). */
  public static final long USER_SS = 0x2bL;

  /** General-purpose registers indexed by {@link Reg#ordinal()}. */
  public final long[] gpr = new long[Reg.COUNT];
  /** Index of the next instruction in the {@link Program}, not a memory address. */
  public long rip;
  public long rflags = RFLAGS_RESET;
  public long fsBase;
  public long cs = USER_CS;
  public long ss = USER_SS;

  public long get(Reg r) {
    return gpr[r.ordinal()];
  }

  public void set(Reg r, long value) {
    gpr[r.ordinal()] = value;
  }

  /** True if every bit of {@code mask} is set in rflags. */
  public boolean flag(long mask) {
    return (rflags & mask) == mask;
  }

  public RegisterFile copy() {
    RegisterFile c = new RegisterFile();
    c.copyFrom(this);
    return c;
  }

  /** Overwrites this register file with {@code other}'s contents (no allocation). */
  public void copyFrom(RegisterFile other) {
    System.arraycopy(other.gpr, 0, gpr, 0, Reg.COUNT);
    rip = other.rip;
    rflags = other.rflags;
    fsBase = other.fsBase;
    cs = other.cs;
    ss = other.ss;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof RegisterFile)) {
      return false;
    }
    RegisterFile r = (RegisterFile) o;
    return rip == r.rip
        && rflags == r.rflags
        && fsBase == r.fsBase
        && cs == r.cs
        && ss == r.ss
        && Arrays.equals(gpr, r.gpr);
  }

  @Override
  public int hashCode() {
    int h = Arrays.hashCode(gpr);
    h = 31 * h + Long.hashCode(rip);
    h = 31 * h + Long.hashCode(rflags);
    h = 31 * h + Long.hashCode(fsBase);
    h = 31 * h + Long.hashCode(cs);
    return 31 * h + Long.hashCode(ss);
  }

  /** All registers in hex on one line, plus the set arithmetic flags by name for readability. */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(400);
    for (Reg r : Reg.values()) {
      sb.append(r).append("=0x").append(Long.toHexString(gpr[r.ordinal()])).append(' ');
    }
    sb.append("rip=0x").append(Long.toHexString(rip));
    sb.append(" rflags=0x").append(Long.toHexString(rflags)).append(" [");
    int len = sb.length();
    appendFlag(sb, CF, "CF");
    appendFlag(sb, ZF, "ZF");
    appendFlag(sb, SF, "SF");
    appendFlag(sb, OF, "OF");
    if (sb.length() > len) {
      sb.setLength(sb.length() - 1);
    }
    sb.append("] fs=0x").append(Long.toHexString(fsBase));
    sb.append(" cs=0x").append(Long.toHexString(cs));
    sb.append(" ss=0x").append(Long.toHexString(ss));
    return sb.toString();
  }

  private void appendFlag(StringBuilder sb, long mask, String name) {
    if ((rflags & mask) != 0) {
      sb.append(name).append(' ');
    }
  }
}
