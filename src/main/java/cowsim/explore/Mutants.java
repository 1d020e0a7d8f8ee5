package cowsim.explore;

import com.typesafe.config.Config;
import cowsim.kernel.Mistake;
import cowsim.scenario.Scenario;
import cowsim.sim.SimResult;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Mutation analysis of a scenario set: is each kernel mistake of the catalogue caught by some
 * scenario? For one mistake, every scenario's own deterministic run comes first (in file order,
 * {@code jobs} at a time), then each scenario in file order is explored over {@code runs}
 * schedules exactly as {@code explore --until-first} does, until a run fails its verdict. The
 * answer is the first failing run in that order, so it does not depend on {@code jobs}.
 */
public final class Mutants {

  /** A scenario of the set, with the schedule spec its explorations use (PCT's k measured on it). */
  public record Target(String file, Scenario scenario, ScheduleSpec spec) {}

  /** Where a run came from: the scenario's own run, or explored run {@code index}. */
  public record Caught(Target target, RunOutcome run, boolean own) {}

  /**
   * What became of one mistake.
   *
   * @param caught the first failing run, or null when it survived
   * @param runsTried runs made with the mistake switched on, up to and including the failing one
   */
  public record Outcome(Mistake mistake, Caught caught, int runsTried, long millis) {
    public boolean survived() {
      return caught == null;
    }

    /** The failing run ended in a Java exception: a simulator bug, not a catch. */
    public boolean crashed() {
      return caught != null && caught.run().result().ending() == SimResult.Ending.SIMULATOR_ERROR;
    }
  }

  /** Progress of the work, for the console. */
  public interface Listener {
    /** A scenario's baseline is done (own run and its explorations, all clean). */
    default void baseline(Target t, int runs) {}

    /** Starting runs of a mistake on a scenario ({@code own}: the own runs of every scenario). */
    default void trying(Mistake m, Target t, boolean own, int runs) {}

    /** One run done. */
    default void run(RunOutcome o) {}

    default void done(Outcome o) {}
  }

  private final Explorer explorer;
  private final Config config;
  private final int runs;
  private final int jobs;
  private final Explorations explorations;

  public Mutants(Explorer explorer, Config config, int runs, int jobs) {
    this(explorer, config, runs, jobs, Explorations.local(explorer, jobs));
  }

  /**
   * @param explorations where the explorations run (a cluster: {@code mutants --cluster}); the
   *     own runs and PCT's k run on {@code explorer}, {@code jobs} at a time (at least one)
   */
  public Mutants(Explorer explorer, Config config, int runs, int jobs, Explorations explorations) {
    this.explorer = explorer;
    this.config = config;
    this.runs = runs;
    this.jobs = jobs;
    this.explorations = explorations;
  }

  /**
   * The target of a scenario: with PCT and no fixed k, k is the number of deliveries of its
   * time-order run at its seed (as explore measures it).
   */
  public Target target(String file, Scenario s, ScheduleSpec spec, boolean measureK) {
    if (measureK && spec.strategy() == Strategy.PCT) {
      spec = spec.withPctSteps(Math.max(1, explorer.runOnce(s, ScheduleSpec.TIME_ORDER, 0, s.seed(), null).messages()));
    }
    return new Target(file, s, spec);
  }

  /**
   * Each scenario without a mistake: its own run, then its explorations.
   *
   * @return the first failing run, or null when every scenario is clean
   */
  public Caught baseline(List<Target> targets, Listener l) throws InterruptedException {
    List<RunOutcome> own = ownRuns(targets, Mistake.NONE, l);
    for (int i = 0; i < targets.size(); i++) {
      if (!own.get(i).pass()) {
        return new Caught(targets.get(i), own.get(i), true);
      }
    }
    for (Target t : targets) {
      List<RunOutcome> explored = explorations.explore(t.scenario(), Explorations.Origin.of(t.file()), t.spec(), t.scenario().seed(), runs, true, l::run);
      for (RunOutcome o : explored) {
        if (!o.pass()) {
          return new Caught(t, o, false);
        }
      }
      l.baseline(t, runs + 1);
    }
    return null;
  }

  /** Runs one mistake against the set. */
  public Outcome mutant(Mistake m, List<Target> targets, Listener l) throws InterruptedException {
    long started = System.nanoTime();
    List<Target> withMistake = new ArrayList<>();
    for (Target t : targets) {
      withMistake.add(new Target(t.file(), t.scenario().withMistake(m), t.spec()));
    }
    l.trying(m, null, true, targets.size());
    List<RunOutcome> own = ownRuns(withMistake, m, l);
    int tried = 0;
    for (int i = 0; i < own.size(); i++) {
      tried++;
      if (!own.get(i).pass()) {
        return done(l, m, new Caught(withMistake.get(i), own.get(i), true), tried, started);
      }
    }
    for (Target t : withMistake) {
      if (runs == 0) {
        break;
      }
      l.trying(m, t, false, runs);
      List<RunOutcome> explored =
          explorations.explore(t.scenario(), Explorations.Origin.of(t.file()).withMistake(m), t.spec(), t.scenario().seed(), runs, true, l::run);
      for (RunOutcome o : explored) {
        tried++;
        if (!o.pass()) {
          return done(l, m, new Caught(t, o, false), tried, started);
        }
      }
    }
    return done(l, m, null, tried, started);
  }

  private static Outcome done(Listener l, Mistake m, Caught caught, int tried, long startedNanos) {
    Outcome out = new Outcome(m, caught, tried, (System.nanoTime() - startedNanos) / 1_000_000);
    l.done(out);
    return out;
  }

  /** Every target's own run (its seed, its own schedule block), {@code jobs} at a time, in order. */
  private List<RunOutcome> ownRuns(List<Target> targets, Mistake m, Listener l) throws InterruptedException {
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, jobs), r -> {
      Thread t = new Thread(r, "cowsim-mutants");
      t.setDaemon(true);
      return t;
    });
    try {
      List<Future<RunOutcome>> futures = new ArrayList<>();
      for (Target t : targets) {
        Scenario s = t.scenario().withMistake(m);
        futures.add(pool.submit(() -> explorer.runOnce(s, ScheduleSpec.forScenario(config, s), 0, s.seed(), null)));
      }
      List<RunOutcome> out = new ArrayList<>();
      for (Future<RunOutcome> f : futures) {
        try {
          RunOutcome o = f.get();
          l.run(o);
          out.add(o);
        } catch (ExecutionException e) {
          throw new IllegalStateException("a run crashed the mutants driver", e.getCause());
        }
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }
}
