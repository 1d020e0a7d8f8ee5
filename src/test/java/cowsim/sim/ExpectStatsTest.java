package cowsim.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import cowsim.report.RunReport;
import cowsim.report.Verdict;
import cowsim.scenario.ScenarioException;
import cowsim.scenario.ScenarioLoader;
import cowsim.stats.Stat;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@code expect.stats} accepts every stat a real report prints: a scenario that expects each
 * stat's value passes, one that expects each value plus one fails on every one of them.
 */
class ExpectStatsTest {

  /** Shootdowns that time out: shootdowns, ack_timeouts and shootdown_wait_cycles are not zero. */
  private static final Path SCENARIO = Path.of("scenarios", "bugs", "shootdown-ack-timeout.conf");

  @Test
  void everyStatTheReportPrintsCanBeExpected() throws Exception {
    SimResult first = new Simulation().run(ScenarioLoader.load(SCENARIO, List.of()), null);
    assertTrue(Verdict.judge(first).pass(), Verdict.judge(first).failures().toString());
    for (Stat s : List.of(Stat.SHOOTDOWNS, Stat.ACK_TIMEOUTS, Stat.SHOOTDOWN_WAIT_CYCLES, Stat.SYSCALLS)) {
      assertTrue(first.stat(s) > 0, s + " is counted in this scenario");
    }

    // what report.json prints is the registry, row for row
    JsonNode printed = RunReport.json(first, Verdict.judge(first)).get("stats");
    List<String> names = new ArrayList<>();
    printed.fieldNames().forEachRemaining(names::add);
    assertEquals(Stat.keys(), names);

    Map<String, Long> values = new LinkedHashMap<>();
    List<String> exact = new ArrayList<>();
    List<String> offByOne = new ArrayList<>();
    for (String name : names) {
      long v = printed.get(name).asLong();
      if (name.equals(Stat.HOST_MILLIS.key)) {
        // host time is the one stat no scenario may expect
        ScenarioException e =
            assertThrows(ScenarioException.class, () -> ScenarioLoader.load(SCENARIO, List.of("expect.stats.host_millis=" + v)));
        assertTrue(e.getMessage().contains("host_millis is host time, not simulated"), e.getMessage());
        continue;
      }
      values.put(name, v);
      exact.add("expect.stats." + name + "=" + v);
      offByOne.add("expect.stats." + name + "=" + (v + 1));
    }
    assertEquals(Stat.expectableKeys(), List.copyOf(values.keySet()));

    SimResult met = new Simulation().run(ScenarioLoader.load(SCENARIO, exact), null);
    assertEquals(values, met.scenario().expect().stats());
    Verdict yes = Verdict.judge(met);
    assertTrue(yes.pass(), yes.failures().toString());
    assertEquals(first.traceHash(), met.traceHash());

    SimResult missed = new Simulation().run(ScenarioLoader.load(SCENARIO, offByOne), null);
    Verdict no = Verdict.judge(missed);
    assertFalse(no.pass());
    assertEquals(Verdict.NOT_MET, no.exitCode());
    for (Map.Entry<String, Long> e : values.entrySet()) {
      String want = "stat " + e.getKey() + " = " + e.getValue() + ", expected " + (e.getValue() + 1);
      assertEquals(1, no.failures().stream().filter(want::equals).count(), want + " in " + no.failures());
    }
    assertEquals(values.size(), no.failures().size(), no.failures().toString());
  }
}
