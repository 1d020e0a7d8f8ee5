package cowsim.explore;

import cowsim.machine.interconnect.Decision;
import cowsim.machine.interconnect.Topology;
import cowsim.scenario.Scenario;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * Shrinks a failing schedule (in the spirit of DEMi, Scott et al., NSDI 2016): looks for a
 * smaller schedule that still fails with the same violation kind. Every candidate is a real run,
 * so whatever it returns is a verified failing schedule.
 *
 * <ol>
 *   <li>PCT: drop priority-change points one at a time while the run still fails.
 *   <li>Take the run's recorded decisions (the deliveries that differ from the time order, and
 *       the extra latencies): keep the shortest prefix that still fails (fewer deliveries under
 *       control before the violation).
 *   <li>Try single-decision schedules: one message (sent before the last remaining decision)
 *       arriving late by a lag of max(1000, window, 2 max-jitter) or twice that; for the first that
 *       fails, the smallest lateness that still fails (less jitter). A race that needs one CPU to
 *       lag usually needs only one of its messages late.
 *   <li>Otherwise: scale every extra latency down (0, 1/8, 1/4, 1/2) and keep the smallest that
 *       still fails (less jitter).
 *   <li>Delta debugging (ddmin, Zeller and Hildebrandt 2002) over the remaining decisions.
 *   <li>Fold each remaining delay into the one before it (same total, fewer decisions) while the
 *       run still fails.
 * </ol>
 *
 * Candidates are run {@code jobs} at a time; among each batch the first failing one in a fixed
 * order wins, so the result does not depend on {@code jobs}. At most {@code budget} runs are
 * made; when the budget runs out the best schedule so far is returned.
 */
public final class Shrinker {

  /**
   * What shrinking found.
   *
   * @param original the failing run's decisions
   * @param shrunk the smaller schedule, replayable with {@link ScheduleSpec#replay}
   * @param changePointsBefore PCT change points of the failing run (empty for other strategies)
   * @param changePointsAfter PCT change points still needed before the decisions were shrunk
   * @param run the shrunk schedule's run
   * @param tests runs made while shrinking
   * @param budgetExhausted whether it stopped because of the budget
   */
  public record Result(
      ScheduleRecord original,
      ScheduleRecord shrunk,
      List<Long> changePointsBefore,
      List<Long> changePointsAfter,
      RunOutcome run,
      int tests,
      boolean budgetExhausted) {}

  /** The single-delay search also tries messages sent this soon after the last decision. */
  private static final long SINGLE_MARGIN = 16;

  private final Explorer explorer;
  private final Scenario scenario;
  private final String kind;
  private final int jobs;
  private final int budget;
  private final Consumer<String> log;
  private int tests;

  /**
   * @param kind the violation kind the smaller schedule must still produce
   * @param log progress lines (one per shrinking phase)
   */
  public Shrinker(Explorer explorer, Scenario scenario, String kind, int jobs, int budget, Consumer<String> log) {
    this.explorer = explorer;
    this.scenario = scenario;
    this.kind = kind;
    this.jobs = Math.max(1, jobs);
    this.budget = budget;
    this.log = log;
  }

