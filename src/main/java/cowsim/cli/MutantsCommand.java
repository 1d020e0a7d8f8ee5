package cowsim.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import cowsim.explore.Explorations;
import cowsim.explore.Explorer;
import cowsim.explore.Mutants;
import cowsim.explore.RunOutcome;
import cowsim.explore.ScheduleSpec;
import cowsim.explore.Strategy;
import cowsim.kernel.Mistake;
import cowsim.report.Output;
import cowsim.report.OutputException;
import cowsim.scenario.Mode;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioException;
import cowsim.sim.Simulation;
import cowsim.sim.SimulationHost;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code cowsim mutants FILE...}: would these scenarios catch these kernel mistakes? Each mistake
 * of the catalogue ({@link Mistake}) is switched on in turn and the scenarios run with it, each
 * its own run and then explored, until one fails its verdict.
 */
@Command(
    name = "mutants",
    mixinStandardHelpOptions = true,
    description = {
        "Measure whether a scenario set catches kernel mistakes: each mistake of the catalogue is switched on"
            + " (kernel.mistake) and the scenarios run with it, each its own run and then --runs explored schedules,"
            + " until one fails its verdict (an unexpected violation, a failed assert, an exit code or stat not met).",
        "Every scenario must first be clean without a mistake under the profile (own run and the same explorations).",
        "The profile is linux unless --profile says otherwise (the scenarios' own kernel knobs are dropped)."},
    footer = {"", "Exit codes: 0 every scored mistake caught, 1 some survived, 2 bad input or output or a scenario not clean"
        + " without a mistake, 3 a run crashed the simulator (its stack trace in DIR/error.txt)."})
final class MutantsCommand extends WritesOutput implements Interruptible {

  MutantsCommand() {
    super(false);
  }

  /** What {@link #interrupt} (SIGINT, SIGTERM) stops. */
  private final ExplorerStop stop = new ExplorerStop();

  @Override
  public boolean interrupt() {
    stop.stop();
    return true;
  }


  @Parameters(index = "0", arity = "1..*", paramLabel = "FILE", description = "Scenario files (HOCON): the set under test.")
  List<Path> files;

  @Mixin ScenarioArgs args;

  @Option(names = "--mistakes", paramLabel = "NAME,NAME", split = ",", description = "Only these mistakes (default: the whole catalogue).")
  List<String> mistakes;

  @Option(names = "--runs", paramLabel = "N", description = "Explored schedules per scenario after its own run (default 50; 0: own runs only).")
  Integer runs;

  @Option(names = "--strategy", paramLabel = "S",
      description = "random, pct (default) or systematic (schedules with at most --preemptions preemptions, at most --runs of them).")
  String strategy;

  @Option(names = "--depth", paramLabel = "D", description = "PCT bug depth: D - 1 priority-change points (default 3).")
  Integer depth;

  @Option(names = "--preemptions", paramLabel = "K", description = "systematic: the preemption bound (default 2).")
  Integer preemptions;

  @Option(names = "--jobs", paramLabel = "J", description = "Runs in parallel (default: the number of cores); with --cluster, the explored runs done here (0: only coordinate).")
  Integer jobs;

  @Mixin ClusterArgs clusterArgs;

  /** --cluster: the coordinator, else null. */
  private cowsim.cluster.ClusterExplorer coordinator;

  @picocli.CommandLine.Mixin LogArgs logArgs;

  @Option(names = "--out", paramLabel = "DIR", description = "Output directory for mutants.json (default: runs/mutants-<timestamp>).")
  Path out;

  /** The catalogue, for --help: name, profile paths, what it breaks. */
  static void describeCatalogue(CommandLine mutants) {
    List<String> footer = new ArrayList<>();
    footer.add("");
    footer.add("Mistakes (kernel.mistake = NAME; paths: the profiles whose code has the broken step):");
    for (Mistake m : Mistake.catalogue()) {
      footer.add(String.format("  %-26s [%s] %s%s", m.key, m.paths.text, m.description, m.isHarmless() ? " (harmless here, not scored)" : ""));
    }
    footer.addAll(List.of(mutants.getCommandSpec().usageMessage().footer()));
    mutants.getCommandSpec().usageMessage().footer(footer.toArray(new String[0]));
  }


