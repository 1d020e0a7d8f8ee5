package cowsim.cli;

import cowsim.report.Output;
import java.util.concurrent.Callable;

/**
 * A command with an output directory. {@link Main} writes a crash's stack trace there (error.txt)
 * when a Throwable escapes the command, and, for a command that writes one, a report.json marked
 * incomplete when the command had not written its own yet.
 */
abstract class WritesOutput implements Callable<Integer> {

  /** The checked output directory: the command sets it once it has prepared it. */
  protected Output output;

  private final boolean writesRunReport;

  /** @param writesRunReport whether the command writes a run's report.json (run, stress) */
  WritesOutput(boolean writesRunReport) {
    this.writesRunReport = writesRunReport;
  }

  /** The checked output directory, or null before the command prepared it. */
  Output output() {
    return output;
  }

  boolean writesRunReport() {
    return writesRunReport;
  }
}
