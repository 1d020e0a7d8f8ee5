package cowsim.report;

import cowsim.check.Violation;
import cowsim.kernel.ProcessInfo;
import cowsim.machine.cpu.CpuActor;
import cowsim.sim.SimResult;
import cowsim.stats.Distribution;
import cowsim.stats.Stat;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@code report.html}: one run's report as a page that needs nothing but itself (inline CSS and
 * SVG, a few lines of script, no network): the outcome and why, each violation with a per-CPU
 * timeline of its history, the process tree, the CPUs, every stat of the registry with its unit
 * and description, and the replay command. Built from what report.json is built from.
 *
 * <p>Every text from the run (violation details, process names, their output) is escaped for
 * HTML. The script links the timeline's marks to the history rows and, as its last act, adds the
 * element {@code #script-done}: a page without it did not run its script to the end.
 */
public final class HtmlReport {

  /** Timelines drawn open; the others of the same kind are folded (report.json lists up to 32). */
  static final int OPEN_PER_KIND = 3;

  /** Above this many CPUs a timeline shows only the lanes of the CPUs its window touches. */
  static final int ALL_LANES_UP_TO = 16;

  /** The shortest window a timeline shows, in cycles. */
  static final long MIN_WINDOW = 2000;

  private static final int WIDTH = 960;
  private static final int LABEL = 80;
  private static final int LANE = 36;
  private static final int TOP = 22;

  private HtmlReport() {}

  /**
   * The page.
   *
   * @param schedule the conductor's schedule (deterministic mode), or null
   * @param replay the command that runs it again, or null
   */
  public static String html(SimResult r, Verdict v, String schedule, String replay) {
    StringBuilder b = new StringBuilder(16_384);
    String name = r.scenario().name();
    b.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
    b.append("<title>cowsim: ").append(esc(name)).append(" \u2014 ").append(v.pass() ? "pass" : "fail").append("</title>\n");
    b.append("<style>\n").append(CSS).append("</style>\n</head>\n<body>\n");
    header(b, r, schedule);
    outcome(b, r, v);
    replay(b, r, replay);
    violations(b, r);
    processes(b, r);
    cpus(b, r);
    stats(b, r);
    b.append("<script>\n").append(SCRIPT).append("</script>\n</body>\n</html>\n");
    return b.toString();
  }

  private static void header(StringBuilder b, SimResult r, String schedule) {
    var s = r.scenario();
    b.append("<header>\n<h1>cowsim run: <span id=\"scenario\">").append(esc(s.name())).append("</span></h1>\n<p class=\"meta\">");
    b.append(esc(s.origin())).append(" &middot; seed ").append(s.seed()).append(" &middot; ").append(esc(s.mode().toString()));
    b.append(" &middot; ").append(s.machine().cpus()).append(" CPUs &middot; profile ").append(esc(s.kernel().profile()));
    cowsim.kernel.Mistake m = s.kernel().policy().mistake();
    if (m != cowsim.kernel.Mistake.NONE) {
      b.append(" &middot; <strong>kernel mistake switched on (test equipment): ").append(esc(m.key)).append("</strong>");
    }
    if (schedule != null) {
      b.append(" &middot; schedule ").append(esc(schedule));
    }
    b.append("</p>\n<p class=\"meta\">trace_hash <code>").append(r.traceHash() == null ? "none (concurrent mode is not replayable)" : esc(r.traceHash()));
    b.append("</code></p>\n</header>\n");
  }

  private static void outcome(StringBuilder b, SimResult r, Verdict v) {
    b.append("<section id=\"outcome\" class=\"").append(v.pass() ? "pass" : "fail").append("\">\n<h2>Outcome</h2>\n");
    b.append("<p class=\"verdict\">").append(esc(RunReport.outcomeLine(r, v))).append("</p>\n");
    b.append("<p>exit code ").append(v.exitCode()).append(" &middot; ending ").append(esc(r.ending().name().toLowerCase(Locale.ROOT)));
    if (!r.complete()) {
      b.append(" &middot; <strong>incomplete</strong>: the stats, processes and violations are those collected until the run ended");
    }
    b.append("</p>\n");
    if (!v.failures().isEmpty()) {
      b.append("<ul class=\"failures\">\n");
      for (String f : v.failures()) {
        b.append("<li>").append(esc(f)).append("</li>\n");
      }
      b.append("</ul>\n");
    }
    if (r.error() != null) {
      b.append("<p class=\"error\">simulator error: <code>").append(esc(String.valueOf(r.error()))).append("</code> (stack trace in error.txt)</p>\n");
    }
    b.append("</section>\n");
  }

  private static void replay(StringBuilder b, SimResult r, String replay) {
    b.append("<section id=\"replay\">\n<h2>Replay</h2>\n");
    if (replay == null) {
      b.append("<p>No replay command was recorded for this run.</p>\n");
    } else {
      b.append("<pre><code id=\"replay-command\">").append(esc(replay)).append("</code></pre>\n");
      b.append(r.traceHash() != null
          ? "<p>Deterministic: the same scenario, seed and build give the same run (the same trace_hash).</p>\n"
          : "<p>Concurrent mode is not replayable: the command runs the same scenario again, under another interleaving.</p>\n");
    }
    b.append("</section>\n");
  }

  // ---- violations and their timelines ----

  private static void violations(StringBuilder b, SimResult r) {
    b.append("<section id=\"violations\">\n<h2>Violations</h2>\n");
    if (r.violations().isEmpty()) {
      b.append("<p class=\"none\">none</p>\n");
      if (!r.assertionFailures().isEmpty()) {
        assertions(b, r);
      }
      b.append("</section>\n");
      return;
    }
    b.append("<p>Found: ");
    List<String> counts = new ArrayList<>();
    r.violationCounts().forEach((k, n) -> counts.add(esc(k) + " &times; " + n));
    b.append(String.join(", ", counts)).append(". Each timeline spans the violation's history; its own events are the numbered marks, the other"
        + " violations' events in the same window are grey, and the red line is the violation.</p>\n");
    Map<String, Integer> shown = new HashMap<>();
    int index = 0;
    for (Violation x : r.violations()) {
      int n = shown.merge(x.kind().key, 1, Integer::sum);
      violation(b, r, x, index++, n <= OPEN_PER_KIND);
    }
    if (!r.assertionFailures().isEmpty()) {
      assertions(b, r);
    }
    b.append("</section>\n");
  }

  private static void assertions(StringBuilder b, SimResult r) {
    b.append("<h3>Failed asserts</h3>\n<ul class=\"asserts\">\n");
    for (String a : r.assertionFailures()) {
      b.append("<li>").append(esc(a)).append("</li>\n");
    }
    b.append("</ul>\n");
  }

  private static void violation(StringBuilder b, SimResult r, Violation x, int index, boolean open) {
    String id = "v" + index;
    b.append("<details class=\"violation\" id=\"").append(id).append("\" data-kind=\"").append(esc(x.kind().key)).append('"').append(open ? " open" : "")
        .append(">\n<summary><span class=\"kind\">[").append(esc(x.kind().key)).append("]</span> cycle ").append(x.cycle());
    if (x.cpu() >= 0) {
      b.append(", cpu-").append(x.cpu());
    }
    if (x.pid() != 0) {
      b.append(", pid ").append(x.pid());
    }
    if (x.tid() != 0) {
      b.append(", tid ").append(x.tid());
    }
    if (x.vaddr() >= 0) {
      b.append(", vaddr 0x").append(Long.toHexString(x.vaddr()));
    }
    if (x.frame() >= 0) {
      b.append(", frame 0x").append(Long.toHexString(x.frame()));
    }
    b.append("</summary>\n<p class=\"detail\">").append(esc(x.detail())).append("</p>\n");
    timeline(b, r, x, id);
    if (!x.history().isEmpty()) {
      b.append("<table class=\"history\">\n<thead><tr><th>#</th><th>cycle</th><th>cpu</th><th>actor</th><th>what</th></tr></thead>\n<tbody>\n");
      int i = 0;
      for (Violation.HistoryEntry e : x.history()) {
        i++;
        b.append("<tr class=\"h\" data-mark=\"").append(id).append('-').append(i).append("\"><td>").append(i).append("</td><td>").append(e.cycle())
            .append("</td><td>").append(e.cpu() < 0 ? "" : "cpu-" + e.cpu()).append("</td><td>").append(esc(e.actor())).append("</td><td>")
            .append(esc(e.what())).append("</td></tr>\n");
      }
      b.append("</tbody>\n</table>\n");
    }
    b.append("</details>\n");
  }

  /** A mark on a timeline: when, on which lane, what, and whose. */
  private record Mark(long cycle, int cpu, String actor, String what, boolean own, int number) {}

  /**
   * The violation's window, one lane per CPU: its history entries as numbered marks, the other
   * violations' entries and findings that fall in the window as grey marks, and the violation
   * itself as a red line on its CPU's lane. Entries of no CPU go on a lane of their own.
   */
  static void timeline(StringBuilder b, SimResult r, Violation x, String id) {
    long from = x.cycle();
    long to = x.cycle();
    for (Violation.HistoryEntry e : x.history()) {
      from = Math.min(from, e.cycle());
      to = Math.max(to, e.cycle());
    }
    long span = to - from;
    long pad = Math.max(10, span / 20);
    // a short history (or none) still shows what happened just before: at least MIN_WINDOW cycles
    long before = Math.max(pad, MIN_WINDOW - span - pad);
    long t0 = Math.max(0, from - before);
    long t1 = to + pad;
    List<Mark> marks = new ArrayList<>();
    int i = 0;
    for (Violation.HistoryEntry e : x.history()) {
      marks.add(new Mark(e.cycle(), e.cpu(), e.actor(), e.what(), true, ++i));
    }
    for (Violation o : r.violations()) {
      if (o == x) {
        continue;
      }
      for (Violation.HistoryEntry e : o.history()) {
        if (e.cycle() >= t0 && e.cycle() <= t1 && !x.history().contains(e)) {
          marks.add(new Mark(e.cycle(), e.cpu(), e.actor(), e.what() + " (history of " + o.kind().key + " at cycle " + o.cycle() + ")", false, 0));
        }
      }
      if (o.cycle() >= t0 && o.cycle() <= t1) {
        marks.add(new Mark(o.cycle(), o.cpu(), "oracle", o.kind().key + ": " + o.detail(), false, 0));
      }
    }
    // lanes: every CPU of a small machine, else those the window touches; -1 (no CPU) last
    TreeSet<Integer> lanes = new TreeSet<>();
    int cpus = r.scenario().machine().cpus();
    if (cpus <= ALL_LANES_UP_TO) {
      for (int c = 0; c < cpus; c++) {
        lanes.add(c);
      }
    }
    boolean noCpu = x.cpu() < 0;
    if (x.cpu() >= 0) {
      lanes.add(x.cpu());
    }
    for (Mark m : marks) {
      if (m.cpu() >= 0) {
        lanes.add(m.cpu());
      } else {
        noCpu = true;
      }
    }
    Map<Integer, Integer> row = new LinkedHashMap<>();
    for (int c : lanes) {
      row.put(c, row.size());
    }
    int otherRow = row.size();
    int rows = row.size() + (noCpu ? 1 : 0);
    int height = TOP + rows * LANE + 24;
    double scale = (double) (WIDTH - LABEL - 20) / Math.max(1, t1 - t0);
    b.append("<svg class=\"timeline\" id=\"").append(id).append("-timeline\" viewBox=\"0 0 ").append(WIDTH).append(' ').append(height)
        .append("\" width=\"100%\" role=\"img\" aria-label=\"per-CPU timeline of cycles ").append(t0).append(" to ").append(t1).append("\">\n");
    for (Map.Entry<Integer, Integer> e : row.entrySet()) {
      lane(b, "cpu-" + e.getKey(), e.getValue(), e.getKey() == x.cpu());
    }
    if (noCpu) {
      lane(b, "other", otherRow, x.cpu() < 0);
    }
    // the time axis: five ticks
    int axisY = TOP + rows * LANE + 4;
    b.append("<line class=\"axis\" x1=\"").append(LABEL).append("\" y1=\"").append(axisY).append("\" x2=\"").append(WIDTH - 10).append("\" y2=\"")
        .append(axisY).append("\"/>\n");
    for (int k = 0; k <= 4; k++) {
      long t = t0 + (t1 - t0) * k / 4;
      double xx = LABEL + (t - t0) * scale;
      b.append("<text class=\"tick\" x=\"").append(fmt(xx)).append("\" y=\"").append(axisY + 14).append("\">").append(t).append("</text>\n");
    }
    b.append("<text class=\"tick unit\" x=\"").append(WIDTH - 10).append("\" y=\"").append(TOP - 8).append("\">cycles</text>\n");
    // the violation
    int vRow = x.cpu() >= 0 ? row.get(x.cpu()) : otherRow;
    double vx = LABEL + (x.cycle() - t0) * scale;
    b.append("<line class=\"v\" x1=\"").append(fmt(vx)).append("\" y1=\"").append(TOP + vRow * LANE + 2).append("\" x2=\"").append(fmt(vx))
        .append("\" y2=\"").append(TOP + vRow * LANE + LANE - 2).append("\"><title>").append(esc("cycle " + x.cycle() + ": " + x.kind().key + ": " + x.detail()))
        .append("</title></line>\n");
    // grey marks first, so the violation's own are drawn on top; own marks come in cycle order
    Map<Integer, double[]> labelEnds = new HashMap<>();
    for (Mark m : marks) {
      if (!m.own()) {
        mark(b, m, t0, scale, m.cpu() >= 0 ? row.get(m.cpu()) : otherRow, id, labelEnds);
      }
    }
    for (Mark m : marks) {
      if (m.own()) {
        mark(b, m, t0, scale, m.cpu() >= 0 ? row.get(m.cpu()) : otherRow, id, labelEnds);
      }
    }
    b.append("</svg>\n");
  }

  private static void lane(StringBuilder b, String label, int row, boolean violating) {
    int y = TOP + row * LANE;
    b.append("<g class=\"lane").append(violating ? " violating" : "").append("\"><rect x=\"").append(LABEL).append("\" y=\"").append(y + 3)
        .append("\" width=\"").append(WIDTH - LABEL - 10).append("\" height=\"").append(LANE - 6).append("\"/><text x=\"4\" y=\"").append(y + LANE / 2 + 4)
        .append("\">").append(esc(label)).append("</text></g>\n");
  }

  private static void mark(StringBuilder b, Mark m, long t0, double scale, int row, String id, Map<Integer, double[]> labelEnds) {
    double xx = LABEL + (m.cycle() - t0) * scale;
    int y = TOP + row * LANE + LANE / 2;
    String title = "cycle " + m.cycle() + " \u00b7 " + m.actor() + " \u00b7 " + m.what();
    if (!m.own()) {
      b.append("<circle class=\"o\" cx=\"").append(fmt(xx)).append("\" cy=\"").append(y).append("\" r=\"3\"><title>").append(esc(title)).append("</title></circle>\n");
      return;
    }
    // a number goes above its mark, or below when the one above would overlap the previous
    // number on this lane, or further right of both when neither fits
    double[] ends = labelEnds.computeIfAbsent(row, k -> new double[] {-1, -1});
    double lx = xx + 4;
    double w = 7 * String.valueOf(m.number()).length() + 3;
    int level = ends[0] <= lx ? 0 : ends[1] <= lx ? 1 : (ends[0] <= ends[1] ? 0 : 1);
    lx = Math.max(lx, ends[level]);
    ends[level] = lx + w;
    double ly = level == 0 ? y - 7 : y + 15;
    b.append("<g class=\"h\" id=\"").append(id).append('-').append(m.number()).append("\"><circle cx=\"").append(fmt(xx)).append("\" cy=\"").append(y)
        .append("\" r=\"5\"/><text x=\"").append(fmt(lx)).append("\" y=\"").append(fmt(ly)).append("\">").append(m.number())
        .append("</text><title>").append(esc("#" + m.number() + " " + title)).append("</title></g>\n");
  }

  // ---- processes, CPUs, stats ----

  private static void processes(StringBuilder b, SimResult r) {
    b.append("<section id=\"processes\">\n<h2>Processes</h2>\n");
    if (r.processes().isEmpty()) {
      b.append("<p class=\"none\">none reported</p>\n</section>\n");
      return;
    }
    Map<Long, List<ProcessInfo>> children = new LinkedHashMap<>();
    java.util.Set<Long> pids = new java.util.HashSet<>();
    for (ProcessInfo p : r.processes()) {
      pids.add(p.pid());
    }
    List<ProcessInfo> roots = new ArrayList<>();
    for (ProcessInfo p : r.processes()) {
      if (p.ppid() != p.pid() && pids.contains(p.ppid())) {
        children.computeIfAbsent(p.ppid(), k -> new ArrayList<>()).add(p);
      } else {
        roots.add(p);
      }
    }
    b.append("<ul class=\"tree\">\n");
    for (ProcessInfo p : roots) {
      process(b, p, children, 0);
    }
    b.append("</ul>\n</section>\n");
  }

  private static void process(StringBuilder b, ProcessInfo p, Map<Long, List<ProcessInfo>> children, int depth) {
    b.append("<li class=\"process\" data-pid=\"").append(p.pid()).append("\"><span class=\"pid\">pid ").append(p.pid()).append("</span> <span class=\"name\">")
        .append(esc(p.name())).append("</span> <span class=\"ppid\">ppid ").append(p.ppid()).append("</span> <span class=\"exit\">");
    b.append(p.exitCode() == null ? "running" : "exit " + p.exitCode()).append("</span>");
    if (p.killed()) {
      b.append(" <span class=\"killed\">killed: ").append(esc(String.valueOf(p.killReason()))).append("</span>");
    }
    b.append(" <span class=\"small\">").append(p.threads()).append(p.threads() == 1 ? " thread" : " threads").append(", minflt ").append(p.minflt())
        .append("</span>");
    output(b, "stdout", p.stdout());
    output(b, "stderr", p.stderr());
    List<ProcessInfo> kids = children.getOrDefault(p.pid(), List.of());
    if (!kids.isEmpty() && depth < 64) {
      b.append("\n<ul>\n");
      for (ProcessInfo c : kids) {
        process(b, c, children, depth + 1);
      }
      b.append("</ul>");
    }
    b.append("</li>\n");
  }

  private static void output(StringBuilder b, String fd, String bytes) {
    if (bytes.isEmpty()) {
      return;
    }
    b.append("<details class=\"output\"><summary>").append(fd).append(": ").append(bytes.length()).append(" bytes</summary><pre>")
        .append(esc(RunReport.escape(bytes, 4096))).append("</pre></details>");
  }

  private static void cpus(StringBuilder b, SimResult r) {
    b.append("<section id=\"cpus\">\n<h2>CPUs</h2>\n");
    b.append("<table class=\"num\">\n<thead><tr><th>cpu</th><th>instructions</th><th>cycles</th><th>TLB hit rate</th><th>page faults</th><th>COW faults</th>"
        + "<th>IPIs sent</th><th>context switches</th></tr></thead>\n<tbody>\n");
    for (CpuActor.CpuDetail c : r.cpus()) {
      b.append("<tr><td>cpu-").append(c.cpu()).append("</td><td>").append(c.instructions()).append("</td><td>").append(c.cycles()).append("</td><td>")
          .append(String.format(Locale.ROOT, "%.1f%%", 100 * c.tlbHitRate())).append("</td><td>").append(c.pageFaults()).append("</td><td>")
          .append(c.cowFaults()).append("</td><td>").append(c.ipisSent()).append("</td><td>").append(c.contextSwitches()).append("</td></tr>\n");
    }
    b.append("</tbody>\n</table>\n</section>\n");
  }

  private static void stats(StringBuilder b, SimResult r) {
    b.append("<section id=\"stats\">\n<h2>Stats</h2>\n<p>Every stat of the registry (<code>cowsim.stats.Stat</code>), as in report.json and stats.txt.</p>\n");
    b.append("<table class=\"stats\">\n<thead><tr><th>stat</th><th>value</th><th>unit</th><th>what it counts</th></tr></thead>\n<tbody>\n");
    for (Stat s : Stat.counters()) {
      b.append("<tr data-stat=\"").append(s.key).append("\"><td><code>").append(s.key).append("</code></td><td class=\"n\">").append(r.stat(s))
          .append("</td><td>").append(esc(s.unit)).append("</td><td>").append(esc(s.doc)).append("</td></tr>\n");
    }
    b.append("</tbody>\n</table>\n<h3>Distributions</h3>\n");
    b.append("<table class=\"stats dist\">\n<thead><tr><th>stat</th><th>samples</th><th>min</th>");
    for (double p : Distribution.PERCENTILES) {
      b.append("<th>p").append((long) p).append("</th>");
    }
    b.append("<th>max</th><th>mean</th><th>unit</th><th>what it samples</th></tr></thead>\n<tbody>\n");
    for (Stat s : Stat.distributions()) {
      Distribution d = r.distribution(s);
      b.append("<tr data-stat=\"").append(s.key).append("\"><td><code>").append(s.key).append("</code></td><td class=\"n\">").append(d.count())
          .append("</td><td class=\"n\">").append(d.min()).append("</td>");
      for (double p : Distribution.PERCENTILES) {
        b.append("<td class=\"n\">").append(d.percentile(p)).append("</td>");
      }
      b.append("<td class=\"n\">").append(d.max()).append("</td><td class=\"n\">").append(String.format(Locale.ROOT, "%.1f", d.mean())).append("</td><td>")
          .append(esc(s.unit)).append("</td><td>").append(esc(s.doc)).append("</td></tr>\n");
    }
    b.append("</tbody>\n</table>\n</section>\n");
  }

  // ---- text ----

  /**
   * Text for an HTML element or a quoted attribute: {@code & < > " '} as entities, and a control
   * character (not allowed in HTML) as U+FFFD.
   */
  public static String esc(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '&' -> b.append("&amp;");
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> {
          if ((c < 0x20 && c != '\n' && c != '\t') || (c >= 0x7f && c < 0xa0)) {
            b.append('\ufffd');
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.toString();
  }

  private static String fmt(double d) {
    return String.format(Locale.ROOT, "%.1f", d);
  }

  private static final String CSS =
      """
      body { font: 14px/1.45 system-ui, sans-serif; margin: 1.5em auto; max-width: 1100px; padding: 0 1em; color: #1d2126; }
      h1 { font-size: 1.4em; margin-bottom: .2em; } h2 { font-size: 1.15em; border-bottom: 1px solid #d6dae0; padding-bottom: .2em; margin-top: 1.6em; }
      h3 { font-size: 1em; } .meta { color: #56606b; margin: .2em 0; } code, pre { font-family: ui-monospace, monospace; font-size: 13px; }
      pre { background: #f4f6f8; padding: .6em .8em; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
      #outcome { padding: .2em 1em .6em; border-left: 6px solid; } #outcome.pass { border-color: #2f9e44; background: #f1faf3; }
      #outcome.fail { border-color: #d6336c; background: #fdf2f6; } .verdict { font-weight: 600; font-family: ui-monospace, monospace; }
      table { border-collapse: collapse; margin: .5em 0; } th, td { border-bottom: 1px solid #e3e6ea; padding: 2px 8px; text-align: left; vertical-align: top; }
      th { background: #f4f6f8; } td.n, table.num td { text-align: right; font-variant-numeric: tabular-nums; } table.num td:first-child { text-align: left; }
      details.violation { border: 1px solid #e3e6ea; border-radius: 4px; margin: .8em 0; padding: .3em .8em; }
      details.violation > summary { cursor: pointer; font-weight: 600; } .kind { color: #c92a2a; } .detail { font-family: ui-monospace, monospace; }
      svg.timeline { display: block; max-width: 100%; margin: .4em 0; font: 11px ui-monospace, monospace; }
      .lane rect { fill: #f6f7f9; stroke: #e3e6ea; } .lane.violating rect { fill: #fff4e6; } .lane text { fill: #3b4450; }
      .axis { stroke: #8a94a0; } .tick { fill: #56606b; text-anchor: middle; } .tick.unit { text-anchor: end; }
      circle.o { fill: #adb5bd; } g.h circle { fill: #f08c00; stroke: #7a4500; } g.h text { fill: #7a4500; font-weight: 700; }
      line.v { stroke: #e03131; stroke-width: 3; } g.h.hover circle, g.h.pinned circle { fill: #1971c2; stroke: #0b3d6e; }
      tr.h.hover, tr.h.pinned { background: #e7f1fb; } tr.h { cursor: pointer; }
      ul.tree, ul.tree ul { list-style: none; padding-left: 1.4em; border-left: 1px dotted #b8bfc7; } ul.tree { border-left: none; padding-left: 0; }
      .pid { font-weight: 600; } .killed { color: #c92a2a; } .small, .ppid { color: #56606b; } .none { color: #56606b; }
      .error { color: #c92a2a; }
      """;

  /** Links each history row to its mark (hover and click), then leaves {@code #script-done} as proof it ran. */
  private static final String SCRIPT =
      """
      (function () {
        'use strict';
        var rows = document.querySelectorAll('tr.h[data-mark]');
        var linked = 0;
        rows.forEach(function (row) {
          var mark = document.getElementById(row.getAttribute('data-mark'));
          if (!mark) { return; }
          linked++;
          var on = function () { row.classList.add('hover'); mark.classList.add('hover'); };
          var off = function () { row.classList.remove('hover'); mark.classList.remove('hover'); };
          row.addEventListener('mouseenter', on); row.addEventListener('mouseleave', off);
          mark.addEventListener('mouseenter', on); mark.addEventListener('mouseleave', off);
          row.addEventListener('click', function () { row.classList.toggle('pinned'); mark.classList.toggle('pinned'); });
        });
        var done = document.createElement('p');
        done.id = 'script-done';
        done.hidden = true;
        done.setAttribute('data-linked', String(linked));
        done.setAttribute('data-marks', String(document.querySelectorAll('svg.timeline g.h').length));
        document.body.appendChild(done);
      })();
      """;
}
