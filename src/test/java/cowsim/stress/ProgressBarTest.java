package cowsim.stress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioLoader;
import cowsim.sim.SimResult;
import cowsim.sim.Simulation;
import cowsim.stats.Progress;
import cowsim.stats.Stat;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The progress display's counts are right at any size: every CPU's remainder below a chunk counts at the end. */
class ProgressBarTest {

  /** 16 CPUs, each running a process of 3 stores: fewer than a chunk each, so nothing counted while they run. */
  private static String fewOpsOnManyCpus() {
    StringBuilder s = new StringBuilder("name = few\nmachine { cpus = 16 }\nprocesses = [\n");
    for (int i = 0; i < 16; i++) {
      s.append("  { name = p").append(i).append(", cpu = ").append(i)
          .append(", memory = [ { at = 0x400000, size = 4 KiB } ], program = \"\"\"\n")
          .append("    mov rbx, 0x400000\n    mov [rbx], 1\n    mov [rbx + 8], 2\n    mov [rbx + 16], 3\n  \"\"\" }\n");
    }
    return s.append("]\n").toString();
  }

  @Test
  void aRunOfFewOperationsPerCpuCountsThemAll() throws Exception {
    Scenario s = ScenarioLoader.parse(fewOpsOnManyCpus(), "few.conf", List.of());
    Progress progress = new Progress();
    SimResult r = new Simulation().run(s, null, null, progress);
    assertEquals(SimResult.Ending.ALL_EXITED, r.ending(), r.endDetail());
    assertEquals(16 * 3, r.stat(Stat.MEMORY_OPS));
    assertEquals(16 * 3, progress.memoryOps(), "each CPU's remainder below a chunk");
  }

  @Test
  void theDisplayEndsWithTheExactTotal() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    Progress progress = new Progress();
    try (ProgressBar bar = new ProgressBar(new PrintStream(bytes, true, StandardCharsets.UTF_8), false, 50_000, progress)) {
      progress.addMemoryOps(48_709);
    }
    String out = bytes.toString(StandardCharsets.UTF_8);
    assertTrue(out.startsWith("progress: 48,709 ops, "), out);
    ByteArrayOutputStream tty = new ByteArrayOutputStream();
    try (ProgressBar bar = new ProgressBar(new PrintStream(tty, true, StandardCharsets.UTF_8), true, 100, progress)) {
      progress.addMemoryOps(0);
    }
    String drawn = tty.toString(StandardCharsets.UTF_8);
    assertTrue(drawn.contains("[##############################] 48,709 ops, "), drawn);
    assertTrue(drawn.endsWith("\n"), "the last state stays on its line");
  }
}
