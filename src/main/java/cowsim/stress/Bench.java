package cowsim.stress;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import cowsim.machine.interconnect.Scheduler;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioException;
import cowsim.scenario.ScenarioLoader;
import cowsim.sim.SimResult;
import cowsim.sim.Simulation;
import cowsim.sim.SimulationHost;
import cowsim.stats.Progress;
import cowsim.stats.Stat;
import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.FileSystem;
import java.nio.file.FileSystemAlreadyExistsException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * The {@code bench} measurements, in one JVM: the Akka ceiling, concurrent and deterministic
 * throughput on a standard fork-heavy workload, scaling with the CPU count (over the steady
 * state), fork cost against address-space size, heap per CPU actor and per frame, and schedule
 * exploration's schedules/s. Every row with a target says whether this run met it, each ratio
 * between two figures of the same run.
 */
public final class Bench {

  /**
   * How big each measurement is.
   *
   * @param ceilingReps ceiling measurements; the best counts (the ceiling is a maximum)
   * @param scalingReps runs of the scaling base (64 CPUs) and of the largest point, for the spread
   *     of their ratio; the other points run once
   * @param forkReps runs of each fork scenario, with and without the fork; the best of each counts
   * @param exploreRacyRuns schedules explored on racy-cow-threads (after a warm-up of a tenth)
   * @param exploreBugRuns schedules explored on the largest bug-library scenario (the same)
   */
  public record Size(
      String name,
      int ceilingPairs,
      int ceilingRoundTrips,
      int ceilingReps,
      long concurrentOps,
      long deterministicOps,
      List<Integer> scalingCpus,
      long scalingOps,
      int scalingReps,
      List<Integer> forkPages,
      int forkReps,
      int heapCpus,
      int heapMillis,
      int exploreRacyRuns,
      int exploreBugRuns) {}

  public static final Size FULL =
      new Size("full", 64, 200_000, 3, 1_000_000, 300_000, List.of(1, 4, 16, 64, 256, 1024, 4096), 400_000, 3,
          List.of(1024, 4096, 16384, 65536), 3, 4096, 2000, 2000, 400);
  public static final Size QUICK =
      new Size("quick", 64, 30_000, 3, 100_000, 60_000, List.of(1, 16, 64, 256), 100_000, 3, List.of(1024, 4096), 3, 1024, 1500, 200, 40);
  /** For the smoke test: every section, tiny. */
  public static final Size TINY =
      new Size("tiny", 4, 2_000, 1, 3_000, 2_000, List.of(1, 4), 2_000, 2, List.of(64, 256), 1, 16, 300, 4, 2);

  /** The standard workload's mix: fork-heavy. */
  public static final Mix STANDARD_MIX = Mix.parse("fork=4,clone=1,exit=2,mmap=1,munmap=1,mprotect=1,store=45,load=45");

  /** The scaling section's base point: the ratio target compares the largest machine with it (CPUs). */
  public static final int SCALING_BASE = 64;
  /** The CPU count the scaling target is about. */
  public static final int SCALING_TOP = 4096;
  /** How often the scaling section reads a run's live progress counter (host milliseconds). */
  static final long STEADY_SAMPLE_MILLIS = 20;
  /** Heap readings (each after a System.gc()) per machine; their median counts. */
  static final int HEAP_READINGS = 5;

  /** The scenario explored at racy-cow-threads' target, as bundled. */
  public static final String RACY = "scenarios/racy-cow-threads.conf";
  /** The bug library, as bundled: the largest of it is explored at the second target. */
  public static final String BUG_LIBRARY = "scenarios/bugs";

  /** A table cell of the met column. */
  public static final String MET = "met";
  public static final String NOT_MET = "not met";
  /** The figure could not be judged in this run (not measurable, or not the target's point). */
  public static final String NOT_JUDGED = "n/a";

  /**
   * A target: the text the table shows, and how a figure is judged against it.
   *
   * @param bound the figure's limit, in the figure's unit (a share as a fraction)
   */
  public record Target(Kind kind, double bound, String text) {

    /** Which side of the bound meets the target. */
    public enum Kind {
      AT_LEAST(">="),
      BELOW("<"),
      AT_MOST("<=");

      final String symbol;

      Kind(String symbol) {
        this.symbol = symbol;
      }
    }

    /** A target on a figure: {@code format} shows the bound, e.g. {@code "%,.0f schedules/s"}. */
    static Target on(Kind kind, double bound, String format) {
      return new Target(kind, bound, kind.symbol + " " + f(format, bound));
    }