  /** Shrinks the failing run {@code failing}, which ran with {@code spec}. */
  public Result shrink(ScheduleSpec spec, RunOutcome failing) throws InterruptedException {
    long seed = failing.seed();
    Topology topo = new Topology(scenario.machine().cpus(), scenario.machine().memoryBanks());
    List<Long> before = spec.changePointsFor(seed, topo);
    List<Long> points = new ArrayList<>(before);
    RunOutcome best = failing;
    ExecutorService pool = Executors.newFixedThreadPool(jobs, r -> {
      Thread t = new Thread(r, "cowsim-shrink");
      t.setDaemon(true);
      return t;
    });
    try {
      // 1. fewer priority-change points
      boolean progress = !points.isEmpty();
      while (progress) {
        progress = false;
        List<ScheduleSpec> candidates = new ArrayList<>();
        for (int i = 0; i < points.size(); i++) {
          List<Long> fewer = new ArrayList<>(points);
          fewer.remove(i);
          candidates.add(spec.withChangePoints(fewer));
        }
        Found f = first(pool, candidates, seed);
        if (f != null) {
          points = new ArrayList<>(candidates.get(f.index).changePoints());
          best = f.outcome;
          progress = !points.isEmpty();
        }
      }
      if (!before.isEmpty()) {
        log.accept("shrink: priority-change points " + before.size() + " -> " + points.size());
      }
      ScheduleRecord record = best.schedule();
      List<Decision> d = new ArrayList<>(record.decisions());
      // 2. the shortest failing prefix of the decisions
      int lo = 0;
      int hi = d.size();
      while (lo < hi && tests < budget) {
        List<Integer> probes = new ArrayList<>();
        for (int j = 1; j <= jobs; j++) {
          int p = lo + (int) ((long) (hi - lo) * j / (jobs + 1));
          if (p < hi && (probes.isEmpty() || probes.get(probes.size() - 1) < p)) {
            probes.add(p);
          }
        }
        if (probes.isEmpty()) {
          probes.add(lo);
        }
        List<ScheduleSpec> candidates = new ArrayList<>();
        for (int p : probes) {
          candidates.add(ScheduleSpec.replay(record.with(d.subList(0, p))));
        }
        Found f = first(pool, candidates, seed);
        if (f != null) {
          hi = probes.get(f.index);
          lo = f.index == 0 ? lo : probes.get(f.index - 1) + 1;
          best = f.outcome;
        } else {
          lo = probes.get(probes.size() - 1) + 1;
        }
      }
      d = new ArrayList<>(d.subList(0, hi));
      log.accept("shrink: decisions " + record.decisions().size() + " -> " + d.size() + " (shortest failing prefix"
          + (points.size() == before.size() ? ")" : ", of the run with fewer change points)"));
      // 3. one late message instead: a race that needs one CPU to lag usually needs just one of its
      //    messages to arrive late, however many small decisions produced the lag
      if (d.size() > 1 && tests < budget) {
        long lastSend = 0;
        for (Decision x : d) {
          lastSend = Math.max(lastSend, x instanceof Decision.Delay del ? del.send() : ((Decision.Pick) x).step());
        }
        long lag = Math.max(1000, Math.max(spec.window() == Long.MAX_VALUE ? 0 : spec.window(), 2 * spec.maxJitter()));
        List<ScheduleSpec> candidates = new ArrayList<>();
        List<Decision.Delay> singles = new ArrayList<>();
        for (long send = lastSend + SINGLE_MARGIN; send >= 0; send--) {
          for (long cycles : new long[] {lag, 2 * lag}) {
            Decision.Delay one = new Decision.Delay(send, cycles);
            singles.add(one);
            candidates.add(ScheduleSpec.replay(record.with(List.of(one))));
          }
        }
        Found f = first(pool, candidates, seed);
        if (f != null) {
          Decision.Delay one = singles.get(f.index);
          best = f.outcome;
          // less jitter: the smallest lateness that still fails (probed jobs at a time)
          long least = 0;
          long most = one.cycles();
          while (most - least > Math.max(1, one.cycles() / 64) && tests < budget) {
            List<Long> probes = new ArrayList<>();
            for (int j = 1; j <= jobs; j++) {
              long p = least + (most - least) * j / (jobs + 1);
              if (p > least && p < most && !probes.contains(p)) {
                probes.add(p);
              }
            }
            if (probes.isEmpty()) {
              break;
            }
            List<ScheduleSpec> c = new ArrayList<>();
            for (long p : probes) {
              c.add(ScheduleSpec.replay(record.with(List.of(new Decision.Delay(one.send(), p)))));
            }
            Found g = first(pool, c, seed);
            if (g != null) {
              most = probes.get(g.index);
              least = g.index == 0 ? least : probes.get(g.index - 1);
              best = g.outcome;
            } else {
              least = probes.get(probes.size() - 1);
            }
          }
          d = new ArrayList<>(List.of(new Decision.Delay(one.send(), most)));
          log.accept("shrink: one late message is enough: message " + one.send() + ", " + most + " cycles late");
        }
      }
      // 4. less jitter
      if (d.size() > 1 && d.stream().anyMatch(x -> x instanceof Decision.Delay)) {
        int[] divisors = {0, 8, 4, 2};
        List<ScheduleSpec> candidates = new ArrayList<>();
        List<List<Decision>> scaled = new ArrayList<>();
        for (int div : divisors) {
          List<Decision> s = scale(d, div);
          scaled.add(s);
          candidates.add(ScheduleSpec.replay(record.with(s)));
        }
        Found f = first(pool, candidates, seed);
        if (f != null) {
          long was = record.with(d).delayCycles();
          d = new ArrayList<>(scaled.get(f.index));
          best = f.outcome;
          log.accept("shrink: jitter " + was + " -> " + record.with(d).delayCycles() + " cycles in total");
        }
      }
      // 5. ddmin over what is left
      int n = 2;
      while (d.size() >= 2 && tests < budget) {
        List<List<Decision>> chunks = split(d, n);
        List<List<Decision>> tries = new ArrayList<>(chunks);
        for (int i = 0; i < chunks.size(); i++) {
          tries.add(without(chunks, i));
        }
        List<ScheduleSpec> candidates = new ArrayList<>();
        for (List<Decision> t : tries) {
          candidates.add(ScheduleSpec.replay(record.with(t)));
        }
        Found f = first(pool, candidates, seed);
        if (f != null && f.index < chunks.size()) {
          d = new ArrayList<>(tries.get(f.index));
          best = f.outcome;
          n = 2;
        } else if (f != null) {
          d = new ArrayList<>(tries.get(f.index));
          best = f.outcome;
          n = Math.max(n - 1, 2);
        } else if (n < d.size()) {
          n = Math.min(2 * n, d.size());
        } else {
          break;
        }
      }
      if (d.size() == 1 && tests < budget) {
        Found f = first(pool, List.of(ScheduleSpec.replay(record.with(List.of()))), seed);
        if (f != null) {
          d = new ArrayList<>();
          best = f.outcome;
        }
      }
      // 6. fewer delays, same total: fold each delay into the one before it
      boolean merged = true;
      while (merged && tests < budget) {
        merged = false;
        List<Integer> delays = new ArrayList<>();
        for (int i = 0; i < d.size(); i++) {
          if (d.get(i) instanceof Decision.Delay) {
            delays.add(i);
          }
        }
        List<List<Decision>> tries = new ArrayList<>();
        for (int k = 1; k < delays.size(); k++) {
          List<Decision> t = new ArrayList<>(d);
          Decision.Delay into = (Decision.Delay) d.get(delays.get(k - 1));
          Decision.Delay from = (Decision.Delay) d.get(delays.get(k));
          t.set(delays.get(k - 1), new Decision.Delay(into.send(), into.cycles() + from.cycles()));
          t.remove((int) delays.get(k));
          tries.add(t);
        }
        List<ScheduleSpec> candidates = new ArrayList<>();
        for (List<Decision> t : tries) {
          candidates.add(ScheduleSpec.replay(record.with(t)));
        }
        Found f = first(pool, candidates, seed);
        if (f != null) {
          d = new ArrayList<>(tries.get(f.index));
          best = f.outcome;
          merged = true;
        }
      }
      log.accept("shrink: " + d.size() + " decisions left after " + tests + " test runs");
      // what the best run's conductor recorded replays it exactly (a replayed pick beyond the
      // pending messages was clamped; the record holds what was really delivered)
      ScheduleRecord shrunk = best.schedule();
      return new Result(failing.schedule(), shrunk, before, points, best, tests, tests >= budget);
    } finally {
      pool.shutdownNow();
    }
  }

