package cowsim.machine.cpu;

import java.util.Locale;

/**
 * Test equipment: what the {@code cowsim.debug} hooks throw to check that a simulator bug ends
 * the run loudly (exit code 3, error.txt, a report marked incomplete) and promptly, whatever it
 * is. The fatal ones are real: the JVM itself throws them.
 */
public enum InjectedFault {
  /** an IllegalStateException */
  EXCEPTION,
  /** a real StackOverflowError: the thread recurses until its stack runs out */
  STACK_OVERFLOW,
  /** a real OutOfMemoryError: an array larger than the VM allows is requested */
  OUT_OF_MEMORY;

  /** The config value ({@code exception}, {@code stack-overflow}, {@code out-of-memory}). */
  public String key() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  public static InjectedFault parse(String key, String setting) {
    for (InjectedFault f : values()) {
      if (f.key().equals(key)) {
        return f;
      }
    }
    throw new IllegalArgumentException(setting + " must be exception, stack-overflow or out-of-memory, got '" + key + "'");
  }

  /** Throws this fault. */
  public void raise(String why) {
    switch (this) {
      case EXCEPTION:
        throw new IllegalStateException(why);
      case STACK_OVERFLOW:
        deeper(0);
        throw new IllegalStateException("the stack did not overflow: " + why);
      case OUT_OF_MEMORY:
        long[] huge = new long[Integer.MAX_VALUE]; // "Requested array size exceeds VM limit"
        throw new IllegalStateException("got " + huge.length + " longs: " + why);
      default:
        throw new AssertionError(this);
    }
  }

  private static long deeper(long n) {
    return deeper(n + 1) + n;
  }
}
