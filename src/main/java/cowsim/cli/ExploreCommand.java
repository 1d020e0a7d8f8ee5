package cowsim.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import cowsim.explore.Explorer;
import cowsim.explore.NamingReplay;
import cowsim.explore.Progress;
import cowsim.explore.RunOutcome;
import cowsim.explore.ScheduleRecord;
import cowsim.explore.ScheduleSpec;
import cowsim.explore.Shrinker;
import cowsim.explore.Strategy;
import cowsim.explore.systematic.Reduction;
import cowsim.report.Output;
import cowsim.report.OutputException;
import cowsim.report.RunReport;
import cowsim.scenario.Mode;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioException;
import cowsim.sim.Simulation;
import cowsim.sim.SimulationHost;
import cowsim.stats.Stat;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cowsim explore FILE}: run a scenario under many controlled schedules, count distinct
 * traces and failures, print the replay command of the first failure, optionally shrink it.
 */
@Command(
    name = "explore",
    mixinStandardHelpOptions = true,
    description = "Run a scenario under many schedules (random or PCT) to find races; replay and shrink the first failure.",
    footer = {"", "Exit codes: 0 every run met its expectations, 1 some run did not, 2 bad input or output,",
        "3 a run ended in a simulator error (its stack trace in DIR/error.txt)."})
final class ExploreCommand extends WritesOutput implements Interruptible {

  ExploreCommand() {
    super(false);
  }

  /** What {@link #interrupt} (SIGINT, SIGTERM) stops. */
  private final ExplorerStop stop = new ExplorerStop();

  @Override
  public boolean interrupt() {
    stop.stop();
    return true;
  }


  /** How the replay command starts (as in the README). */
  static final String JAR = "java -jar target/cowsim.jar";

  @Parameters(index = "0", paramLabel = "FILE", description = "Scenario file (HOCON).")
  Path file;

  @Mixin ScenarioArgs args;

  @Option(names = "--runs", paramLabel = "N", description = "Number of runs (default 100).")
  Integer runs;

  @Option(names = "--strategy", paramLabel = "S",
      description = "random, pct (default) or systematic (every schedule with at most --preemptions preemptions); time only varies the tie-break seed.")
  String strategy;

  @Option(names = "--depth", paramLabel = "D", description = "PCT bug depth: D - 1 priority-change points (default 3).")
  Integer depth;

  @Option(names = "--pct-steps", paramLabel = "K",
      description = "PCT: expected number of deliveries over which change points are drawn (default: those of the time-order run).")
  Long pctSteps;

  @Option(names = "--until-first", description = "Stop at the first run that fails its expectations.")
  boolean untilFirst;

  @Option(names = "--jobs", paramLabel = "J", description = "Runs in parallel (default: the number of cores); with --cluster, the runs done here (0: only coordinate).")
  Integer jobs;

  @Option(names = "--trace", paramLabel = "FILE", description = "Write the first failure's timeline, replayed, as a Perfetto trace (deterministic mode).")
  Path trace;

  @Option(names = "--shrink", description = "Shrink the first failing schedule and write it as a schedule file.")
  boolean shrink;

  @Option(names = "--preemptions", paramLabel = "K", description = "systematic: the preemption bound, K = 0..K in turn (default 2).")
  Integer preemptions;

  @Option(names = "--no-reduction", description = "systematic: run every schedule, without the partial-order reduction (as --reduction none).")
  boolean noReduction;

  @Option(names = "--reduction", paramLabel = "KIND", description = "systematic: prefix (default: skip prefixes equivalent to covered ones),"
      + " sleep-sets (Godefroid's, bound-aware) or none.")
  String reduction;

  @Option(names = "--duration", paramLabel = "SECONDS", description = "systematic: start no schedule after this many seconds.")
  Long duration;

  @picocli.CommandLine.Mixin LogArgs logArgs;

  @Mixin ClusterArgs clusterArgs;

