package cowsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import cowsim.report.Verdict;
import cowsim.scenario.ScenarioLoader;
import cowsim.sim.SimResult;
import cowsim.sim.Simulation;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A Java exception inside an actor is a simulator bug: the run fails loudly with exit code 3. */
class SimulatorErrorTest {

  @AfterEach
  void reset() {
    System.clearProperty("cowsim.debug.throw-after-instructions");
    ConfigFactory.invalidateCaches();
  }

  @Test
  void anExceptionInACpuActorEndsTheRunAsASimulatorError() throws Exception {
    Simulation sim =
        new Simulation(
            ConfigFactory.parseString("cowsim.debug.throw-after-instructions = 3").withFallback(ConfigFactory.load()));
    SimResult r = sim.run(ScenarioLoader.load(Path.of("scenarios/fork-cow-basic.conf"), List.of()), null);
    assertEquals(SimResult.Ending.SIMULATOR_ERROR, r.ending());
    assertTrue(r.error() instanceof IllegalStateException, String.valueOf(r.error()));
    assertEquals(3, Verdict.judge(r).exitCode());
  }

  @Test
  void theCommandLineExitsWith3AndKeepsTheStackTrace(@TempDir Path dir) throws Exception {
    System.setProperty("cowsim.debug.throw-after-instructions", "3");
    ConfigFactory.invalidateCaches();
    int code = Main.execute("run", "--quiet", "--out", dir.toString());
    assertEquals(3, code);
    JsonNode report = new ObjectMapper().readTree(dir.resolve("report.json").toFile());
    assertEquals("simulator_error", report.get("ending").asText());
    assertTrue(Files.readString(dir.resolve("error.txt")).contains("IllegalStateException"));
  }
}
