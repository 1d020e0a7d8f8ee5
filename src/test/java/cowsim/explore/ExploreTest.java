package cowsim.explore;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import cowsim.cli.Main;
import cowsim.report.Verdict;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioLoader;
import cowsim.sim.SimResult;
import cowsim.sim.Simulation;
import cowsim.sim.SimulationHost;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Schedule exploration on the bundled racy scenario: determinism, variety, finding the race with
 * each strategy, exact replay from the printed command, shrinking to a schedule file.
 */
class ExploreTest {

  static final String RACY = "scenarios/racy-cow-threads.conf";

  private static Scenario racy;
  private static Simulation sim;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream oldOut;
  private PrintStream oldErr;

  @BeforeAll
  static void load() throws Exception {
    racy = ScenarioLoader.load(Path.of(RACY), List.of());
    sim = new Simulation();
  }

  @BeforeEach
  void capture() {
    oldOut = System.out;
    oldErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    System.setOut(oldOut);
    System.setErr(oldErr);
  }

  private String out() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private static ScheduleSpec spec(Strategy s) {
    return ScheduleSpec.of(ConfigFactory.load(), s, null);
  }

  @Test
  void theRacyScenarioPassesOnItsOwnSeedAndTimeOrderIsTheDefault() {
    SimResult plain = sim.run(racy, null);
    assertTrue(Verdict.judge(plain).pass(), Verdict.judge(plain).failures().toString());
    SimResult timeOrder = sim.run(racy, null, ScheduleSpec.TIME_ORDER);
    assertEquals(plain.traceHash(), timeOrder.traceHash());
  }

  @Test
  void sameSeedAndStrategyGiveTheSameRunAndItsRecordReplaysIt() {
    for (Strategy st : List.of(Strategy.RANDOM, Strategy.PCT)) {
      ScheduleSpec spec = spec(st);
      Simulation.Recorded a = sim.runRecorded(racy.withSeed(11), null, spec);
      Simulation.Recorded b = sim.runRecorded(racy.withSeed(11), null, spec);
      assertEquals(a.result().traceHash(), b.result().traceHash(), st.cli());
      ScheduleRecord recorded = ScheduleRecord.of(racy.withSeed(11), a);
      assertEquals(recorded, ScheduleRecord.of(racy.withSeed(11), b), st.cli());
      assertFalse(recorded.decisions().isEmpty(), st.cli() + " deviates from the time order");
      // the recorded decisions are the whole schedule
      SimResult replay = sim.run(racy.withSeed(11), null, ScheduleSpec.replay(recorded));
      assertEquals(a.result().traceHash(), replay.traceHash(), st.cli());
    }
  }

  @Test
  void twentySeedsGiveDifferentSchedules() throws Exception {
    Explorer ex = new Explorer(sim);
    for (Strategy st : List.of(Strategy.RANDOM, Strategy.PCT)) {
      List<RunOutcome> runs = ex.explore(racy, spec(st).withPctSteps(1000), 1, 20, 2, false, o -> {});
      assertEquals(20, runs.size());
      Set<String> hashes = runs.stream().map(RunOutcome::traceHash).collect(Collectors.toSet());
      assertTrue(hashes.size() > 1, st + ": " + hashes);
      for (int i = 0; i < runs.size(); i++) {
        assertEquals(i, runs.get(i).index());
      }
    }
  }

  @Test
  void resultsDoNotDependOnJobs() throws Exception {
    Explorer ex = new Explorer(sim);
    List<String> one = ex.explore(racy, spec(Strategy.RANDOM), 3, 6, 1, false, o -> {}).stream().map(RunOutcome::traceHash).toList();
    List<String> two = ex.explore(racy, spec(Strategy.RANDOM), 3, 6, 2, false, o -> {}).stream().map(RunOutcome::traceHash).toList();
    assertEquals(one, two);
  }