    /** A target on a share (a fraction, shown as a percentage), e.g. "of ceiling". */
    static Target share(Kind kind, double bound, String of) {
      return new Target(kind, bound, kind.symbol + " " + f("%.0f%%", bound * 100) + (of.isEmpty() ? "" : " " + of));
    }

    /** {@link #MET}, {@link #NOT_MET}, or {@link #NOT_JUDGED} for a figure that is NaN (not measured). */
    public String judge(double figure) {
      if (Double.isNaN(figure)) {
        return NOT_JUDGED;
      }
      boolean ok = switch (kind) {
        case AT_LEAST -> figure >= bound;
        case BELOW -> figure < bound;
        case AT_MOST -> figure <= bound;
      };
      return ok ? MET : NOT_MET;
    }
  }

  // The targets, each declared once (those of project issue 14, and the fork and heap ones before it).
  public static final Target EXPLORE_RACY = Target.on(Target.Kind.AT_LEAST, 1000, "%,.0f schedules/s");
  public static final Target EXPLORE_BUG = Target.on(Target.Kind.AT_LEAST, 200, "%,.0f schedules/s");
  public static final Target EXPLORE_OUTSIDE = Target.share(Target.Kind.BELOW, 0.20, "of host time");
  public static final Target DETERMINISTIC_CEILING = Target.share(Target.Kind.AT_LEAST, 0.40, "of ceiling");
  public static final Target DETERMINISTIC_CHECKS = Target.share(Target.Kind.AT_LEAST, 0.60, "of checks off");
  /** The concurrent target is for a 2-core host. */
  public static final int CONCURRENT_CORES = 2;
  public static final Target CONCURRENT_OPS = Target.on(Target.Kind.AT_LEAST, 250_000, "%,.0f on " + CONCURRENT_CORES + " cores");
  public static final Target CONCURRENT_MEMORY_ONLY = Target.share(Target.Kind.AT_LEAST, 0.50, "of loads/stores only");
  public static final Target SCALING = Target.share(Target.Kind.AT_LEAST, 0.70, "of " + SCALING_BASE + " (at " + SCALING_TOP + " CPUs)");
  public static final Target FORK = Target.on(Target.Kind.AT_MOST, 4.6, "%.1fx of 16k");
  public static final Target HEAP = Target.on(Target.Kind.AT_MOST, 2048, "%,.0f MiB (-Xmx2g)");

  /** One row of the table; {@code met} is empty for a row without a target. */
  public record Row(String section, String what, String value, String target, String met) {}

  /**
   * The explore section's engine. It is {@code cowsim.explore}'s Explorer, which sits beside this
   * layer, so the bench command plugs it in.
   */
  public interface Explorations {
    /**
     * Explores {@code runs} schedules of the scenario as the {@code explore} command does: PCT with
     * {@code cowsim.explore}'s defaults and k from the time-order run of the scenario's seed (in
     * deterministic mode), the seeds derived from the scenario's, {@code jobs} runs at once on one
     * {@code SimulationHost}; timed from the first run's start to the last one's end.
     */
    Explored explore(Scenario scenario, int runs, int jobs) throws InterruptedException;
  }

  /**
   * What an exploration took.
   *
   * @param wallNanos host time of the exploration (Explorer.explore, all runs)
   * @param machineNanos the sum over the runs of their machine time ({@link SimResult#machineTime()})
   * @param strategy the schedule, in a few words (PCT's depth and k)
   */
  public record Explored(int runs, int jobs, long wallNanos, long machineNanos, int failures, String strategy) {
    public double schedulesPerSecond() {
      return runs * 1e9 / Math.max(1, wallNanos);
    }

    /**
     * Host time outside the simulation, as a share: of the job slots' time ({@code jobs} x the wall
     * time), what was not inside a run's machine time. It is each run's set-up, teardown and report
     * (and a slot idle at the end, when fewer runs than jobs are left).
     */
    public double outsideShare() {
      return 1 - machineNanos / ((double) jobs * Math.max(1, wallNanos));
    }
  }

  private final Config config = ConfigFactory.load();
  private final Size size;
  private final PrintStream log;
  private final Explorations explorations;
  private final List<Row> rows = new ArrayList<>();
  private double ceilingMsgs;

  /** Without the explore section's engine: that section then says it was not measured. */
  public Bench(Size size, PrintStream log) {
    this(size, log, null);
  }

  public Bench(Size size, PrintStream log, Explorations explorations) {
    this.size = size;
    this.log = log;
    this.explorations = explorations;
  }

  public List<Row> rows() {
    return rows;
  }

