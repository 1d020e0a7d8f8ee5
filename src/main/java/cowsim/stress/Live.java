package cowsim.stress;

import java.util.concurrent.atomic.LongAdder;

/**
 * Live counters for progress display only (never read by the simulation, so they cannot change a
 * schedule). CPUs add their memory operations in chunks; the oracle adds violations as it finds
 * them. Shared by every run in the JVM: readers use differences.
 */
public final class Live {
  /** Chunk in which a CPU reports memory operations (a power of two). */
  public static final int CHUNK = 1024;

  public static final LongAdder MEMORY_OPS = new LongAdder();
  public static final LongAdder VIOLATIONS = new LongAdder();

  private Live() {}
}
