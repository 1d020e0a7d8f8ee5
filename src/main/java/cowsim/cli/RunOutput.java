package cowsim.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import cowsim.report.Output;
import cowsim.report.OutputException;
import cowsim.report.RunReport;
import cowsim.report.Verdict;
import cowsim.sim.SimResult;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The end of a command that ran one scenario (run, stress), after its outcome is printed: write
 * report.json, report.html and stats.txt (atomically) and error.txt, check the logs, say on the console which files are
 * whole, and pick the exit code. A simulator error is exit code 3 whatever else happened; an
 * output that could not be written is exit code 2 with one line; otherwise the verdict's code.
 */
final class RunOutput {

  private RunOutput() {}

  /**
   * @param schedule the schedule description for report.json, or null
   * @param replay the command that runs it again (report.json, report.html), or null
   * @param logs the per-actor log directory, or null without logs
   * @param logsSince when the run started ({@link LogHealth#mark()})
   */
  static int finish(
      Output out, SimResult r, Verdict v, String schedule, String replay, Path logs, long logsSince, PrintStream stdout, PrintStream stderr) {
    String outputProblem = null;
    try {
      Path report = RunReport.write(out, r, v, schedule, replay);
      stdout.println("report: " + report + (logs == null ? "" : "   logs: " + logs));
    } catch (OutputException e) {
      outputProblem = e.getMessage() + " (no report kept; the outcome above stands)";
    }
    if (outputProblem == null && logs != null) {
      String p = LogHealth.problem(logsSince, logs.toString());
      if (p != null) {
        outputProblem = logs + ": incomplete: " + p;
      }
    }
    if (r.error() != null) {
      String what = oneLine(r.endDetail() != null && r.endDetail().startsWith("simulator error") ? r.endDetail() : "simulator error: " + r.error());
      try {
        Path trace = out.writeStackTrace(r.error());
        stderr.println("cowsim: " + what + "; stack trace in " + trace);
      } catch (OutputException e) {
        stderr.println("cowsim: " + what + "; its stack trace could not be kept: " + e.getMessage());
      }
      if (outputProblem != null) {
        stderr.println("cowsim: " + outputProblem);
      }
      return Verdict.SIMULATOR;
    }
    if (outputProblem != null) {
      stderr.println("cowsim: " + outputProblem);
      return Verdict.BAD_INPUT;
    }
    return v.exitCode();
  }

  /**
   * After a Throwable escaped the command: a report.json marked incomplete, unless the command
   * had already written one.
   */
  static void incompleteReport(Output out, Throwable error) {
    if (Files.exists(out.resolve("report.json"))) {
      return;
    }
    ObjectNode o = new ObjectMapper().createObjectNode();
    o.put("outcome", "fail");
    o.put("exit_code", Verdict.SIMULATOR);
    o.put("ending", "simulator_error");
    o.put("ending_detail", oneLine("simulator error in the command: " + error));
    o.put("complete", false);
    o.put("error", oneLine(String.valueOf(error)));
    try {
      out.writeJson("report.json", o);
    } catch (OutputException | RuntimeException ignored) {
      // the stack trace is what matters; its line says where it is
    }
  }

  static String oneLine(String s) {
    return s.replace('\r', ' ').replace('\n', ' ');
  }
}
