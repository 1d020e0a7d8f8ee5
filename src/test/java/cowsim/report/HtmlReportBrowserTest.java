package cowsim.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import cowsim.scenario.ScenarioLoader;
import cowsim.sim.SimResult;
import cowsim.sim.Simulation;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * report.html in a real browser: headless Chromium loads the page from disk, and the test reads
 * the DOM it rendered ({@code --dump-dom}) and takes a screenshot. Chromium is required: CI
 * ({@code .ci/run}) installs it; on a machine without it the test fails and says how to install it.
 */
class HtmlReportBrowserTest {

  private static final long TIMEOUT_SECONDS = 60;

  @TempDir Path tmp;

  /** The browser on PATH (Debian's package {@code chromium}), or a failure saying how to get it. */
  private static String chromium() {
    for (String name : List.of("chromium", "chromium-browser")) {
      for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
        Path p = Path.of(dir, name);
        if (Files.isExecutable(p)) {
          return p.toString();
        }
      }
    }
    fail("chromium is not installed: this test renders report.html in headless Chromium. Install it with"
        + " `apt-get install -y chromium` (Debian package chromium; .ci/run installs it when missing).");
    return null;
  }

  /** Chromium's result: what it printed on stdout (the DOM) and its log. */
  private record Browser(String stdout, String log) {}

  private Browser browse(Path page, String... mode) throws Exception {
    Path profile = Files.createTempDirectory(tmp, "profile");
    Path stdout = tmp.resolve("chromium-" + System.nanoTime() + ".out");
    Path log = tmp.resolve("chromium-" + System.nanoTime() + ".log");
    List<String> cmd = new ArrayList<>(List.of(chromium(), "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run",
        "--user-data-dir=" + profile, "--enable-logging=stderr", "--v=0", "--window-size=1200,1600"));
    cmd.addAll(List.of(mode));
    cmd.add(page.toUri().toString());
    Process p = new ProcessBuilder(cmd).redirectOutput(stdout.toFile()).redirectError(log.toFile()).start();
    if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      fail("chromium did not finish within " + TIMEOUT_SECONDS + " s (killed): " + String.join(" ", cmd));
    }
    String err = Files.readString(log, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), "chromium failed: " + err);
    return new Browser(Files.readString(stdout, StandardCharsets.UTF_8), err);
  }

  /** What the page's console printed: errors of its script would be here. */
  private static List<String> consoleLines(String log) {
    return log.lines().filter(l -> l.contains(":CONSOLE(") || l.contains("Uncaught")).toList();
  }

  private static int count(String text, String what) {
    int n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }

  @Test
  void aBugLibraryRunRendersItsViolationTimelineAndStats() throws Exception {
    SimResult r = new Simulation().run(ScenarioLoader.load(Path.of("scenarios/bugs/stale-tlb-after-cow-copy.conf"), List.of()), null);
    Verdict v = Verdict.judge(r);
    Output out = Output.prepare(tmp.resolve("run"));
    RunReport.write(out, r, v, "time order (seeded tie-break)", "java -jar target/cowsim.jar run scenarios/bugs/stale-tlb-after-cow-copy.conf --seed 1");
    Path page = out.resolve("report.html");

    Browser b = browse(page, "--dump-dom");
    String dom = b.stdout();
    assertTrue(consoleLines(b.log()).isEmpty(), "the page printed on its console: " + consoleLines(b.log()));
    // the script ran to its end: its marker, with the marks it linked to history rows
    Matcher done = Pattern.compile("<p id=\"script-done\" hidden=\"\" data-linked=\"(\\d+)\" data-marks=\"(\\d+)\"></p>").matcher(dom);
    assertTrue(done.find(), "no #script-done: the page's script did not run to the end:\n" + dom);
    int history = r.violations().stream().mapToInt(x -> x.history().size()).sum();
    assertTrue(history > 0);
    assertEquals(history, Integer.parseInt(done.group(1)), "every history row linked to its mark");
    assertEquals(history, Integer.parseInt(done.group(2)), "every history entry drawn on a timeline");

    assertTrue(dom.contains("<p class=\"verdict\">" + HtmlReport.esc(RunReport.outcomeLine(r, v)) + "</p>"), "the outcome line");
    cowsim.check.Violation stale = r.violations().stream().filter(x -> x.kind().key.equals("stale-tlb")).findFirst().orElseThrow();
    assertTrue(dom.contains(HtmlReport.esc(stale.detail()).replace("&#39;", "'")), "the violation's detail, rendered:\n" + dom);
    assertTrue(dom.contains("<svg class=\"timeline\" id=\"v0-timeline\""), "its timeline");
    for (int cpu = 0; cpu < r.scenario().machine().cpus(); cpu++) {
      assertTrue(dom.contains(">cpu-" + cpu + "</text></g>"), "a lane for cpu-" + cpu);
    }
    assertTrue(dom.contains("<tr data-stat=\"cow_copies\"><td><code>cow_copies</code></td><td class=\"n\">1</td>"), "the stats");
    assertTrue(dom.contains("<tr data-stat=\"fault_latency\">"), "the distributions");
    assertTrue(dom.contains("java -jar target/cowsim.jar run scenarios/bugs/stale-tlb-after-cow-copy.conf --seed 1"), "the replay command");

    Path shot = tmp.resolve("report.png");
    browse(page, "--screenshot=" + shot);
    byte[] png = Files.readAllBytes(shot);
    assertTrue(png.length > 10_000, "a screenshot with something on it: " + png.length + " bytes");
    assertEquals((byte) 0x89, png[0]);
    assertEquals('P', png[1]);
  }

  @Test
  void markupInARunsTextStaysTextInTheBrowser() throws Exception {
    SimResult r = ReportFixture.result();
    Path page = Output.prepare(tmp.resolve("fixture")).writeString("report.html", HtmlReport.html(r, Verdict.judge(r), null, "cowsim run <x>"));
    Browser b = browse(page, "--dump-dom");
    String dom = b.stdout();
    assertTrue(dom.contains("id=\"script-done\""), "the script ran to the end:\n" + dom);
    assertTrue(consoleLines(b.log()).isEmpty(), "the page printed on its console: " + consoleLines(b.log()));
    assertEquals(1, count(dom, "<script"), "no script but the page's own");
    assertFalse(dom.contains("<b>"), "no element from a violation's detail");
    assertTrue(dom.contains("stale read &lt;script&gt;alert(\"x\")&lt;/script&gt; &amp; 'quoted'"), dom);
  }
}
