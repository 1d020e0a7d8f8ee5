package cowsim.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How a slot cuts a batch's answers into Results messages that fit Artery's frame. */
class WorkerSlotTest {

  private static RunSummary run(int index, int detailChars) {
    return new RunSummary(index, index, "h", true, List.of(), Map.of(), Map.of(), "ALL_EXITED", "d".repeat(detailChars), List.of(), 0, null);
  }

  @Test
  void shortAnswersGoInOneMessageAndNoneIsAnEmptyOne() {
    List<RunSummary> all = new ArrayList<>();
    for (int i = 0; i < 256; i++) {
      all.add(run(i, 10));
    }
    assertEquals(List.of(all), WorkerSlot.parts(all, WorkerSlot.RESULTS_BYTES));
    assertEquals(List.of(List.of()), WorkerSlot.parts(List.of(), WorkerSlot.RESULTS_BYTES));
  }

  @Test
  void longAnswersAreCutInOrderIntoPartsThatFit() {
    List<RunSummary> all = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      all.add(run(i, 10_000 + 100 * i));
    }
    List<List<RunSummary>> parts = WorkerSlot.parts(all, WorkerSlot.RESULTS_BYTES);
    assertTrue(parts.size() > 1, "cut: " + parts.size());
    List<RunSummary> joined = new ArrayList<>();
    RunsSerializer ser = new RunsSerializer();
    for (List<RunSummary> p : parts) {
      assertTrue(!p.isEmpty());
      assertTrue(p.stream().mapToLong(RunSummary::sizeEstimate).sum() <= WorkerSlot.RESULTS_BYTES);
      assertTrue(ser.toBinary(new Coordinator.Results("w", "1", p, 0)).length <= WorkerSlot.RESULTS_BYTES);
      joined.addAll(p);
    }
    assertEquals(all, joined, "every answer once, in order");
  }

  @Test
  void anAnswerBiggerThanAPartGoesAlone() {
    List<RunSummary> all = List.of(run(0, 10), run(1, 100_000), run(2, 10));
    assertEquals(List.of(List.of(all.get(0)), List.of(all.get(1)), List.of(all.get(2))), WorkerSlot.parts(all, 100_000));
  }
}
