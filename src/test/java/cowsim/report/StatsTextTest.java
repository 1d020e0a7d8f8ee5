package cowsim.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.sim.SimResult;
import cowsim.stats.Stat;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** stats.txt: every stat of the registry, in its order, as gem5 prints them. */
class StatsTextTest {

  private static final Pattern LINE = Pattern.compile("^(\\S+) +(\\S+)   # (.+) \\((\\S+)\\)$");

  @Test
  void everyStatIsOneLineWithValueDescriptionAndUnitBetweenGem5sMarkers() throws Exception {
    SimResult r = ReportFixture.result();
    String text = StatsText.text(r, Verdict.judge(r));
    List<String> lines = text.lines().toList();
    int begin = lines.indexOf("---------- Begin Simulation Statistics ----------");
    int end = lines.indexOf("---------- End Simulation Statistics   ----------");
    assertTrue(begin > 0 && end > begin, text);
    assertTrue(lines.subList(0, begin).stream().allMatch(l -> l.isEmpty() || l.startsWith("# ")), "comments before the block: " + text);
    assertTrue(lines.get(1).startsWith("# outcome: fail (every process exited)"), lines.get(1));
    List<String> names = new ArrayList<>();
    for (String l : lines.subList(begin + 1, end)) {
      Matcher m = LINE.matcher(l);
      assertTrue(m.matches(), "not a gem5 stat line: " + l);
      names.add(m.group(1));
      Stat s = Stat.of(m.group(1));
      if (s != null) {
        assertEquals(Long.toString(r.stat(s)), m.group(2), l);
        assertEquals(s.doc, m.group(3), l);
        assertEquals(s.unit, m.group(4), l);
      }
    }
    List<String> expected = new ArrayList<>();
    for (Stat s : Stat.values()) {
      if (s.distribution()) {
        for (String f : List.of("samples", "min", "mean", "p50", "p90", "p99", "max", "total")) {
          expected.add(s.key + "::" + f);
        }
      } else {
        expected.add(s.key);
      }
    }
    for (cowsim.machine.cpu.CpuActor.CpuDetail c : r.cpus()) {
      for (Stat s : StatsText.PER_CPU) {
        expected.add("cpu" + c.cpu() + "." + s.key);
      }
    }
    assertEquals(expected, names);
  }

  /**
   * On a real run, each CPU's lines are its share: they add up to the machine-wide stat (its
   * clock's maximum is the run's cycles).
   */
  @Test
  void theLinesOfEachCpuAddUpToTheMachineWideStats() throws Exception {
    cowsim.scenario.Scenario s = cowsim.scenario.ScenarioLoader.load(java.nio.file.Path.of("scenarios/racy-cow-threads.conf"), List.of());
    SimResult r = new cowsim.sim.Simulation().run(s, null);
    assertTrue(r.cpus().size() >= 2, "cpus " + r.cpus());
    String text = StatsText.text(r, Verdict.judge(r));
    for (Stat stat : StatsText.PER_CPU) {
      long sum = 0;
      long max = 0;
      for (cowsim.machine.cpu.CpuActor.CpuDetail c : r.cpus()) {
        Matcher m = Pattern.compile("(?m)^cpu" + c.cpu() + "\\." + stat.key + " +(\\d+)   # .*\\(" + Pattern.quote(stat.unit) + "\\)$").matcher(text);
        assertTrue(m.find(), "cpu" + c.cpu() + "." + stat.key + " in " + text);
        long v = Long.parseLong(m.group(1));
        sum += v;
        max = Math.max(max, v);
      }
      assertEquals(r.stat(stat), stat == Stat.CYCLES ? max : sum, stat.key);
    }
  }

  @Test
  void aDistributionPrintsItsCountAndPercentiles() throws Exception {
    SimResult r = ReportFixture.result();
    String text = StatsText.text(r, Verdict.judge(r));
    assertTrue(text.contains(String.format("%-40s %16s   # %s (samples)%n", "shootdown_wait::samples", 4, Stat.SHOOTDOWN_WAIT.doc)), text);
    assertTrue(text.matches("(?s).*\nshootdown_wait::min +800   # smallest sample \\(cycles\\)\n.*"), text);
    assertTrue(text.matches("(?s).*\nshootdown_wait::max +40000   # largest sample \\(cycles\\)\n.*"), text);
    assertTrue(text.matches("(?s).*\nshootdown_wait::total +42805   # .*"), text);
    assertTrue(text.matches("(?s).*\nfault_latency::samples +0   # .*"), "an unsampled distribution is printed too: " + text);
  }
}