  /** The runs of one actor system (the commands' {@link SimulationHost}) are those of fresh systems, with one job or two. */
  @Test
  void runsOnOneHostAreTheRunsOfFreshSystemsWithOneJobOrTwo() throws Exception {
    ScheduleSpec pct = spec(Strategy.PCT).withPctSteps(1000);
    List<String> fresh = new Explorer(sim).explore(racy, pct, 5, 10, 1, false, o -> {}).stream().map(RunOutcome::traceHash).toList();
    try (SimulationHost host = new SimulationHost()) {
      Explorer shared = new Explorer(new Simulation(host));
      assertEquals(fresh, shared.explore(racy, pct, 5, 10, 1, false, o -> {}).stream().map(RunOutcome::traceHash).toList(), "--jobs 1");
      assertEquals(fresh, shared.explore(racy, pct, 5, 10, 2, false, o -> {}).stream().map(RunOutcome::traceHash).toList(), "--jobs 2");
    }
  }

  /** The command's explore.json lists the same runs, trace_hash for trace_hash, with --jobs 1 and --jobs 2. */
  @Test
  void theCommandReportsTheSameRunsWithOneJobAndWithTwo(@TempDir Path dir) throws Exception {
    List<JsonNode> reports = new ArrayList<>();
    for (String jobs : List.of("1", "2")) {
      Path d = dir.resolve("jobs-" + jobs);
      assertEquals(1, Main.execute("explore", RACY, "--strategy", "pct", "--runs", "16", "--jobs", jobs, "--out", d.toString()), out() + err);
      reports.add(new ObjectMapper().readTree(d.resolve("explore.json").toFile()));
    }
    JsonNode one = reports.get(0);
    JsonNode two = reports.get(1);
    assertEquals(16, one.get("per_run").size());
    assertEquals(one.get("per_run"), two.get("per_run"), "seed, trace_hash, outcome, kinds, cycles of every run");
    Set<String> hashes = new HashSet<>();
    one.get("per_run").forEach(r -> hashes.add(r.get("trace_hash").asText()));
    assertEquals(hashes.size(), two.get("distinct_trace_hashes").asInt());
    assertEquals(one.get("failures"), two.get("failures"));
    assertEquals(one.get("first_failure").get("seed"), two.get("first_failure").get("seed"));
    assertEquals(one.get("first_failure").get("replay"), two.get("first_failure").get("replay"));
  }

  /** explore finds the race with the strategy, and its printed replay command reproduces it exactly. */
  private void findsAndReplays(String strategy, Path dir) throws Exception {
    Path exploreDir = dir.resolve("explore");
    int code = Main.execute("explore", RACY, "--strategy", strategy, "--runs", "40", "--until-first", "--jobs", "2", "--out", exploreDir.toString());
    String console = out();
    assertEquals(1, code, console + err);
    JsonNode json = new ObjectMapper().readTree(exploreDir.resolve("explore.json").toFile());
    assertTrue(json.get("failures").asInt() >= 1);
    JsonNode first = json.get("first_failure");
    assertNotNull(first, console);
    int run = first.get("run").asInt();
    JsonNode failed = json.get("per_run").get(run);
    assertEquals("fail", failed.get("outcome").asText());
    assertTrue(failed.get("violation_kinds").size() > 0);
    assertEquals(run + 1, json.get("per_run").size(), "--until-first stops at the first failure");
    assertTrue(console.contains("distinct trace_hash values: "), console);
    assertTrue(console.contains("failures: "), console);

    String replayLine = console.lines().filter(l -> l.trim().startsWith("replay: java -jar target/cowsim.jar run ")).findFirst().orElseThrow();
    List<String> args = new ArrayList<>(Arrays.asList(replayLine.trim().substring("replay: java -jar target/cowsim.jar ".length()).split(" ")));
    assertTrue(args.containsAll(List.of("--seed", first.get("seed").asText(), "--strategy", strategy)), args.toString());
    Path replayDir = dir.resolve("replay");
    args.addAll(List.of("--quiet", "--out", replayDir.toString()));
    assertEquals(1, Main.execute(args.toArray(String[]::new)), err.toString(StandardCharsets.UTF_8));
    ObjectMapper m = new ObjectMapper();
    JsonNode replayed = m.readTree(replayDir.resolve("report.json").toFile());
    JsonNode logged = m.readTree(exploreDir.resolve("first-failure").resolve("report.json").toFile());
    assertEquals(failed.get("trace_hash").asText(), replayed.get("trace_hash").asText());
    assertEquals(logged.get("trace_hash").asText(), replayed.get("trace_hash").asText());
    assertEquals(logged.get("violations"), replayed.get("violations"), "the same violations at the same cycles");
    assertEquals(logged.get("failures"), replayed.get("failures"));
    assertEquals(failed.get("cycles").asLong(), replayed.get("stats").get("cycles").asLong());
    assertTrue(Files.isDirectory(exploreDir.resolve("first-failure").resolve("logs")));
  }

