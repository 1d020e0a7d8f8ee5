package cowsim.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class InRunOrderTest {

  private static RunOutcome run(int index) {
    return new RunOutcome(index, index, null, true, List.of(), null, null, null);
  }

  @Test
  void runsEndingOutOfOrderArePassedOnInRunOrderSkippingThoseNotStarted() {
    List<Integer> seen = new ArrayList<>();
    InRunOrder order = new InRunOrder(o -> seen.add(o.index()), () -> Integer.MAX_VALUE);
    order.done(2, run(2));
    order.done(0, run(0));
    assertEquals(List.of(0), seen);
    order.done(3, null);
    order.done(1, run(1));
    assertEquals(List.of(0, 1, 2), seen);
    order.done(4, run(4));
    assertEquals(List.of(0, 1, 2, 4), seen);
  }

  @Test
  void runsAfterTheLastWantedAreDropped() {
    List<Integer> seen = new ArrayList<>();
    InRunOrder order = new InRunOrder(o -> seen.add(o.index()), () -> 1);
    order.done(2, run(2));
    order.done(1, run(1));
    order.done(0, run(0));
    assertEquals(List.of(0, 1), seen);
  }
}
