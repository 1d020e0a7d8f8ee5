package cowsim.stress;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioException;
import cowsim.scenario.ScenarioLoader;
import cowsim.sim.SimResult;
import cowsim.sim.Simulation;
import cowsim.stats.Stat;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * The {@code bench} measurements, in one JVM: the Akka ceiling, concurrent and deterministic
 * throughput on a standard fork-heavy workload, scaling with the CPU count, fork cost against
 * address-space size, and heap per CPU actor and per frame.
 */
public final class Bench {

  /** How big each measurement is. */
  public record Size(
      String name,
      int ceilingPairs,
      int ceilingRoundTrips,
      long concurrentOps,
      long deterministicOps,
      int[] scalingCpus,
      long scalingOps,
      int[] forkPages,
      int heapCpus,
      boolean scalingWithChecks,
      int heapMillis) {}

  public static final Size FULL =
      new Size("full", 64, 200_000, 1_000_000, 300_000, new int[] {1, 4, 16, 64, 256, 1024, 4096}, 400_000,
          new int[] {1024, 4096, 16384, 65536}, 4096, false, 2000);
  public static final Size QUICK =
      new Size("quick", 64, 30_000, 300_000, 60_000, new int[] {1, 16, 64, 256}, 200_000, new int[] {1024, 4096}, 1024, false, 1500);
  /** For the smoke test: every section, tiny. */
  public static final Size TINY =
      new Size("tiny", 4, 2_000, 3_000, 2_000, new int[] {1, 4}, 2_000, new int[] {64, 256}, 16, false, 300);

  /** The standard workload's mix: fork-heavy. */
  public static final Mix STANDARD_MIX = Mix.parse("fork=4,clone=1,exit=2,mmap=1,munmap=1,mprotect=1,store=45,load=45");

  /** One row of the table. */
  public record Row(String section, String what, String value, String target) {}

  private final Config config = ConfigFactory.load();
  private final Size size;
  private final PrintStream log;
  private final List<Row> rows = new ArrayList<>();
  private double ceilingMsgs;

  public Bench(Size size, PrintStream log) {
    this.size = size;
    this.log = log;
  }

  public List<Row> rows() {
    return rows;
  }

  private void row(String section, String what, String value, String target) {
    Row r = new Row(section, what, value, target);
    rows.add(r);
    log.printf("  %-3s %-58s %s%s%n", r.section(), r.what(), r.value(), r.target().isEmpty() ? "" : "   [" + r.target() + "]");
  }

  private static String f(String fmt, Object... a) {
    return String.format(Locale.ROOT, fmt, a);
  }

  public void runAll() throws Exception {
    runOnly(null);
  }

