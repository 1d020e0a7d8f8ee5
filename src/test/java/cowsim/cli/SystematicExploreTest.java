package cowsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code explore --strategy systematic}: its summary, its json, its failure's replay, its bad flags. */
class SystematicExploreTest {

  @RegisterExtension final Console console = new Console();

  private final ByteArrayOutputStream err = console.err;

  private String out() {
    return console.out.toString(StandardCharsets.UTF_8);
  }

  @Test
  void completeForKIsSaidAndWritten(@TempDir Path d) throws Exception {
    assertEquals(0, Main.execute("explore", "scenarios/zero-page-fork.conf", "--strategy", "systematic", "--preemptions", "1", "--out", d.toString()),
        out() + err);
    assertTrue(out().contains("complete for K = 1: "), out());
    JsonNode j = new ObjectMapper().readTree(Files.readString(d.resolve("explore.json")));
    assertEquals(1, j.get("complete_for").asInt());
    assertTrue(j.get("exhausted").asBoolean());
    assertTrue(j.get("cut_by").isNull());
  }

  @Test
  void aFailureIsReplayedFromItsScheduleFile(@TempDir Path d) throws Exception {
    Path ex = d.resolve("explore");
    assertEquals(1, Main.execute("explore", "scenarios/bugs/stale-tlb-after-mprotect.conf", "--strategy", "systematic", "--until-first",
        "--expect-violations", "", "--out", ex.toString()), out() + err);
    assertTrue(out().contains("cut by first failure: not complete even for K = 0"), out());
    JsonNode j = new ObjectMapper().readTree(Files.readString(ex.resolve("explore.json")));
    Path file = Path.of(j.get("first_failure").get("schedule_file").asText());
    assertTrue(Files.readString(file).contains("ties send-order"));
    Path replay = d.resolve("replay");
    assertEquals(1, Main.execute("run", "scenarios/bugs/stale-tlb-after-mprotect.conf", "--expect-violations", "", "--schedule", file.toString(),
        "--quiet", "--out", replay.toString()), out() + err);
    JsonNode r = new ObjectMapper().readTree(Files.readString(replay.resolve("report.json")));
    assertEquals(j.get("first_failure").get("trace_hash").asText(), r.get("trace_hash").asText());
  }

  @Test
  void systematicFlagsNeedTheSystematicStrategy(@TempDir Path d) throws Exception {
    assertEquals(2, Main.execute("explore", "scenarios/zero-page-fork.conf", "--strategy", "pct", "--preemptions", "1", "--out", d.toString()));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("--preemptions 1"), err.toString(StandardCharsets.UTF_8));
    assertEquals(2, Main.execute("explore", "scenarios/zero-page-fork.conf", "--strategy", "systematic", "--shrink", "--out", d.toString()));
    assertEquals(2, Main.execute("explore", "scenarios/zero-page-fork.conf", "--strategy", "pct", "--reduction", "none", "--out", d.toString()));
    assertEquals(2, Main.execute("explore", "scenarios/zero-page-fork.conf", "--strategy", "systematic", "--reduction", "dpor", "--out", d.toString()));
    assertEquals(2, Main.execute("explore", "scenarios/zero-page-fork.conf", "--strategy", "systematic", "--reduction", "prefix", "--no-reduction",
        "--out", d.toString()));
    String e = err.toString(StandardCharsets.UTF_8);
    assertTrue(e.contains("--reduction dpor: must be prefix, sleep-sets or none"), e);
    assertTrue(e.contains("--reduction prefix: --no-reduction says none"), e);
    assertTrue(!e.contains("\tat "), "no stack trace: " + e);
  }

  @Test
  void theReductionAndJobsAreSaidAndWritten(@TempDir Path d) throws Exception {
    assertEquals(0, Main.execute("explore", "scenarios/zero-page-fork.conf", "--strategy", "systematic", "--preemptions", "1", "--reduction", "sleep-sets",
        "--jobs", "2", "--out", d.toString()), out() + err);
    assertTrue(out().contains("reduction sleep-sets; seed 1; 2 jobs"), out());
    JsonNode j = new ObjectMapper().readTree(Files.readString(d.resolve("explore.json")));
    assertEquals("sleep-sets", j.get("reduction_kind").asText());
    assertEquals(2, j.get("jobs").asInt());
    assertEquals(0, j.get("table_forgotten").asLong());
  }
}
