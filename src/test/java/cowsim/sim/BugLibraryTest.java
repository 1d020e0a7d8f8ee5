package cowsim.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import cowsim.explore.Explorer;
import cowsim.explore.RunOutcome;
import cowsim.explore.ScheduleSpec;
import cowsim.explore.Strategy;
import cowsim.report.Verdict;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The bug library: under strat9 each bug shows its violations (on its own seed and schedule);
 * under the linux profile an exploration finds nothing. The suite explores 12 schedules per bug
 * (6 PCT, 6 random); the README documents the 200-schedule command. The linux run keeps the
 * scenario's PCID: a bug that needs tagged TLB entries is fixed by linux's generation check, which
 * only a PCID machine exercises.
 */
class BugLibraryTest {

  static Stream<Path> bugs() throws IOException {
    try (Stream<Path> s = Files.list(Path.of("scenarios", "bugs"))) {
      List<Path> files = s.filter(p -> p.toString().endsWith(".conf")).sorted().toList();
      assertTrue(files.size() >= 9, "one scenario per bug of the reference notes");
      return files.stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("bugs")
  void strat9ShowsTheBug(Path file) throws Exception {
    showsItsViolations(file);
  }

  /** The scenario's own kernel shows exactly the violations its expect block names. */
  static void showsItsViolations(Path file) throws Exception {
    Scenario s = ScenarioLoader.load(file, List.of());
    assertFalse(s.expect().violations().isEmpty(), file + " names its violations");
    SimResult r = new Simulation().run(s, null, ScheduleSpec.forScenario(ConfigFactory.load(), s));
    Verdict v = Verdict.judge(r);
    assertTrue(v.pass(), file + ": " + v.failures());
    assertEquals(new TreeSet<>(s.expect().violations()), Verdict.foundKinds(r).keySet());
  }

  /**
   * The bug under the linux profile plus {@code knobs}, on the same hardware: a scenario with
   * {@code pcid = true} keeps it (the profile replaces the kernel's policies, not the TLB).
   */
  static Scenario underLinux(Scenario bug, String... knobs) throws Exception {
    List<String> all = new ArrayList<>();
    if (bug.kernel().policy().pcid()) {
      all.add("pcid = true");
    }
    all.addAll(List.of(knobs));
    Scenario s = bug.withProfile("linux", all);
    assertEquals("linux", s.kernel().policy().profile());
    assertEquals(bug.kernel().policy().pcid(), s.kernel().policy().pcid());
    return s;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("bugs")
  void linuxIsClean(Path file) throws Exception {
    exploredClean(file, underLinux(ScenarioLoader.load(file, List.of())));
  }

  /** Its own run and 6 PCT plus 6 random schedules show no violation (and no failed assert). */
  static void exploredClean(Path file, Scenario s) throws Exception {
    SimResult own = new Simulation().run(s, null, ScheduleSpec.forScenario(ConfigFactory.load(), s));
    assertTrue(own.violations().isEmpty(), file + " under linux: " + own.violations());
    assertTrue(own.assertionFailures().isEmpty(), file + " under linux: " + own.assertionFailures());
    Explorer explorer = new Explorer(new Simulation());
    for (Strategy st : List.of(Strategy.PCT, Strategy.RANDOM)) {
      ScheduleSpec spec = ScheduleSpec.of(ConfigFactory.load(), st, 3);
      List<RunOutcome> runs = explorer.explore(s, spec, s.seed(), 6, 2, false, o -> {});
      for (RunOutcome o : runs) {
        assertTrue(o.result().violations().isEmpty(), file + " under linux, " + st + " seed " + o.seed() + ": " + o.result().violations());
      }
    }
  }

  /**
   * The PCID bug under linux runs with PCID on and the generation check on (as linux has it), and
   * is clean above; the same run with {@code tlb.generation-check = false} shows the bug again, so
   * it is the check that fixes it.
   */
  @Test
  void pcidUnderLinuxIsCleanBecauseOfTheGenerationCheck() throws Exception {
    Scenario bug = ScenarioLoader.load(Path.of("scenarios", "bugs", "pcid-without-generation-check.conf"), List.of());
    Scenario linux = underLinux(bug);
    assertTrue(linux.kernel().policy().pcid());
    assertTrue(linux.kernel().policy().generationCheck());
    SimResult clean = new Simulation().run(linux, null);
    assertTrue(clean.violations().isEmpty(), clean.violations().toString());
    assertEquals(SimResult.Ending.ALL_EXITED, clean.ending(), clean.endDetail());
    assertTrue(clean.assertionFailures().isEmpty(), clean.assertionFailures().toString());

    Scenario unchecked = underLinux(bug, "tlb.generation-check = false");
    assertTrue(unchecked.kernel().policy().pcid());
    assertFalse(unchecked.kernel().policy().generationCheck());
    SimResult broken = new Simulation().run(unchecked, null);
    assertEquals(new TreeSet<>(bug.expect().violations()), Verdict.foundKinds(broken).keySet(), broken.violations().toString());
  }
}
