package cowsim.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.report.Verdict;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioLoader;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The README's table of ported cow.c cases ("Linux's COW selftests") is what the scenarios do: a
 * row per scenario of scenarios/linux-selftests/, and under each profile of its columns the run at
 * seed 1 passes ("pass") or shows exactly the violation kinds the cell names.
 */
class LinuxSelftestsTest {

  private static final List<String> PROFILES = List.of("linux", "linux-5.9", "linux-5.7");

  record Row(String caseName, String file, List<String> cells) {
    @Override
    public String toString() {
      return file;
    }
  }

  static List<Row> table() throws IOException {
    List<String> lines = Files.readAllLines(Path.of("README.md"));
    int at = lines.indexOf("| cow.c case | scenario | linux | linux-5.9 | linux-5.7 |");
    assertTrue(at >= 0, "the README's table of cow.c cases");
    List<Row> rows = new ArrayList<>();
    for (int i = at + 2; i < lines.size() && lines.get(i).startsWith("|"); i++) {
      String[] c = lines.get(i).split("\\|");
      List<String> cells = new ArrayList<>();
      for (int k = 3; k < 6; k++) {
        cells.add(c[k].trim());
      }
      rows.add(new Row(c[1].trim(), c[2].trim().replace("`", ""), cells));
    }
    return rows;
  }

  @org.junit.jupiter.api.Test
  void everyPortHasARowAndEveryRowAFile() throws IOException {
    Set<String> files;
    try (Stream<Path> s = Files.list(Path.of("scenarios", "linux-selftests"))) {
      files = s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".conf")).collect(Collectors.toCollection(TreeSet::new));
    }
    Set<String> rows = table().stream().map(Row::file).collect(Collectors.toCollection(TreeSet::new));
    assertEquals(files, rows);
  }

  static Stream<Row> rows() throws IOException {
    return table().stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rows")
  void eachProfileDoesWhatTheTableSays(Row row) throws Exception {
    Scenario base = ScenarioLoader.load(Path.of("scenarios", "linux-selftests", row.file()), List.of());
    assertTrue(base.description().contains("\"" + row.caseName() + "\""), row.file() + " is described after cow.c's \"" + row.caseName() + "\"");
    Simulation sim = new Simulation();
    for (int p = 0; p < PROFILES.size(); p++) {
      SimResult r = sim.run(base.withProfile(PROFILES.get(p)), null);
      Set<String> kinds = r.violations().stream().map(v -> v.kind().key).collect(Collectors.toCollection(TreeSet::new));
      String cell = row.cells().get(p);
      String where = row.file() + " under " + PROFILES.get(p);
      assertEquals(SimResult.Ending.ALL_EXITED, r.ending(), where + ": " + r.endDetail());
      if (cell.equals("pass")) {
        assertTrue(Verdict.judge(r).pass(), where + ": " + Verdict.judge(r).failures());
      } else {
        Set<String> named = new TreeSet<>();
        for (String k : cell.split(",")) {
          named.add(k.replaceAll("\\(.*\\)", "").replace("`", "").trim());
        }
        assertEquals(named, kinds, where);
      }
    }
  }
}
