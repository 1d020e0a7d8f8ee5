package cowsim.cli;

import com.typesafe.config.Config;
import cowsim.explore.ScheduleRecord;
import cowsim.explore.ScheduleSpec;
import cowsim.explore.Strategy;
import cowsim.scenario.Mode;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** {@code run}'s schedule options: the strategy of the deterministic conductor, or a schedule file. */
final class ScheduleArgs {

  @Option(names = "--strategy", paramLabel = "S",
      description = "Deterministic schedule: time (default: earliest first, seeded tie-break), random or pct.")
  String strategy;

  @Option(names = "--depth", paramLabel = "D", description = "PCT bug depth: D - 1 priority-change points (default 3).")
  Integer depth;

  @Option(names = "--pct-steps", paramLabel = "K",
      description = "PCT: expected number of deliveries over which change points are drawn (default: cowsim.explore.pct-steps).")
  Long pctSteps;

  @Option(names = "--schedule", paramLabel = "FILE",
      description = "Replay a schedule file written by explore --shrink (its seed is used).")
  Path schedule;

  /** The schedule options as given, for a replay command (empty when none was). */
  String replayArgs() {
    StringBuilder b = new StringBuilder();
    if (schedule != null) {
      b.append(" --schedule ").append(ExploreCommand.quote(schedule.toString()));
    }
    if (strategy != null) {
      b.append(" --strategy ").append(ExploreCommand.quote(strategy));
    }
    if (depth != null) {
      b.append(" --depth ").append(depth);
    }
    if (pctSteps != null) {
      b.append(" --pct-steps ").append(pctSteps);
    }
    return b.toString();
  }

  /** Whether a schedule file fixes the seed. */
  boolean fromFile() {
    return schedule != null;
  }

  /** A scenario and the schedule to run it with. */
  record Resolved(Scenario scenario, ScheduleSpec spec) {}

  /**
   * Applies the options to a loaded scenario.
   *
   * @param seedGiven the --seed option, or null
   */
  Resolved resolve(Scenario s, Long seedGiven, Config config) throws ScenarioException {
    if (schedule != null) {
      if (strategy != null || depth != null || pctSteps != null) {
        throw new ScenarioException("--schedule " + schedule, 0, "a schedule file already fixes the schedule: drop --strategy, --depth and --pct-steps");
      }
      ScheduleRecord r = ScheduleRecord.read(schedule);
      if (r.scenario() != null && !r.scenario().equals(s.name())) {
        throw new ScenarioException(schedule.toString(), 0, "the schedule was recorded on scenario " + r.scenario() + ", not " + s.name());
      }
      if (seedGiven != null && seedGiven != r.seed()) {
        throw new ScenarioException(schedule.toString(), 0, "the schedule's seed is " + r.seed() + " but --seed is " + seedGiven);
      }
      requireDeterministic(s, "--schedule");
      return new Resolved(s.withSeed(r.seed()), ScheduleSpec.replay(r));
    }
    if (strategy == null && depth == null && pctSteps == null && !s.schedule().isTime()) {
      // the scenario carries the schedule that shows its bug
      requireDeterministic(s, "schedule.strategy " + s.schedule().strategy());
      return new Resolved(s, ScheduleSpec.forScenario(config, s));
    }
    Strategy st = strategy == null ? Strategy.TIME : parse(strategy);
    checkPct(st, depth, pctSteps);
    if (st != Strategy.TIME) {
      requireDeterministic(s, "--strategy " + st);
    }
    ScheduleSpec spec = ScheduleSpec.of(config, st, depth);
    return new Resolved(s, pctSteps == null ? spec : spec.withPctSteps(pctSteps));
  }

  static Strategy parse(String name) throws ScenarioException {
    return Strategy.parse(name)
        .orElseThrow(() -> new ScenarioException("--strategy " + name, 0, "strategy must be time, random or pct"));
  }

  /** --depth and --pct-steps: PCT only, depth at least 1, steps at least 1. */
  static void checkPct(Strategy st, Integer depth, Long pctSteps) throws ScenarioException {
    if (depth != null && st != Strategy.PCT) {
      throw new ScenarioException("--depth " + depth, 0, "--depth applies to --strategy pct only");
    }
    if (pctSteps != null && st != Strategy.PCT) {
      throw new ScenarioException("--pct-steps " + pctSteps, 0, "--pct-steps applies to --strategy pct only");
    }
    if (depth != null && depth < 1) {
      throw new ScenarioException("--depth " + depth, 0, "depth must be at least 1");
    }
    if (pctSteps != null && pctSteps < 1) {
      throw new ScenarioException("--pct-steps " + pctSteps, 0, "pct-steps must be at least 1");
    }
  }

  static void requireDeterministic(Scenario s, String what) throws ScenarioException {
    if (s.mode() != Mode.DETERMINISTIC) {
      throw new ScenarioException(what, 0, "schedules apply to deterministic mode only (the scenario runs in " + s.mode() + " mode)");
    }
  }
}
