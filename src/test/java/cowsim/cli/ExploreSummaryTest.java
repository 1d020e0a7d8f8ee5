package cowsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import cowsim.explore.RunOutcome;
import cowsim.report.Verdict;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The lines explore prints under "first failure": every kind, in the order found. */
class ExploreSummaryTest {

  @Test
  void everyViolationKindIsShownInTheOrderFoundNotByName() {
    // the verdict lists its failures by kind name; the run found stale-read first
    Verdict v = new Verdict(false, List.of(
        "violation assertion (1x): assert failed",
        "violation frame-leak (1x): frame 0x25 leaked",
        "violation refcount-mismatch (1x): refcount 1, 0 PTEs",
        "violation stale-read (1x): a write was lost",
        "exit code 1, expected 0"), Verdict.NOT_MET);
    RunOutcome r = new RunOutcome(2, 7, null, false, List.of("stale-read", "assertion", "refcount-mismatch", "frame-leak"), null, v, null);
    assertEquals(List.of(
        "violation stale-read (1x): a write was lost",
        "violation assertion (1x): assert failed",
        "violation refcount-mismatch (1x): refcount 1, 0 PTEs",
        "violation frame-leak (1x): frame 0x25 leaked"), ExploreCommand.summaryFailures(r));
  }

  @Test
  void withoutViolationsTheFirstThreeFailuresAreShown() {
    Verdict v = new Verdict(false, List.of("a", "b", "c", "d"), Verdict.NOT_MET);
    RunOutcome r = new RunOutcome(0, 1, null, false, List.of("expectations"), null, v, null);
    assertEquals(List.of("a", "b", "c"), ExploreCommand.summaryFailures(r));
  }
}
