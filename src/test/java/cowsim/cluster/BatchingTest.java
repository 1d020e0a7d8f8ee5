package cowsim.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchingTest {

  private static final long MS = 1_000_000;

  /** max 32, split 8, 200 ms a batch, 4 runs while the run time is not known */
  private static final Batching B = new Batching(32, 8, 200 * MS, 4);

  @Test
  void aBatchCarriesAboutTheTargetTimeOfRuns() {
    assertEquals(20, B.size(100_000, 4, 10 * MS), "10 ms runs: 20 of them");
    assertEquals(1, B.size(100_000, 4, 500 * MS), "a run longer than the target: one a batch");
    assertEquals(2, B.size(100_000, 4, 99.9 * MS));
  }

  @Test
  void aBatchIsAtMostTheMaximumHoweverShortItsRuns() {
    assertEquals(32, B.size(100_000, 4, 0.001 * MS));
    assertEquals(32, B.size(100_000, 4, Double.MIN_VALUE), "no overflow");
  }

  @Test
  void whileNoRunTimeIsKnownABatchIsTheFirstSize() {
    assertEquals(4, B.size(100_000, 4, 0));
    assertEquals(4, B.size(100_000, 4, -1));
  }

  @Test
  void batchesShrinkAsTheRunsLeftFallAndTheLastAreSingleRuns() {
    List<Integer> sizes = new ArrayList<>();
    int left = 3000;
    while (left > 0) {
      int n = B.size(left, 3, 1 * MS);
      sizes.add(n);
      left -= n;
    }
    for (int i = 1; i < sizes.size(); i++) {
      assertTrue(sizes.get(i) <= sizes.get(i - 1), "never grows: " + sizes);
    }
    assertEquals(32, sizes.get(0));
    assertEquals(List.of(1, 1, 1), sizes.subList(sizes.size() - 3, sizes.size()), sizes.toString());
    assertEquals(3000, sizes.stream().mapToInt(Integer::intValue).sum());
  }

  @Test
  void aBatchIsAtMostASplitOfEachSlotsShare() {
    // 100 runs left, 2 slots, split 4: each slot's share is 50, a batch at most 13 (rounded up)
    Batching b = new Batching(32, 4, 200 * MS, 4);
    assertEquals(13, b.size(100, 2, 1 * MS));
    assertEquals(1, b.size(1, 2, 1 * MS));
    assertEquals(1, b.size(1, 2, 0), "the first size too");
  }

  @Test
  void noSlotKnownCountsAsOne() {
    Batching b = new Batching(32, 4, 200 * MS, 4);
    assertEquals(b.size(40, 1, MS), b.size(40, 0, MS));
  }

  @Test
  void aSizeOrSplitBelowOneOrNoTargetTimeIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new Batching(0, 4, MS, 1));
    assertThrows(IllegalArgumentException.class, () -> new Batching(4, 0, MS, 1));
    assertThrows(IllegalArgumentException.class, () -> new Batching(4, 4, MS, 0));
    assertThrows(IllegalArgumentException.class, () -> new Batching(4, 4, 0, 1));
  }
}
