package cowsim.explore;

import cowsim.report.Verdict;
import cowsim.scenario.Scenario;
import cowsim.sim.SimResult;
import cowsim.sim.Simulation;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Runs one scenario many times under a schedule strategy, each run with its own seed and its own
 * actors (on the simulation's host when it has one: one actor system for them all), {@code jobs}
 * of them at once. Results come back in run order and do not depend on {@code jobs}.
 */
public final class Explorer {

  private final Simulation simulation;

  private final AtomicBoolean stopping = new AtomicBoolean();

  /** The result of the last systematic {@link #explore}, or null. */
  private volatile cowsim.explore.systematic.SystematicSearch.Result lastSearch;

  /** The result of the last systematic {@link #explore} (complete or cut), or null before one. */
  public cowsim.explore.systematic.SystematicSearch.Result lastSearch() {
    return lastSearch;
  }

  public Explorer(Simulation simulation) {
    this.simulation = simulation;
  }

  /**
   * Asks the explorer to stop (Ctrl-C): runs not started yet are not started; the runs in
   * progress finish; {@link #explore} returns those that finished. Any thread may call it.
   */
  public void stop() {
    stopping.set(true);
  }

  /** Whether {@link #stop} was called. */
  public boolean stopped() {
    return stopping.get();
  }

  /** The seed of the run after the one with {@code seed}. */
  public static long nextSeed(long seed) {
    return new SplittableRandom(seed).nextLong();
  }

  /** The seeds of {@code n} runs starting with {@code first}: each derived from the one before. */
  public static List<Long> seeds(long first, int n) {
    List<Long> out = new ArrayList<>(n);
    long s = first;
    for (int i = 0; i < n; i++) {
      out.add(s);
      s = nextSeed(s);
    }
    return out;
  }

  /** Runs the scenario once with this seed and schedule (no logs) and classifies the run. */
  public RunOutcome runOnce(Scenario scenario, ScheduleSpec spec, int index, long seed, String logDir) {
    return runOnce(scenario, (cowsim.machine.interconnect.Scheduler.Factory) spec, index, seed, logDir);
  }

  /** As {@link #runOnce(Scenario, ScheduleSpec, int, long, String)} under any schedule, e.g. a {@link NamingReplay}. */
  public RunOutcome runOnce(Scenario scenario, cowsim.machine.interconnect.Scheduler.Factory spec, int index, long seed, String logDir) {
    Simulation.Recorded rec = simulation.runRecorded(scenario.withSeed(seed), logDir, spec);
    SimResult r = rec.result();
    Verdict v = Verdict.judge(r);
    return new RunOutcome(index, seed, r.traceHash(), v.pass(), Failures.failureKinds(r, v), r, v, ScheduleRecord.of(scenario.withSeed(seed), rec));
  }

  /**
   * Explores.
   *
   * @param firstSeed the first run's seed; the others follow {@link #seeds}
   * @param untilFirst stop at the first failing run: runs after it are not started, or dropped
   *     when they were already running, so the result is the same for any {@code jobs}
   * @param onDone called (from a worker thread, one call at a time) for each run completed, in run
   *     order: a run that ends before an earlier one is reported once the earlier one has been
   *     reported
   * @return the runs in run order (after {@link #stop}, those that finished)
   */
  public List<RunOutcome> explore(
      Scenario scenario, ScheduleSpec spec, long firstSeed, int runs, int jobs, boolean untilFirst, Consumer<RunOutcome> onDone)
      throws InterruptedException {
    if (spec.strategy() == Strategy.SYSTEMATIC) {
      // one seed; the schedules are the tree's, at most `runs` of them, `jobs` at once (same result for any jobs)
      List<RunOutcome> out = new ArrayList<>();
      lastSearch = new cowsim.explore.systematic.SystematicSearch(this, scenario.withSeed(firstSeed), spec, cowsim.explore.systematic.Reduction.PREFIX, jobs, runs, Long.MAX_VALUE, untilFirst, o -> {
        out.add(o);
        onDone.accept(o);
      }, line -> {}).run();
      return out;
    }
    List<Long> seeds = seeds(firstSeed, runs);
    AtomicInteger stopAfter = new AtomicInteger(Integer.MAX_VALUE);
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, jobs), r -> {
      Thread t = new Thread(r, "cowsim-explore");
      t.setDaemon(true);
      return t;
    });
    InRunOrder inOrder = new InRunOrder(onDone, stopAfter::get);
    List<Future<RunOutcome>> futures = new ArrayList<>();
    try {
      for (int i = 0; i < runs; i++) {
        final int index = i;
        futures.add(pool.submit(() -> {
          if (index > stopAfter.get() || stopping.get()) {
            inOrder.done(index, null);
            return null;
          }
          RunOutcome o = runOnce(scenario, spec, index, seeds.get(index), null);
          if (o.pass()) {
            o = o.withoutSchedule(); // only failing runs are replayed or shrunk: keep memory flat
          }
          if (!o.pass() && untilFirst) {
            stopAfter.accumulateAndGet(index, Math::min);
          }
          inOrder.done(index, o);
          return o;
        }));
      }
      List<RunOutcome> out = new ArrayList<>();
      for (Future<RunOutcome> f : futures) {
        RunOutcome o;
        try {
          o = f.get();
        } catch (ExecutionException e) {
          throw new IllegalStateException("an explored run crashed the explorer", e.getCause());
        }
        if (o != null && o.index() <= stopAfter.get()) {
          out.add(o);
        }
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }
}
