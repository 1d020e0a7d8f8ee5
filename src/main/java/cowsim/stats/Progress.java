package cowsim.stats;

import java.util.concurrent.atomic.LongAdder;

/**
 * The live progress of one run, for a progress display only: memory operations (counted by the
 * CPUs in chunks, and their remainders at the end) and violations (counted by the oracle as it finds them). One instance per run,
 * handed to its components with the run's wiring, so runs side by side in one JVM keep their own
 * counts. Written from the actors' threads and read from a display's; never read by the
 * simulation, so it cannot change a schedule.
 */
public final class Progress {

  /**
   * Chunk in which a CPU reports memory operations while it runs (a power of two): the hot path
   * adds rarely (one add per 16 operations, each of them at least two messages), and the count
   * lags the truth by less than 16 per CPU, so it can time a steady state even on 4096 CPUs doing
   * a few hundred operations each ({@code bench}'s scaling section). When a CPU reports its
   * counters at the end of the run it adds its remainder, so the final count is exact at any size.
   */
  public static final int CHUNK = 16;

  private final LongAdder memoryOps = new LongAdder();
  private final LongAdder violations = new LongAdder();

  public void addMemoryOps(long n) {
    memoryOps.add(n);
  }

  public void violationFound() {
    violations.increment();
  }

  /**
   * Memory operations so far: whole chunks per CPU while the run goes on, the exact total once
   * every CPU has reported its counters.
   */
  public long memoryOps() {
    return memoryOps.sum();
  }

  /** Violations found so far (listed or only counted). */
  public long violations() {
    return violations.sum();
  }
}
