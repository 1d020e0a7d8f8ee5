package cowsim.stress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The bench's arithmetic, without running anything: the steady-state window, the targets' judgement, the explore share. */
class BenchTest {

  private static final long MS = 1_000_000;

  @Test
  void theSteadyStateIsTimedBetweenTheQuarterAndThreeQuarterMarksOfTheFinalCount() {
    // a slow start (set-up: nothing counted for 100 ms), then 1,000 ops per 10 ms, then a slow tail
    long[] nanos = {0, 50 * MS, 100 * MS, 110 * MS, 120 * MS, 130 * MS, 140 * MS, 150 * MS, 160 * MS, 170 * MS, 180 * MS, 500 * MS};
    long[] ops = {0, 0, 0, 1000, 2000, 3000, 4000, 5000, 6000, 7000, 8000, 8000};
    // a quarter of 8,000 is reached at 120 ms (2,000), three quarters at 170 ms (7,000): 5,000 ops in 50 ms
    assertEquals(100_000, Bench.steadyRate(nanos, ops, 8000), 1e-6);
  }

  @Test
  void aRunTooShortForAWindowHasNoSteadyState() {
    assertTrue(Double.isNaN(Bench.steadyRate(new long[] {0, 20 * MS}, new long[] {0, 500}, 500)), "one interval");
    assertTrue(Double.isNaN(Bench.steadyRate(new long[] {0, 20 * MS, 40 * MS}, new long[] {0, 0, 0}, 0)), "nothing counted");
    long[] nanos = {0, 10 * MS, 20 * MS, 30 * MS, 40 * MS};
    assertTrue(Double.isNaN(Bench.steadyRate(nanos, new long[] {0, 100, 200, 300, 400}, 400)), "fewer than 4 intervals between the marks");
  }

  @Test
  void targetsAreJudgedOnTheirSideOfTheBound() {
    assertEquals(">= 1,000 schedules/s", Bench.EXPLORE_RACY.text());
    assertEquals(Bench.MET, Bench.EXPLORE_RACY.judge(1000));
    assertEquals(Bench.NOT_MET, Bench.EXPLORE_RACY.judge(999.9));
    assertEquals("< 20% of host time", Bench.EXPLORE_OUTSIDE.text());
    assertEquals(Bench.NOT_MET, Bench.EXPLORE_OUTSIDE.judge(0.20));
    assertEquals(Bench.MET, Bench.EXPLORE_OUTSIDE.judge(0.19));
    assertEquals("<= 4.6x of 16k", Bench.FORK.text());
    assertEquals(Bench.MET, Bench.FORK.judge(4.6));
    assertEquals(Bench.NOT_MET, Bench.FORK.judge(4.7));
    assertEquals(Bench.NOT_JUDGED, Bench.SCALING.judge(Double.NaN), "not measured is not judged");
    for (Bench.Target t : List.of(Bench.DETERMINISTIC_CEILING, Bench.DETERMINISTIC_CHECKS, Bench.CONCURRENT_OPS, Bench.CONCURRENT_MEMORY_ONLY,
        Bench.SCALING, Bench.EXPLORE_BUG, Bench.HEAP)) {
      assertTrue(t.text().startsWith(">= ") || t.text().startsWith("<= "), t.text());
    }
  }

  @Test
  void theShareOutsideTheSimulationIsOfTheJobSlotsTime() {
    // 2 jobs for 1 s: 2 s of slots, of which the runs' machines ran 1.5 s
    Bench.Explored e = new Bench.Explored(100, 2, 1_000 * MS, 1_500 * MS, 0, "PCT");
    assertEquals(0.25, e.outsideShare(), 1e-9);
    assertEquals(100, e.schedulesPerSecond(), 1e-9);
  }
}
