package cowsim.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import cowsim.check.Violation;
import cowsim.kernel.ProcessInfo;
import cowsim.machine.cpu.CpuActor;
import cowsim.sim.SimResult;
import cowsim.sim.Simulation;
import cowsim.stats.Distribution;
import cowsim.stats.Stat;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;

/** report.json (with report.html and stats.txt beside it) and the console summary of one run. */
public final class RunReport {

  private RunReport() {}

  public static ObjectNode json(SimResult r, Verdict v) {
    ObjectMapper m = new ObjectMapper();
    ObjectNode o = m.createObjectNode();
    o.put("scenario", r.scenario().name());
    o.put("file", r.scenario().origin());
    o.put("seed", r.scenario().seed());
    o.put("mode", r.scenario().mode().toString());
    o.put("replayable", r.traceHash() != null);
    o.put("profile", r.scenario().kernel().profile());
    cowsim.kernel.Mistake mistake = r.scenario().kernel().policy().mistake();
    if (mistake != cowsim.kernel.Mistake.NONE) {
      o.put("mistake", mistake.key); // test equipment switched on (kernel.mistake)
    }
    o.put("cpus", r.scenario().machine().cpus());
    o.put("outcome", v.pass() ? "pass" : "fail");
    o.put("exit_code", v.exitCode());
    o.put("ending", r.ending().name().toLowerCase(Locale.ROOT));
    o.put("ending_detail", r.endDetail());
    o.put("outcome_detail", Verdict.why(r)); // the outcome line's reason: the ending and the kernel's kills
    // false: the run ended in a simulator error (or its machine never stopped), and the counters
    // and violations below are those collected until then
    // and false for a run SIGINT or SIGTERM stopped half-way (ending interrupted)
    boolean interrupted = r.ending() == cowsim.sim.SimResult.Ending.INTERRUPTED;
    o.put("complete", r.complete() && !interrupted);
    if (interrupted) {
      o.put("interrupted", true);
    }
    ArrayNode failures = o.putArray("failures");
    v.failures().forEach(failures::add);
    if (r.traceHash() == null) {
      o.putNull("trace_hash");
    } else {
      o.put("trace_hash", r.traceHash());
    }
    ArrayNode procs = o.putArray("processes");
    for (ProcessInfo p : r.processes()) {
      ObjectNode n = procs.addObject();
      n.put("pid", p.pid());
      n.put("ppid", p.ppid());
      n.put("name", p.name());
      if (p.exitCode() == null) {
        n.putNull("exit_code");
      } else {
        n.put("exit_code", p.exitCode());
      }
      n.put("killed", p.killed());
      if (p.signal() != null) {
        n.put("signal", p.signal()); // the exit code is the shell's 128 + the signal's number
      }
      if (p.killReason() != null) {
        n.put("kill_reason", p.killReason());
      }
      n.put("threads", p.threads());
      n.put("minflt", p.minflt());
      n.put("stdout", p.stdout()); // each byte one char (ISO-8859-1), so binary output survives
      n.put("stderr", p.stderr());
    }
    ArrayNode vs = o.putArray("violations");
    for (Violation x : r.violations()) {
      ObjectNode n = vs.addObject();
      n.put("kind", x.kind().key);
      n.put("cpu", x.cpu());
      n.put("pid", x.pid());
      n.put("tid", x.tid());
      if (x.vaddr() < 0) {
        n.putNull("vaddr");
      } else {
        n.put("vaddr", "0x" + Long.toHexString(x.vaddr()));
      }
      if (x.frame() < 0) {
        n.putNull("frame");
      } else {
        n.put("frame", "0x" + Long.toHexString(x.frame()));
      }
      n.put("cycle", x.cycle());
      n.put("detail", x.detail());
      ArrayNode h = n.putArray("history");
      for (Violation.HistoryEntry e : timeline(x)) {
        ObjectNode he = h.addObject();
        he.put("cycle", e.cycle());
        he.put("cpu", e.cpu());
        he.put("actor", e.actor());
        he.put("what", e.what());
      }
    }
    ObjectNode vc = o.putObject("violation_counts");
    r.violationCounts().forEach(vc::put);
    ArrayNode cpus = o.putArray("cpus_detail");
    for (CpuActor.CpuDetail c : r.cpus()) {
      ObjectNode n = cpus.addObject();
      n.put("cpu", c.cpu());
      n.put("instructions", c.instructions());
      n.put("cycles", c.cycles());
      n.put("tlb_hits", c.tlbHits());
      n.put("tlb_misses", c.tlbMisses());
      n.put("tlb_hit_rate", Math.round(c.tlbHitRate() * 10000) / 10000.0);
      n.put("page_faults", c.pageFaults());
      n.put("cow_faults", c.cowFaults());
      n.put("ipis_sent", c.ipisSent());
      n.put("context_switches", c.contextSwitches());
    }
    ObjectNode stats = o.putObject("stats");
    for (Stat k : Stat.counters()) {
      stats.put(k.key, r.stat(k));
    }
    ObjectNode dists = o.putObject("distributions");
    for (Stat k : Stat.distributions()) {
      Distribution d = r.distribution(k);
      ObjectNode n = dists.putObject(k.key);
      n.put("unit", k.unit);
      n.put("count", d.count());
      n.put("min", d.min());
      for (double p : Distribution.PERCENTILES) {
        n.put("p" + (long) p, d.percentile(p));
      }
      n.put("max", d.max());
      n.put("mean", Math.round(d.mean() * 100) / 100.0);
    }
    if (r.error() != null) {
      o.put("error", String.valueOf(r.error()));
    }
    return o;
  }