  /** Runs one section (ceiling, concurrent, deterministic, scaling, fork, heap), or all for null. */
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
  }

  // ------------------------------------------------------------------ 1. ceiling

  void ceiling() throws InterruptedException {
    Ceiling.measure(config, size.ceilingPairs(), Math.max(1, size.ceilingRoundTrips() / 10)); // warm-up
    Ceiling.Result r = Ceiling.measure(config, size.ceilingPairs(), size.ceilingRoundTrips());
    ceilingMsgs = r.messagesPerSecond();
    row("1", f("ceiling: Akka ping-pong, %d pairs, round trips/s", r.pairs()), f("%,.0f", r.roundTripsPerSecond()), "");
    row("1", "ceiling: messages/s", f("%,.0f", ceilingMsgs), "");
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
    Simulation sim = new Simulation(config);
    if (!checks) {
      sim.withoutChecks();
    }
    SimResult r = sim.run(s, null);
    if (r.ending() != SimResult.Ending.ALL_EXITED) {
      log.println("      (run ended: " + r.endDetail() + ")");
    }
    return r;
  }

  private static double opsPerSecond(SimResult r) {
    return r.stat(Stat.MEMORY_OPS) * 1000.0 / Math.max(1, r.stat(Stat.HOST_MILLIS));
  }

  private static double msgsPerSecond(SimResult r) {
    return r.stat(Stat.MESSAGES) * 1000.0 / Math.max(1, r.stat(Stat.HOST_MILLIS));
  }

  void concurrent() throws ScenarioException {
    run(standard(64, size.concurrentOps() / 10, "concurrent", 0), false); // warm-up
    for (boolean checks : new boolean[] {false, true}) {
      SimResult r = run(standard(64, size.concurrentOps(), "concurrent", 0), checks);
      String tag = checks ? "checks on" : "checks off";
      double ops = opsPerSecond(r);
      double msgs = msgsPerSecond(r);
      double perOp = r.stat(Stat.MESSAGES) / (double) Math.max(1, r.stat(Stat.MEMORY_OPS));
      row("2", f("concurrent, 64 CPUs, fork-heavy, %s: memory ops/s", tag), f("%,.0f (%,d ops in %,d ms)", ops, r.stat(Stat.MEMORY_OPS), r.stat(Stat.HOST_MILLIS)), ">= 1,000,000");
      row("2", f("  messages/s (%.1f messages per memory op)", perOp), f("%,.0f = %.0f%% of ceiling", msgs, 100 * msgs / ceilingMsgs), ">= 50%");
    }
    SimResult r = run(workload(64, size.concurrentOps(), "concurrent", 0, MEMORY_ONLY_MIX), false);
    row("2", f("concurrent, 64 CPUs, loads/stores only, checks off: memory ops/s"),
        f("%,.0f (%.1f messages per op, %,.0f messages/s = %.0f%% of ceiling)", opsPerSecond(r),
            r.stat(Stat.MESSAGES) / (double) Math.max(1, r.stat(Stat.MEMORY_OPS)), msgsPerSecond(r), 100 * msgsPerSecond(r) / ceilingMsgs), "");
  }

  // ------------------------------------------------------------------ 3. deterministic

  void deterministic() throws ScenarioException {
    run(standard(16, size.deterministicOps() / 10, "deterministic", 0), false); // warm-up
    for (boolean checks : new boolean[] {false, true}) {
      SimResult r = run(standard(16, size.deterministicOps(), "deterministic", 0), checks);
      double msgs = msgsPerSecond(r);
      row("3", f("deterministic, 16 CPUs, %s: delivered messages/s", checks ? "checks on" : "checks off"),
          f("%,.0f = %.0f%% of ceiling (%,.0f memory ops/s)", msgs, 100 * msgs / ceilingMsgs, opsPerSecond(r)), ">= 250,000");
    }
  }

  // ------------------------------------------------------------------ 4. scaling

  void scaling() throws ScenarioException {
    double at64 = 0;
    double at64on = 0;
    for (int cpus : size.scalingCpus()) {
      SimResult off = run(standard(cpus, size.scalingOps(), "concurrent", 1L << 30), false);
      double ops = opsPerSecond(off);
      String on = "";
      double opsOn = 0;
      if (size.scalingWithChecks()) {
        SimResult r = run(standard(cpus, size.scalingOps(), "concurrent", 1L << 30), true);
        opsOn = opsPerSecond(r);
        on = f("; checks on %,.0f ops/s", opsOn);
      }
      if (cpus == 64) {
        at64 = ops;
        at64on = opsOn;
      }
      String rel = at64 > 0 && cpus > 64 ? f(" (%.0f%% of 64%s)", 100 * ops / at64, at64on > 0 ? f("; on %.0f%%", 100 * opsOn / at64on) : "") : "";
      row("4", f("scaling, %d CPUs, 1 GiB, checks off: memory ops/s", cpus), f("%,.0f%s%s", ops, on, rel), cpus == 4096 ? ">= 70% of 64" : "");
    }
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
    run(forkScenario(size.forkPages()[0], true), false); // warm-up
    double prevMs = 0;
    int prevPages = 0;
    for (int pages : size.forkPages()) {
      long bestMs = Long.MAX_VALUE;
      long msgs = 0;
      int reps = pages <= 4096 && size != TINY ? 3 : 1;
      for (int i = 0; i < reps; i++) {
        SimResult with = run(forkScenario(pages, true), false);
        SimResult without = run(forkScenario(pages, false), false);
        bestMs = Math.min(bestMs, Math.max(0, with.stat(Stat.HOST_MILLIS) - without.stat(Stat.HOST_MILLIS)));
        msgs = with.stat(Stat.MESSAGES) - without.stat(Stat.MESSAGES);
      }
      String growth = prevPages > 0 && prevMs > 0 ? f(", %.2fx the %dk-page cost for %dx the pages", bestMs / prevMs, prevPages / 1024, pages / prevPages) : "";
      row("5", f("fork + child exit, %,d populated pages: host ms, messages/page", pages),
          f("%,d ms, %.1f msgs/page%s", bestMs, msgs / (double) pages, growth), pages == 65536 ? "<= 4.6x of 16k" : "");
      prevMs = bestMs;
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

  /** Heap in use (after GC) while a machine of this size is running. */
  private long heapWhileRunning(int cpus, long memoryMiB) throws Exception {
    Scenario s = idleScenario(cpus, memoryMiB);
    CompletableFuture<SimResult> f = CompletableFuture.supplyAsync(() -> new Simulation(config).withoutChecks().run(s, null));
    Thread.sleep(size.heapMillis());
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    f.get();
    return used;
  }

  private static long idleHeap() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(100);
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  void heap() throws Exception {
    int big = size.heapCpus();
    long idle = idleHeap();
    long small = heapWhileRunning(2, 64);
    long many = heapWhileRunning(big, 64);
    long mem = heapWhileRunning(2, 1024);
    double perCpu = (many - small) / (double) (big - 2);
    double perFrame = (mem - small) / (double) ((1024L - 64) * 256);
    row("6", f("heap per CPU actor (%d vs 2 CPUs, 64 TLB entries)", big), f("%,.0f bytes", perCpu), "");
    row("6", "heap per simulated frame (1 GiB vs 64 MiB, frames untouched)", f("%.2f bytes", perFrame), "");
    row("6", f("heap of a running 2-CPU machine above the idle JVM (%,d MiB idle)", idle >> 20), f("%,d KiB", (small - idle) >> 10), "");
    long maxHeap = Runtime.getRuntime().maxMemory();
    row("6", f("projected: 4096 CPUs + 262,144 frames (JVM max heap %,d MiB)", maxHeap >> 20),
        f("%,.0f MiB", (perCpu * 4096 + perFrame * 262144 + (small - idle)) / (1 << 20)), "fits in -Xmx2g");
  }

  /** The table, for the console and BENCHMARKS.md. */
  public static void printTable(PrintStream out, List<Row> rows) {
    out.println();
    out.println("| # | measurement | result | target |");
    out.println("|---|---|---|---|");
    for (Row r : rows) {
      out.println("| " + r.section() + " | " + r.what().strip() + " | " + r.value() + " | " + r.target() + " |");
    }
  }
}
