package cowsim.report;

import static org.junit.jupiter.api.Assertions.assertEquals;

import cowsim.check.Violation;
import cowsim.check.ViolationKind;
import java.util.List;
import org.junit.jupiter.api.Test;

class RunReportTimelineTest {

  @Test
  void aViolationsTimelineIsInCycleOrderAndStableWithinACycle() {
    Violation v = new Violation(ViolationKind.values()[0], 0, 1, 1, 0x400000, 0x25, 900, "detail", List.of(
        new Violation.HistoryEntry(500, 1, "cpu-1", "b"),
        new Violation.HistoryEntry(100, 0, "cpu-0", "a"),
        new Violation.HistoryEntry(500, 0, "cpu-0", "c"),
        new Violation.HistoryEntry(300, 1, "cpu-1", "d")));
    assertEquals(List.of("a", "d", "b", "c"), RunReport.timeline(v).stream().map(Violation.HistoryEntry::what).toList());
  }
}
