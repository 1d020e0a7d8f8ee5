package cowsim.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.serialization.Serialization;
import akka.serialization.SerializationExtension;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import cowsim.explore.Explorer;
import cowsim.explore.RunOutcome;
import cowsim.explore.ScheduleSpec;
import cowsim.explore.Strategy;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioLoader;
import cowsim.sim.Simulation;
import cowsim.stats.Stat;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The binary form of a batch and of its results: what goes in comes out, a broken message is refused, Akka picks it. */
class RunsSerializerTest {

  private final RunsSerializer serializer = new RunsSerializer();

  private Object roundTrip(Object o) throws Exception {
    return serializer.fromBinary(serializer.toBinary(o), serializer.manifest(o));
  }

  /** The answers of real runs: passing ones, a bug scenario's with violations, racy-cow-threads' with failed checks. */
  private static List<RunSummary> realRuns() throws Exception {
    List<RunSummary> out = new ArrayList<>();
    Explorer explorer = new Explorer(new Simulation());
    List<Stat> stats = List.of(Stat.SCHEDULER_DISPATCHES);
    for (String file : List.of("docs/measure/exit-at-once.conf", "scenarios/bugs/stale-tlb-after-mprotect.conf", "scenarios/racy-cow-threads.conf")) {
      Scenario s = ScenarioLoader.load(Path.of(file), List.of());
      for (RunOutcome o : explorer.explore(s, ScheduleSpec.of(ConfigFactory.load(), Strategy.PCT, 3), s.seed(), 6, 2, false, x -> {})) {
        out.add(RunSummary.of(o, stats));
      }
    }
    return out;
  }

  @Test
  void theResultsOfRealRunsComeBackEqual() throws Exception {
    List<RunSummary> runs = realRuns();
    assertTrue(runs.stream().anyMatch(RunSummary::pass), "some pass");
    assertTrue(runs.stream().anyMatch(r -> !r.violations().isEmpty()), "some have violations");
    assertTrue(runs.stream().anyMatch(r -> !r.failures().isEmpty()), "some failed their checks");
    Coordinator.Results r = new Coordinator.Results("10.0.0.7:41234", "3", runs, 123_456_789L);
    assertEquals(r, roundTrip(r));
    byte[] json = new ObjectMapper().writeValueAsBytes(r); // as JsonSerializer writes it (no actor reference in it)
    assertEquals(r, new ObjectMapper().readValue(json, Coordinator.Results.class), "JSON agrees");
    assertTrue(serializer.toBinary(r).length * 3 < json.length, serializer.toBinary(r).length + " bytes against JSON's " + json.length);
  }

  @Test
  void crashedRunsNullsOddStringsAndExtremesComeBackEqual() throws Exception {
    String odd = "tr\u00e8s \u03bb \ud83d\ude00 \n\"quoted\"\t" + "x".repeat(70_000);
    List<RunSummary> runs = List.of(
        RunSummary.crashed(0, Long.MIN_VALUE, new IllegalStateException(odd)),
        new RunSummary(Integer.MAX_VALUE, Long.MAX_VALUE, null, false, List.of(), Map.of(), Map.of(), "LIMIT", null, List.of(), -1, null),
        new RunSummary(7, -1, "00ff", true, List.of("a", "a", ""), Map.of("k", Long.MIN_VALUE), Map.of("v", Integer.MIN_VALUE, "w", 0), "", "", List.of(odd),
            Integer.MAX_VALUE, ""));
    Coordinator.Results r = new Coordinator.Results("", "", runs, -1);
    assertEquals(r, roundTrip(r));
    Coordinator.Results none = new Coordinator.Results("w", "j", List.of(), 0);
    assertEquals(none, roundTrip(none));
  }

  @Test
  void aBatchComesBackEqualWhateverTheOrderOfItsRuns() throws Exception {
    ClusterJob job = new ClusterJob("12", "name = x\n", "x.conf", List.of("--set", "a=1"), "linux", null, null,
        new RunSummary.Spec("PCT", 3, 0, 2000, 171, List.of(5L, 9L)), List.of("cycles"));
    for (List<Integer> indices : List.of(List.of(0, 1, 2, 3), List.of(40, 3, 1_000_000, 2), List.<Integer>of())) {
      List<Long> seeds = new ArrayList<>();
      indices.forEach(i -> seeds.add(i * -7_919_000_000_000L));
      WorkerSlot.Batch b = new WorkerSlot.Batch(job, indices, seeds);
      assertEquals(b, roundTrip(b));
    }
    // the job is encoded once per job and decoded once: the same object back for every batch of it
    WorkerSlot.Batch b1 = (WorkerSlot.Batch) roundTrip(new WorkerSlot.Batch(job, List.of(1), List.of(1L)));
    WorkerSlot.Batch b2 = (WorkerSlot.Batch) roundTrip(new WorkerSlot.Batch(job, List.of(2), List.of(2L)));
    assertTrue(b1.job() == b2.job());
    ClusterJob other = new ClusterJob("13", "name = y\n", "y.conf", List.of(), null, List.of("a"), "m", job.spec(), List.of());
    assertEquals(other, ((WorkerSlot.Batch) roundTrip(new WorkerSlot.Batch(other, List.of(0), List.of(0L)))).job());
  }

  @Test
  void aTruncatedOrOverlongMessageIsRefusedWithWhereItBroke() throws Exception {
    Coordinator.Results r = new Coordinator.Results("w", "1", realRuns(), 5);
    byte[] bytes = serializer.toBinary(r);
    for (int cut : new int[] {1, bytes.length / 2, bytes.length - 1}) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> serializer.fromBinary(Arrays.copyOf(bytes, cut), RunsSerializer.RESULTS));
      assertTrue(e.getMessage().startsWith("a malformed results message: "), e.getMessage());
    }
    byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> serializer.fromBinary(longer, RunsSerializer.RESULTS));
    assertTrue(e.getMessage().endsWith("1 bytes left over"), e.getMessage());
    assertThrows(java.io.NotSerializableException.class, () -> serializer.fromBinary(bytes, "Q"));
    assertThrows(IllegalArgumentException.class, () -> serializer.toBinary("a string"));
  }

  @Test
  void akkaSendsTheBatchAndItsResultsWithItAndTheRestAsJson() {
    ActorTestKit kit = ActorTestKit.create(ConfigFactory.parseString("akka.actor.provider = local")
        .withFallback(ConfigFactory.load().getConfig("cowsim.cluster.system")).withFallback(ConfigFactory.load()));
    try {
      Serialization s = SerializationExtension.get(akka.actor.typed.javadsl.Adapter.toClassic(kit.system()));
      ClusterJob job = new ClusterJob("1", "", "", List.of(), null, null, null, new RunSummary.Spec("PCT", 1, 0, 0, 0, List.of()), List.of());
      assertInstanceOf(RunsSerializer.class, s.findSerializerFor(new WorkerSlot.Batch(job, List.of(), List.of())));
      assertInstanceOf(RunsSerializer.class, s.findSerializerFor(new Coordinator.Results("w", "1", List.of(), 0)));
      assertInstanceOf(JsonSerializer.class, s.findSerializerFor(new WorkerNode.JobDone("1")));
      assertInstanceOf(JsonSerializer.class, s.findSerializerFor(job));
      assertFalse(s.findSerializerFor(job) instanceof RunsSerializer);
      assertArrayEquals(serializer.toBinary(new Coordinator.Results("w", "1", List.of(), 0)), s.serialize(new Coordinator.Results("w", "1", List.of(), 0)).get());
    } finally {
      kit.shutdownTestKit();
    }
  }
}
