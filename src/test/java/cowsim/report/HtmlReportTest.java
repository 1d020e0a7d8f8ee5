package cowsim.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.sim.SimResult;
import cowsim.stats.Stat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** report.html as text: escaped, self-contained, and holding what the page must show. */
class HtmlReportTest {

  private static String page() throws Exception {
    SimResult r = ReportFixture.result();
    return HtmlReport.html(r, Verdict.judge(r), "time order (seeded tie-break)", "java -jar target/cowsim.jar run 'a b.conf' --seed 1 --set \"x=<y>\"");
  }

  private static int count(String text, String what) {
    int n = 0;
    for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) {
      n++;
    }
    return n;
  }

  @Test
  void everyTextFromTheRunIsEscaped() throws Exception {
    String html = page();
    assertFalse(html.contains("<script>alert"), "a detail's markup is text, not markup");
    assertFalse(html.contains("<b>bold"), html);
    assertFalse(html.contains("\u0001"), "no control character (not allowed in HTML)");
    assertTrue(html.contains("stale read &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;quoted&#39; \ufffd&lt;b&gt;bold&lt;/b&gt;"), html);
    assertTrue(html.contains("main&lt;1&gt;"), "process names are escaped");
    assertTrue(html.contains("--set &quot;x=&lt;y&gt;&quot;"), "the replay command is escaped");
    assertEquals(1, count(html, "<script"), "one script: the page's own");
  }

  @Test
  void thePageNeedsNothingButItself() throws Exception {
    String html = page();
    assertFalse(html.contains("http:") || html.contains("https:"), "no network address");
    assertFalse(html.contains(" src=") || html.contains("<link") || html.contains("@import") || html.contains("url("), "nothing loaded from elsewhere");
  }

  @Test
  void theOutcomeTheReplayAndEveryStatWithItsUnitAndDoc() throws Exception {
    String html = page();
    assertTrue(html.contains("<p class=\"verdict\">outcome: fail (every process exited)</p>"), html);
    assertTrue(html.contains("<li>violation stale-tlb (1x): stale read &lt;script&gt;"), "the failures, as the console prints them");
    assertTrue(html.contains("<code id=\"replay-command\">java -jar target/cowsim.jar run &#39;a b.conf&#39; --seed 1"), html);
    for (Stat s : Stat.values()) {
      assertTrue(html.contains("<tr data-stat=\"" + s.key + "\"><td><code>" + s.key + "</code>"), s.key);
      assertTrue(html.contains("<td>" + HtmlReport.esc(s.unit) + "</td><td>" + HtmlReport.esc(s.doc) + "</td></tr>"), s.key + ": its unit and doc");
    }
    assertTrue(html.contains("<tr data-stat=\"shootdown_wait\"><td><code>shootdown_wait</code></td><td class=\"n\">4</td><td class=\"n\">800</td>"), html);
  }

  @Test
  void theProcessTreeNestsChildrenUnderTheirParents() throws Exception {
    String html = page();
    Matcher m = Pattern.compile("(?s)<ul class=\"tree\">\n<li class=\"process\" data-pid=\"1\">.*?<ul>\n<li class=\"process\" data-pid=\"2\">.*?<ul>\n"
        + "<li class=\"process\" data-pid=\"3\">.*?running").matcher(html);
    assertTrue(m.find(), html);
    assertTrue(html.contains("<span class=\"killed\">killed: killed &lt;script&gt;"), html);
  }

  @Test
  void eachTimelineHasALanePerCpuItsHistoryNumberedAndTheOthersInItsWindowGrey() throws Exception {
    String html = page();
    int from = html.indexOf("<svg class=\"timeline\" id=\"v0-timeline\"");
    String svg = html.substring(from, html.indexOf("</svg>", from));
    for (String lane : new String[] {"cpu-0", "cpu-1", "cpu-2", "other"}) {
      assertTrue(svg.contains("\">" + lane + "</text></g>"), lane + " lane: " + svg);
    }
    assertEquals(3, count(svg, "<g class=\"h\" id=\"v0-"), "the three history entries, highlighted");
    assertEquals(2, count(svg, "<circle class=\"o\""), "the other violation's history entry and its finding, in grey");
    assertEquals(1, count(svg, "<line class=\"v\""), "the violation itself");
    assertEquals(3, count(html, "<tr class=\"h\" data-mark=\"v0-"), "a history row for each mark");
  }

  @Test
  void aRunWithoutViolationsSaysSo() throws Exception {
    SimResult f = ReportFixture.result();
    SimResult r = new SimResult(f.scenario(), f.ending(), f.endDetail(), f.traceHash(), f.stats(), f.processes(), f.cpus(), f.liveTasks(),
        f.assertionFailures(), java.util.List.of(), java.util.Map.of(), null, true, java.time.Duration.ZERO);
    String html = HtmlReport.html(r, Verdict.judge(r), null, null);
    assertTrue(html.contains("<section id=\"violations\">\n<h2>Violations</h2>\n<p class=\"none\">none</p>"), html);
    assertTrue(html.contains("No replay command was recorded"), html);
    assertFalse(html.contains("<svg"), html);
  }
}
