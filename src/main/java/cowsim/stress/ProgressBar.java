package cowsim.stress;

import cowsim.stats.Progress;
import java.io.PrintStream;

/**
 * Live progress of a stress run from its {@link Progress}: a bar redrawn in place on a terminal, a
 * plain line every few seconds otherwise.
 */
public final class ProgressBar implements AutoCloseable {

  private final PrintStream out;
  private final boolean terminal;
  private final long target;
  private final Progress progress;
  private final long started = System.nanoTime();
  private final Thread thread;
  private volatile boolean stop;

  /** @param progress the counters of the run it shows (the same object the run counts into) */
  public ProgressBar(PrintStream out, boolean terminal, long target, Progress progress) {
    this.out = out;
    this.terminal = terminal;
    this.target = target;
    this.progress = progress;
    this.thread = new Thread(this::loop, "cowsim-progress");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  private void loop() {
    long period = terminal ? 250 : 5000;
    while (!stop) {
      try {
        Thread.sleep(period);
      } catch (InterruptedException e) {
        return;
      }
      if (!stop) {
        try {
          draw();
        } catch (Throwable t) {
          // progress is a display: out of memory here must not take the run down with it (the
          // run's own actors report a crash of theirs)
          return;
        }
      }
    }
  }

  private synchronized void draw() {
    long ops = progress.memoryOps();
    long violations = progress.violations();
    double secs = Math.max(1e-3, (System.nanoTime() - started) / 1e9);
    String stats = String.format("%,d ops, %,.0f ops/s, %d violations, %.0f s", ops, ops / secs, violations, secs);
    if (terminal) {
      int width = 30;
      int filled = (int) Math.min(width, target <= 0 ? 0 : ops * width / target);
      out.print("\r[" + "#".repeat(filled) + "-".repeat(width - filled) + "] " + stats + "   ");
      out.flush();
    } else {
      out.println("progress: " + stats);
    }
  }

  /**
   * Stops the display and shows the final count, exact once the run's CPUs have reported their
   * counters (their remainders below a chunk): the bar's last state stays on its line, as a plain
   * {@code progress:} line does.
   */
  @Override
  public synchronized void close() {
    stop = true;
    thread.interrupt();
    try {
      draw();
      if (terminal) {
        out.println();
      }
    } catch (Throwable t) {
      // a display: nothing to do about it
    }
  }
}