  private void row(String section, String what, String value) {
    row(section, what, value, "", "");
  }

  private void row(String section, String what, String value, Target target, double figure) {
    row(section, what, value, target.text(), target.judge(figure));
  }

  private void row(String section, String what, String value, String target, String met) {
    Row r = new Row(section, what, value, target, met);
    rows.add(r);
    log.printf("  %-3s %-58s %s%s%n", r.section(), r.what(), r.value(), r.target().isEmpty() ? "" : "   [" + r.target() + ": " + r.met() + "]");
  }

  private static String f(String fmt, Object... a) {
    return String.format(Locale.ROOT, fmt, a);
  }

  /** The sections, in the order the full bench runs them. */
  public static final List<String> SECTIONS = List.of("ceiling", "concurrent", "deterministic", "scaling", "fork", "heap", "explore");

  public void runAll() throws Exception {
    runOnly(null);
  }

  /** Runs one section (one of {@link #SECTIONS}), or all for null. */
  public void runOnly(String section) throws Exception {
    boolean all = section == null;
    if (all || section.equals("ceiling") || section.equals("concurrent") || section.equals("deterministic")) {
      ceiling();
    }
    if (all || section.equals("concurrent")) {
      concurrent();
    }
    if (all || section.equals("deterministic")) {
      deterministic();
    }
    if (all || section.equals("scaling")) {
      scaling();
    }
    if (all || section.equals("fork")) {
      fork();
    }
    if (all || section.equals("heap")) {
      heap();
    }
    if (all || section.equals("explore")) {
      explore();
    }
  }

  // ------------------------------------------------------------------ 1. ceiling

  void ceiling() throws InterruptedException {
    Ceiling.measure(config, size.ceilingPairs(), Math.max(1, size.ceilingRoundTrips() / 10)); // warm-up
    Ceiling.Result best = null;
    for (int i = 0; i < size.ceilingReps(); i++) {
      Ceiling.Result r = Ceiling.measure(config, size.ceilingPairs(), size.ceilingRoundTrips());
      if (best == null || r.messagesPerSecond() > best.messagesPerSecond()) {
        best = r;
      }
    }
    ceilingMsgs = best.messagesPerSecond();
    String of = size.ceilingReps() > 1 ? f(" (best of %d)", size.ceilingReps()) : " (single run)";
    row("1", f("ceiling: Akka ping-pong, %d pairs, round trips/s%s", best.pairs(), of), f("%,.0f", best.roundTripsPerSecond()));
    row("1", "ceiling: messages/s", f("%,.0f", ceilingMsgs));
  }

  // ------------------------------------------------------------------ 2. concurrent

  /** The standard workload: the stress generator, P = CPUs / 2 processes of 2 threads, linux profile (clean). */
  private Scenario standard(int cpus, long ops, String mode, long memoryBytes) throws ScenarioException {
    return workload(cpus, ops, mode, memoryBytes, STANDARD_MIX);
  }

  private Scenario workload(int cpus, long ops, String mode, long memoryBytes, Mix mix) throws ScenarioException {
    int processes = Math.max(1, cpus / 2);
    StressSpec spec = new StressSpec(cpus, processes, 2, ops, mix, 16, 1, mode, Duration.ofMinutes(20), memoryBytes);
    return ScenarioLoader.parse(new Generator(spec).scenario(), "bench-" + cpus + "cpus", List.of("kernel.profile=linux"));
  }

  /** Loads and stores only: what the machine does when no kernel work is in the way. */
  public static final Mix MEMORY_ONLY_MIX = Mix.parse("fork=0,clone=0,exit=0,mmap=0,munmap=0,mprotect=0,store=50,load=50");

  private SimResult run(Scenario s, boolean checks) {
    return run(s, checks, new Progress());
  }

  private SimResult run(Scenario s, boolean checks, Progress progress) {
    Simulation sim = new Simulation(config);
    if (!checks) {
      sim.withoutChecks();
    }
    SimResult r = sim.run(s, null, (Scheduler.Factory) null, progress);
    if (r.ending() != SimResult.Ending.ALL_EXITED) {
      log.println("      (run ended: " + r.endDetail() + ")");
    }
    return r;
  }

  /** What the table adds to a figure whose run did not finish its workload. */
  private static String unfinished(SimResult r) {
    return r.ending() == SimResult.Ending.ALL_EXITED ? "" : "; the run did not finish: " + r.ending().name().toLowerCase(Locale.ROOT);
  }

