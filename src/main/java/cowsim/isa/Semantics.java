package cowsim.isa;

import static cowsim.isa.RegisterFile.CF;
import static cowsim.isa.RegisterFile.OF;
import static cowsim.isa.RegisterFile.SF;
import static cowsim.isa.RegisterFile.ZF;

/**
 * The pure semantics of each instruction, split into load / execute / store steps.
 *
 * <p>Memory lives behind asynchronous messages, so the CPU runs an instruction as:
 *
 * <ol>
 *   <li>if {@link #needsLoad}, read 8 bytes at {@link #loadAddress};
 *   <li>if {@link #needsStore}, compute {@link #storeAddress} (from the registers before
 *       execution);
 *   <li>{@link #execute} with the loaded value, which updates the registers;
 *   <li>on {@link Outcome.Kind#STORE}, write {@link Outcome#storeValue()} at the store address.
 * </ol>
 *
 * Steps 1 and 2 do not touch the registers, so a fault there restarts the instruction cleanly.
 * {@link #execute} does mutate them: a caller whose store can still fault after step 3 must either
 * make the page writable before executing, or checkpoint with {@link RegisterFile#copy()}.
 * A read-modify-write ({@code add [rbx], 1}) loads and stores the same address.
 */
public final class Semantics {
  private Semantics() {}

  public static boolean needsLoad(Instruction i) {
    return switch (i.op()) {
      case POP, RET -> true;
      case MOV -> i.b() instanceof Operand.Mem;
      case ADD, SUB, AND, OR, XOR, CMP, TEST, ASSERT ->
          i.a() instanceof Operand.Mem || i.b() instanceof Operand.Mem;
      case INC, DEC, PUSH -> i.a() instanceof Operand.Mem;
      default -> false;
    };
  }

  /** The address to read for {@code i}; only meaningful when {@link #needsLoad} is true. */
  public static long loadAddress(Instruction i, RegisterFile r) {
    return switch (i.op()) {
      case POP, RET -> r.gpr[Reg.RSP.ordinal()];
      default -> effectiveAddress(requireMem(i), r);
    };
  }

  public static boolean needsStore(Instruction i) {
    return switch (i.op()) {
      case PUSH, CALL -> true;
      case MOV, ADD, SUB, AND, OR, XOR, INC, DEC -> i.a() instanceof Operand.Mem;
      default -> false;
    };
  }

  /**
   * The address {@code i} will write, computed from the registers before execution; only
   * meaningful when {@link #needsStore} is true.
   */
  public static long storeAddress(Instruction i, RegisterFile r) {
    return switch (i.op()) {
      case PUSH, CALL -> r.gpr[Reg.RSP.ordinal()] - 8;
      default -> effectiveAddress(requireMem(i), r);
    };
  }

  public static long effectiveAddress(Operand.Mem m, RegisterFile r) {
    long ea = m.disp();
    if (m.base() != null) {
      ea += r.gpr[m.base().ordinal()];
    }
    if (m.index() != null) {
      ea += r.gpr[m.index().ordinal()] * m.scale();
    }
    return ea;
  }

  /**
   * Performs {@code i} on {@code r}, advancing rip (or jumping).
   *
   * @param loaded the 8 bytes read at {@link #loadAddress} if {@link #needsLoad}, else ignored
   */
  public static Outcome execute(Instruction i, RegisterFile r, long loaded) {
    long[] g = r.gpr;
    int rsp = Reg.RSP.ordinal();
    Op op = i.op();
    switch (op) {
      case MOV -> {
        long v = value(i.b(), g, loaded);
        r.rip++;
        return writeBack(i.a(), g, v);
      }
      case ADD, SUB, AND, OR, XOR, CMP, TEST -> {
        long x = value(i.a(), g, loaded);
        long y = value(i.b(), g, loaded);
        long res;
        if (op == Op.ADD) {
          res = x + y;
          r.rflags = addFlags(r.rflags, x, y, res);
        } else if (op == Op.SUB || op == Op.CMP) {
          res = x - y;
          r.rflags = subFlags(r.rflags, x, y, res);
        } else {
          res = op == Op.OR ? x | y : op == Op.XOR ? x ^ y : x & y;
          r.rflags = (r.rflags & ~(CF | OF | ZF | SF)) | zeroSign(res);
        }
        r.rip++;
        return op == Op.CMP || op == Op.TEST ? Outcome.CONTINUE : writeBack(i.a(), g, res);
      }
      case INC, DEC -> {
        long x = value(i.a(), g, loaded);
        long res;
        long of;
        // inc/dec leave CF alone, unlike add/sub.
        if (op == Op.INC) {
          res = x + 1;
          of = x == Long.MAX_VALUE ? OF : 0;
        } else {
          res = x - 1;
          of = x == Long.MIN_VALUE ? OF : 0;
        }
        r.rflags = (r.rflags & ~(OF | ZF | SF)) | of | zeroSign(res);
        r.rip++;
        return writeBack(i.a(), g, res);
      }
      case JMP, JE, JNE, JL, JLE, JG, JGE -> {
        r.rip = conditionHolds(op, r.rflags) ? i.target() : r.rip + 1;
        return Outcome.CONTINUE;
      }
      case PUSH -> {
        // Read the operand first: push rsp pushes the old rsp.
        long v = value(i.a(), g, loaded);
        g[rsp] -= 8;
        r.rip++;
        return Outcome.store(v);
      }
      case POP -> {
        // rsp is bumped before the write so that pop rsp leaves the popped value, as on x86.
        g[rsp] += 8;
        g[((Operand.RegOp) i.a()).reg().ordinal()] = loaded;
        r.rip++;
        return Outcome.CONTINUE;
      }
      case CALL -> {
        long ret = r.rip + 1;
        g[rsp] -= 8;
        r.rip = i.target();
        return Outcome.store(ret);
      }
      case RET -> {
        g[rsp] += 8;
        r.rip = loaded;
        return Outcome.CONTINUE;
      }
      case SYSCALL -> {
        r.rip++;
        return Outcome.SYSCALL;
      }
      case PAUSE -> {
        r.rip++;
        return Outcome.PAUSE;
      }
      case NOP -> {
        r.rip++;
        return Outcome.CONTINUE;
      }
      case RDFSBASE -> {
        g[((Operand.RegOp) i.a()).reg().ordinal()] = r.fsBase;
        r.rip++;
        return Outcome.CONTINUE;
      }
      case ASSERT -> {
        long left = value(i.a(), g, loaded);
        long right = value(i.b(), g, loaded);
        r.rip++;
        if (i.cmp().test(left, right)) {
          return Outcome.CONTINUE;
        }
        return Outcome.assertFailed(
            "assert failed: " + i.a() + " " + i.cmp() + " " + i.b()
                + " (left=" + left + ", right=" + right + "): \"" + i.message() + "\"");
      }
    }
    throw new AssertionError(op);
  }

