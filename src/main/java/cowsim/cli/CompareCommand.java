package cowsim.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import cowsim.explore.Explorations;
import cowsim.explore.Explorer;
import cowsim.explore.RunOutcome;
import cowsim.explore.ScheduleSpec;
import cowsim.explore.Strategy;
import cowsim.report.Output;
import cowsim.report.OutputException;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cowsim compare FILE --profiles strat9,linux}: the same program under each kernel
 * profile (and knob variants), each explored over many schedules, side by side: what breaks and
 * what the fix costs.
 */
@Command(
    name = "compare",
    mixinStandardHelpOptions = true,
    description = "Run one scenario under several kernel profiles and knob variants, each explored over --runs schedules, and compare violations and costs.",
    footer = {"", "Columns: each profile (its values only, the scenario's own knobs dropped), then the first profile plus each --variant.",
        "Exit codes: 0 done, 2 bad input or output, 3 a run ended in a simulator error (its stack trace in DIR/error.txt)."})
final class CompareCommand extends WritesOutput {

  CompareCommand() {
    super(false);
  }


  @Parameters(index = "0", paramLabel = "FILE", description = "Scenario file (HOCON).")
  Path file;

  /** Only --seed and --set of the scenario options: the columns set the profile, and compare counts violations, not expectations. */
  private final ScenarioArgs args = new ScenarioArgs();

  @Option(names = "--seed", paramLabel = "N", description = "First seed of every column (overrides the scenario's); the others derived.")
  Long seed;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override any scenario key, e.g. --set machine.cpus=8 (repeatable).")
  List<String> sets = new ArrayList<>();

  @Option(names = "--profiles", paramLabel = "P,P", split = ",", description = "Profiles to compare (default: strat9,linux).")
  List<String> profiles = new ArrayList<>(List.of("strat9", "linux"));

  @Option(names = "--variant", paramLabel = "KNOB=VALUE", description = "A column: the first profile plus this kernel knob, e.g. tlb.cow-fault=mm-cpus (repeatable; join several knobs with ';').")
  List<String> variants = new ArrayList<>();

  @Option(names = "--runs", paramLabel = "N", description = "Schedules per column (default 20).")
  int runs = 20;

  @Option(names = "--strategy", paramLabel = "S",
      description = "random, pct (default) or systematic (schedules with at most --preemptions preemptions, at most --runs of them).")
  String strategy = "pct";

  @Option(names = "--depth", paramLabel = "D", description = "PCT depth (default 3).")
  int depth = 3;

  @Option(names = "--preemptions", paramLabel = "K", description = "systematic: the preemption bound (default 2).")
  Integer preemptions;

  @Option(names = "--jobs", paramLabel = "J", description = "Runs in parallel (default: the number of cores); with --cluster, the runs done here (0: only coordinate).")
  int jobs = Runtime.getRuntime().availableProcessors();

  @picocli.CommandLine.Mixin ClusterArgs clusterArgs;

  @picocli.CommandLine.Mixin LogArgs logArgs;

  @Option(names = "--out", paramLabel = "DIR", description = "Output directory (default: runs/<name>-compare-<timestamp>).")
  Path out;

  /** One column's totals. */
  private record Column(String name, String profile, List<String> knobs, int runs, Map<String, Integer> runsWithKind, Map<String, Double> means,
      List<RunOutcome> outcomes) {}

  private static final List<Stat> COSTS =
      List.of(Stat.IPIS, Stat.SHOOTDOWN_WAIT_CYCLES, Stat.COW_COPIES, Stat.COW_REUSES, Stat.PAGE_FAULTS, Stat.CYCLES, Stat.MESSAGES);

