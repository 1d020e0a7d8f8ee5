package cowsim.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import cowsim.explore.ScheduleSpec;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioLoader;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What a run is given from above: the conductor's schedule comes from the caller, never guessed. */
class SimulationTest {

  /**
   * The schedule strategies belong to the explorer, above this layer: a scenario that names one
   * is refused by the plain run instead of running silently in time order, and runs with the
   * schedule its block names when the caller passes it.
   */
  @Test
  void aScenarioThatNamesAStrategyRunsOnlyWithThatSchedule() throws Exception {
    Scenario pct = ScenarioLoader.load(Path.of("scenarios/bugs/two-threads-cow-fault.conf"), List.of());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Simulation().run(pct, null));
    assertTrue(e.getMessage().contains("asks for schedule strategy pct"), e.getMessage());
    SimResult r = new Simulation().run(pct, null, ScheduleSpec.forScenario(ConfigFactory.load(), pct));
    assertEquals(SimResult.Ending.ALL_EXITED, r.ending(), r.endDetail());
  }

  /** Without a schedule the conductor takes the time order, as the time-order spec does. */
  @Test
  void noScheduleIsTheTimeOrder() throws Exception {
    Scenario s = ScenarioLoader.load(Path.of("scenarios/fork-cow-basic.conf"), List.of());
    assertEquals(
        new Simulation().run(s, null, ScheduleSpec.TIME_ORDER).traceHash(), new Simulation().run(s, null).traceHash());
  }
}
