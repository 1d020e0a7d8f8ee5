package cowsim.cli;

import com.typesafe.config.Config;
import cowsim.explore.Explorer;
import cowsim.explore.RunOutcome;
import cowsim.explore.ScheduleSpec;
import cowsim.explore.Strategy;
import cowsim.scenario.Mode;
import cowsim.scenario.Scenario;
import cowsim.sim.Simulation;
import cowsim.sim.SimulationHost;
import cowsim.stress.Bench;
import java.util.List;

/**
 * The engine of {@code bench}'s explore section: the explorer {@code explore} runs, set up as
 * {@link ExploreCommand} sets it up (one {@link SimulationHost} for all the runs, the PCT spec
 * with {@code cowsim.explore}'s defaults, k from the time-order run), without the console lines
 * and explore.json.
 */
final class BenchExplorations implements Bench.Explorations {

  private final Config config;

  BenchExplorations(Config config) {
    this.config = config;
  }

  @Override
  public Bench.Explored explore(Scenario s, int runs, int jobs) throws InterruptedException {
    try (SimulationHost host = new SimulationHost(config)) {
      Explorer explorer = new Explorer(new Simulation(host));
      ScheduleSpec spec = ScheduleSpec.TIME_ORDER;
      if (s.mode() == Mode.DETERMINISTIC) {
        spec = ScheduleSpec.of(config, Strategy.PCT, null);
        // k: the deliveries of the time-order run with the first seed, as explore does
        spec = spec.withPctSteps(Math.max(1, explorer.runOnce(s, ScheduleSpec.TIME_ORDER, 0, s.seed(), null).messages()));
      }
      long started = System.nanoTime();
      List<RunOutcome> out = explorer.explore(s, spec, s.seed(), runs, jobs, false, o -> {});
      long wall = System.nanoTime() - started;
      long machine = 0;
      int failures = 0;
      for (RunOutcome o : out) {
        machine += o.result().machineTime().toNanos();
        if (!o.pass()) {
          failures++;
        }
      }
      String strategy = s.mode() == Mode.DETERMINISTIC ? "PCT depth " + spec.depth() + ", k " + spec.pctSteps() : "concurrent";
      return new Bench.Explored(out.size(), jobs, wall, machine, failures, strategy);
    }
  }
}
