package cowsim.trace;

import cowsim.check.Violation;
import cowsim.report.OutputException;
import cowsim.sim.Simulation;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/** The {@code --trace FILE} of the commands: one run observed by a {@link TraceWriter} into FILE. */
public final class TraceFile {

  private TraceFile() {}

  /**
   * Runs {@code run} on {@code simulation} (a Simulation of this run only: it gets the writer as
   * its listener) and writes its trace to {@code file}, ending with the violations {@code
   * violations} finds in the result.
   *
   * @throws OutputException the file cannot be written (one line for the console, exit code 2)
   */
  public static <T> T record(Path file, String title, Simulation simulation, Function<Simulation, T> run, Function<T, List<Violation>> violations)
      throws OutputException {
    Path abs = file.toAbsolutePath();
    Path spill = abs.resolveSibling("." + abs.getFileName() + ".refcounts.tmp");
    try {
      if (abs.getParent() != null) {
        Files.createDirectories(abs.getParent());
      }
      try (OutputStream os = Files.newOutputStream(abs);
          TraceWriter w = new TraceWriter(os, spill, title)) {
        T result = run.apply(simulation.withListener(w));
        w.finish(violations.apply(result));
        return result;
      }
    } catch (IOException e) {
      throw new OutputException("--trace " + file + ": cannot write the trace: " + e.getMessage(), e);
    }
  }
}