  private static double opsPerSecond(SimResult r) {
    return r.stat(Stat.MEMORY_OPS) * 1000.0 / Math.max(1, r.stat(Stat.HOST_MILLIS));
  }

  private static double msgsPerSecond(SimResult r) {
    return r.stat(Stat.MESSAGES) * 1000.0 / Math.max(1, r.stat(Stat.HOST_MILLIS));
  }

  private static int cores() {
    return Runtime.getRuntime().availableProcessors();
  }

  /** The met cell of a target that is for a {@link #CONCURRENT_CORES}-core host. */
  private static String onCores(String met) {
    int cores = cores();
    return cores == CONCURRENT_CORES || met.equals(NOT_JUDGED) ? met : met + " (on " + cores + " cores)";
  }

  void concurrent() throws ScenarioException {
    run(standard(64, size.concurrentOps() / 10, "concurrent", 0), false); // warm-up
    double forkHeavyOff = 0;
    for (boolean checks : new boolean[] {false, true}) {
      SimResult r = run(standard(64, size.concurrentOps(), "concurrent", 0), checks);
      String tag = checks ? "checks on" : "checks off";
      double ops = opsPerSecond(r);
      if (!checks) {
        forkHeavyOff = ops;
      }
      double msgs = msgsPerSecond(r);
      double perOp = r.stat(Stat.MESSAGES) / (double) Math.max(1, r.stat(Stat.MEMORY_OPS));
      row("2", f("concurrent, 64 CPUs, fork-heavy, %s: memory ops/s", tag),
          f("%,.0f (%,d ops in %,d ms%s)", ops, r.stat(Stat.MEMORY_OPS), r.stat(Stat.HOST_MILLIS), unfinished(r)),
          CONCURRENT_OPS.text(), onCores(CONCURRENT_OPS.judge(ops)));
      row("2", f("  messages/s (%.1f messages per memory op)", perOp), f("%,.0f = %.0f%% of ceiling", msgs, 100 * msgs / ceilingMsgs));
    }
    SimResult r = run(workload(64, size.concurrentOps(), "concurrent", 0, MEMORY_ONLY_MIX), false);
    double memoryOnly = opsPerSecond(r);
    row("2", f("concurrent, 64 CPUs, loads/stores only, checks off: memory ops/s"),
        f("%,.0f (%.1f messages per op, %,.0f messages/s = %.0f%% of ceiling%s)", memoryOnly,
            r.stat(Stat.MESSAGES) / (double) Math.max(1, r.stat(Stat.MEMORY_OPS)), msgsPerSecond(r), 100 * msgsPerSecond(r) / ceilingMsgs, unfinished(r)));
    double share = forkHeavyOff / Math.max(1e-9, memoryOnly);
    row("2", "  fork-heavy against loads/stores only, checks off: memory ops/s",
        f("%.0f%% (%,.0f / %,.0f)", 100 * share, forkHeavyOff, memoryOnly), CONCURRENT_MEMORY_ONLY.text(), onCores(CONCURRENT_MEMORY_ONLY.judge(share)));
  }

  // ------------------------------------------------------------------ 3. deterministic

  void deterministic() throws ScenarioException {
    run(standard(16, size.deterministicOps() / 10, "deterministic", 0), false); // warm-up
    double off = 0;
    for (boolean checks : new boolean[] {false, true}) {
      SimResult r = run(standard(16, size.deterministicOps(), "deterministic", 0), checks);
      double msgs = msgsPerSecond(r);
      double ofCeiling = msgs / ceilingMsgs;
      String what = f("deterministic, 16 CPUs, %s: delivered messages/s", checks ? "checks on" : "checks off");
      String value = f("%,.0f = %.0f%% of ceiling (%,.0f memory ops/s%s)", msgs, 100 * ofCeiling, opsPerSecond(r), unfinished(r));
      if (checks) {
        row("3", what, value);
        double ratio = msgs / Math.max(1e-9, off);
        row("3", "  checks on against checks off: delivered messages/s", f("%.0f%% (%,.0f / %,.0f)", 100 * ratio, msgs, off),
            DETERMINISTIC_CHECKS, ratio);
      } else {
        off = msgs;
        row("3", what, value, DETERMINISTIC_CEILING, ofCeiling);
      }
    }
  }

  // ------------------------------------------------------------------ 4. scaling

  /**
   * One run and its steady-state rate: memory ops/s between the moments its live progress counter
   * passed a quarter and three quarters of its final count, or NaN when the run was too short to
   * have such a window (see {@link #steadyRate}).
   */
  record Sampled(SimResult result, double steady) {
    double whole() {
      return opsPerSecond(result);
    }

