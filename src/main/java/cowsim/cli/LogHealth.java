package cowsim.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.core.status.Status;
import java.util.List;
import org.slf4j.LoggerFactory;

/**
 * Whether the per-actor logs were written whole. Logback does not fail a log call when its file
 * cannot be written (a full disk): the file appender records an error in logback's status list
 * and drops lines, and an asynchronous appender that cannot flush in time on shutdown drops the
 * rest with a warning. This reads that status list, so a truncated log is reported (exit code 2)
 * instead of passing silently.
 */
final class LogHealth {

  private LogHealth() {}

  /** Milliseconds stamp to pass to {@link #problem} for "since now". */
  static long mark() {
    return System.currentTimeMillis();
  }

  /**
   * The first log-writing problem recorded since {@code sinceMillis} (one line), or null.
   *
   * @param about only problems naming this text (a log directory), or every write problem if null
   */
  static String problem(long sinceMillis, String about) {
    if (!(LoggerFactory.getILoggerFactory() instanceof LoggerContext lc)) {
      return null;
    }
    List<Status> statuses = lc.getStatusManager().getCopyOfStatusList();
    for (Status s : statuses) {
      String m = describe(s);
      if (s.getTimestamp() < sinceMillis || s.getLevel() < Status.WARN || m == null) {
        continue;
      }
      boolean writeFailure = m.contains("IO failure") || m.contains("discarded") || m.contains("Failed to open");
      if (writeFailure && (about == null || m.contains(about))) {
        return m;
      }
    }
    return null;
  }

  private static String describe(Status s) {
    String m = s.getMessage();
    if (m == null) {
      return null;
    }
    Throwable t = s.getThrowable();
    String cause = t == null ? "" : ": " + (t.getMessage() != null ? t.getMessage() : t.getClass().getSimpleName());
    return (m + cause).replace('\n', ' ');
  }
}
