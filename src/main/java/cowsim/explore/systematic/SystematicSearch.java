package cowsim.explore.systematic;

import cowsim.explore.Explorer;
import cowsim.explore.RunOutcome;
import cowsim.explore.ScheduleSpec;
import cowsim.machine.interconnect.Topology;
import cowsim.scenario.Scenario;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * Stateless model checking of one scenario over the conductor's delivery choices, CHESS-style
 * (Musuvathi et al., OSDI'08), with a preemption bound and a bound-aware partial-order reduction.
 *
 * <p>Each schedule is a fresh run (deterministic given its choices) under a {@link
 * SystematicScheduler} that follows a prefix of forced choices and then the non-preemptive
 * default. A schedule is named by its prefix: the choices up to and including its last forced
 * one. From a run whose last forced choice is at step s, every alternative at every step j &gt; s
 * is a child prefix; so each schedule of the tree is generated exactly once. The default adds no
 * preemption, so a schedule's preemption count is its prefix's. Prefixes wait in one queue per
 * preemption count and the queues are run in order, K = 0, 1, ..., bound: all schedules with K
 * preemptions run before any with K + 1, so the first failure found has the fewest preemptions,
 * and when the queue of K empties the search is complete for K.
 *
 * <p>Reduction ({@link Independence}): two prefixes that are equivalent (equal up to swapping
 * adjacent independent deliveries) reach the same state. A prefix is skipped when an equivalent
 * one, with the same running CPU at its end and no more preemptions, is already covered (run, or
 * waiting in a queue); the continuations of the two are the same sequences with the same
 * preemption counts (a step's count depends only on the state and the running CPU), so everything
 * the skipped prefix leads to within the bound is reached, up to equivalence, from the covered
 * one. This is why the rule keys on the running CPU and the count: Coons, Musuvathi and McKinley
 * (OOPSLA'13) show that plain sleep sets or DPOR under a preemption bound lose schedules within
 * the bound, because the equivalent schedule they rely on may need more preemptions. Here the
 * representative never costs more, so "complete for K" keeps its meaning with reduction on:
 * every schedule with at most K preemptions was run or is equivalent to one that was. Prefixes
 * are compared by a 64-bit hash of their per-actor projections (a collision could wrongly skip
 * a prefix; at the counts explored here its probability is below 1e-9).
 */
public final class SystematicSearch {

  /** What one bound level did. */
  public record Level(int bound, long schedules, long pruned, boolean complete) {}

  /**
   * The search's result.
   *
   * @param schedules schedules run
   * @param pruned prefixes skipped as equivalent to covered ones (0 without reduction)
   * @param beyondBound alternatives not taken because they needed more than the bound
   * @param completeFor the largest K for which every schedule with at most K preemptions was
   *     covered, -1 when not even K = 0
   * @param exhausted the whole tree had no schedule left within the bound (complete for the bound)
   * @param cutBy null when exhausted, else why it stopped: "runs", "duration", "first failure" or
   *     "interrupted"
   * @param levels per bound level, in order
   * @param failures failing runs, in run order (with their schedules)
   * @param discarded runs started ahead (with jobs &gt; 1) and then dropped: their prefix was
   *     covered by the time its turn came, or the search stopped first; not in any other count,
   *     and the only field that depends on jobs
   * @param forgotten covered prefixes the reduction's table forgot once full (see {@link
   *     PrefixTable}): 0 unless it reached {@code systematic-table-slots}
   */
  public record Result(
      long schedules, long pruned, long beyondBound, int completeFor, boolean exhausted, String cutBy, List<Level> levels, List<RunOutcome> failures,
      long discarded, long forgotten) {}

  /**
   * A schedule prefix: the parent's, then at {@code step} the packet {@code id}; {@code cost}
   * preemptions; {@code key} its {@link PrefixHash} key when reducing (compared by identity).
   */
  private static final class Node {
    final Node parent;
    final long step;
    final long id;
    final int cost;
    long key;
    boolean keyed;
    SleepSet.Sleeper[] sleep = SleepSet.NONE; // sleep sets: asleep after this prefix's last forced delivery

    Node(Node parent, long step, long id, int cost) {
      this.parent = parent;
      this.step = step;
      this.id = id;
      this.cost = cost;
    }

    Map<Long, Long> forced() {
      Map<Long, Long> m = new HashMap<>();
      for (Node n = this; n != null && n.step >= 0; n = n.parent) {
        m.put(n.step, n.id);
      }
      return m;
    }
  }

  private final Explorer explorer;
  private final Scenario scenario;
  private final int bound;
  private final long window;
  private final Reduction reduction;
  private final int jobs;
  private final long maxRuns;
  private final long deadline;
  private final boolean untilFirst;
  private final Consumer<RunOutcome> onRun;
  private final Consumer<String> progress;
  private final PrefixTable covered;
  private boolean classicSleepSets;

  /**
   * @param spec a systematic spec: its depth is the preemption bound, its window the deliverable set's
   * @param jobs schedules run at once (1: one at a time); the result does not depend on it
   * @param maxRuns at most this many schedules
   * @param deadline System.nanoTime() after which no schedule starts, or Long.MAX_VALUE
   * @param onRun each run, in run order (passing runs without their schedule)
   * @param progress a line now and then: level, counts, what is queued
   */
  public SystematicSearch(Explorer explorer, Scenario scenario, ScheduleSpec spec, Reduction reduction, int jobs, long maxRuns, long deadline,
      boolean untilFirst, Consumer<RunOutcome> onRun, Consumer<String> progress) {
    this.explorer = explorer;
    this.scenario = scenario;
    this.bound = spec.depth();
    this.window = spec.window();
    this.reduction = reduction;
    this.jobs = Math.max(1, jobs);
    this.maxRuns = maxRuns;
    this.deadline = deadline;
    this.untilFirst = untilFirst;
    this.onRun = onRun;
    this.progress = progress;
    // the prefix table's cap, as the other defaults: reference.conf (cowsim.explore.systematic-table-slots)
    this.covered = reduction != Reduction.PREFIX ? null : new PrefixTable(com.typesafe.config.ConfigFactory.load().getInt("cowsim.explore.systematic-table-slots"));
  }

  /**
   * Sleep sets without bound dependence (Godefroid's rule as is): sound only when no alternative
   * is beyond the bound; for the test of the sleep-set bookkeeping on a tree the bound does not cut.
   */
  SystematicSearch classicSleepSets() {
    classicSleepSets = true;
    return this;
  }

  public Result run() {
    ExecutorService pool = jobs > 1 ? Executors.newFixedThreadPool(jobs, r -> {
      Thread t = new Thread(r, "cowsim-systematic");
      t.setDaemon(true);
      return t;
    }) : null;
    try {
      return search(pool);
    } finally {
      if (pool != null) {
        // runs dropped while still going are let finish: a simulation is not interrupted half-way
        pool.shutdown();
        try {
          pool.awaitTermination(1, TimeUnit.HOURS);
        } catch (InterruptedException e) {
          pool.shutdownNow();
          Thread.currentThread().interrupt();
        }
      }
    }
  }

  /**
   * A prefix taken from the queue: its run (null when it was already covered when taken, so it
   * is not run), started on the pool or, without one, when it is processed.
   */
  private record Slot(Node node, Future<Ran> run) {}

  /** A finished run of a prefix: its outcome, and its deliveries (null when there is nothing to branch on). */
  private record Ran(RunOutcome outcome, List<SystematicScheduler.Step> steps, int nodes) {}

  private Result search(ExecutorService pool) {
    List<ArrayDeque<Node>> queues = new ArrayList<>();
    for (int k = 0; k <= bound; k++) {
      queues.add(new ArrayDeque<>());
    }
    queues.get(0).add(new Node(null, -1, 0, 0));
    List<Level> levels = new ArrayList<>();
    List<RunOutcome> failures = new ArrayList<>();
    long[] counts = new long[3]; // schedules, pruned, beyond bound
    long discarded = 0;
    String cut = null;
    int completeFor = -1;
    long lastProgress = System.nanoTime();
    for (int k = 0; k <= bound && cut == null; k++) {
      long runsBefore = counts[0];
      long prunedBefore = counts[1];
      long levelStarted = System.nanoTime();
      ArrayDeque<Node> q = queues.get(k);
      LevelEstimate estimate = new LevelEstimate();
      for (Node n : q) {
        estimate.queued(n.step);
      }
      // Up to `jobs` prefixes are taken from the head of the queue and run at once; they are
      // processed strictly in queue order, exactly as the one-at-a-time loop would poll them
      // (children go to the tail, so the head's order is fixed), and one that an earlier prefix's
      // processing covered meanwhile is counted as pruned and its run discarded.
      ArrayDeque<Slot> window = new ArrayDeque<>();
      boolean late = false;
      while (true) {
        long launched = window.stream().filter(x -> x.run() != null).count();
        while (pool != null && window.size() < jobs && !q.isEmpty() && counts[0] + launched < maxRuns && !explorer.stopped()) {
          if (System.nanoTime() > deadline) {
            late = true; // no schedule starts after the deadline
            break;
          }
          Node n = q.poll();
          boolean covered0 = n.keyed && covered.get(n.key) < n.cost;
          window.add(new Slot(n, covered0 ? null : pool.submit(() -> execute(n, scenario))));
          if (!covered0) {
            launched++;
          }
        }
        if (explorer.stopped()) {
          cut = "interrupted";
          break;
        }
        if (counts[0] >= maxRuns && (!window.isEmpty() || !q.isEmpty())) {
          cut = "runs";
          break;
        }
        Slot slot;
        if (!window.isEmpty()) {
          slot = window.poll();
        } else if (q.isEmpty()) {
          break;
        } else if (late || System.nanoTime() > deadline) {
          cut = "duration";
          break;
        } else {
          slot = new Slot(q.poll(), null);
        }
        Node n = slot.node();
        if (n.keyed && covered.get(n.key) < n.cost) {
          counts[1]++; // an equivalent prefix with fewer preemptions came later
          estimate.skipped(n.step);
          if (slot.run() != null) {
            discarded++;
          }
          continue; // a speculative run of it, if any, is discarded
        }
        Ran ran = slot.run() != null ? await(slot.run()) : execute(n, scenario);
        RunOutcome o = ran.outcome();
        o = new RunOutcome((int) counts[0], o.seed(), o.traceHash(), o.pass(), o.kinds(), o.result(), o.verdict(), o.schedule());
        estimate.ran(n.step);
        expand(n, ran, queues, counts, k, estimate);
        counts[0]++;
        if (!o.pass()) {
          failures.add(o);
        }
        onRun.accept(o.pass() ? o.withoutSchedule() : o);
        if (!o.pass() && untilFirst) {
          cut = "first failure";
          break;
        }
        if (System.nanoTime() - lastProgress > 5_000_000_000L) {
          lastProgress = System.nanoTime();
          long waiting = window.size();
          for (ArrayDeque<Node> w : queues) {
            waiting += w.size();
          }
          double seconds = (lastProgress - levelStarted) / 1e9;
          progress.accept(String.format("K = %d: %d schedules run, %d pruned, %d queued at this bound (%d within the bound); %s",
              k, counts[0], counts[1], estimate.queued(), waiting, estimate.describe(k, estimate.ran() / Math.max(seconds, 1e-3))));
        }
      }
      for (Slot x : window) {
        // started speculatively and not reached: not counted; one already running is let finish
        // (its simulation is not interrupted half-way) and its result dropped
        if (x.run() != null && !x.run().cancel(false)) {
          await(x.run());
          discarded++;
        }
      }
      levels.add(new Level(k, counts[0] - runsBefore, counts[1] - prunedBefore, cut == null));
      if (cut == null) {
        completeFor = k;
        progress.accept(String.format("complete for K = %d: %d schedules (%d at K = %d), %d pruned, %d failing",
            k, counts[0], counts[0] - runsBefore, k, counts[1], failures.size()));
      }
    }
    return new Result(counts[0], counts[1], counts[2], completeFor, cut == null, cut, levels, failures, discarded, covered == null ? 0 : covered.overwritten());
  }

  private static Ran await(Future<Ran> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("systematic: interrupted while waiting for a schedule", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("a systematic run crashed the explorer", e.getCause());
    }
  }

  /** Runs the schedule of prefix {@code n}; touches nothing shared, so runs may go in parallel. */
  private Ran execute(Node n, Scenario scenario) {
    SystematicScheduler[] made = new SystematicScheduler[1];
    Topology[] topo = new Topology[1];
    Map<Long, Long> forced = n.forced();
    RunOutcome o = explorer.runOnce(scenario, (seed, t) -> {
      topo[0] = t;
      made[0] = new SystematicScheduler(t, window, forced);
      return made[0];
    }, 0, scenario.seed(), null);
    if (o.schedule() != null) {
      o = new RunOutcome(o.index(), o.seed(), o.traceHash(), o.pass(), o.kinds(), o.result(), o.verdict(), o.schedule().withSendOrderTies());
    }
    if (made[0] == null || o.result().error() != null) {
      return new Ran(o, null, 0); // no conductor (or a simulator error): nothing to branch on
    }
    return new Ran(o, made[0].steps(), topo[0].size());
  }

  /** Queues the children of prefix {@code n} from its run; those at {@code level} are told to the estimate. */
  private void expand(Node n, Ran ran, List<ArrayDeque<Node>> queues, long[] counts, int level, LevelEstimate estimate) {
    List<SystematicScheduler.Step> steps = ran.steps();
    if (steps == null) {
      return;
    }
    PrefixHash h = new PrefixHash(ran.nodes());
    // sleep sets: the packets asleep after the current step, and whether the run has delivered one
    List<SleepSet.Sleeper> sleeping = reduction == Reduction.SLEEP_SETS ? new ArrayList<>(List.of(n.sleep)) : null;
    boolean redundant = false;
    int running = -1;
    int cost = 0;
    for (int i = 0; i < steps.size(); i++) {
      SystematicScheduler.Step st = steps.get(i);
      if (i > n.step) {
        List<SleepSet.Sleeper> explored = sleeping == null ? null : new ArrayList<>(List.of(SleepSet.of(st, st.chosen())));
        for (int a = 0; a < st.ids().length; a++) {
          if (a == st.chosen()) {
            continue;
          }
          int c = cost + (SystematicScheduler.preempts(st.owners(), a, running) ? 1 : 0);
          if (c > bound) {
            counts[2]++;
            continue;
          }
          Node child = new Node(n, i, st.ids()[a], c);
          if (sleeping != null) {
            if (redundant || SleepSet.asleep(sleeping, st.ids()[a])) {
              counts[1]++; // its schedules are equivalent, at the same cost, to ones where the sleeper went first
              continue;
            }
            List<SleepSet.Sleeper> both = new ArrayList<>(sleeping);
            both.addAll(explored);
            List<SleepSet.Sleeper> zs = SleepSet.across(both, st, a, !classicSleepSets);
            child.sleep = zs.isEmpty() ? SleepSet.NONE : zs.toArray(SleepSet.NONE);
            explored.add(SleepSet.of(st, a));
          }
          if (reduction == Reduction.PREFIX) {
            long key = h.after(st, a);
            if (covered.get(key) <= c) {
              counts[1]++;
              continue;
            }
            covered.put(key, c);
            child.key = key;
            child.keyed = true;
          }
          queues.get(c).add(child);
          if (c == level) {
            estimate.child(i);
          }
        }
      }
      cost += SystematicScheduler.preempts(st.owners(), st.chosen(), running) ? 1 : 0;
      h.apply(st, st.chosen());
      running = st.owners()[st.chosen()];
      if (sleeping != null && i > n.step) {
        // after delivering an asleep packet every schedule is equivalent to a covered one: branch no more
        redundant |= SleepSet.asleep(sleeping, st.ids()[st.chosen()]);
        sleeping = SleepSet.across(sleeping, st, st.chosen(), !classicSleepSets);
      }
      if (reduction == Reduction.PREFIX && i > n.step) {
        long key = h.key();
        if (covered.get(key) > cost) {
          covered.put(key, cost);
        }
      }
    }
  }

  /**
   * Prefix key -> fewest preemptions of a covered prefix with that key; open addressing on longs.
   *
   * <p>Bounded: it doubles while at most half full, up to {@code maxSlots}; then it is a cache. A
   * new key is put in the first free slot of the 16 from its home, else over the home slot's key,
   * and a look-up searches those 16 slots only. A key lost so (or put before the cap further
   * than 16 slots from home) only means a prefix is not skipped though it could be: the search
   * runs more schedules, never fewer, so "complete for K" keeps its meaning. It is deterministic,
   * so the counts still do not depend on --jobs. Each slot takes 10 bytes.
   */
  static final class PrefixTable {
    private static final int PROBES = 16;
    private final int maxSlots;
    private long[] keys = new long[1 << 16];
    private byte[] costs = new byte[1 << 16];
    private boolean[] used = new boolean[1 << 16];
    private int size;
    private boolean capped;
    private long overwritten;

    PrefixTable(int maxSlots) {
      if (maxSlots < (1 << 16) || Integer.bitCount(maxSlots) != 1) {
        throw new IllegalArgumentException("prefix table slots must be a power of two of at least 65536: " + maxSlots);
      }
      this.maxSlots = maxSlots;
    }

    /** The fewest preemptions recorded for the key, or Integer.MAX_VALUE. */
    int get(long key) {
      int m = keys.length - 1;
      int i = (int) Long.hashCode(PrefixHash.mix(key)) & m;
      for (int probe = 0; used[i] && (!capped || probe < PROBES); i = (i + 1) & m, probe++) {
        if (keys[i] == key) {
          return costs[i];
        }
      }
      return Integer.MAX_VALUE;
    }

    void put(long key, int cost) {
      if (!capped && 2 * (size + 1) > keys.length) {
        if (keys.length < maxSlots) {
          grow();
        } else {
          capped = true;
        }
      }
      int m = keys.length - 1;
      int home = (int) Long.hashCode(PrefixHash.mix(key)) & m;
      int i = home;
      for (int probe = 0; used[i]; i = (i + 1) & m, probe++) {
        if (keys[i] == key) {
          costs[i] = (byte) Math.min(cost, 127);
          return;
        }
        if (capped && probe + 1 >= PROBES) {
          keys[home] = key; // full here: the home slot's key is forgotten
          costs[home] = (byte) Math.min(cost, 127);
          overwritten++;
          return;
        }
      }
      used[i] = true;
      keys[i] = key;
      costs[i] = (byte) Math.min(cost, 127);
      size++;
    }

    int size() {
      return size;
    }

    /** Keys forgotten since the table reached its cap. */
    long overwritten() {
      return overwritten;
    }

    /** Slots in use now. */
    int slots() {
      return keys.length;
    }

    private void grow() {
      long[] k = keys;
      byte[] c = costs;
      boolean[] u = used;
      keys = new long[k.length * 2];
      costs = new byte[k.length * 2];
      used = new boolean[k.length * 2];
      size = 0;
      for (int i = 0; i < k.length; i++) {
        if (u[i]) {
          put(k[i], c[i]);
        }
      }
    }
  }
}
