package cowsim.isa;

/**
 * What the CPU must do after {@link Semantics#execute}.
 *
 * <p>CONTINUE, SYSCALL and PAUSE are shared constants. A STORE outcome carries its value, so one
 * small object is allocated per storing instruction; that is dwarfed by the memory message the
 * CPU sends for the store anyway and keeps Semantics free of mutable out-parameters.
 *
 * @param kind what happens next
 * @param storeValue for STORE: the 8-byte value to write at {@link Semantics#storeAddress}
 * @param message for ASSERT_FAILED: the failure text, else null
 */
public record Outcome(Kind kind, long storeValue, String message) {

  /** The kinds of outcome. */
  public enum Kind {
    /** Registers updated; nothing more to do. */
    CONTINUE,
    /** Registers updated; the caller must write {@link #storeValue()} to the store address. */
    STORE,
    /** rip is past the syscall; the CPU performs the system call. */
    SYSCALL,
    /** A spin-wait hint; rip advanced. */
    PAUSE,
    /** An assert did not hold; rip advanced; see {@link #message()}. */
    ASSERT_FAILED
  }

  public static final Outcome CONTINUE = new Outcome(Kind.CONTINUE, 0, null);
  public static final Outcome SYSCALL = new Outcome(Kind.SYSCALL, 0, null);
  public static final Outcome PAUSE = new Outcome(Kind.PAUSE, 0, null);

  public static Outcome store(long value) {
    return new Outcome(Kind.STORE, value, null);
  }

  public static Outcome assertFailed(String message) {
    return new Outcome(Kind.ASSERT_FAILED, 0, message);
  }
}
