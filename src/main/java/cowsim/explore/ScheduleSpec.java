package cowsim.explore;

import com.typesafe.config.Config;
import cowsim.machine.interconnect.Scheduler;
import cowsim.machine.interconnect.Topology;
import java.util.ArrayList;
import java.util.List;

/**
 * How one deterministic run is scheduled: the strategy and its knobs. Immutable; the run's
 * guardian hands it to the conductor (it is the interconnect's {@link Scheduler.Factory}), which builds a fresh {@link Scheduler} from it and the
 * run's seed. The same scenario, seed, spec and build give the same run.
 *
 * @param strategy how the next delivery is chosen
 * @param depth PCT: the bug depth d (d - 1 priority-change points); systematic: the preemption
 *     bound K
 * @param maxJitter random: each message gets an extra latency drawn uniformly from [0, maxJitter]
 *     cycles
 * @param window random, pct and systematic: a pending message is deliverable when it arrives at most this many
 *     cycles after the earliest pending one
 * @param pctSteps PCT: the expected number of deliveries k over which change points are drawn
 * @param changePoints PCT: explicit change points (delivery counts, in the order that gives their
 *     new priorities), or null to draw depth - 1 of them from the seed
 * @param replay SCHEDULE: the decisions to replay, else null
 */
public record ScheduleSpec(
    Strategy strategy, int depth, long maxJitter, long window, long pctSteps, List<Long> changePoints, ScheduleRecord replay)
    implements Scheduler.Factory {

  /** The default: time order, seeded tie-break, exactly as without exploration. */
  public static final ScheduleSpec TIME_ORDER = new ScheduleSpec(Strategy.TIME, 0, 0, 0, 0, null, null);

  public ScheduleSpec {
    if (strategy == null) {
      throw new IllegalArgumentException("strategy");
    }
    if (strategy == Strategy.PCT && depth < 1) {
      throw new IllegalArgumentException("PCT depth must be at least 1, got " + depth);
    }
    if (strategy == Strategy.SYSTEMATIC && depth < 0) {
      throw new IllegalArgumentException("the preemption bound must be at least 0, got " + depth);
    }
    if (maxJitter < 0 || window < 0 || pctSteps < 0) {
      throw new IllegalArgumentException("negative max-jitter, window or pct-steps");
    }
    if (strategy == Strategy.SCHEDULE && replay == null) {
      throw new IllegalArgumentException("a schedule spec needs its record");
    }
    changePoints = changePoints == null ? null : List.copyOf(changePoints);
  }

  /** The schedule a scenario file asks for ({@code schedule { strategy, depth, pct-steps }}). */
  public static ScheduleSpec forScenario(Config config, cowsim.scenario.Scenario s) {
    cowsim.scenario.Schedule sc = s.schedule();
    Strategy st = Strategy.parse(sc.strategy()).orElseThrow();
    ScheduleSpec spec = of(config, st, sc.depth());
    return sc.pctSteps() == null ? spec : spec.withPctSteps(sc.pctSteps());
  }

  /**
   * The spec for a strategy with the defaults of {@code cowsim.explore} in the configuration.
   *
   * @param depth PCT depth, or null for {@code cowsim.explore.depth}
   */
  public static ScheduleSpec of(Config config, Strategy strategy, Integer depth) {
    Config c = config.getConfig("cowsim.explore");
    switch (strategy) {
      case TIME:
        return TIME_ORDER;
      case RANDOM:
        return new ScheduleSpec(strategy, 0, c.getLong("max-jitter"), c.getLong("random-window"), 0, null, null);
      case PCT:
        return new ScheduleSpec(
            strategy, depth != null ? depth : c.getInt("depth"), 0, c.getLong("pct-window"), c.getLong("pct-steps"), null, null);
      case SYSTEMATIC:
        return new ScheduleSpec(
            strategy, depth != null ? depth : c.getInt("preemptions"), 0, c.getLong("systematic-window"), 0, null, null);
      default:
        throw new IllegalArgumentException("use ScheduleSpec.replay for " + strategy);
    }
  }

  /** Replays a schedule file's decisions (time order otherwise). */
  public static ScheduleSpec replay(ScheduleRecord record) {
    return new ScheduleSpec(Strategy.SCHEDULE, 0, 0, Long.MAX_VALUE, 0, null, record);
  }

  public boolean isTimeOrder() {
    return strategy == Strategy.TIME;
  }

  /** This PCT spec with another expected step count k. */
  public ScheduleSpec withPctSteps(long steps) {
    return new ScheduleSpec(strategy, depth, maxJitter, window, steps, changePoints, replay);
  }

  /** This PCT spec with explicit change points. */
  public ScheduleSpec withChangePoints(List<Long> points) {
    return new ScheduleSpec(strategy, depth, maxJitter, window, pctSteps, points, replay);
  }

  /**
   * A fresh scheduler for one run, or null for the time order (the conductor then simply
   * delivers the earliest pending packet).
   */
  @Override
  public Scheduler scheduler(long seed, Topology topology) {
    switch (strategy) {
      case RANDOM:
        return new RandomScheduler(seed, maxJitter, window);
      case PCT:
        return new PctScheduler(seed, topology, depth, pctSteps, window, changePoints);
      case SCHEDULE:
        return new ReplayScheduler(replay);
      case SYSTEMATIC:
        return new cowsim.explore.systematic.SystematicScheduler(topology, window, java.util.Map.of());
      default:
        return null;
    }
  }

  /** PCT: the change points a run with this seed uses (explicit ones, or those drawn from the seed). */
  public List<Long> changePointsFor(long seed, Topology topology) {
    if (strategy != Strategy.PCT) {
      return List.of();
    }
    return new ArrayList<>(new PctScheduler(seed, topology, depth, pctSteps, window, changePoints).changePoints());
  }

  /** The command-line options that select this strategy (empty for the time order). */
  public String cliArgs() {
    return switch (strategy) {
      case TIME, SCHEDULE -> "";
      case RANDOM -> "--strategy random";
      case PCT -> "--strategy pct --depth " + depth + " --pct-steps " + pctSteps;
      case SYSTEMATIC -> "--strategy systematic";
    };
  }

  /** One line for people. */
  public String describe() {
    return switch (strategy) {
      case TIME -> "time order (seeded tie-break)";
      case RANDOM -> "random (max-jitter " + maxJitter + " cycles, window " + window + " cycles)";
      case PCT -> "pct (depth " + depth + ", k = " + pctSteps + " steps, window " + window + " cycles"
          + (changePoints == null ? "" : ", change points " + changePoints) + ")";
      case SCHEDULE -> "schedule file (" + replay.describe() + ")";
      case SYSTEMATIC -> "systematic (at most " + depth + " preemptions, window " + window + " cycles)";
    };
  }
}
