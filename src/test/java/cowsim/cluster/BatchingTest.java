package cowsim.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BatchingTest {

  @Test
  void aBatchIsAtMostTheMaximum() {
    assertEquals(32, new Batching(32, 8).size(100_000, 4));
  }

  @Test
  void batchesShrinkAsTheRunsLeftFallAndTheLastAreSingleRuns() {
    Batching b = new Batching(32, 8);
    List<Integer> sizes = new ArrayList<>();
    int left = 3000;
    while (left > 0) {
      int n = b.size(left, 3);
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
    assertEquals(13, new Batching(32, 4).size(100, 2));
    assertEquals(1, new Batching(32, 4).size(1, 2));
  }

  @Test
  void noSlotKnownCountsAsOne() {
    assertEquals(new Batching(32, 4).size(40, 1), new Batching(32, 4).size(40, 0));
  }

  @Test
  void aMaximumOrSplitBelowOneIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new Batching(0, 4));
    assertThrows(IllegalArgumentException.class, () -> new Batching(4, 0));
  }
}
