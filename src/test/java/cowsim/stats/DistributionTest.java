package cowsim.stats;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** A distribution stat: exact count, min, max and sum; percentiles within 1%; merging in any order. */
class DistributionTest {

  @Test
  void withoutSamplesEverythingIsZero() {
    Distribution d = new Distribution();
    assertEquals(0, d.count());
    assertEquals(0, d.min());
    assertEquals(0, d.max());
    assertEquals(0, d.percentile(50));
    assertEquals(0.0, d.mean());
    assertEquals("no samples", d.toString());
  }

  @Test
  void percentilesAreWithinOnePercentAndMinMaxMeanAreExact() {
    Distribution d = new Distribution();
    List<Long> samples = new ArrayList<>();
    Random rnd = new Random(7);
    for (int i = 0; i < 10_000; i++) {
      long v = 100 + rnd.nextInt(1_000_000);
      samples.add(v);
      d.record(v);
    }
    samples.sort(null);
    assertEquals(10_000, d.count());
    assertEquals(samples.get(0), d.min());
    assertEquals(samples.get(samples.size() - 1), d.max());
    assertEquals(samples.stream().mapToLong(Long::longValue).sum(), d.total());
    for (double p : Distribution.PERCENTILES) {
      long exact = samples.get((int) Math.ceil(p / 100 * samples.size()) - 1);
      long got = d.percentile(p);
      assertTrue(Math.abs(got - exact) <= exact / 100 + 1, "p" + p + ": " + got + " vs " + exact);
    }
    assertEquals(d.max(), d.percentile(100));
  }

  @Test
  void smallValuesAreExact() {
    Distribution d = new Distribution();
    for (long v = 0; v < 200; v++) {
      d.record(v);
    }
    assertEquals(99, d.percentile(50));
    assertEquals(197, d.percentile(99));
  }

  @Test
  void mergingPerCpuSamplesDoesNotDependOnTheOrder() {
    Distribution a = new Distribution();
    Distribution b = new Distribution();
    Distribution c = new Distribution();
    Distribution all = new Distribution();
    Random rnd = new Random(3);
    Distribution[] parts = {a, b, c};
    for (int i = 0; i < 3000; i++) {
      long v = rnd.nextInt(50_000);
      parts[i % 3].record(v);
      all.record(v);
    }
    Distribution abc = new Distribution();
    abc.add(a);
    abc.add(b);
    abc.add(c);
    Distribution cba = new Distribution();
    cba.add(c);
    cba.add(new Distribution()); // a CPU that sampled nothing
    cba.add(b);
    cba.add(a);
    assertEquals(all, abc);
    assertEquals(abc, cba);
    assertEquals(abc.toString(), cba.toString());
  }

  @Test
  void aCopyDoesNotFollowLaterSamples() {
    Distribution d = new Distribution();
    d.record(5);
    Distribution copy = d.copy();
    d.record(500);
    assertEquals(1, copy.count());
    assertEquals(5, copy.max());
    assertNotEquals(d, copy);
  }

  @Test
  void aNegativeSampleIsASimulatorBug() {
    assertThrows(IllegalArgumentException.class, () -> new Distribution().record(-1));
  }
}
