package cowsim.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class LedgerTest {

  private static List<Integer> handOut(Ledger<String> l, int n) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      OptionalInt x = l.next();
      if (x.isEmpty()) {
        break;
      }
      out.add(x.getAsInt());
    }
    return out;
  }

  @Test
  void handsOutEachRunOnceInOrder() {
    Ledger<String> l = new Ledger<>(3, false);
    assertEquals(List.of(0, 1, 2), handOut(l, 5));
    assertTrue(l.next().isEmpty());
  }

  @Test
  void aRunSentButNeverAnsweredIsHandedOutAgainAfterAWorkerLeft() {
    Ledger<String> l = new Ledger<>(4, false);
    handOut(l, 4);
    l.record(0, "r0", false);
    l.record(2, "r2", false);
    assertEquals(2, l.requeueUnanswered());
    assertEquals(List.of(1, 3), handOut(l, 5));
    // asked again before they answered: not queued twice
    assertEquals(2, l.requeueUnanswered());
    l.record(1, "r1", false);
    assertEquals(List.of(3), handOut(l, 5), "a re-queued run answered meanwhile is not handed out");
    l.record(3, "r3", false);
    assertTrue(l.finished());
    assertEquals(List.of("r0", "r1", "r2", "r3"), l.results());
  }

  @Test
  void aResultArrivingTwiceCountsOnce() {
    Ledger<String> l = new Ledger<>(2, false);
    handOut(l, 2);
    assertTrue(l.record(1, "first", true));
    assertFalse(l.record(1, "second", true));
    assertEquals(1, l.duplicates());
    assertEquals(1, l.failures());
    assertEquals(1, l.answered());
    assertFalse(l.finished());
    l.record(0, "r0", false);
    assertEquals(List.of("r0", "first"), l.results());
  }

  @Test
  void releasesInRunOrderWhateverTheArrivalOrder() {
    Ledger<String> l = new Ledger<>(4, false);
    handOut(l, 4);
    l.record(2, "r2", false);
    l.record(1, "r1", false);
    assertEquals(List.of(), l.release());
    l.record(0, "r0", false);
    assertEquals(List.of("r0", "r1", "r2"), l.release());
    l.record(3, "r3", false);
    assertEquals(List.of("r3"), l.release());
    assertEquals(List.of(), l.release());
  }

  @Test
  void theFirstFailureIsTheLowestIndexNotTheFirstToArrive() {
    Ledger<String> l = new Ledger<>(10, false);
    handOut(l, 10);
    l.record(7, "r7", true);
    l.record(3, "r3", true);
    l.record(5, "r5", true);
    assertEquals(3, l.lowestFailure());
  }

  @Test
  void untilFirstKeepsTheRunsUpToTheLowestFailureAndHandsOutNoMore() {
    Ledger<String> l = new Ledger<>(10, true);
    assertEquals(List.of(0, 1, 2, 3, 4, 5), handOut(l, 6));
    l.record(5, "r5", true);
    l.record(4, "r4", false);
    assertTrue(l.next().isEmpty(), "nothing after the failure at 5");
    l.record(2, "r2", true);
    assertFalse(l.record(4, "again", false), "a run after the lowest failure is no longer wanted");
    assertEquals(List.of("r2"), l.results());
    assertFalse(l.finished());
    l.record(0, "r0", false);
    l.record(1, "r1", false);
    assertTrue(l.finished());
    assertEquals(1, l.failures());
    assertEquals(List.of("r0", "r1", "r2"), l.release());
  }

  @Test
  void aBatchIsTheNextConsecutiveRunsAndTheLastOneIsShort() {
    Ledger<String> l = new Ledger<>(10, false);
    assertEquals(List.of(0, 1, 2, 3), l.nextBatch(4));
    assertEquals(List.of(4, 5, 6, 7), l.nextBatch(4));
    assertEquals(2, l.toHandOut(), "two runs left to hand out");
    assertEquals(List.of(8, 9), l.nextBatch(4));
    assertEquals(List.of(), l.nextBatch(4));
    assertEquals(0, l.toHandOut());
  }

  @Test
  void aWorkerKilledMidBatchLosesNothingAndDoublesNothing() {
    Ledger<String> l = new Ledger<>(12, false);
    List<Integer> a1 = l.nextBatch(4); // worker a: answered
    List<Integer> a2 = l.nextBatch(4); // worker a: killed while running it
    List<Integer> b1 = l.nextBatch(4); // worker b
    a1.forEach(i -> l.record(i, "a" + i, false));
    b1.forEach(i -> l.record(i, "b" + i, false));
    assertEquals(4, l.requeueUnanswered(), "a's unanswered batch");
    assertEquals(4, l.toHandOut());
    // handed out again (smaller batches now), while the work-pulling controller also redelivers a2 whole
    List<Integer> again = new ArrayList<>(l.nextBatch(3));
    again.addAll(l.nextBatch(3));
    assertEquals(a2, again);
    assertTrue(l.nextBatch(3).isEmpty());
    for (int i : a2) {
      assertTrue(l.record(i, "b" + i, false), "the first answer counts");
    }
    for (int i : a2) {
      assertFalse(l.record(i, "redelivered" + i, false), "the second is dropped");
    }
    assertEquals(4, l.duplicates());
    assertTrue(l.finished());
    assertEquals(12, l.results().size());
    assertEquals(List.of("b4", "b5", "b6", "b7"), l.results().subList(4, 8));
  }

  @Test
  void aBatchAcrossTheFirstFailureKeepsOnlyTheRunsUpToIt() {
    Ledger<String> l = new Ledger<>(20, true);
    List<Integer> first = l.nextBatch(8);
    List<Integer> second = l.nextBatch(8);
    // the second batch answers first, with a failure at 10; the first has one at 5
    for (int i : second) {
      l.record(i, "r" + i, i == 10);
    }
    assertTrue(l.nextBatch(8).isEmpty(), "nothing after the failure at 10");
    for (int i : first) {
      l.record(i, "r" + i, i == 5);
    }
    assertTrue(l.finished());
    assertEquals(5, l.lowestFailure());
    assertEquals(List.of("r0", "r1", "r2", "r3", "r4", "r5"), l.results());
  }
}
