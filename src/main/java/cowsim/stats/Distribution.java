package cowsim.stats;

import java.util.Objects;
import org.HdrHistogram.Histogram;

/**
 * The samples of one distribution stat ({@link Stat#distribution}): how many, their exact minimum,
 * maximum and mean, and their percentiles from an HdrHistogram.
 *
 * <p>Two significant digits: a percentile is within 1% of the true sample (exact below 256), and a
 * histogram of cycle counts up to 10^7 takes about 18 KiB, so one per CPU stays small at 1,024
 * CPUs. Nothing is allocated before the first sample. Each CPU keeps its own and the run's result
 * is their sum ({@link #add}), which does not depend on the order of adding.
 *
 * <p>Not thread-safe: one owner (an actor) records, the result is read after the run.
 */
public final class Distribution {

  /** The percentiles the reports print (stats.txt, report.json, report.html). */
  public static final double[] PERCENTILES = {50, 90, 99};

  private static final int DIGITS = 2;

  private Histogram histogram;
  private long count;
  private long sum;
  private long min;
  private long max;

  /** One sample; a negative one is a simulator bug. */
  public void record(long value) {
    if (value < 0) {
      throw new IllegalArgumentException("a negative sample: " + value);
    }
    if (histogram == null) {
      histogram = new Histogram(DIGITS);
    }
    histogram.recordValue(value);
    if (count == 0 || value < min) {
      min = value;
    }
    if (count == 0 || value > max) {
      max = value;
    }
    count++;
    sum += value;
  }

  /** Adds every sample of {@code other} (which is unchanged). */
  public void add(Distribution other) {
    if (other.count == 0) {
      return;
    }
    if (histogram == null) {
      histogram = new Histogram(DIGITS);
    }
    histogram.add(other.histogram);
    min = count == 0 ? other.min : Math.min(min, other.min);
    max = count == 0 ? other.max : Math.max(max, other.max);
    count += other.count;
    sum += other.sum;
  }

  /** A copy that later samples here do not change. */
  public Distribution copy() {
    Distribution d = new Distribution();
    d.add(this);
    return d;
  }

  public long count() {
    return count;
  }

  /** The smallest sample, 0 without samples. */
  public long min() {
    return min;
  }

  /** The largest sample, 0 without samples. */
  public long max() {
    return max;
  }

  /** The sum of the samples. */
  public long total() {
    return sum;
  }

  /** The mean, 0 without samples. */
  public double mean() {
    return count == 0 ? 0 : (double) sum / count;
  }

  /**
   * The value at or below which {@code percentile} percent of the samples fall (within 1%; never
   * outside [min, max]); 0 without samples.
   */
  public long percentile(double percentile) {
    if (count == 0) {
      return 0;
    }
    long v = histogram.getValueAtPercentile(percentile);
    return Math.max(min, Math.min(max, v));
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Distribution d)) {
      return false;
    }
    if (count != d.count || sum != d.sum || min != d.min || max != d.max) {
      return false;
    }
    return count == 0 || histogram.equals(d.histogram);
  }

  @Override
  public int hashCode() {
    return Objects.hash(count, sum, min, max);
  }

  @Override
  public String toString() {
    return count == 0
        ? "no samples"
        : String.format(java.util.Locale.ROOT, "%d samples, min %d, p50 %d, p90 %d, p99 %d, max %d", count, min, percentile(50), percentile(90),
            percentile(99), max);
  }
}