  @Test
  void randomFindsTheRaceAndTheReplayCommandReproducesIt(@TempDir Path dir) throws Exception {
    findsAndReplays("random", dir);
  }

  @Test
  void pctFindsTheRaceAndTheReplayCommandReproducesIt(@TempDir Path dir) throws Exception {
    findsAndReplays("pct", dir);
  }

  @Test
  void timeOrderWithOtherSeedsDoesNotFindIt() throws Exception {
    List<RunOutcome> runs = new Explorer(sim).explore(racy, ScheduleSpec.TIME_ORDER, 1, 10, 2, false, o -> {});
    assertTrue(runs.stream().allMatch(RunOutcome::pass), "the race needs more than another tie-break");
  }

  @Test
  void theLinuxProfileIsCleanUnderTheSameExploration() throws Exception {
    Scenario linux = racy.withProfile("linux");
    Explorer ex = new Explorer(sim);
    for (Strategy st : List.of(Strategy.RANDOM, Strategy.PCT)) {
      List<RunOutcome> runs = ex.explore(linux, spec(st).withPctSteps(1000), 1, 20, 2, false, o -> {});
      assertTrue(runs.stream().allMatch(RunOutcome::pass),
          st + ": " + runs.stream().filter(r -> !r.pass()).map(r -> r.seed() + " " + r.kinds()).toList());
    }
  }

  @Test
  void shrinksToAScheduleFileThatRunReplays(@TempDir Path dir) throws Exception {
    Path exploreDir = dir.resolve("explore");
    int code = Main.execute("explore", RACY, "--strategy", "random", "--seed", "1", "--runs", "20", "--until-first", "--jobs", "2", "--shrink",
        "--out", exploreDir.toString());
    String console = out();
    assertEquals(1, code, console + err);
    JsonNode shrink = new ObjectMapper().readTree(exploreDir.resolve("explore.json").toFile()).get("shrink");
    assertNotNull(shrink, console);
    assertTrue(shrink.get("decisions_after").asInt() * 10 < shrink.get("decisions_before").asInt(), shrink.toString());
    Path file = exploreDir.resolve("shrunk.schedule");
    ScheduleRecord r = ScheduleRecord.read(file);
    assertEquals("racy-cow-threads", r.scenario());
    assertTrue(console.contains("--schedule " + file), console);
    // every decision line names the message it moved: time, source -> destination, type
    List<String> lines = Files.readAllLines(file).stream().filter(l -> l.startsWith("pick ") || l.startsWith("delay ")).toList();
    assertEquals(r.decisions().size(), lines.size());
    for (String l : lines) {
      assertTrue(l.matches("(pick|delay) \\d+ \\d+   # message at cycle \\d+, \\S+ -> \\S+, \\w+"), l);
    }
    // a file without those comments (as written before) reads the same
    String bare = Files.readString(file).replaceAll("   # message at [^\n]*", "");
    assertEquals(r.decisions(), ScheduleRecord.parse(bare, "bare").decisions());

    Path replayDir = dir.resolve("replay");
    assertEquals(1, Main.execute("run", RACY, "--schedule", file.toString(), "--quiet", "--out", replayDir.toString()));
    JsonNode report = new ObjectMapper().readTree(replayDir.resolve("report.json").toFile());
    assertEquals(shrink.get("trace_hash").asText(), report.get("trace_hash").asText());
    String kind = shrink.get("kind").asText();
    SimResult again = sim.run(racy.withSeed(r.seed()), null, ScheduleSpec.replay(r));
    assertTrue(Failures.violationKinds(again).contains(cowsim.check.ViolationKind.of(kind)), Failures.violationKinds(again) + " lacks " + kind);
  }

