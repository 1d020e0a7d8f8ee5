package cowsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import cowsim.scenario.ScenarioLoader;
import cowsim.stress.Bench;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The explore section's engine: every run counted, and the machines' time inside the job slots' time (no speed asserted). */
class BenchExplorationsTest {

  @Test
  void anExplorationCountsItsRunsAndTheirMachineTime() throws Exception {
    Bench.Explored e = new BenchExplorations(ConfigFactory.load()).explore(ScenarioLoader.loadResource(Bench.RACY, List.of()), 6, 2);
    assertEquals(6, e.runs());
    assertEquals(2, e.jobs());
    assertTrue(e.strategy().startsWith("PCT depth 3, k "), e.strategy());
    assertTrue(e.machineNanos() > 0, "the runs' machines ran");
    assertTrue(e.machineNanos() <= 2 * e.wallNanos(), "each job's runs one after another: " + e);
    assertTrue(e.outsideShare() >= 0 && e.outsideShare() < 1, "a share: " + e.outsideShare());
    assertTrue(e.failures() >= 0 && e.failures() <= 6);
  }
}
