package cowsim.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A run's answer: its size on the wire bounded, a too long one cut to fit with what counts whole. */
class RunSummaryTest {

  private static RunSummary withTexts(String detail, List<String> failures) {
    return new RunSummary(3, 9, "abc", false, List.of("stale-tlb"), Map.of("cycles", 10L), Map.of("stale-tlb", 2), "ALL_EXITED", detail, failures, 1, detail);
  }

  @Test
  void theEstimateIsNeverBelowTheBytesWritten() {
    RunsSerializer ser = new RunsSerializer();
    for (String text : List.of("", "plain", "\u00e8\u03bb\ud83d\ude00".repeat(1000))) {
      RunSummary s = withTexts(text, List.of(text, text + "x"));
      // alone in a message: no string of it written by reference
      int written = ser.toBinary(new Coordinator.Results("", "", List.of(s), 0)).length;
      assertTrue(s.sizeEstimate() >= written, s.sizeEstimate() + " < " + written);
    }
  }

  @Test
  void aSummaryThatFitsIsLeftAlone() {
    RunSummary s = withTexts("x".repeat(1000), List.of("a", "b"));
    assertSame(s, s.fitted());
  }

  @Test
  void aHugeSummaryIsCutToFitWithItsCountsWhole() {
    List<String> failures = new ArrayList<>();
    for (int i = 0; i < 5000; i++) {
      failures.add("assert failed at line " + i);
    }
    String huge = "y".repeat(200_000);
    RunSummary s = withTexts(huge, failures);
    RunSummary f = s.fitted();
    assertTrue(f.sizeEstimate() <= RunSummary.MAX_BYTES, Long.toString(f.sizeEstimate()));
    assertEquals(RunSummary.CUT_FAILURES + 1, f.failures().size());
    assertEquals("(4936 more failures left out: the answer was too long)", f.failures().get(RunSummary.CUT_FAILURES));
    assertEquals(failures.subList(0, RunSummary.CUT_FAILURES), f.failures().subList(0, RunSummary.CUT_FAILURES));
    assertEquals("y".repeat(RunSummary.CUT_CHARS) + "... (195904 more characters)", f.endDetail());
    assertEquals(f.endDetail(), f.error());
    assertEquals(List.of(s.index(), s.seed(), s.traceHash(), s.pass(), s.kinds(), s.stats(), s.violations(), s.ending(), s.exitCode()),
        List.of(f.index(), f.seed(), f.traceHash(), f.pass(), f.kinds(), f.stats(), f.violations(), f.ending(), f.exitCode()));
  }

  @Test
  void aCrashedRunWithAHugeDescriptionIsCutToo() {
    RunSummary c = RunSummary.crashed(1, 2, new IllegalStateException("z".repeat(500_000)));
    assertTrue(c.sizeEstimate() <= RunSummary.MAX_BYTES);
    assertTrue(c.error().endsWith(" more characters)"), c.error().substring(c.error().length() - 40));
  }
}
