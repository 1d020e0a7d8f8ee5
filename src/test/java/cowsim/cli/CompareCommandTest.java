package cowsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** compare offers only the options it honours, and compare.json replays every run of every column. */
class CompareCommandTest {

  @RegisterExtension final Console console = new Console();

  @ParameterizedTest
  @ValueSource(strings = {"--profile=linux", "--mode=concurrent", "--expect-violations=stale-read"})
  void anOptionCompareWouldIgnoreOrRefuseIsNotOffered(String option) {
    assertEquals(2, Main.execute("compare", "scenarios/racy-cow-threads.conf", option, "--runs", "1"));
    String err = console.err.toString(StandardCharsets.UTF_8);
    assertTrue(err.startsWith("cowsim: Unknown option: '" + option.substring(0, option.indexOf('='))), err);
    assertEquals(1, err.strip().lines().count(), err);
  }

  @Test
  void everyRunOfEveryColumnHasItsSeedAndAReplayThatGivesTheSameTrace(@TempDir Path dir) throws Exception {
    int code = Main.execute("compare", "scenarios/racy-cow-threads.conf", "--runs", "3", "--jobs", "1", "--seed", "5",
        "--variant", "cow-fault.lock=page-table", "--out", dir.resolve("cmp").toString());
    assertEquals(0, code, console.err.toString(StandardCharsets.UTF_8));
    JsonNode json = new ObjectMapper().readTree(dir.resolve("cmp/compare.json").toFile());
    assertEquals(5, json.get("first_seed").asLong());
    JsonNode columns = json.get("columns");
    assertEquals(3, columns.size());
    assertEquals("strat9", columns.get(2).get("profile").asText());
    assertEquals("cow-fault.lock=page-table", columns.get(2).get("knobs").get(0).asText());
    for (JsonNode c : columns) {
      assertEquals(3, c.get("per_run").size());
      assertEquals(5, c.get("per_run").get(0).get("seed").asLong());
    }
    // the second run of the linux column and of the variant column, replayed with run
    for (int col : new int[] {1, 2}) {
      JsonNode r = columns.get(col).get("per_run").get(1);
      String replay = r.get("replay").asText();
      assertTrue(replay.startsWith(ExploreCommand.JAR + " run "), replay);
      List<String> args = new ArrayList<>(List.of(replay.substring(ExploreCommand.JAR.length() + 1).split(" ")));
      Path out = dir.resolve("replay-" + col);
      args.addAll(List.of("--quiet", "--out", out.toString()));
      Main.execute(args.toArray(String[]::new));
      JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
      assertEquals(r.get("trace_hash").asText(), report.get("trace_hash").asText(), replay);
    }
  }
}
