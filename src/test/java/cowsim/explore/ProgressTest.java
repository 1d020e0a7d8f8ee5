package cowsim.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioLoader;
import cowsim.sim.Simulation;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** The per-run line, built by hand, is what the format it replaced prints. */
class ProgressTest {

  private static String formatted(RunOutcome o) {
    String hash = o.traceHash() == null ? "-" : o.traceHash().substring(0, 12);
    return String.format(Locale.ROOT, "run %4d  seed %20d  %s  trace %s  cycles %d%s", o.index(), o.seed(), o.pass() ? "pass" : "FAIL", hash, o.cycles(),
        o.pass() ? "" : "  " + String.join(",", o.kinds()));
  }

  @Test
  void theLineOfRealRunsPassingAndFailingIsTheFormattedOne() throws Exception {
    Scenario s = ScenarioLoader.load(Path.of("scenarios/racy-cow-threads.conf"), List.of());
    List<RunOutcome> runs = new Explorer(new Simulation()).explore(s, ScheduleSpec.of(ConfigFactory.load(), Strategy.PCT, 3), s.seed(), 12, 2, false, x -> {});
    assertTrue(runs.stream().anyMatch(RunOutcome::pass) && runs.stream().anyMatch(r -> !r.pass()), "both kinds of line");
    for (RunOutcome o : runs) {
      assertEquals(formatted(o), Progress.line(o));
    }
  }

  @Test
  void paddingIsThatOfPercentD() {
    for (long v : new long[] {0, 7, -7, 9999, 10_000, -999, Long.MIN_VALUE, Long.MAX_VALUE, 1L << 40}) {
      for (int width : new int[] {1, 4, 20}) {
        assertEquals(String.format(Locale.ROOT, "%" + width + "d", v), Progress.padded(new StringBuilder(), v, width).toString());
      }
    }
  }
}
