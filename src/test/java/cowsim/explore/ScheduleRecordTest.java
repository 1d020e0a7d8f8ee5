package cowsim.explore;

import cowsim.machine.interconnect.Decision;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.machine.interconnect.NodeMsg;
import cowsim.machine.interconnect.Payload;
import cowsim.machine.interconnect.Topology;
import cowsim.scenario.ScenarioException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The schedule file, the strategies' schedulers and the seed chain, without running anything. */
class ScheduleRecordTest {

  private record P() implements Payload.ToCpu {}

  private static NodeMsg.Packet packet(long time, int src, int dst) {
    return new NodeMsg.Packet(time, src, dst, new P());
  }

  @Test
  void fileRoundTrips() throws Exception {
    ScheduleRecord r =
        new ScheduleRecord("racy", -42, List.of(new Decision.Delay(3, 150), new Decision.Pick(7, 1)), 0);
    String text = r.format(List.of("a comment", "another"));
    assertTrue(text.startsWith("# a comment\n# another\n"), text);
    ScheduleRecord back = ScheduleRecord.parse(text, "x.schedule");
    assertEquals(r, back);
    assertEquals(1, back.picks());
    assertEquals(1, back.delays());
    assertEquals(150, back.delayCycles());
    assertEquals(7, back.lastPickStep());
  }

  @Test
  void fileErrorsNameTheLine() {
    ScenarioException e =
        assertThrows(ScenarioException.class, () -> ScheduleRecord.parse("seed 1\npick 3\n", "s.schedule"));
    assertEquals("s.schedule:2: expected 'pick STEP RANK'", e.getMessage());
    e = assertThrows(ScenarioException.class, () -> ScheduleRecord.parse("seed 1\nswap 1 2\n", "s.schedule"));
    assertTrue(e.getMessage().startsWith("s.schedule:2: unknown line 'swap'"), e.getMessage());
    e = assertThrows(ScenarioException.class, () -> ScheduleRecord.parse("delay 1 -5\nseed 1\n", "s.schedule"));
    assertEquals("s.schedule:1: -5 must not be negative", e.getMessage());
    e = assertThrows(ScenarioException.class, () -> ScheduleRecord.parse("# nothing\n", "s.schedule"));
    assertEquals("s.schedule: the schedule has no 'seed N' line", e.getMessage());
  }

  @Test
  void seedsAreAChain() {
    List<Long> s = Explorer.seeds(5, 4);
    assertEquals(5L, s.get(0));
    for (int i = 1; i < s.size(); i++) {
      assertEquals(Explorer.nextSeed(s.get(i - 1)), s.get(i));
    }
    assertEquals(4, new HashSet<>(s).size());
    assertEquals(s, Explorer.seeds(5, 4));
  }

  @Test
  void pctDrawsDepthMinusOneChangePointsFromTheSeed() {
    Topology topo = new Topology(4, 1);
    ScheduleSpec spec = new ScheduleSpec(Strategy.PCT, 3, 0, 1000, 500, null, null);
    List<Long> a = spec.changePointsFor(7, topo);
    assertEquals(2, a.size());
    assertEquals(a, spec.changePointsFor(7, topo));
    for (long k : a) {
      assertTrue(k >= 1 && k <= 500, a.toString());
    }
    Set<List<Long>> seen = new HashSet<>();
    for (long seed = 0; seed < 20; seed++) {
      seen.add(spec.changePointsFor(seed, topo));
    }
    assertTrue(seen.size() > 10, seen.toString());
    assertEquals(List.of(), new ScheduleSpec(Strategy.PCT, 1, 0, 1000, 500, null, null).changePointsFor(7, topo));
  }

  @Test
  void pctRunsTheHighestPriorityCpuAndLowersItAtAChangePoint() {
    Topology topo = new Topology(2, 1); // cpus 0, 1; memory 2
    PctScheduler s = new PctScheduler(3, topo, 2, 100, 1000, List.of(2L));
    // cpu 0's and cpu 1's requests to memory: the same CPU wins until the change point
    List<NodeMsg.Packet> both = List.of(packet(10, 0, 2), packet(10, 1, 2));
    int first = s.choose(0, both);
    assertEquals(first, s.choose(1, both), "the same CPU keeps the priority");
    assertNotEquals(first, s.choose(2, both), "after delivery 2 its priority dropped below the other's");
    // a message tied to no CPU loses to any CPU's
    assertEquals(1, new PctScheduler(3, topo, 2, 100, 1000, List.of()).choose(0, List.of(packet(10, 2, 3), packet(20, 0, 2))));
  }

  @Test
  void randomJittersOnlyMessagesBetweenComponents() {
    RandomScheduler r = new RandomScheduler(1, 200, 200);
    List<Long> delays = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      assertEquals(0, r.delay(i, packet(10, 1, 1)), "a message to oneself keeps its time");
      long d = r.delay(i, packet(10, 0, 2));
      assertTrue(d >= 0 && d <= 200, "jitter " + d);
      delays.add(d);
    }
    assertTrue(new HashSet<>(delays).size() > 10, delays.toString());
  }

  @Test
  void replayClampsPicksToWhatIsPending() {
    ReplayScheduler r = new ReplayScheduler(new ScheduleRecord(null, 1, List.of(new Decision.Pick(4, 5), new Decision.Delay(2, 30)), 0));
    List<NodeMsg.Packet> two = List.of(packet(1, 0, 2), packet(2, 1, 2));
    assertEquals(0, r.choose(3, two));
    assertEquals(1, r.choose(4, two));
    assertEquals(30, r.delay(2, two.get(0)));
    assertEquals(0, r.delay(3, two.get(0)));
  }
}