  @Override
  public Integer call() throws Exception {
    Scenario base;
    List<Scenario> columns = new ArrayList<>();
    List<String> names = new ArrayList<>();
    List<List<String>> knobsOf = new ArrayList<>();
    List<Explorations.Origin> origins = new ArrayList<>(); // how each column was made from the file: what a cluster worker makes again
    try {
      args.seed = seed;
      args.sets = sets;
      base = args.load(file);
      if (base.mode() != Mode.DETERMINISTIC) {
        throw new ScenarioException(file.toString(), 0, "compare explores schedules: the scenario must run in deterministic mode");
      }
      clusterArgs.check();
      if (runs < 1 || jobs < (clusterArgs.enabled() ? 0 : 1) || depth < 1) {
        throw new ScenarioException("--runs/--jobs/--depth", 0, "must be at least 1" + (clusterArgs.enabled() ? " (--jobs: 0 with --cluster)" : ""));
      }
      for (String p : profiles) {
        columns.add(base.withProfile(p.trim()));
        origins.add(new Explorations.Origin(file.toString(), p.trim(), null, null));
        names.add(p.trim());
        knobsOf.add(List.of());
      }
      for (String v : variants) {
        List<String> knobs = List.of(v.split(";"));
        columns.add(base.withProfile(profiles.get(0).trim(), knobs));
        origins.add(new Explorations.Origin(file.toString(), profiles.get(0).trim(), knobs, null));
        names.add(profiles.get(0).trim() + " + " + v);
        knobsOf.add(knobs.stream().map(String::trim).toList());
      }
    } catch (ScenarioException e) {
      System.err.println(e.getMessage());
      return 2;
    }
    Strategy st = Strategy.parse(strategy).filter(x -> x != Strategy.TIME).orElse(null);
    if (st == null) {
      System.err.println("--strategy " + strategy + ": must be random, pct or systematic");
      return 2;
    }
    if (preemptions != null && (st != Strategy.SYSTEMATIC || preemptions < 0)) {
      System.err.println("--preemptions " + preemptions + ": " + (preemptions < 0 ? "must be at least 0" : "only the systematic strategy takes it"));
      return 2;
    }
    Config config = ConfigFactory.load();
    cowsim.cluster.ClusterExplorer coordinator;
    try {
      if (clusterArgs.enabled() && st == Strategy.SYSTEMATIC) {
        // the search's next schedules depend on the ones run before: it is not a set of independent runs
        throw new ScenarioException("--cluster", 0, "systematic exploration runs on one machine (each schedule depends on those before it): drop --cluster");
      }
      coordinator = clusterArgs.enabled() ? clusterArgs.coordinator(config, System.out) : null;
    } catch (ScenarioException e) {
      System.err.println(e.getMessage());
      return 2;
    }
    Path fallback = Path.of("runs", base.name() + "-compare-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS")));
    output = Output.prepare(out, fallback, config);
    ScheduleSpec spec = ScheduleSpec.of(config, st, st == Strategy.SYSTEMATIC ? preemptions : Integer.valueOf(depth));
    try (SimulationHost host = new SimulationHost(config)) {
      Explorer explorer = new Explorer(new Simulation(host));
      if (coordinator == null) {
        return compare(base, columns, origins, names, knobsOf, spec, explorer, Explorations.local(explorer, jobs));
      }
      try {
        Explorations onCluster = ClusterArgs.explorations(coordinator, List.of(file), args, COSTS);
        coordinator.start(explorer, jobs);
        return compare(base, columns, origins, names, knobsOf, spec, explorer, onCluster);
      } catch (ScenarioException | cowsim.cluster.ClusterExplorer.StartFailedException e) {
        System.err.println(e.getMessage());
        return 2;
      } finally {
        coordinator.close();
      }
    }
  }

  /** Explores every column on one actor system, prints the table, writes compare.json. */
  private int compare(Scenario base, List<Scenario> columns, List<Explorations.Origin> origins, List<String> names, List<List<String>> knobsOf,
      ScheduleSpec spec, Explorer explorer, Explorations explorations) throws Exception {
    List<Column> results = new ArrayList<>();
    RunOutcome crashed = null;
    PrintStream o = System.out;
    o.printf("comparing %s: %d columns x %d schedules (%s, first seed %d)%n", base.name(), columns.size(), runs, spec.describe(), base.seed());
    for (int c = 0; c < columns.size(); c++) {
      Scenario s = columns.get(c);
      List<RunOutcome> outcomes = explorations.explore(s, origins.get(c), spec, base.seed(), runs, false, r -> {});
      Map<String, Integer> kinds = new LinkedHashMap<>();
      Map<String, Double> means = new LinkedHashMap<>();
      int withViolations = 0;
      for (RunOutcome r : outcomes) {
        if (crashed == null && r.result().error() != null) {
          crashed = r;
        }
        TreeSet<String> found = new TreeSet<>(r.result().violationCounts().keySet());
        if (!found.isEmpty()) {
          withViolations++;
        }
        found.forEach(k -> kinds.merge(k, 1, Integer::sum));
        for (Stat k : COSTS) {
          means.merge(k.key, (double) r.result().stat(k) / outcomes.size(), Double::sum);
        }
      }
      kinds.put("any", withViolations);
      String profile = c < profiles.size() ? profiles.get(c).trim() : profiles.get(0).trim();
      results.add(new Column(names.get(c), profile, knobsOf.get(c), outcomes.size(), kinds, means, outcomes));
      o.printf("  %s: %d/%d runs with violations%s%n", names.get(c), withViolations, outcomes.size(), spec.strategy() != Strategy.SYSTEMATIC ? ""
          : explorer.lastSearch().exhausted() ? "; complete for K = " + spec.depth() + ": every schedule with at most " + spec.depth() + " preemptions"
          : "; cut by --runs: complete for K = " + explorer.lastSearch().completeFor() + " only");
    }
    print(o, results);
    o.println("compare.json: " + writeJson(base, spec, results));
    if (crashed != null) {
      Path trace = output.writeStackTrace(crashed.result().error());
      System.err.println("cowsim: " + RunOutput.oneLine(crashed.result().endDetail()) + " in run " + crashed.index() + " (seed " + crashed.seed()
          + "); stack trace in " + trace + " (the table counts it as a run without violations)");
      return 3;
    }
    return 0;
  }


  /** The {@code run} command that replays one run of a column: its profile, its knobs, the seed and the schedule. */
  String replayCommand(Column c, long runSeed, ScheduleSpec spec) {
    StringBuilder b = new StringBuilder(ExploreCommand.JAR).append(" run ").append(ExploreCommand.quote(file.toString()));
    b.append(" --seed ").append(runSeed);
    String st = spec.cliArgs();
    if (!st.isEmpty()) {
      b.append(' ').append(st);
    }
    b.append(" --profile ").append(ExploreCommand.quote(c.profile()));
    for (String set : sets) {
      b.append(" --set ").append(ExploreCommand.quote(set));
    }
    for (String k : c.knobs()) {
      b.append(" --set ").append(ExploreCommand.quote("kernel." + k));
    }
    return b.toString();
  }

  private static void print(PrintStream o, List<Column> cols) {
    TreeSet<String> kinds = new TreeSet<>();
    cols.forEach(c -> kinds.addAll(c.runsWithKind().keySet()));
    kinds.remove("any");
    StringBuilder head = new StringBuilder(String.format("%-24s", ""));
    cols.forEach(c -> head.append(String.format("%" + width(c) + "s", c.name())));
    o.println(head);
    row(o, "runs with violations", cols, c -> c.runsWithKind().get("any") + "/" + c.runs());
    for (String k : kinds) {
      row(o, "  " + k, cols, c -> c.runsWithKind().getOrDefault(k, 0) + "/" + c.runs());
    }
    row(o, "IPIs sent (mean)", cols, c -> fmt(c.means().get(Stat.IPIS.key)));
    row(o, "shootdown wait cycles", cols, c -> fmt(c.means().get(Stat.SHOOTDOWN_WAIT_CYCLES.key)));
    row(o, "COW copies", cols, c -> fmt(c.means().get(Stat.COW_COPIES.key)));
    row(o, "COW reuses", cols, c -> fmt(c.means().get(Stat.COW_REUSES.key)));
    row(o, "page faults", cols, c -> fmt(c.means().get(Stat.PAGE_FAULTS.key)));
    row(o, "total cycles", cols, c -> fmt(c.means().get(Stat.CYCLES.key)));
    row(o, "messages", cols, c -> fmt(c.means().get(Stat.MESSAGES.key)));
  }

  private static int width(Column c) {
    return Math.max(10, c.name().length() + 2);
  }

  private static void row(PrintStream o, String label, List<Column> cols, java.util.function.Function<Column, String> cell) {
    StringBuilder sb = new StringBuilder(String.format("%-24s", label));
    cols.forEach(c -> sb.append(String.format("%" + width(c) + "s", cell.apply(c))));
    o.println(sb);
  }

  private static String fmt(Double d) {
    return d == null ? "-" : d >= 100 ? String.format("%.0f", d) : String.format("%.2f", d);
  }

  private Path writeJson(Scenario base, ScheduleSpec spec, List<Column> cols) throws OutputException {
    ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode root = m.createObjectNode();
    root.put("scenario", base.name());
    root.put("file", base.origin());
    root.put("strategy", spec.describe());
    root.put("first_seed", base.seed());
    root.put("runs", runs);
    ArrayNode arr = root.putArray("columns");
    for (Column c : cols) {
      ObjectNode n = arr.addObject();
      n.put("name", c.name());
      n.put("profile", c.profile());
      ArrayNode kn = n.putArray("knobs");
      c.knobs().forEach(kn::add);
      n.put("runs", c.runs());
      n.put("runs_with_violations", c.runsWithKind().get("any"));
      ObjectNode k = n.putObject("runs_with_kind");
      c.runsWithKind().forEach((kk, v) -> {
        if (!kk.equals("any")) {
          k.put(kk, v);
        }
      });
      ObjectNode means = n.putObject("means");
      c.means().forEach(means::put);
      ArrayNode per = n.putArray("per_run");
      for (RunOutcome r : c.outcomes()) {
        ObjectNode x = per.addObject();
        x.put("run", r.index());
        x.put("seed", r.seed());
        x.put("trace_hash", r.traceHash());
        ArrayNode kinds = x.putArray("violation_kinds");
        new TreeSet<>(r.result().violationCounts().keySet()).forEach(kinds::add);
        x.put("replay", replayCommand(c, r.seed(), spec));
      }
    }
    return output.writeJson("compare.json", root);
  }
}
