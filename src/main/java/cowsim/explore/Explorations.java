package cowsim.explore;

import cowsim.kernel.Mistake;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioException;
import java.util.List;
import java.util.function.Consumer;

/**
 * Where the explorations of a command run ({@code mutants}, {@code compare}): this JVM's
 * {@link Explorer}, or the workers of a cluster. Each is given the scenario as this JVM built it
 * and, for a cluster, how it was built ({@link Origin}), so that a worker with no files builds
 * the same one.
 */
public interface Explorations {

  /**
   * How a scenario was made from its file and the command's scenario options: then, when
   * {@code profile} is set, {@code withProfile(profile)} (or {@code withProfile(profile, knobs)}
   * when {@code knobs} is set), then, when {@code mistake} is set, {@code withMistake(mistake)}.
   */
  record Origin(String file, String profile, List<String> knobs, Mistake mistake) {

    /** The file's scenario as the options load it. */
    public static Origin of(String file) {
      return new Origin(file, null, null, null);
    }

    public Origin withMistake(Mistake m) {
      return new Origin(file, profile, knobs, m);
    }

    /** This origin applied to the scenario the options loaded from the file. */
    public Scenario apply(Scenario loaded) throws ScenarioException {
      Scenario s = loaded;
      if (profile != null) {
        s = knobs == null ? s.withProfile(profile) : s.withProfile(profile, knobs);
      }
      return mistake == null ? s : s.withMistake(mistake);
    }
  }

  /** As {@link Explorer#explore} (seeded strategies): the runs in run order. */
  List<RunOutcome> explore(Scenario s, Origin origin, ScheduleSpec spec, long firstSeed, int runs, boolean untilFirst, Consumer<RunOutcome> onDone)
      throws InterruptedException;

  /** The explorations of this JVM: {@code jobs} runs at a time. */
  static Explorations local(Explorer explorer, int jobs) {
    return (s, origin, spec, firstSeed, runs, untilFirst, onDone) -> explorer.explore(s, spec, firstSeed, runs, jobs, untilFirst, onDone);
  }
}