  @Test
  void aCleanScenarioExploresToExitCode0(@TempDir Path dir) throws Exception {
    assertEquals(0, Main.execute("explore", "scenarios/fork-cow-basic.conf", "--strategy", "pct", "--runs", "4", "--jobs", "2", "--out", dir.toString()));
    JsonNode json = new ObjectMapper().readTree(dir.resolve("explore.json").toFile());
    assertEquals(4, json.get("runs").asInt());
    assertEquals(0, json.get("failures").asInt());
    JsonNode run = json.get("per_run").get(1);
    assertEquals(Explorer.nextSeed(1), run.get("seed").asLong());
    for (String k : new String[] {"seed", "trace_hash", "outcome", "violation_kinds", "cycles"}) {
      assertTrue(run.has(k), k);
    }
    assertFalse(out().contains("first failure"), out());
  }

  @Test
  void concurrentModeCountsButSaysItCannotReplay(@TempDir Path dir) throws Exception {
    Main.execute("explore", "scenarios/fork-cow-basic.conf", "--mode", "concurrent", "--runs", "2", "--jobs", "2", "--out", dir.toString());
    assertTrue(out().contains("cannot be replayed"), out());
    JsonNode json = new ObjectMapper().readTree(dir.resolve("explore.json").toFile());
    assertEquals(2, json.get("runs").asInt());
    assertFalse(json.get("replayable").asBoolean());
    assertTrue(json.get("distinct_trace_hashes").isNull());
  }

  @Test
  void badOptionsAreExitCode2(@TempDir Path dir) throws Exception {
    String o = dir.toString();
    assertEquals(2, Main.execute("explore", RACY, "--strategy", "sometimes", "--out", o));
    assertEquals(2, Main.execute("explore", RACY, "--strategy", "random", "--depth", "2", "--out", o));
    assertEquals(2, Main.execute("explore", RACY, "--depth", "0", "--out", o));
    assertEquals(2, Main.execute("explore", RACY, "--runs", "0", "--out", o));
    assertEquals(2, Main.execute("explore", RACY, "--mode", "concurrent", "--strategy", "pct", "--out", o));
    assertEquals(2, Main.execute("run", RACY, "--strategy", "pct", "--depth", "0", "--out", o));
    Path sched = dir.resolve("s.schedule");
    Files.writeString(sched, "scenario fork-cow-basic\nseed 3\n");
    assertEquals(2, Main.execute("run", RACY, "--schedule", sched.toString(), "--out", o));
    assertEquals(2, Main.execute("run", "scenarios/fork-cow-basic.conf", "--schedule", sched.toString(), "--strategy", "pct", "--out", o));
    assertEquals(2, Main.execute("run", "scenarios/fork-cow-basic.conf", "--schedule", dir.resolve("none").toString(), "--out", o));
    assertEquals(0, Main.execute("run", "scenarios/fork-cow-basic.conf", "--schedule", sched.toString(), "--quiet", "--out", o));
    assertTrue(new HashSet<>(err.toString(StandardCharsets.UTF_8).lines().toList()).size() >= 8, err.toString(StandardCharsets.UTF_8));
  }
}
