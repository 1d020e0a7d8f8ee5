package cowsim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Async.loop: iterations that complete at once must not grow the stack. */
class AsyncTest {

  @Test
  void hundredThousandSynchronousIterationsDoNotOverflowTheStack() {
    long[] sum = {0};
    int[] doneCalls = {0};

    Async.loop(0, 100_000, (i, next) -> {
      sum[0] += i;
      next.run();
    }, () -> doneCalls[0]++);

    assertEquals(100_000L * 99_999 / 2, sum[0]);
    assertEquals(1, doneCalls[0]);
  }

  @Test
  void synchronousIterationsThroughTheFakeMachineDoNotOverflow() {
    FakeHardware hw = new FakeHardware();
    long frame = hw.takeFrame();
    int[] doneCalls = {0};

    Async.loop(0, 100_000, (i, next) -> hw.refAdd(frame, 1, old -> next.run()), () -> doneCalls[0]++);

    assertEquals(100_000, hw.refcount(frame));
    assertEquals(1, doneCalls[0]);
  }

  @Test
  void deferredIterationsContinueFromTheirCompletion() {
    ArrayDeque<Runnable> pending = new ArrayDeque<>();
    List<Integer> seen = new ArrayList<>();
    boolean[] done = {false};

    Async.loop(3, 8, (i, next) -> {
      seen.add(i);
      pending.add(next); // completes later, like a memory reply
    }, () -> done[0] = true);

    assertEquals(List.of(3), seen);
    while (!pending.isEmpty()) {
      pending.poll().run();
    }
    assertEquals(List.of(3, 4, 5, 6, 7), seen);
    assertTrue(done[0]);
  }

  @Test
  void mixOfSynchronousAndDeferredStepsVisitsEachIndexOnce() {
    ArrayDeque<Runnable> pending = new ArrayDeque<>();
    List<Integer> seen = new ArrayList<>();
    int[] doneCalls = {0};

    Async.loop(0, 50_000, (i, next) -> {
      seen.add(i);
      if (i % 1000 == 0) {
        pending.add(next);
      } else {
        next.run();
      }
    }, () -> doneCalls[0]++);
    while (!pending.isEmpty()) {
      pending.poll().run();
    }

    assertEquals(50_000, seen.size());
    for (int i = 0; i < seen.size(); i++) {
      assertEquals(i, seen.get(i));
    }
    assertEquals(1, doneCalls[0]);
  }

  @Test
  void emptyRangeRunsDoneAtOnce() {
    boolean[] done = {false};

    Async.loop(5, 5, (i, next) -> {
      throw new AssertionError("no iteration expected");
    }, () -> done[0] = true);

    assertTrue(done[0]);
  }

  @Test
  void rangeGoesWhereEachStepSaysWithoutGrowingTheStack() {
    List<Long> seen = new ArrayList<>();
    boolean[] done = {false};
    // 2^40 bytes in steps that jump: 100,000 small steps, then one jump to the end
    Async.range(0, 1L << 40, (at, next) -> {
      if (seen.size() < 100_000) {
        seen.add(at);
        next.accept(at + 4096);
      } else {
        next.accept(1L << 40);
      }
    }, () -> done[0] = true);

    assertTrue(done[0]);
    assertEquals(100_000, seen.size());
    assertEquals(99_999L * 4096, seen.get(seen.size() - 1));
  }

  @Test
  void rangeContinuesFromADeferredStep() {
    ArrayDeque<Runnable> pending = new ArrayDeque<>();
    List<Long> seen = new ArrayList<>();
    boolean[] done = {false};
    Async.range(0x1000, 0x4000, (at, next) -> {
      seen.add(at);
      pending.add(() -> next.accept(at + 0x1000));
    }, () -> done[0] = true);
    while (!pending.isEmpty()) {
      pending.poll().run();
    }
    assertEquals(List.of(0x1000L, 0x2000L, 0x3000L), seen);
    assertTrue(done[0]);
  }

  @Test
  void anEmptyRangeIsDoneAtOnceAndAStepMustMoveForward() {
    boolean[] done = {false};
    Async.range(5, 5, (at, next) -> next.accept(at + 1), () -> done[0] = true);
    assertTrue(done[0]);
    org.junit.jupiter.api.Assertions.assertThrows(
        IllegalStateException.class, () -> Async.range(0, 10, (at, next) -> next.accept(at), () -> {}));
  }
}