  @Override
  public Integer call() throws OutputException, InterruptedException {
    PrintStream o = System.out;
    Config config = ConfigFactory.load();
    List<Mistake> chosen;
    List<Scenario> loaded = new ArrayList<>();
    ScheduleSpec spec;
    int n;
    int j;
    if (args.profile == null) {
      args.profile = config.getString("cowsim.mutants.profile");
    }
    try {
      chosen = chosen();
      n = runs != null ? runs : config.getInt("cowsim.mutants.runs");
      if (n < 0) {
        throw new ScenarioException("--runs " + n, 0, "runs must be at least 0");
      }
      j = jobs != null ? jobs : Runtime.getRuntime().availableProcessors();
      clusterArgs.check();
      if (j < (clusterArgs.enabled() ? 0 : 1)) {
        throw new ScenarioException("--jobs " + j, 0, "jobs must be at least " + (clusterArgs.enabled() ? 0 : 1));
      }
      Strategy st = ScheduleArgs.parse(strategy != null ? strategy : config.getString("cowsim.explore.strategy"));
      if (st != Strategy.PCT && st != Strategy.RANDOM && st != Strategy.SYSTEMATIC) {
        throw new ScenarioException("--strategy " + strategy, 0, "mutants explores with random, pct or systematic");
      }
      ScheduleArgs.checkPct(st, depth, null);
      if (preemptions != null && (st != Strategy.SYSTEMATIC || preemptions < 0)) {
        throw new ScenarioException("--preemptions " + preemptions, 0, preemptions < 0 ? "must be at least 0" : "only the systematic strategy takes it");
      }
      if (clusterArgs.enabled() && st == Strategy.SYSTEMATIC) {
        // the search's next schedules depend on the ones run before: it is not a set of independent runs
        throw new ScenarioException("--cluster", 0, "systematic exploration runs on one machine (each schedule depends on those before it): drop --cluster");
      }
      spec = ScheduleSpec.of(config, st, st == Strategy.SYSTEMATIC ? preemptions : depth);
      for (Path f : files) {
        Scenario s = args.load(f);
        if (s.mode() != Mode.DETERMINISTIC) {
          throw new ScenarioException(f.toString(), 0, "mutants explores schedules and replays them: the scenario must run in deterministic mode");
        }
        if (s.kernel().policy().mistake() != Mistake.NONE) {
          throw new ScenarioException(f.toString(), 0, "kernel.mistake is " + s.kernel().policy().mistake().key
              + ": mutants switches the mistakes on itself, drop it from the scenario and from --set");
        }
        loaded.add(s);
      }
      coordinator = clusterArgs.enabled() ? clusterArgs.coordinator(config, o) : null;
    } catch (ScenarioException e) {
      // a scenario file's error is file:line: ...; a flag's is cowsim: --flag value: ...
      System.err.println((e.file().startsWith("--") ? "cowsim: " : "") + e.getMessage());
      return 2;
    }
    Path fallback = Path.of("runs", "mutants-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS")));
    output = Output.prepare(out, fallback, config);
    try (SimulationHost host = new SimulationHost(config)) {
      Explorer e = stop.attach(new Explorer(new Simulation(host)));
      if (coordinator == null) {
        return mutants(o, config, chosen, loaded, spec, n, j, e, Explorations.local(e, j));
      }
      try {
        Explorations onCluster = ClusterArgs.explorations(coordinator, files, args, List.of());
        coordinator.start(e, j);
        return mutants(o, config, chosen, loaded, spec, n, j, e, onCluster);
      } catch (ScenarioException | cowsim.cluster.ClusterExplorer.StartFailedException x) {
        System.err.println(x.getMessage());
        return 2;
      } finally {
        coordinator.close();
      }
    }
  }

  /** The baseline and every mistake, all on one actor system, then the report. */
  private int mutants(PrintStream o, Config config, List<Mistake> chosen, List<Scenario> loaded, ScheduleSpec spec, int n, int j, Explorer explorer,
      Explorations explorations) throws OutputException, InterruptedException {
    Path dir = output.dir();
    Mutants mutants = new Mutants(explorer, config, n, j, explorations);
    long started = System.nanoTime();
    List<Mutants.Target> targets = new ArrayList<>();
    for (int i = 0; i < loaded.size(); i++) {
      targets.add(mutants.target(files.get(i).toString(), loaded.get(i), spec, n > 0));
    }
    o.printf("mutants: %d mistakes x %d scenarios, profile %s; each scenario's own run, then %d schedules (%s%s), %d jobs%n",
        chosen.size(), targets.size(), args.profile, n, spec.strategy().cli(),
        spec.strategy() == Strategy.PCT ? " depth " + spec.depth() + ", k = the deliveries of each scenario's time-order run" : "", j);
    Console console = new Console(o, System.console() != null, chosen.size());

    o.println("baseline: every scenario without a mistake ...");
    Mutants.Caught dirty = mutants.baseline(targets, console);
    console.clear();
    if (explorer.stopped()) {
      dirty = null; // an interrupted baseline is not a verdict on the scenarios
    }
    if (dirty != null && dirty.run().result().error() != null) {
      RunOutcome r = dirty.run();
      Path trace = output.writeStackTrace(r.result().error());
      System.err.printf("cowsim: %s without a mistake: %s (seed %d); stack trace in %s%n", dirty.target().file(),
          RunOutput.oneLine(r.result().endDetail()), r.seed(), trace);
      return 3;
    }
    if (dirty != null) {
      RunOutcome r = dirty.run();
      System.err.printf("cowsim: %s is not clean under profile %s without a mistake: %s (seed %d) fails with %s: %s; replay: %s"
              + " (a baseline failure would make every mistake look caught)%n",
          dirty.target().file(), args.profile, dirty.own() ? "its own run" : "explored run " + r.index(), r.seed(),
          String.join(", ", r.kinds()), r.verdict().failures().isEmpty() ? "" : r.verdict().failures().get(0), replay(dirty, Mistake.NONE));
      return 2;
    }
    if (!explorer.stopped()) {
      o.printf("baseline: %d scenarios clean (%d runs each)%n", targets.size(), n + 1);
    }

    List<Mutants.Outcome> outcomes = new ArrayList<>();
    for (Mistake m : chosen) {
      if (explorer.stopped()) {
        break;
      }
      Mutants.Outcome r = mutants.mutant(m, targets, console);
      if (explorer.stopped() && r.survived()) {
        break; // not tried to the end: neither caught nor survived
      }
      outcomes.add(r);
    }
    console.clear();
    if (explorer.stopped()) {
      o.printf("interrupted: %d of %d mistakes tried before SIGINT/SIGTERM; this score and mutants.json are incomplete%n", outcomes.size(), chosen.size());
    }
    long millis = (System.nanoTime() - started) / 1_000_000;
    return report(o, dir, outcomes, targets, spec, n, j, millis);
  }

  private List<Mistake> chosen() throws ScenarioException {
    if (mistakes == null) {
      return Mistake.catalogue();
    }
    List<Mistake> out = new ArrayList<>();
    for (String name : mistakes) {
      String k = name.trim();
      if (k.isEmpty()) {
        continue;
      }
      Mistake m = Mistake.of(k).filter(x -> x != Mistake.NONE).orElseThrow(() -> new ScenarioException("--mistakes " + String.join(",", mistakes), 0,
          "unknown mistake '" + k + "' (known: " + String.join(", ", Mistake.catalogue().stream().map(x -> x.key).toList()) + ")"));
      if (!out.contains(m)) {
        out.add(m);
      }
    }
    if (out.isEmpty()) {
      throw new ScenarioException("--mistakes", 0, "name at least one mistake");
    }
    return out;
  }

  private int report(PrintStream o, Path dir, List<Mutants.Outcome> outcomes, List<Mutants.Target> targets, ScheduleSpec spec, int n, int j, long millis)
      throws OutputException {
    int scored = 0;
    int caught = 0;
    boolean crashed = false;
    List<String> survivors = new ArrayList<>();
    int width = 8;
    for (Mutants.Target t : targets) {
      width = Math.max(width, t.file().length());
    }
    o.println();
    o.printf("%-26s %-9s %-" + width + "s %-5s %-21s %s%n", "mistake", "result", "caught by", "run", "seed", "kinds");
    List<String> replays = new ArrayList<>();
    for (Mutants.Outcome r : outcomes) {
      Mistake m = r.mistake();
      if (!m.isHarmless()) {
        scored++;
      }
      String result;
      if (r.crashed()) {
        result = "CRASHED";
        crashed = true;
      } else if (r.survived()) {
        result = m.isHarmless() ? "harmless" : "SURVIVED";
        if (!m.isHarmless()) {
          survivors.add(m.key);
        }
      } else {
        result = "caught";
        if (!m.isHarmless()) {
          caught++;
        }
      }
      if (r.survived()) {
        o.printf("%-26s %-9s %-" + width + "s %-5s %-21s %s%n", m.key, result, "-", "-", "-",
            "(" + r.runsTried() + " runs" + (m.isHarmless() ? "; harmless in this model, not scored: see below" : "") + ")");
      } else {
        Mutants.Caught c = r.caught();
        o.printf("%-26s %-9s %-" + width + "s %-5s %-21d %s%s%n", m.key, result, c.target().file(), c.own() ? "own" : Integer.toString(c.run().index()),
            c.run().seed(), String.join(", ", c.run().kinds()), m.isHarmless() ? "  (declared harmless, not scored: see below)" : "");
        replays.add(String.format("  %-26s %s", m.key, replay(c, m)));
      }
    }
    o.println();
    int harmless = (int) outcomes.stream().filter(x -> x.mistake().isHarmless()).count();
    o.printf("score: %d/%d mistakes caught%s, in %.1f s%n", caught, scored,
        harmless == 0 ? "" : " (" + harmless + " harmless in this model, not scored)", millis / 1000.0);
    if (!survivors.isEmpty()) {
      o.println("survived: " + String.join(", ", survivors));
    }
    for (Mutants.Outcome r : outcomes) {
      if (r.mistake().isHarmless()) {
        o.println("harmless: " + r.mistake().key + ": " + r.mistake().harmless + (r.survived() ? "" : " (yet it was caught: check the reason)"));
      }
    }
    if (!replays.isEmpty()) {
      o.println("replay:");
      replays.forEach(o::println);
    }
    for (Mutants.Outcome r : outcomes) {
      if (r.crashed()) {
        Path trace = output.writeStackTrace(r.caught().run().result().error());
        System.err.println("cowsim: the run with mistake " + r.mistake().key + " crashed the simulator: "
            + RunOutput.oneLine(r.caught().run().result().endDetail()) + "; stack trace in " + trace);
        break;
      }
    }

    ObjectMapper mapper = new ObjectMapper();
    ObjectNode json = mapper.createObjectNode();
    json.put("profile", args.profile);
    json.put("strategy", spec.strategy().cli());
    if (spec.strategy() == Strategy.PCT) {
      json.put("depth", spec.depth());
    }
    json.put("runs_per_scenario", n);
    json.put("jobs", j);
    ArrayNode fs = json.putArray("scenarios");
    for (Mutants.Target t : targets) {
      ObjectNode x = fs.addObject();
      x.put("file", t.file());
      x.put("name", t.scenario().name());
      x.put("seed", t.scenario().seed());
      if (t.spec().strategy() == Strategy.PCT) {
        x.put("pct_steps", t.spec().pctSteps());
      }
    }
    ObjectNode score = json.putObject("score");
    score.put("caught", caught);
    score.put("scored", scored);
    score.put("harmless", harmless);
    ArrayNode sv = score.putArray("survived");
    survivors.forEach(sv::add);
    json.put("host_millis", millis);
    json.put("complete", !stop.stopped());
    json.put("interrupted", stop.stopped());
    ArrayNode list = json.putArray("mistakes");
    for (Mutants.Outcome r : outcomes) {
      Mistake m = r.mistake();
      ObjectNode x = list.addObject();
      x.put("mistake", m.key);
      x.put("description", m.description);
      x.put("where", m.where);
      x.put("paths", m.paths.text);
      if (m.isHarmless()) {
        x.put("harmless", m.harmless);
      } else {
        x.putNull("harmless");
      }
      x.put("result", r.crashed() ? "crashed" : r.survived() ? "survived" : "caught");
      x.put("runs_tried", r.runsTried());
      x.put("host_millis", r.millis());
      if (r.survived()) {
        x.putNull("scenario");
        x.putArray("kinds");
        x.putNull("seed");
        x.putNull("replay");
        continue;
      }
      Mutants.Caught c = r.caught();
      x.put("scenario", c.target().file());
      if (c.own()) {
        x.put("run", "own");
      } else {
        x.put("run", c.run().index());
      }
      ArrayNode k = x.putArray("kinds");
      c.run().kinds().forEach(k::add);
      x.put("seed", c.run().seed());
      x.put("trace_hash", c.run().traceHash());
      x.put("first_failure", c.run().verdict().failures().isEmpty() ? "" : c.run().verdict().failures().get(0));
      x.put("replay", replay(c, m));
    }
    o.println("mutants.json: " + output.writeJson("mutants.json", json));
    return crashed ? 3 : survivors.isEmpty() ? 0 : 1;
  }

  /** The {@code run} command that replays the failing run with the mistake on. */
  private String replay(Mutants.Caught c, Mistake m) {
    StringBuilder b = new StringBuilder(ExploreCommand.JAR).append(" run ").append(ExploreCommand.quote(c.target().file()));
    b.append(" --seed ").append(c.run().seed());
    if (!c.own()) {
      String st = c.target().spec().cliArgs();
      if (!st.isEmpty()) {
        b.append(' ').append(st);
      }
    }
    b.append(" --profile ").append(ExploreCommand.quote(args.profile));
    if (args.expectViolations != null) {
      b.append(" --expect-violations ").append(ExploreCommand.quote(String.join(",", args.expectViolations)));
    }
    for (String set : args.sets) {
      b.append(" --set ").append(ExploreCommand.quote(set));
    }
    if (m != Mistake.NONE) {
      b.append(" --set kernel.mistake=").append(m.key);
    }
    return b.toString();
  }

  /** Progress: a line per finished mistake; on a terminal also a status line redrawn in place. */
  private static final class Console implements Mutants.Listener {
    private final PrintStream out;
    private final boolean terminal;
    private final int total;
    private int done;
    private String what = "";
    private int runs;
    private boolean shown;

    Console(PrintStream out, boolean terminal, int total) {
      this.out = out;
      this.terminal = terminal;
      this.total = total;
    }

    @Override
    public synchronized void baseline(Mutants.Target t, int n) {
      clear();
      out.println("  clean: " + t.file());
    }

    @Override
    public synchronized void trying(Mistake m, Mutants.Target t, boolean own, int n) {
      what = m.key + (own ? ": own runs" : ": " + t.file());
      runs = 0;
      draw();
    }

    @Override
    public synchronized void run(RunOutcome o) {
      runs++;
      draw();
    }

    @Override
    public synchronized void done(Mutants.Outcome r) {
      done++;
      clear();
      String head = String.format("[%2d/%d] %-26s", done, total, r.mistake().key);
      if (r.survived()) {
        out.printf("%s %s after %d runs (%.1f s)%n", head, r.mistake().isHarmless() ? "not caught (harmless)" : "SURVIVED", r.runsTried(), r.millis() / 1000.0);
      } else {
        Mutants.Caught c = r.caught();
        out.printf("%s %s by %s, %s (seed %d): %s (%d runs, %.1f s)%n", head, r.crashed() ? "CRASHED" : "caught", c.target().file(),
            c.own() ? "own run" : "explored run " + c.run().index(), c.run().seed(), String.join(", ", c.run().kinds()), r.runsTried(), r.millis() / 1000.0);
      }
    }

    private void draw() {
      if (!terminal) {
        return;
      }
      String line = "  " + what + "  " + runs + " runs";
      out.print("\r" + (line.length() > 78 ? line.substring(0, 78) : line) + " ".repeat(Math.max(0, 78 - line.length())));
      out.flush();
      shown = true;
    }

    synchronized void clear() {
      if (shown) {
        out.print("\r" + " ".repeat(78) + "\r");
        shown = false;
      }
    }
  }
}
