package cowsim.explore;

import java.io.PrintStream;

/**
 * Progress of an exploration: a bar redrawn in place on a terminal (failing runs are listed above
 * it), one line per run otherwise.
 */
public final class Progress {

  private final PrintStream out;
  private final boolean terminal;
  private final int total;
  private int done;
  private int failures;
  private boolean barShown;

  public Progress(PrintStream out, boolean terminal, int total) {
    this.out = out;
    this.terminal = terminal;
    this.total = total;
  }

  /** One line describing a run. */
  public static String line(RunOutcome o) {
    String hash = o.traceHash() == null ? "-" : o.traceHash().substring(0, 12);
    return String.format("run %4d  seed %20d  %s  trace %s  cycles %d%s",
        o.index(), o.seed(), o.pass() ? "pass" : "FAIL", hash, o.cycles(),
        o.pass() ? "" : "  " + String.join(",", o.kinds()));
  }

  public synchronized void done(RunOutcome o) {
    done++;
    if (!o.pass()) {
      failures++;
    }
    if (!terminal) {
      out.println(line(o));
      return;
    }
    if (!o.pass()) {
      clearBar();
      out.println(line(o));
    }
    drawBar();
  }

  /** Ends the bar (on a terminal) so the summary starts on a fresh line. */
  public synchronized void finish() {
    if (terminal && barShown) {
      out.println();
      barShown = false;
    }
  }

  private void clearBar() {
    if (barShown) {
      out.print("\r" + " ".repeat(78) + "\r");
    }
  }

  private void drawBar() {
    int width = 30;
    int filled = total == 0 ? width : (int) ((long) done * width / total);
    out.print("\r[" + "#".repeat(filled) + "-".repeat(width - filled) + "] " + done + "/" + total + " runs, " + failures
        + (failures == 1 ? " failure " : " failures "));
    out.flush();
    barShown = true;
  }
}