  /**
   * Runs up to {@code max} iterations of the countdown loop {@code dec reg; jne <the dec>} at rip
   * ({@link Program#countdownRegister}), each iteration both instructions, and leaves {@code r}
   * exactly as {@link #execute} would after them: the register decremented, the flags of the last
   * dec (CF untouched), rip back at the dec, or past the jne once the register reached 0.
   *
   * @param max at least 1
   * @return the iterations run: {@code max}, or fewer when the register reaches 0 (a register at 0
   *     wraps and counts down 2^64 times, so it runs {@code max})
   */
  public static long countdown(RegisterFile r, int reg, long max) {
    long x = r.gpr[reg];
    long m = x != 0 && Long.compareUnsigned(x, max) <= 0 ? x : max;
    long res = x - m;
    long of = res + 1 == Long.MIN_VALUE ? OF : 0; // the last dec's operand was MIN_VALUE
    r.gpr[reg] = res;
    r.rflags = (r.rflags & ~(OF | ZF | SF)) | of | zeroSign(res);
    r.rip = res == 0 ? r.rip + 2 : r.rip;
    return m;
  }

  /** Whether jump {@code op} is taken with flags {@code rflags} (always true for jmp). */
  public static boolean conditionHolds(Op op, long rflags) {
    boolean zf = (rflags & ZF) != 0;
    boolean lt = ((rflags & SF) != 0) != ((rflags & OF) != 0);
    return switch (op) {
      case JMP -> true;
      case JE -> zf;
      case JNE -> !zf;
      case JL -> lt;
      case JLE -> zf || lt;
      case JG -> !zf && !lt;
      case JGE -> !lt;
      default -> throw new IllegalArgumentException(op + " is not a jump");
    };
  }

  private static long value(Operand o, long[] g, long loaded) {
    if (o instanceof Operand.RegOp reg) {
      return g[reg.reg().ordinal()];
    }
    if (o instanceof Operand.Imm imm) {
      return imm.value();
    }
    return loaded;
  }

  private static Outcome writeBack(Operand dst, long[] g, long v) {
    if (dst instanceof Operand.RegOp reg) {
      g[reg.reg().ordinal()] = v;
      return Outcome.CONTINUE;
    }
    return Outcome.store(v);
  }

  private static long zeroSign(long res) {
    return (res == 0 ? ZF : 0) | (res < 0 ? SF : 0);
  }

  private static long addFlags(long f, long x, long y, long res) {
    f &= ~(CF | OF | ZF | SF);
    if (Long.compareUnsigned(res, x) < 0) {
      f |= CF;
    }
    if (((x ^ res) & (y ^ res)) < 0) {
      f |= OF;
    }
    return f | zeroSign(res);
  }

  private static long subFlags(long f, long x, long y, long res) {
    f &= ~(CF | OF | ZF | SF);
    if (Long.compareUnsigned(x, y) < 0) {
      f |= CF;
    }
    if (((x ^ y) & (x ^ res)) < 0) {
      f |= OF;
    }
    return f | zeroSign(res);
  }

  private static Operand.Mem requireMem(Instruction i) {
    Operand.Mem m = i.mem();
    if (m == null) {
      throw new IllegalArgumentException("'" + i.text() + "' has no memory operand");
    }
    return m;
  }
}