  private record Found(int index, RunOutcome outcome) {}

  /** Runs the candidates {@code jobs} at a time; the first (in list order) that still fails. */
  private Found first(ExecutorService pool, List<ScheduleSpec> candidates, long seed) throws InterruptedException {
    for (int from = 0; from < candidates.size(); from += jobs) {
      int to = Math.min(candidates.size(), from + jobs);
      to = Math.min(to, from + Math.max(0, budget - tests));
      if (to <= from) {
        return null;
      }
      List<Future<RunOutcome>> futures = new ArrayList<>();
      for (int i = from; i < to; i++) {
        ScheduleSpec c = candidates.get(i);
        futures.add(pool.submit(() -> explorer.runOnce(scenario, c, 0, seed, null)));
      }
      tests += to - from;
      for (int i = 0; i < futures.size(); i++) {
        RunOutcome o;
        try {
          o = futures.get(i).get();
        } catch (ExecutionException e) {
          throw new IllegalStateException("a shrinking run crashed", e.getCause());
        }
        if (!o.pass() && o.kinds().contains(kind)) {
          return new Found(from + i, o);
        }
      }
    }
    return null;
  }

  private static List<Decision> scale(List<Decision> d, int divisor) {
    List<Decision> out = new ArrayList<>();
    for (Decision x : d) {
      if (x instanceof Decision.Delay del) {
        long c = divisor == 0 ? 0 : del.cycles() / divisor;
        if (c > 0) {
          out.add(new Decision.Delay(del.send(), c));
        }
      } else {
        out.add(x);
      }
    }
    return out;
  }

  private static List<List<Decision>> split(List<Decision> d, int n) {
    List<List<Decision>> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < n; i++) {
      int end = start + (d.size() - start) / (n - i);
      out.add(new ArrayList<>(d.subList(start, end)));
      start = end;
    }
    return out;
  }

  private static List<Decision> without(List<List<Decision>> chunks, int skip) {
    List<Decision> out = new ArrayList<>();
    for (int i = 0; i < chunks.size(); i++) {
      if (i != skip) {
        out.addAll(chunks.get(i));
      }
    }
    return out;
  }
}