    /** The steady-state rate, or the whole run's when there was no steady state to time. */
    double rate() {
      return Double.isNaN(steady) ? whole() : steady;
    }
  }

  /**
   * The steady-state rate of a run from its progress samples: memory operations per second between
   * the first sample at or above a quarter of {@code total} and the first at or above three
   * quarters of it. NaN when fewer than 4 sample intervals lie between them (the run was too short
   * to time a steady state) or the counter did not move.
   *
   * @param nanos the samples' host times (System.nanoTime), ascending
   * @param ops the live counter at each sample
   * @param total the counter's final value
   */
  static double steadyRate(long[] nanos, long[] ops, long total) {
    int a = -1;
    int b = -1;
    for (int i = 0; i < ops.length; i++) {
      if (a < 0 && ops[i] > 0 && ops[i] * 4 >= total) {
        a = i;
      }
      if (b < 0 && ops[i] * 4 >= total * 3) {
        b = i;
      }
    }
    if (a < 0 || b < 0 || b - a < 4 || ops[b] <= ops[a] || nanos[b] <= nanos[a]) {
      return Double.NaN;
    }
    return (ops[b] - ops[a]) * 1e9 / (nanos[b] - nanos[a]);
  }

  /** Runs the scenario (checks off) on a thread of its own, reading its live counter every {@link #STEADY_SAMPLE_MILLIS}. */
  private Sampled runSampled(Scenario s) throws InterruptedException {
    Progress progress = new Progress();
    FutureTask<SimResult> task = new FutureTask<>(() -> run(s, false, progress));
    Thread t = new Thread(task, "cowsim-bench-run");
    t.setDaemon(true);
    List<long[]> samples = new ArrayList<>();
    samples.add(new long[] {System.nanoTime(), 0});
    t.start();
    SimResult r;
    while (true) {
      try {
        r = task.get(STEADY_SAMPLE_MILLIS, TimeUnit.MILLISECONDS);
        break;
      } catch (TimeoutException e) {
        samples.add(new long[] {System.nanoTime(), progress.memoryOps()});
      } catch (ExecutionException e) {
        throw new IllegalStateException("a bench run threw", e.getCause());
      }
    }
    long[] nanos = samples.stream().mapToLong(x -> x[0]).toArray();
    long[] ops = samples.stream().mapToLong(x -> x[1]).toArray();
    return new Sampled(r, steadyRate(nanos, ops, progress.memoryOps()));
  }

  private static double median(double[] xs) {
    double[] c = xs.clone();
    Arrays.sort(c);
    return c.length % 2 == 1 ? c[c.length / 2] : (c[c.length / 2 - 1] + c[c.length / 2]) / 2;
  }

  void scaling() throws ScenarioException, InterruptedException {
    int[] points = size.scalingCpus().stream().mapToInt(Integer::intValue).toArray();
    int top = points[points.length - 1];
    boolean hasBase = Arrays.stream(points).anyMatch(c -> c == SCALING_BASE);
    int base = hasBase ? SCALING_BASE : points[0];
    List<List<Sampled>> runs = new ArrayList<>();
    for (int cpus : points) {
      List<Sampled> l = new ArrayList<>();
      l.add(runSampled(standard(cpus, size.scalingOps(), "concurrent", 1L << 30)));
      runs.add(l);
    }
    // the base and the largest point again, alternating, so a change in the host's load meets both
    int bi = indexOf(points, base);
    int ti = points.length - 1;
    for (int rep = 1; rep < size.scalingReps() && ti != bi; rep++) {
      runs.get(bi).add(runSampled(standard(base, size.scalingOps(), "concurrent", 1L << 30)));
      runs.get(ti).add(runSampled(standard(top, size.scalingOps(), "concurrent", 1L << 30)));
    }
    double baseRate = median(runs.get(bi).stream().mapToDouble(Sampled::rate).toArray());
    for (int i = 0; i < points.length; i++) {
      int cpus = points[i];
      List<Sampled> l = runs.get(i);
      double[] rates = l.stream().mapToDouble(Sampled::rate).toArray();
      double rate = median(rates);
      StringBuilder v = new StringBuilder(f("%,.0f", rate));
      List<String> notes = new ArrayList<>();
      if (cpus > base) {
        notes.add(f("%.0f%% of %d", 100 * rate / baseRate, base));
      }
      notes.add(l.size() == 1 ? "single run" : f("median of %d, %,.0f to %,.0f", l.size(), Arrays.stream(rates).min().orElse(0), Arrays.stream(rates).max().orElse(0)));
      long whole = l.stream().filter(x -> Double.isNaN(x.steady())).count();
      notes.add(whole == 0 ? f("whole run %,.0f", median(l.stream().mapToDouble(Sampled::whole).toArray()))
          : whole == l.size() ? "whole run: too short for a steady state" : whole + " of them the whole run: too short for a steady state");
      for (Sampled x : l) {
        if (!unfinished(x.result()).isEmpty()) {
          notes.add(unfinished(x.result()).substring(2));
          break;
        }
      }
      v.append(" (").append(String.join("; ", notes)).append(')');
      row("4", f("scaling, %d CPU%s, 1 GiB, checks off: memory ops/s, steady state", cpus, cpus == 1 ? "" : "s"), v.toString());
    }
    if (ti == bi) {
      return;
    }
    List<Sampled> b = runs.get(bi);
    List<Sampled> t = runs.get(ti);
    double[] ratios = new double[Math.min(b.size(), t.size())];
    for (int i = 0; i < ratios.length; i++) {
      ratios[i] = t.get(i).rate() / b.get(i).rate();
    }
    double ratio = median(ratios);
    String spread = ratios.length == 1 ? "single run"
        : f("median of %d repetitions, %.0f%% to %.0f%%", ratios.length, 100 * Arrays.stream(ratios).min().orElse(0), 100 * Arrays.stream(ratios).max().orElse(0));
    String what = f("  scaling, %d CPUs against %d, steady state", top, base);
    String value = f("%.0f%% (%s)", 100 * ratio, spread);
    if (top == SCALING_TOP && base == SCALING_BASE) {
      row("4", what, value, SCALING, ratio);
    } else {
      row("4", what, value, SCALING.text(), NOT_JUDGED + f(" (%d against %d)", top, base));
    }
  }

