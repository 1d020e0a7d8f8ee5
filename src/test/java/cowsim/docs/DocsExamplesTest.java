package cowsim.docs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import cowsim.docs.DocBlocks.Block;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every {@code example:} block of README.md and BENCHMARKS.md is what its command prints now, and
 * every {@code excerpt:} block occurs in it (see {@link DocBlocks}). With
 * {@code -Dcowsim.docs.regen=example} (or {@code all}, which also runs the {@code measured:}
 * commands through sh) the test rewrites the blocks instead: that is what docs/measure/regen does.
 */
class DocsExamplesTest {

  private static final String REGEN = System.getProperty("cowsim.docs.regen", "");

  @Test
  void everyExampleIsWhatItsCommandPrints(@TempDir Path tmp) throws Exception {
    List<String> problems = new ArrayList<>();
    int checked = 0;
    for (String file : DocBlocks.FILES) {
      Path path = Path.of(file);
      List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
      List<Block> blocks = DocBlocks.find(file, lines);
      // rewrite from the end, so the earlier blocks' line numbers stay right
      for (int k = blocks.size() - 1; k >= 0; k--) {
        Block b = blocks.get(k);
        switch (b.kind()) {
          case "example" -> {
            checked++;
            List<String> got = DocBlocks.run(b, tmp);
            if (REGEN.equals("example") || REGEN.equals("all")) {
              List<String> body = new ArrayList<>();
              if (!b.body().isEmpty() && b.body().get(0).startsWith("$ ")) {
                body.add("$ " + b.command());
              }
              body.addAll(got);
              lines = DocBlocks.replace(lines, b, body);
            } else {
              List<String> want = DocBlocks.expected(b);
              if (!want.equals(got)) {
                problems.add(b.where() + ": the example no longer matches what `" + b.command() + "` prints"
                    + " (- documented, + printed now; host-time fields masked):\n" + DocBlocks.diff(want, got));
              }
            }
          }
          case "excerpt" -> {
            checked++;
            List<String> got = DocBlocks.run(b, tmp);
            List<String> want = DocBlocks.expected(b);
            int miss = DocBlocks.excerptMiss(want, got);
            if (miss >= 0) {
              problems.add(b.where() + ": excerpt line " + (miss + 1) + " is not (in this order) in what `" + b.command()
                  + "` prints:\n    " + want.get(miss) + "\n  the output:\n    " + String.join("\n    ", got));
            }
          }
          case "measured" -> {
            if (REGEN.equals("all") && b.command().contains(System.getProperty("cowsim.docs.only", ""))) {
              lines = DocBlocks.replace(lines, b, measure(b));
            }
          }
          default -> { }
        }
      }
      if (!REGEN.isEmpty()) {
        Files.write(path, lines, StandardCharsets.UTF_8);
      }
    }
    assertTrue(checked > 0, "no example: markers found in " + DocBlocks.FILES);
    if (!problems.isEmpty()) {
      fail(problems.size() + " documented example(s) are stale:\n" + String.join("\n", problems)
          + "\nIf the change in behaviour is intended, regenerate the blocks: sh docs/measure/regen --only example");
    }
  }

  /** Runs a measured: command through sh; the block's first line says where and when. */
  private static List<String> measure(Block b) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("sh", "-c", b.command()).redirectErrorStream(true).start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor(1, TimeUnit.DAYS);
    List<String> body = new ArrayList<>();
    body.add("# measured at commit " + git("rev-parse", "--short", "HEAD") + " on " + LocalDate.now() + ", "
        + Runtime.getRuntime().availableProcessors() + " cores (regenerate: sh docs/measure/regen)");
    for (String l : text.split("\n")) {
      body.add(l.replaceAll("[ \\t]+$", ""));
    }
    return body;
  }

  private static String git(String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("git"));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    p.waitFor(1, TimeUnit.MINUTES);
    return s;
  }

  @Test
  void everyOutputBlockIsMarked() throws IOException {
    List<String> problems = new ArrayList<>();
    for (String file : DocBlocks.FILES) {
      problems.addAll(DocBlocks.unmarkedOutput(file, Files.readAllLines(Path.of(file), StandardCharsets.UTF_8)));
    }
    assertTrue(problems.isEmpty(), String.join("\n", problems));
  }

  @Test
  void anUnmarkedPastedOutputIsRefusedAndACommandIsNot() {
    List<String> doc = List.of("text", "```", "java -jar target/cowsim.jar run \\", "    --seed 3", "```", "", "```",
        "outcome: pass", "```", "<!-- illustration: a picture -->", "```", "  +--+", "```", "```hocon", "a = 1", "```");
    List<String> found = DocBlocks.unmarkedOutput("D.md", doc);
    assertEquals(1, found.size(), found.toString());
    assertTrue(found.get(0).startsWith("D.md:8: "), found.get(0));
  }

  @Test
  void theMaskHidesHostTimeOnBothSides() {
    assertEquals("runs: 20 in ~ s", DocBlocks.mask("runs: 20 in 1.7 s"));
    assertEquals("runs: 20 in ~ s", DocBlocks.mask("runs: 20 in ~ s"));
    assertEquals("~ ops/s, ~ ms", DocBlocks.mask("1,255,018 ops/s, 410 ms"));
    assertEquals("report and logs: runs/<out>/first-failure", DocBlocks.mask("report and logs: runs/racy-cow-threads-explore-20261201-1600/first-failure"));
    assertEquals("total cycles 65670", DocBlocks.mask("total cycles 65670"));
  }

  @Test
  void anExcerptMatchesInOrderAndSkipsDots() {
    List<String> out = List.of("a", "b", "c", "d");
    assertEquals(-1, DocBlocks.excerptMiss(List.of("a", "...", "c"), out));
    assertEquals(1, DocBlocks.excerptMiss(List.of("c", "a"), out));
    assertFalse(DocBlocks.excerptMiss(List.of("x"), out) < 0);
  }

  @Test
  void wordsSplitLikeSh() throws IOException {
    assertEquals(List.of("explore", "f.conf", "--expect-violations", ""), DocBlocks.words("explore f.conf --expect-violations ''"));
    assertTrue(DocBlocks.words("mutants scenarios/*.conf").contains("scenarios/fork-cow-basic.conf"));
  }
}
