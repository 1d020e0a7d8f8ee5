package cowsim.explore.systematic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;

/** The remaining-space estimate on synthetic trees worked as the search works a level: in queue order. */
class LevelEstimateTest {

  /** A prefix of a synthetic level: its last forced step, and the seed its children are drawn from. */
  private record Prefix(long step, long seed) {}

  /**
   * Works a synthetic level in queue order, feeding an estimate, and returns, after each prefix
   * taken, {estimated schedules left, true schedules left}. {@code children} gives a prefix's
   * children's steps; {@code skip} whether a prefix is skipped as covered (then it has none).
   */
  private static List<double[]> work(List<Prefix> roots, BiFunction<Prefix, SplittableRandom, List<Long>> children, double skip) {
    // first pass: the true count of schedules run, then the same walk with the estimate
    long total = walk(roots, children, skip, null, null);
    List<double[]> out = new ArrayList<>();
    walk(roots, children, skip, new LevelEstimate(), (est, ranSoFar) -> {
      out.add(new double[] {est.remaining().orElse(Double.NaN), total - ranSoFar});
      return null;
    });
    return out;
  }

  private static long walk(List<Prefix> roots, BiFunction<Prefix, SplittableRandom, List<Long>> children, double skip, LevelEstimate est,
      BiFunction<LevelEstimate, Long, Void> after) {
    ArrayDeque<Prefix> q = new ArrayDeque<>(roots);
    if (est != null) {
      roots.forEach(p -> est.queued(p.step()));
    }
    long ran = 0;
    while (!q.isEmpty()) {
      Prefix p = q.poll();
      SplittableRandom r = new SplittableRandom(p.seed());
      if (r.nextDouble() < skip) {
        if (est != null) {
          est.skipped(p.step());
        }
      } else {
        ran++;
        if (est != null) {
          est.ran(p.step());
        }
        for (long c : children.apply(p, r)) {
          q.add(new Prefix(c, r.nextLong()));
          if (est != null) {
            est.child(c);
          }
        }
      }
      if (after != null) {
        after.apply(est, ran);
      }
    }
    return ran;
  }

  @Test
  void exactWhenEveryPrefixBranchesAtTheSameSteps() {
    // every prefix has one alternative at each of these steps after its own: a subtree at s has
    // 2^(steps after s) prefixes, and the per-step means are exact from the first prefix taken
    long[] at = {3, 5, 8, 9, 14, 20, 21, 30};
    BiFunction<Prefix, SplittableRandom, List<Long>> kids = (p, r) -> {
      List<Long> c = new ArrayList<>();
      for (long j : at) {
        if (j > p.step()) {
          c.add(j);
        }
      }
      return c;
    };
    List<double[]> w = work(List.of(new Prefix(-1, 1), new Prefix(6, 2)), kids, 0);
    assertEquals(256 + 64, w.size());
    for (double[] x : w) {
      assertEquals(x[1], x[0], 1e-9);
    }
  }

  @Test
  void convergesOnRandomTreesAndNeverGoesBelowTheQueuedShare() {
    int trees = 0;
    double earlyError = 0;
    double lateError = 0;
    for (long seed = 1; seed <= 20; seed++) {
      SplittableRandom g = new SplittableRandom(seed);
      int steps = 60;
      double[] p = new double[steps]; // the chance of an alternative at each step
      for (int j = 0; j < steps; j++) {
        p[j] = g.nextDouble() < 0.7 ? 0 : g.nextDouble(0.15, 0.6);
      }
      BiFunction<Prefix, SplittableRandom, List<Long>> kids = (pr, r) -> {
        List<Long> c = new ArrayList<>();
        for (int j = (int) pr.step() + 1; j < steps; j++) {
          if (r.nextDouble() < p[j]) {
            c.add((long) j);
          }
        }
        return c;
      };
      List<Prefix> roots = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        roots.add(new Prefix(g.nextInt(-1, 20), g.nextLong()));
      }
      List<double[]> w = work(roots, kids, 0.1);
      if (w.size() < 2000) {
        continue; // too small to judge convergence on
      }
      trees++;
      for (double[] x : w) {
        assertTrue(Double.isNaN(x[0]) || x[0] >= 0, "never negative");
      }
      assertEquals(0, w.get(w.size() - 1)[0], "exact at the end: nothing left");
      int n = w.size();
      double totalTrue = w.get(0)[1] + 1; // the first taken prefix is run unless skipped; near enough for a relative error
      earlyError += Math.abs(w.get(n / 10)[0] - w.get(n / 10)[1]) / totalTrue;
      lateError += Math.abs(w.get(n / 2)[0] - w.get(n / 2)[1]) / totalTrue;
    }
    assertTrue(trees >= 5, trees + " trees large enough");
    earlyError /= trees;
    lateError /= trees;
    // the error of the estimated remaining schedules, relative to the level's size: after 10% of
    // the prefixes taken, and after half (measured when written: 0.083 and 0.015 over 12 trees)
    assertTrue(earlyError < 0.2, "mean error after 10%: " + earlyError);
    assertTrue(lateError < 0.05, "mean error after half: " + lateError);
    assertTrue(lateError < earlyError, "it improves: " + earlyError + " then " + lateError);
  }

  @Test
  void atLeastTheQueuedShareAndNoneBeforeAnything() {
    LevelEstimate e = new LevelEstimate();
    assertEquals(0, e.remaining().getAsDouble(), "nothing queued: nothing left");
    e.queued(-1);
    e.queued(4);
    assertTrue(e.remaining().isEmpty(), "nothing taken yet: no estimate");
    assertEquals("no estimate yet", e.describe(0, 10));
    e.ran(-1);
    e.child(2);
    e.child(7);
    // queued: 4, 2, 7; a(2) = a(7) = 1 (one prefix exposed), so D(4) = 2, D(2) = 2, D(7) = 1
    assertEquals(5, e.remaining().getAsDouble(), 1e-9);
    e.skipped(4);
    // a(7) = 1/2 now (two prefixes exposed, one child), so D(2) = 1.5, D(7) = 1; half the taken were run
    assertEquals(0.5 * (1.5 + 1), e.remaining().getAsDouble(), 1e-9);
    assertTrue(e.describe(1, 2).startsWith("estimate: about 1 schedules left at K = 1 (44.4% of the level done; ETA 1 s at 2 schedules/s"), e.describe(1, 2));
    assertThrows(IllegalStateException.class, () -> e.skipped(9), "a prefix that was never queued");
    assertEquals("3 min 05 s", LevelEstimate.duration(185));
    assertEquals("2 h 10 min", LevelEstimate.duration(7800));
    assertEquals("more than 100 years", LevelEstimate.duration(Double.POSITIVE_INFINITY));
  }
}