  private static int indexOf(int[] xs, int x) {
    for (int i = 0; i < xs.length; i++) {
      if (xs[i] == x) {
        return i;
      }
    }
    return -1;
  }

  // ------------------------------------------------------------------ 5. fork cost

  private Scenario forkScenario(int pages, boolean fork) throws ScenarioException {
    String program = fork
        ? """
              mov rax, SYS_fork
              syscall
              cmp rax, 0
              je child
              mov rdi, rax
              mov rax, SYS_wait4
              mov rsi, 0
              syscall
              mov rax, SYS_exit_group
              mov rdi, 0
              syscall
            child:
              mov rax, SYS_exit
              mov rdi, 0
              syscall
          """
        : """
              mov rax, SYS_exit_group
              mov rdi, 0
              syscall
          """;
    long mib = Math.max(64, ((long) pages * 4096 * 2 >> 20) + 64);
    String text = "name = bench-fork-" + pages + "\nmode = concurrent\nmachine { cpus = 2, memory = " + mib + " MiB }\n"
        + "processes = [ { name = p, cpu = 0, memory = [ { at = 0x10000000, size = " + pages * 4 + " KiB, prot = rw, populate = true } ],\n"
        + "program = \"\"\"\n" + program + "\"\"\" } ]\nlimits { max-cycles = 1000000000000000, timeout = 20m }\n";
    return ScenarioLoader.parse(text, "bench-fork-" + pages, List.of());
  }

  void fork() throws ScenarioException {
    run(forkScenario(size.forkPages().get(0), true), false); // warm-up
    long prevMs = 0;
    int prevPages = 0;
    for (int pages : size.forkPages()) {
      long bestWith = Long.MAX_VALUE;
      long bestWithout = Long.MAX_VALUE;
      long msgs = 0;
      for (int i = 0; i < size.forkReps(); i++) {
        SimResult with = run(forkScenario(pages, true), false);
        SimResult without = run(forkScenario(pages, false), false);
        bestWith = Math.min(bestWith, with.stat(Stat.HOST_MILLIS));
        bestWithout = Math.min(bestWithout, without.stat(Stat.HOST_MILLIS));
        msgs = with.stat(Stat.MESSAGES) - without.stat(Stat.MESSAGES);
      }
      long ms = bestWith - bestWithout;
      boolean clamped = ms <= 0;
      String of = size.forkReps() > 1 ? f("best of %d each", size.forkReps()) : "single run";
      String cost = clamped ? f("0 ms (clamped at 0: %,d ms with the fork, %,d without; %s)", bestWith, bestWithout, of) : f("%,d ms (%s)", ms, of);
      double growth = prevPages > 0 && prevMs > 0 && !clamped ? ms / (double) prevMs : Double.NaN;
      String growthText = Double.isNaN(growth) ? "" : f(", %.2fx the %dk-page cost for %dx the pages", growth, prevPages / 1024, pages / prevPages);
      String what = f("fork + child exit, %,d populated pages: host ms, messages/page", pages);
      String value = f("%s, %.1f msgs/page%s", cost, msgs / (double) pages, growthText);
      if (pages == 65536 && prevPages == 16384) {
        row("5", what, value, FORK, growth);
      } else {
        row("5", what, value);
      }
      prevMs = clamped ? 0 : ms;
      prevPages = pages;
    }
  }

