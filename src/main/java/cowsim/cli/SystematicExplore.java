package cowsim.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import cowsim.explore.Explorer;
import cowsim.explore.RunOutcome;
import cowsim.explore.ScheduleSpec;
import cowsim.explore.systematic.Reduction;
import cowsim.explore.systematic.SystematicSearch;
import cowsim.report.Output;
import cowsim.report.OutputException;
import cowsim.report.RunReport;
import cowsim.scenario.Scenario;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code explore --strategy systematic}: the search, its summary (schedules run and pruned, the
 * bound reached, complete or cut) and, for a failure, its schedule file and replay command.
 * Kept apart from {@link ExploreCommand}'s sampling path.
 */
final class SystematicExplore {

  private SystematicExplore() {}

  static int run(PrintStream o, ExploreCommand cmd, Scenario s, ScheduleSpec spec, Reduction reduction, int jobs, long maxRuns, Long durationSeconds,
      Explorer explorer, Output output) throws OutputException {
    o.printf("exploring %s systematically: every schedule with at most %d preemptions, K = 0..%d in turn; window %d cycles; reduction %s;"
        + " seed %d; %d jobs%s%s%n", s.name(), spec.depth(), spec.depth(), spec.window(), reduction.flag(), s.seed(), jobs, maxRuns == Long.MAX_VALUE ? "" : "; at most " + maxRuns + " schedules",
        durationSeconds == null ? "" : ", at most " + durationSeconds + " s");
    long started = System.nanoTime();
    long deadline = durationSeconds == null ? Long.MAX_VALUE : started + durationSeconds * 1_000_000_000L;
    SystematicSearch.Result r = new SystematicSearch(explorer, s, spec, reduction, jobs, maxRuns, deadline, cmd.untilFirst, x -> {}, line -> o.println("  " + line))
        .run();
    long millis = (System.nanoTime() - started) / 1_000_000;
    Map<String, Integer> byKind = new TreeMap<>();
    for (RunOutcome f : r.failures()) {
      for (String k : f.kinds()) {
        byKind.merge(k, 1, Integer::sum);
      }
    }
    o.printf("schedules run: %d, pruned as equivalent: %d, alternatives beyond the bound: %d, in %.1f s%n",
        r.schedules(), r.pruned(), r.beyondBound(), millis / 1000.0);
    if (jobs > 1) {
      o.printf("  %d jobs: %d runs started ahead and dropped (covered by their turn, or after the stop), not counted above%n", jobs, r.discarded());
    }
    if (r.forgotten() > 0) {
      o.printf("  the reduction's table was full (systematic-table-slots): %d covered prefixes forgotten, so fewer were pruned than could be%n",
          r.forgotten());
    }
    for (SystematicSearch.Level l : r.levels()) {
      o.printf("  K = %d: %d schedules, %d pruned%s%n", l.bound(), l.schedules(), l.pruned(), l.complete() ? "" : " (cut)");
    }
    String verdict;
    if (r.exhausted()) {
      verdict = String.format("complete for K = %d: %d schedules, %d violations", spec.depth(), r.schedules(), r.failures().size());
    } else {
      verdict = String.format("cut by %s: %s; %d schedules, %d failing", r.cutBy(),
          r.completeFor() < 0 ? "not complete even for K = 0" : "complete for K = " + r.completeFor() + " only", r.schedules(), r.failures().size());
    }
    o.println(verdict);
    o.println("failures: " + r.failures().size() + (byKind.isEmpty() ? "" : "   by kind: " + byKind.toString().replaceAll("[{}]", "").replace("=", ": ")));

    ObjectMapper m = new ObjectMapper();
    ObjectNode json = m.createObjectNode();
    json.put("scenario", s.name());
    json.put("file", cmd.file.toString());
    json.put("strategy", "systematic");
    json.put("preemptions", spec.depth());
    json.put("window", spec.window());
    json.put("reduction", reduction != Reduction.NONE);
    json.put("reduction_kind", reduction.flag());
    json.put("seed", s.seed());
    json.put("jobs", jobs);
    json.put("schedules", r.schedules());
    json.put("pruned", r.pruned());
    json.put("beyond_bound", r.beyondBound());
    json.put("complete_for", r.completeFor());
    json.put("exhausted", r.exhausted());
    if (r.cutBy() == null) {
      json.putNull("cut_by");
    } else {
      json.put("cut_by", r.cutBy());
    }
    ArrayNode levels = json.putArray("levels");
    for (SystematicSearch.Level l : r.levels()) {
      ObjectNode x = levels.addObject();
      x.put("k", l.bound());
      x.put("schedules", l.schedules());
      x.put("pruned", l.pruned());
      x.put("complete", l.complete());
    }
    json.put("failures", r.failures().size());
    ObjectNode kinds = json.putObject("failures_by_kind");
    byKind.forEach(kinds::put);
    json.put("discarded_ahead", r.discarded());
    json.put("table_forgotten", r.forgotten());
    json.put("host_millis", millis);
    RunOutcome crashed = r.failures().stream().filter(f -> f.result().error() != null).findFirst().orElse(null);
    if (!r.failures().isEmpty()) {
      RunOutcome first = r.failures().get(0);
      Output failOut = output.sub("first-failure");
      Path file = failOut.dir().resolve("failure.schedule");
      String replay = ExploreCommand.JAR + " run " + ExploreCommand.quote(cmd.file.toString()) + cmd.extraArgs() + " --schedule "
          + ExploreCommand.quote(file.toString());
      failOut.writeString("failure.schedule", first.schedule().format(List.of(
          "cowsim schedule: schedule " + first.index() + " of explore --strategy systematic (" + spec.describe() + ")",
          "replay: " + replay,
          "fails with " + String.join(", ", first.kinds()) + "; trace_hash " + first.traceHash())));
      RunReport.write(failOut, first.result(), first.verdict(), null, replay);
      o.printf("first failure: schedule %d: %s%n", first.index(), String.join(", ", first.kinds()));
      for (String f : ExploreCommand.summaryFailures(first)) {
        o.println("  " + f);
      }
      o.println("  replay: " + replay);
      o.println("  report: " + failOut.dir());
      ObjectNode ff = json.putObject("first_failure");
      ff.put("schedule", first.index());
      ff.put("schedule_file", file.toString());
      ff.put("replay", replay);
      ff.put("trace_hash", first.traceHash());
    }
    if (crashed != null) {
      json.put("simulator_error", RunOutput.oneLine(String.valueOf(crashed.result().error())));
    }
    o.println("explore.json: " + output.writeJson("explore.json", json));
    if (crashed != null) {
      Path trace = output.writeStackTrace(crashed.result().error());
      System.err.println("cowsim: " + RunOutput.oneLine(crashed.result().endDetail()) + " in schedule " + crashed.index() + "; stack trace in " + trace);
      return 3;
    }
    return r.failures().isEmpty() ? 0 : 1;
  }
}