  /** {@link #write(Output, SimResult, Verdict, String, String)} without a replay command. */
  public static Path write(Output out, SimResult r, Verdict v, String schedule) throws OutputException {
    return write(out, r, v, schedule, null);
  }

  /**
   * Writes {@code report.json}, {@code report.html} ({@link HtmlReport}) and {@code stats.txt}
   * ({@link StatsText}), each atomically: all three whole, or none of them and an {@link
   * OutputException} naming the first that could not be written.
   *
   * @param schedule how the conductor scheduled the run (deterministic mode), or null
   * @param replay the command that runs it again (report.json's {@code replay}), or null
   * @return the path of report.json
   */
  public static Path write(Output out, SimResult r, Verdict v, String schedule, String replay) throws OutputException {
    ObjectNode o = json(r, v);
    if (schedule != null && r.traceHash() != null) {
      o.put("schedule", schedule);
    }
    if (replay != null) {
      o.put("replay", replay);
    }
    Path json = out.writeJson("report.json", o);
    try {
      out.writeString("report.html", HtmlReport.html(r, v, schedule != null && r.traceHash() != null ? schedule : null, replay));
      out.writeString("stats.txt", StatsText.text(r, v));
    } catch (OutputException e) {
      // the three go together: no report.json beside a missing page
      out.delete("report.json");
      out.delete("report.html");
      throw e;
    }
    return json;
  }

  /**
   * The console's outcome line: pass or fail, how the run ended and whom the kernel killed
   * ({@link Verdict#why}).
   */
  public static String outcomeLine(SimResult r, Verdict v) {
    return "outcome: " + (v.pass() ? "pass" : "fail") + " (" + Verdict.why(r) + ")";
  }