  @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: runs/<name>-explore-<timestamp>).")
  Path out;


  /** --cluster: the coordinator, else null. */
  private cowsim.cluster.ClusterExplorer coordinator;

  @Override
  public Integer call() throws OutputException, InterruptedException {
    PrintStream o = System.out;
    Config config = ConfigFactory.load();
    Scenario s;
    ScheduleSpec spec;
    int n;
    int j;
    try {
      s = args.load(file);
      n = runs != null ? runs : config.getInt("cowsim.explore.runs");
      if (n < 1) {
        throw new ScenarioException("--runs " + n, 0, "runs must be at least 1");
      }
      j = jobs != null ? jobs : Runtime.getRuntime().availableProcessors();
      clusterArgs.check();
      if (clusterArgs.enabled() && j == 0) {
        // --cluster --jobs 0: the coordinator only coordinates
      } else if (j < 1) {
        throw new ScenarioException("--jobs " + j, 0, "jobs must be at least 1");
      }
      if (s.mode() == Mode.DETERMINISTIC) {
        Strategy st = ScheduleArgs.parse(strategy != null ? strategy : config.getString("cowsim.explore.strategy"));
        ScheduleArgs.checkPct(st, depth, pctSteps);
        if (st != Strategy.SYSTEMATIC && (preemptions != null || noReduction || reduction != null || duration != null)) {
          throw new ScenarioException(preemptions != null ? "--preemptions " + preemptions : noReduction ? "--no-reduction"
              : reduction != null ? "--reduction " + reduction : "--duration " + duration, 0, "only the systematic strategy takes it");
        }
        if (reduction != null && (Reduction.parse(reduction) == null || noReduction && Reduction.parse(reduction) != Reduction.NONE)) {
          throw new ScenarioException("--reduction " + reduction, 0, noReduction && Reduction.parse(reduction) != null
              ? "--no-reduction says none: give one of them" : "must be prefix, sleep-sets or none");
        }
        if (st == Strategy.SYSTEMATIC && (preemptions != null && preemptions < 0 || duration != null && duration < 1 || shrink || trace != null)) {
          throw new ScenarioException(shrink ? "--shrink" : trace != null ? "--trace " + trace : preemptions != null && preemptions < 0
              ? "--preemptions " + preemptions : "--duration " + duration, 0,
              shrink || trace != null ? "systematic exploration writes its failure's schedule file itself: drop it" : "must be at least 0 (--duration: 1)");
        }
        spec = ScheduleSpec.of(config, st, st == Strategy.SYSTEMATIC ? preemptions : depth);
      } else {
        if (strategy != null || depth != null || pctSteps != null || shrink) {
          throw new ScenarioException(strategy != null ? "--strategy " + strategy : depth != null ? "--depth " + depth
              : pctSteps != null ? "--pct-steps " + pctSteps : "--shrink", 0,
              "concurrent mode has no conductor: strategies, depth and shrinking need deterministic mode");
        }
        spec = ScheduleSpec.TIME_ORDER;
      }
      if (clusterArgs.enabled() && spec.strategy() == Strategy.SYSTEMATIC) {
        // the search's next schedules depend on the ones run before: it is not a set of independent runs
        throw new ScenarioException("--cluster", 0, "systematic exploration runs on one machine (each schedule depends on those before it): drop --cluster");
      }
      if (clusterArgs.enabled() && s.mode() != Mode.DETERMINISTIC) {
        throw new ScenarioException("--cluster", 0, "a cluster explore needs deterministic mode (the coordinator replays a worker's run to report it)");
      }
      coordinator = clusterArgs.enabled() ? clusterArgs.coordinator(config, o) : null;
    } catch (ScenarioException e) {
      System.err.println(e.getMessage());
      return 2;
    }
    Path fallback = Path.of("runs", s.name() + "-explore-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS")));
    output = Output.prepare(out, fallback, config);
    try (SimulationHost host = new SimulationHost(config)) {
      Explorer e = stop.attach(new Explorer(new Simulation(host)));
      if (spec.strategy() == Strategy.SYSTEMATIC) {
        long cap = runs != null ? runs : Long.MAX_VALUE;
        Reduction red = noReduction ? Reduction.NONE : reduction != null ? Reduction.parse(reduction)
            : config.getBoolean("cowsim.explore.reduction") ? Reduction.PREFIX : Reduction.NONE;
        return SystematicExplore.run(o, this, s, spec, red, j, cap, duration, e, output);
      }
      return explore(o, config, s, spec, n, j, e);
    }
  }

  /** The runs, the report and the first failure's replay, all on one actor system. */
  private int explore(PrintStream o, Config config, Scenario s, ScheduleSpec spec, int n, int j, Explorer explorer)
      throws OutputException, InterruptedException {
    boolean deterministic = s.mode() == Mode.DETERMINISTIC;
    long firstSeed = s.seed(); // --seed is already applied by args.load
    if (spec.strategy() == Strategy.PCT && pctSteps == null) {
      // k: the number of deliveries of the time-order run with the first seed
      spec = spec.withPctSteps(Math.max(1, explorer.runOnce(s, ScheduleSpec.TIME_ORDER, 0, firstSeed, null).messages()));
    } else if (pctSteps != null) {
      spec = spec.withPctSteps(pctSteps);
    }
    o.printf("exploring %s: %d runs, %s, first seed %d (the others derived: seed' = SplittableRandom(seed).nextLong()), %d jobs%n",
        s.name(), n, deterministic ? "strategy " + spec.describe() : "concurrent mode", firstSeed, j);
    if (!deterministic) {
      o.println("concurrent mode: the real dispatcher interleaves the actors, so a run cannot be replayed (no trace_hash);"
          + " only the counts are reported");
    }
    Progress progress = new Progress(o, System.console() != null, n);
    long started = System.nanoTime();
    List<RunOutcome> results;
    if (coordinator != null) {
      try {
        results = ClusterArgs.explore(coordinator, explorer, s, file, args, spec, firstSeed, n, j, untilFirst, progress::done);
      } catch (ScenarioException | cowsim.cluster.ClusterExplorer.StartFailedException e) {
        System.err.println(e.getMessage());
        return 2;
      }
    } else {
      results = explorer.explore(s, spec, firstSeed, n, j, untilFirst, progress::done);
    }
    progress.finish();
    long millis = (System.nanoTime() - started) / 1_000_000;
    boolean cut = explorer.stopped();
    if (cut) {
      o.printf("interrupted: %d of %d runs finished before SIGINT/SIGTERM; this summary and explore.json are incomplete%n", results.size(), n);
    }

    Set<String> hashes = new LinkedHashSet<>();
    Map<String, Integer> byKind = new TreeMap<>();
    RunOutcome first = null;
    int failures = 0;
    for (RunOutcome r : results) {
      if (r.traceHash() != null) {
        hashes.add(r.traceHash());
      }
      if (!r.pass()) {
        failures++;
        for (String k : r.kinds()) {
          byKind.merge(k, 1, Integer::sum);
        }
        if (first == null) {
          first = r;
        }
      }
    }
    o.printf("runs: %d%s in %.1f s%n", results.size(), untilFirst && first != null && results.size() < n ? " (stopped at the first failure)" : "", millis / 1000.0);
    o.println("distinct trace_hash values: " + (deterministic ? Integer.toString(hashes.size()) : "n/a (concurrent mode)"));
    o.println("failures: " + failures + (byKind.isEmpty() ? "" : "   by kind: " + byKind.toString().replaceAll("[{}]", "").replace("=", ": ")));

    ObjectMapper m = new ObjectMapper();
    ObjectNode json = m.createObjectNode();
    json.put("scenario", s.name());
    json.put("file", file.toString());
    json.put("mode", s.mode().toString());
    json.put("replayable", deterministic);
    json.put("strategy", deterministic ? spec.strategy().cli() : null);
    if (deterministic && spec.strategy() == Strategy.PCT) {
      json.put("depth", spec.depth());
      json.put("pct_steps", spec.pctSteps());
      json.put("pct_window", spec.window());
    } else if (deterministic && spec.strategy() == Strategy.RANDOM) {
      json.put("max_jitter", spec.maxJitter());
      json.put("random_window", spec.window());
    }
    json.put("first_seed", firstSeed);
    json.put("runs", results.size());
    if (deterministic) {
      json.put("distinct_trace_hashes", hashes.size());
    } else {
      json.putNull("distinct_trace_hashes");
    }
    json.put("failures", failures);
    ObjectNode kinds = json.putObject("failures_by_kind");
    byKind.forEach(kinds::put);
    json.put("host_millis", millis);
    json.put("complete", !cut);
    json.put("interrupted", cut);

    RunOutcome crashed = results.stream().filter(r -> r.result().error() != null).findFirst().orElse(null);
    if (first != null) {
      Output failOut = output.sub("first-failure");
      Path failDir = failOut.dir();
      o.printf("first failure: run %d, seed %d: %s%n", first.index(), first.seed(), String.join(", ", first.kinds()));
      for (String f : summaryFailures(first)) {
        o.println("  " + f);
      }
      ObjectNode ff = json.putObject("first_failure");
      ff.put("run", first.index());
      ff.put("seed", first.seed());
      ff.put("dir", failDir.toString());
      if (deterministic && cut) {
        // interrupted: no time for a replay with logs; the explored run's report, and how to replay it
        String replay = replayCommand(first.seed(), spec);
        writeRun(failOut, first, replay);
        o.println("  replay: " + replay);
        ff.put("replay", replay);
      } else if (deterministic) {
        // replay it with logs: the report and logs of exactly this run
        String logs = failOut.sub("logs").dir().toString();
        RunOutcome f = first;
        Scenario fs = s;
        ScheduleSpec fspec = spec;
        RunOutcome again = trace == null ? explorer.runOnce(s, spec, first.index(), first.seed(), logs)
            : cowsim.trace.TraceFile.record(trace, s.name(), new Simulation(config), sim -> new Explorer(sim).runOnce(fs, fspec, f.index(), f.seed(), logs), x -> x.result().violations());
        if (trace != null) {
          o.println("  trace: " + trace + "   (open it in https://ui.perfetto.dev)");
        }
        String replay = replayCommand(first.seed(), spec);
        writeRun(failOut, again, replay);
        o.println("  replay: " + replay);
        ff.put("replay", replay);
        if (!String.valueOf(again.traceHash()).equals(first.traceHash())) {
          o.println("  warning: the replay gave trace_hash " + again.traceHash() + ", the explored run " + first.traceHash());
        }
      } else {
        writeRun(failOut, first, replayCommand(first.seed(), spec));
        o.println("  (concurrent mode: not replayable; its report is saved, without logs)");
      }
      o.println((deterministic && !cut ? "  report and logs: " : "  report: ") + failDir);
      if (shrink && cut) {
        o.println("  not shrunk: interrupted");
      } else if (shrink && first.result().error() != null) {
        o.println("  not shrunk: the first failure is a simulator error, not a schedule's finding");
      } else if (shrink) {
        shrink(o, s, spec, explorer, first, Math.max(1, j), config, output, json);
      }
    }
    ArrayNode per = json.putArray("per_run");
    for (RunOutcome r : results) {
      ObjectNode x = per.addObject();
      x.put("run", r.index());
      x.put("seed", r.seed());
      if (r.traceHash() == null) {
        x.putNull("trace_hash");
      } else {
        x.put("trace_hash", r.traceHash());
      }
      x.put("outcome", r.pass() ? "pass" : "fail");
      ArrayNode k = x.putArray("violation_kinds");
      r.kinds().forEach(k::add);
      x.put(Stat.CYCLES.key, r.cycles());
      x.put(Stat.MESSAGES.key, r.messages());
      x.put("ending", r.result().ending().name().toLowerCase(java.util.Locale.ROOT));
    }
    if (crashed != null) {
      json.put("simulator_error", RunOutput.oneLine(String.valueOf(crashed.result().error())));
    }
    o.println("explore.json: " + output.writeJson("explore.json", json));
    if (crashed != null) {
      // a simulator bug outranks every finding: exit code 3, its stack trace in DIR/error.txt
      Path trace = output.writeStackTrace(crashed.result().error());
      System.err.println("cowsim: " + RunOutput.oneLine(crashed.result().endDetail()) + " in run " + crashed.index() + " (seed " + crashed.seed()
          + "); stack trace in " + trace);
      return 3;
    }
    return failures > 0 ? 1 : 0;
  }

  private void shrink(PrintStream o, Scenario s, ScheduleSpec spec, Explorer explorer, RunOutcome first, int j, Config config, Output output, ObjectNode json)
      throws OutputException, InterruptedException {
    Path dir = output.dir();
    String kind = first.kinds().get(0);
    int budget = config.getInt("cowsim.explore.shrink-max-runs");
    o.printf("shrinking the schedule of run %d (keeping violation kind '%s', at most %d test runs)...%n", first.index(), kind, budget);
    Shrinker.Result r = new Shrinker(explorer, s, kind, j, budget, line -> o.println("  " + line)).shrink(spec, first);
    ScheduleRecord before = r.original();
    ScheduleRecord after = r.shrunk();
    Path file = dir.resolve("shrunk.schedule");
    List<String> comments = new ArrayList<>();
    comments.add("cowsim schedule, shrunk from run " + first.index() + " of explore (" + spec.describe() + ", seed " + first.seed() + ")");
    comments.add("replay: " + JAR + " run " + quote(this.file.toString()) + extraArgs() + " --schedule " + quote(file.toString()));
    comments.add("fails with '" + kind + "'; trace_hash " + r.run().traceHash());
    comments.add("time order (earliest arrival first, ties by the seed) except for these decisions:");
    comments.add("  pick STEP RANK: delivery STEP (0 = first) takes the pending message at position RANK in time order");
    comments.add("  delay SEND CYCLES: the SEND-th message handed to the interconnect (0 = first) arrives CYCLES late");
    comments.add("  after each decision, the message it moved: its arrival time in time order, source -> destination, type");
    Output shrunkOut = output.sub("shrunk");
    Path shrunkDir = shrunkOut.dir();
    // the replay with logs also names each decision's message for the file
    NamingReplay naming = new NamingReplay(after);
    RunOutcome again = explorer.runOnce(s, naming, first.index(), after.seed(), shrunkOut.sub("logs").dir().toString());
    output.writeString(file.getFileName().toString(), after.format(comments, naming::name));
    writeRun(shrunkOut, again, JAR + " run " + quote(this.file.toString()) + extraArgs() + " --schedule " + quote(file.toString()));
    o.printf("shrunk: %s -> %s%n", before.describe(), after.describe());
    if (!r.changePointsBefore().isEmpty() || spec.strategy() == Strategy.PCT) {
      o.printf("  priority-change points: %d -> %d%n", r.changePointsBefore().size(), r.changePointsAfter().size());
    }
    o.printf("  last reordered delivery: %s -> %s (of %d and %d deliveries)%n",
        step(before.lastPickStep()), step(after.lastPickStep()), first.messages(), again.messages());
    o.printf("  %d test runs%s%n", r.tests(), r.budgetExhausted() ? " (budget reached: cowsim.explore.shrink-max-runs)" : "");
    String replay = JAR + " run " + quote(this.file.toString()) + extraArgs() + " --schedule " + quote(file.toString());
    o.println("  replay: " + replay);
    o.println("  report and logs: " + shrunkDir);
    if (!String.valueOf(again.traceHash()).equals(r.run().traceHash())) {
      o.println("  warning: the shrunk schedule replayed to trace_hash " + again.traceHash() + ", not " + r.run().traceHash());
    }
    ObjectNode sj = json.putObject("shrink");
    sj.put("kind", kind);
    sj.put("schedule_file", file.toString());
    sj.put("replay", replay);
    sj.put("decisions_before", before.decisions().size());
    sj.put("decisions_after", after.decisions().size());
    sj.put("reorderings_before", before.picks());
    sj.put("reorderings_after", after.picks());
    sj.put("delay_cycles_before", before.delayCycles());
    sj.put("delay_cycles_after", after.delayCycles());
    sj.put("change_points_before", r.changePointsBefore().size());
    sj.put("change_points_after", r.changePointsAfter().size());
    sj.put("last_reordered_delivery_before", before.lastPickStep());
    sj.put("last_reordered_delivery_after", after.lastPickStep());
    sj.put("trace_hash", again.traceHash());
    sj.put("test_runs", r.tests());
    sj.put("budget_exhausted", r.budgetExhausted());
  }

  /**
   * The failure lines the summary shows for a run: one per violation kind, in the order the kinds
   * were found (the verdict lists them by kind name), then the other failures, at least three lines.
   */
  static List<String> summaryFailures(RunOutcome r) {
    List<String> all = r.verdict().failures();
    List<String> out = new ArrayList<>();
    for (String k : r.kinds()) {
      all.stream().filter(f -> f.startsWith("violation " + k + " ")).findFirst().ifPresent(out::add);
    }
    int want = Math.max(3, out.size());
    for (String f : all) {
      if (out.size() >= want) {
        break;
      }
      if (!out.contains(f)) {
        out.add(f);
      }
    }
    return out;
  }

  private static String step(long s) {
    return s < 0 ? "none" : Long.toString(s);
  }

  private static void writeRun(Output dir, RunOutcome r, String replay) throws OutputException {
    RunReport.write(dir, r.result(), r.verdict(), null, replay);
    if (r.result().error() != null) {
      dir.writeStackTrace(r.result().error());
    }
  }

  /** The exact {@code run} command that replays the run with this seed. */
  String replayCommand(long seed, ScheduleSpec spec) {
    String strategyArgs = spec.cliArgs();
    return JAR + " run " + quote(file.toString()) + " --seed " + seed + (strategyArgs.isEmpty() ? "" : " " + strategyArgs) + extraArgs();
  }

  /** The scenario options given to explore that replay needs too (mode, profile, expected violations, --set). */
  String extraArgs() {
    return args.replayArgs();
  }

  private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_./=,:@%+-]+");

  static String quote(String s) {
    return SAFE.matcher(s).matches() ? s : "'" + s.replace("'", "'\\''") + "'";
  }
}
