package cowsim.cli;

import cowsim.scenario.Expect;
import cowsim.scenario.Mode;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioException;
import cowsim.scenario.ScenarioLoader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/** The options that pick and adjust a scenario, shared by the commands that run one. */
final class ScenarioArgs {

  /** The scenario run when no file is given. */
  static final String DEFAULT_SCENARIO = "scenarios/fork-cow-basic.conf";

  @Option(names = "--seed", paramLabel = "N", description = "Seed for the tie-breaking PRNG (overrides the scenario's).")
  Long seed;

  @Option(names = "--mode", paramLabel = "MODE", description = "deterministic or concurrent (overrides the scenario's).")
  String mode;

  @Option(names = "--profile", paramLabel = "NAME",
      description = "Run under this kernel profile (strat9 or linux) with the scenario's own kernel knobs dropped (those given by --set kernel.KNOB=VALUE kept).")
  String profile;

  @Option(names = "--expect-violations", paramLabel = "KIND,KIND", split = ",",
      description = "Violation kinds the run must show (and no others); overrides expect.violations. Empty: none.")
  List<String> expectViolations;

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override any scenario key, e.g. --set machine.cpus=8 (repeatable).")
  List<String> sets = new ArrayList<>();

  /** The options as given but --seed, for a replay command (empty when none was). */
  String replayArgs() {
    StringBuilder b = new StringBuilder();
    if (mode != null) {
      b.append(" --mode ").append(ExploreCommand.quote(mode));
    }
    if (profile != null) {
      b.append(" --profile ").append(ExploreCommand.quote(profile));
    }
    if (expectViolations != null) {
      b.append(" --expect-violations ").append(ExploreCommand.quote(String.join(",", expectViolations)));
    }
    for (String set : sets) {
      b.append(" --set ").append(ExploreCommand.quote(set));
    }
    return b.toString();
  }

  /** Loads the file (or the bundled default) with the overrides applied. */
  Scenario load(Path file) throws ScenarioException {
    return adjust(file == null ? ScenarioLoader.loadResource(DEFAULT_SCENARIO, sets) : ScenarioLoader.load(file, sets));
  }

  /** The file (or the bundled default) as one resolved text, includes inlined: what a cluster worker loads with {@link #loadText}. */
  static String resolvedText(Path file) throws ScenarioException {
    return ScenarioLoader.resolvedText(file, DEFAULT_SCENARIO);
  }

  /** As {@link #load} from the text of {@link #resolvedText} (a cluster worker: no files). */
  Scenario loadText(String text, String origin) throws ScenarioException {
    return adjust(ScenarioLoader.parse(text, origin, sets));
  }

  /** The options as arguments (but --seed: every run has its own), for a cluster worker to parse back with {@link #fromArgv}. */
  List<String> argv() {
    List<String> a = new ArrayList<>();
    if (mode != null) {
      a.add("--mode");
      a.add(mode);
    }
    if (profile != null) {
      a.add("--profile");
      a.add(profile);
    }
    if (expectViolations != null) {
      a.add("--expect-violations=" + String.join(",", expectViolations));
    }
    for (String set : sets) {
      a.add("--set");
      a.add(set);
    }
    return a;
  }

  @picocli.CommandLine.Command(name = "scenario-args")
  private static final class Holder {
    @picocli.CommandLine.Mixin ScenarioArgs args = new ScenarioArgs();
  }

  /** The options {@link #argv} gave. */
  static ScenarioArgs fromArgv(List<String> argv) {
    Holder h = new Holder();
    new picocli.CommandLine(h).parseArgs(argv.toArray(String[]::new));
    return h.args;
  }

  private Scenario adjust(Scenario s) throws ScenarioException {
    if (mode != null) {
      Mode m = Mode.parse(mode).orElseThrow(() -> new ScenarioException("--mode " + mode, 0, "mode must be deterministic or concurrent"));
      s = s.withMode(m);
    }
    if (seed != null) {
      s = s.withSeed(seed);
    }
    if (profile != null) {
      // the scenario's knobs go; the user's own (--set kernel.KNOB=VALUE) stay, as compare --variant columns replay
      List<String> knobs = sets.stream().map(String::trim)
          .filter(x -> x.startsWith("kernel.") && !x.startsWith("kernel.profile=") && !x.startsWith("kernel.profile "))
          .map(x -> x.substring("kernel.".length())).toList();
      s = knobs.isEmpty() ? s.withProfile(profile) : s.withProfile(profile, knobs);
    }
    if (expectViolations != null) {
      List<String> kinds = expectViolations.stream().map(String::trim).filter(k -> !k.isEmpty()).toList();
      for (String k : kinds) {
        if (!Expect.VIOLATION_KINDS.contains(k)) {
          throw new ScenarioException("--expect-violations " + String.join(",", expectViolations), 0,
              "unknown violation kind '" + k + "' (known: " + String.join(", ", Expect.VIOLATION_KINDS) + ")");
        }
      }
      Expect e = s.expect();
      s = s.withExpect(new Expect(e.exitCode(), e.exitCodes(), e.stats(), kinds.stream().map(cowsim.check.ViolationKind::of).toList()));
    }
    return s;
  }
}