  /** The console summary: per CPU, per process, the totals, the outcome and why. */
  public static void print(PrintStream out, SimResult r, Verdict v) {
    out.printf("scenario %s (%s, seed %d, %d CPUs, profile %s)%n",
        r.scenario().name(), r.scenario().mode(), r.scenario().seed(), r.scenario().machine().cpus(), r.scenario().kernel().profile());
    cowsim.kernel.Mistake mistake = r.scenario().kernel().policy().mistake();
    if (mistake != cowsim.kernel.Mistake.NONE) {
      out.printf("  kernel mistake switched on (test equipment): %s: %s%n", mistake.key, mistake.description);
    }
    int shown = 0;
    out.println("  cpu  instructions      cycles  tlb-hit  faults  cow  ipis  switches");
    for (CpuActor.CpuDetail c : r.cpus()) {
      if (shown++ == 16 && r.cpus().size() > 17) {
        out.printf("  ... %d more CPUs (see report.json)%n", r.cpus().size() - 16);
        break;
      }
      out.printf("  %3d  %12d  %10d  %6.1f%%  %6d  %3d  %4d  %8d%n",
          c.cpu(), c.instructions(), c.cycles(), 100 * c.tlbHitRate(), c.pageFaults(), c.cowFaults(), c.ipisSent(), c.contextSwitches());
    }
    out.println("  pid  ppid  name              exit");
    shown = 0;
    for (ProcessInfo p : r.processes()) {
      if (shown++ == 32 && r.processes().size() > 33) {
        out.printf("  ... %d more processes (see report.json)%n", r.processes().size() - 32);
        break;
      }
      out.printf("  %3d  %4d  %-16s  %s%s%n", p.pid(), p.ppid(), p.name(),
          p.exitCode() == null ? "running" : p.exitCode(), p.killed() ? "  killed: " + p.killReason() + (p.signal() == null ? "" : " (signal: " + p.signal() + ")") : "");
      printOutput(out, "stdout", p.stdout());
      printOutput(out, "stderr", p.stderr());
    }
    out.printf("  cow: %d faults, %d copies, %d reuses; page faults %d (demand-zero %d, spurious %d)%n",
        r.stat(Stat.COW_FAULTS), r.stat(Stat.COW_COPIES), r.stat(Stat.COW_REUSES), r.stat(Stat.PAGE_FAULTS),
        r.stat(Stat.DEMAND_ZERO_FAULTS), r.stat(Stat.SPURIOUS_FAULTS));
    if (r.stat(Stat.HUGE_FAULTS) + r.stat(Stat.HUGE_SPLITS) > 0) { // only runs with 2 MiB pages
      out.printf("  2 MiB pages: %d mapped by faults, %d split%n", r.stat(Stat.HUGE_FAULTS), r.stat(Stat.HUGE_SPLITS));
    }
    out.printf("  tlb: %d hits, %d misses, %d invlpg, %d flushes, %d IPIs (%d shootdowns, %d ack timeouts)%n",
        r.stat(Stat.TLB_HITS), r.stat(Stat.TLB_MISSES), r.stat(Stat.INVLPG), r.stat(Stat.TLB_FLUSHES), r.stat(Stat.IPIS),
        r.stat(Stat.SHOOTDOWNS), r.stat(Stat.ACK_TIMEOUTS));
    out.printf("  frames: %d allocated, %d freed, %d in use of %d; %d messages, %d cycles, %d ms%n",
        r.stat(Stat.FRAMES_ALLOCATED), r.stat(Stat.FRAMES_FREED), r.stat(Stat.FRAMES_IN_USE), r.stat(Stat.FRAMES_TOTAL),
        r.stat(Stat.MESSAGES), r.stat(Stat.CYCLES), r.stat(Stat.HOST_MILLIS));
    out.println("  trace_hash: " + (r.traceHash() != null ? r.traceHash()
        : r.scenario().mode() == cowsim.scenario.Mode.DETERMINISTIC ? "none (the run ended before its trace was complete)" : "none (concurrent mode is not replayable)"));
    printViolations(out, r);
    out.println(outcomeLine(r, v));
    for (String f : v.failures()) {
      out.println("  - " + f);
    }
  }

  /** What a process wrote to fd 1 or 2, one line, escaped, at most 72 bytes shown (nothing when it wrote nothing). */
  static void printOutput(PrintStream out, String fd, String bytes) {
    if (bytes.isEmpty()) {
      return;
    }
    out.printf("       %s: %d bytes \"%s\"%n", fd, bytes.length(), escape(bytes, 72));
  }

  /** Printable ASCII as it is, \n and \t as such, every other byte as \xNN; "..." after max bytes. */
  public static String escape(String bytes, int max) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < bytes.length() && i < max; i++) {
      char c = bytes.charAt(i);
      if (c == '\n') {
        sb.append("\\n");
      } else if (c == '\t') {
        sb.append("\\t");
      } else if (c == '"' || c == '\\') {
        sb.append('\\').append(c);
      } else if (c >= 0x20 && c < 0x7f) {
        sb.append(c);
      } else {
        sb.append(String.format("\\x%02x", (int) c));
      }
    }
    if (bytes.length() > max) {
      sb.append("...");
    }
    return sb.toString();
  }

  /** Each violation with its history as a short timeline. */
  public static void printViolations(PrintStream out, SimResult r) {
    if (r.violations().isEmpty()) {
      out.println("  violations: none");
      return;
    }
    out.println("  violations: " + r.violationCounts());
    java.util.Map<String, Integer> shown = new java.util.HashMap<>();
    for (Violation x : r.violations()) {
      int n = shown.merge(x.kind().key, 1, Integer::sum);
      if (n > 3) {
        if (n == 4) {
          out.printf("  [%s] ... %d more in report.json%n", x.kind(), r.violationCounts().get(x.kind().key) - 3);
        }
        continue;
      }
      out.printf("  [%s] cycle %d%s%s: %s%n", x.kind(), x.cycle(), x.cpu() < 0 ? "" : ", cpu-" + x.cpu(), x.pid() == 0 ? "" : ", pid " + x.pid(), x.detail());
      for (Violation.HistoryEntry e : timeline(x)) {
        out.printf("      %10d  %-10s %s%n", e.cycle(), e.actor(), e.what());
      }
    }
  }

  /**
   * A violation's history in cycle order (stable: entries of one cycle keep the order they were
   * recorded in). The history is gathered per frame and per CPU, so it is not sorted as kept.
   */
  public static java.util.List<Violation.HistoryEntry> timeline(Violation x) {
    return x.history().stream().sorted(java.util.Comparator.comparingLong(Violation.HistoryEntry::cycle)).toList();
  }
}