  // ------------------------------------------------------------------ 6. heap

  private Scenario idleScenario(int cpus, long memoryMiB) throws ScenarioException {
    String text = "name = bench-heap\nmode = concurrent\nmachine { cpus = " + cpus + ", memory = " + memoryMiB + " MiB }\n"
        + "processes = [ { name = p, cpu = 0, program = \"\"\"\n"
        + "  mov rcx, 1000000000\nspin:\n  dec rcx\n  jne spin\n\"\"\" } ]\n"
        + "limits { max-cycles = 1000000000000000, timeout = " + (size.heapMillis() * 2) + "ms }\n";
    return ScenarioLoader.parse(text, "bench-heap", List.of());
  }

  /** Heap in use while a machine of this size is running: the median of {@link #HEAP_READINGS} readings, each right after a GC. */
  private long heapWhileRunning(int cpus, long memoryMiB) throws Exception {
    Scenario s = idleScenario(cpus, memoryMiB);
    CompletableFuture<SimResult> f = CompletableFuture.supplyAsync(() -> new Simulation(config).withoutChecks().run(s, null));
    Thread.sleep(size.heapMillis());
    long used = heapAfterGc();
    f.get();
    return used;
  }

  /** The median of {@link #HEAP_READINGS} readings of the used heap, each taken right after a System.gc(). */
  private static long heapAfterGc() {
    long[] used = new long[HEAP_READINGS];
    for (int i = 0; i < used.length; i++) {
      System.gc();
      used[i] = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
    Arrays.sort(used);
    return used[used.length / 2];
  }

  void heap() throws Exception {
    int big = size.heapCpus();
    long idle = heapAfterGc();
    long small = heapWhileRunning(2, 64);
    long many = heapWhileRunning(big, 64);
    long mem = heapWhileRunning(2, 1024);
    double perCpu = (many - small) / (double) (big - 2);
    double perFrame = (mem - small) / (double) ((1024L - 64) * 256);
    String readings = f("median of %d readings after a GC", HEAP_READINGS);
    row("6", f("heap per CPU actor (%d vs 2 CPUs, 64 TLB entries)", big),
        perCpu > 0 ? f("%,.0f bytes (%s)", perCpu, readings)
            : f("not measurable in this run (%d CPUs: %,d KiB, 2 CPUs: %,d KiB; %s)", big, many >> 10, small >> 10, readings));
    row("6", "heap per simulated frame (1 GiB vs 64 MiB, frames untouched)",
        perFrame > 0 ? f("%.2f bytes (%s)", perFrame, readings)
            : f("not measurable in this run (1 GiB: %,d KiB, 64 MiB: %,d KiB; %s)", mem >> 10, small >> 10, readings));
    row("6", f("heap of a running 2-CPU machine above the idle JVM (%,d MiB idle)", idle >> 20), f("%,d KiB", (small - idle) >> 10));
    long maxHeap = Runtime.getRuntime().maxMemory();
    String what = f("projected: 4096 CPUs + 262,144 frames (JVM max heap %,d MiB)", maxHeap >> 20);
    if (perCpu > 0 && perFrame > 0) {
      double projected = (perCpu * 4096 + perFrame * 262144 + (small - idle)) / (1 << 20);
      row("6", what, f("%,.0f MiB", projected), HEAP, projected);
    } else {
      row("6", what, "not measurable in this run (a per-actor or per-frame figure was not)", HEAP.text(), NOT_JUDGED);
    }
  }

  // ------------------------------------------------------------------ 7. explore

  /**
   * The scenario files in a folder of the project (such as {@link #BUG_LIBRARY}), sorted by name:
   * those of the working directory (the project root, where the README's commands run) when it
   * has the folder, else the copies bundled in the jar.
   */
  static List<String> library(String folder) throws IOException {
    Path here = Path.of(folder);
    if (Files.isDirectory(here)) {
      return list(here, folder);
    }
    URL url = Bench.class.getClassLoader().getResource(folder);
    if (url == null) {
      throw new IOException("no folder " + folder + " here nor bundled");
    }
    URI uri;
    try {
      uri = url.toURI();
    } catch (URISyntaxException e) {
      throw new IOException(e);
    }
    if (!"jar".equals(uri.getScheme())) {
      return list(Path.of(uri), folder);
    }
    try (FileSystem fs = FileSystems.newFileSystem(uri, Map.of())) {
      return list(fs.getPath(folder), folder);
    } catch (FileSystemAlreadyExistsException e) {
      return list(FileSystems.getFileSystem(uri).getPath(folder), folder);
    }
  }

  /**
   * A scenario of the project by its path from the project root: the working directory's file
   * when there is one, else the copy bundled in the jar (whose includes of {@code ../} files the
   * classpath cannot resolve: such a scenario then throws).
   */
  static Scenario scenario(String name) throws ScenarioException {
    Path here = Path.of(name);
    return Files.isRegularFile(here) ? ScenarioLoader.load(here, List.of()) : ScenarioLoader.loadResource(name, List.of());
  }

  private static List<String> list(Path dir, String folder) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".conf")).sorted().map(n -> folder + "/" + n).toList();
    }
  }

  void explore() throws Exception {
    if (explorations == null) {
      row("7", "explore", "not measured: the explorer is plugged in by the bench command", EXPLORE_RACY.text(), NOT_JUDGED);
      return;
    }
    int jobs = cores();
    exploreRows(RACY, scenario(RACY), size.exploreRacyRuns(), jobs, EXPLORE_RACY);
    // the largest of the bug library: the one whose time-order run delivers the most messages
    List<String> bugs = new ArrayList<>();
    List<String> unloadable = new ArrayList<>();
    List<Scenario> scenarios = new ArrayList<>();
    for (String name : library(BUG_LIBRARY)) {
      try {
        scenarios.add(scenario(name));
        bugs.add(name);
      } catch (ScenarioException e) {
        unloadable.add(name.substring(name.lastIndexOf('/') + 1));
      }
    }
    long[] messages = new long[bugs.size()];
    try (SimulationHost host = new SimulationHost(config)) {
      Simulation sim = new Simulation(host);
      for (int i = 0; i < bugs.size(); i++) {
        messages[i] = sim.run(scenarios.get(i), null, (Scheduler.Factory) null).stat(Stat.MESSAGES);
      }
    }
    Integer[] order = new Integer[bugs.size()];
    Arrays.setAll(order, i -> i);
    Arrays.sort(order, (x, y) -> Long.compare(messages[y], messages[x])); // most first; stable, so ties go by name
    int top = order[0];
    String next = order.length > 1 ? f("; next %s, %,d", bugs.get(order[1]), messages[order[1]]) : "";
    if (!unloadable.isEmpty()) {
      next += "; not loadable, left out: " + String.join(", ", unloadable);
    }
    row("7", f("largest bug-library scenario (delivered messages, time order, of %d)", bugs.size()), f("%s: %,d messages%s", bugs.get(top), messages[top], next));
    String largest = bugs.get(top);
    Scenario largestScenario = scenarios.get(top);
    exploreRows(largest, largestScenario, size.exploreBugRuns(), jobs, EXPLORE_BUG);
  }

  private void exploreRows(String name, Scenario s, int runs, int jobs, Target target) throws InterruptedException {
    explorations.explore(s, Math.max(1, runs / 10), jobs); // warm-up
    Explored e = explorations.explore(s, runs, jobs);
    double wall = e.wallNanos() / 1e9;
    row("7", f("explore %s, %s, %d jobs: schedules/s", name, e.strategy(), jobs),
        f("%,.0f (%,d runs in %.2f s, %,d failed)", e.schedulesPerSecond(), e.runs(), wall, e.failures()), target, e.schedulesPerSecond());
    row("7", "  host time outside the simulation (set-up, teardown, reports)",
        f("%.0f%% (machines running %.2f s of %d jobs x %.2f s)", 100 * e.outsideShare(), e.machineNanos() / 1e9, jobs, wall),
        EXPLORE_OUTSIDE, e.outsideShare());
  }

  /** The table, for the console and BENCHMARKS.md. */
  public static void printTable(PrintStream out, List<Row> rows) {
    out.println();
    out.println("| # | measurement | result | target | met? |");
    out.println("|---|---|---|---|---|");
    for (Row r : rows) {
      out.println("| " + r.section() + " | " + r.what().strip() + " | " + r.value() + " | " + r.target() + " | " + r.met() + " |");
    }
  }
}
