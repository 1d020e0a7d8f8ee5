package cowsim.stress;

import java.time.Duration;

/**
 * The parameters of one stress workload.
 *
 * @param cpus simulated CPUs (1..4096)
 * @param processes processes running the workload (declared roots plus copies they fork at start)
 * @param threads threads per process (the main thread plus clones), 1..64
 * @param ops total user memory operations the workload aims at (the generated loops are sized to it)
 * @param mix the operation mix
 * @param pages pages of the populated data region of each process (2..4096)
 * @param seed seed of the generator and of the run
 * @param mode deterministic or concurrent
 * @param duration wall-time budget (the scenario's limits.timeout), or null for none
 * @param memoryBytes simulated memory, or 0 for an estimate from the workload
 */
public record StressSpec(
    int cpus, int processes, int threads, long ops, Mix mix, int pages, long seed, String mode, Duration duration, long memoryBytes) {

  public static final int MAX_CPUS = 4096;
  public static final int MAX_THREADS = 64;
  public static final int MAX_PAGES = 4096;
  public static final int MAX_PROCESSES = 65536;

  /** Checks the ranges; throws IllegalArgumentException with a one-line message. */
  public StressSpec {
    if (cpus < 1 || cpus > MAX_CPUS) {
      throw new IllegalArgumentException("--cpus must be 1.." + MAX_CPUS + ", got " + cpus);
    }
    if (processes < 1 || processes > MAX_PROCESSES) {
      throw new IllegalArgumentException("--processes must be 1.." + MAX_PROCESSES + ", got " + processes);
    }
    if (threads < 1 || threads > MAX_THREADS) {
      throw new IllegalArgumentException("--threads-per-process must be 1.." + MAX_THREADS + ", got " + threads);
    }
    if (ops < 1 || ops > 1_000_000_000_000L) {
      throw new IllegalArgumentException("--ops must be 1..10^12, got " + ops);
    }
    if (pages < 2 || pages > MAX_PAGES) {
      throw new IllegalArgumentException("--pages-per-process must be 2.." + MAX_PAGES + ", got " + pages);
    }
    if (!"deterministic".equals(mode) && !"concurrent".equals(mode)) {
      throw new IllegalArgumentException("--mode must be deterministic or concurrent, got '" + mode + "'");
    }
    if (duration != null && (duration.isZero() || duration.isNegative())) {
      throw new IllegalArgumentException("--duration must be positive");
    }
    if (mix == null) {
      mix = Mix.DEFAULT;
    }
  }
}
