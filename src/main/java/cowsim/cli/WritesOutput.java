package cowsim.cli;

import cowsim.report.Output;

/**
 * A command with an output directory. {@link Main} writes a crash's stack trace there (error.txt)
 * when a Throwable escapes the command, and, for a command that writes one, a report.json marked
 * incomplete when the command had not written its own yet.
 */
interface WritesOutput {

  /** The checked output directory, or null before the command prepared it. */
  Output output();

  /** Whether the command writes a run's report.json (run, stress). */
  default boolean writesRunReport() {
    return false;
  }
}
