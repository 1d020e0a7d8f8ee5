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

  /**
   * One line describing a run: {@code String.format("run %4d  seed %20d  %s  trace %s  cycles
   * %d%s", ...)} in the root locale, built by hand (printed per run, thousands a second: a
   * Formatter was a visible share of a cluster coordinator's CPU).
   */
  public static String line(RunOutcome o) {
    String hash = o.traceHash() == null ? "-" : o.traceHash().substring(0, 12);
    StringBuilder b = new StringBuilder(96).append("run ");
    padded(b, o.index(), 4).append("  seed ");
    padded(b, o.seed(), 20).append("  ").append(o.pass() ? "pass" : "FAIL").append("  trace ").append(hash).append("  cycles ").append(o.cycles());
    if (!o.pass()) {
      b.append("  ").append(String.join(",", o.kinds()));
    }
    return b.toString();
  }

  /** {@code v} right-aligned in {@code width} characters (wider if it needs more), as %{width}d. */
  static StringBuilder padded(StringBuilder b, long v, int width) {
    String s = Long.toString(v);
    for (int i = s.length(); i < width; i++) {
      b.append(' ');
    }
    return b.append(s);
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
