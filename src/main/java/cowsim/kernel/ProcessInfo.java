package cowsim.kernel;

/**
 * One process as the report shows it. exitCode is null while it runs. {@code minflt}: its minor
 * faults (getrusage(RUSAGE_SELF)'s ru_minflt at the end of the run, a running thread's as of its
 * last switch-out); {@code stdout}/{@code stderr}: what it wrote to fd 1 and 2, each byte one
 * ISO-8859-1 char.
 */
public record ProcessInfo(
    long pid, long ppid, String name, Integer exitCode, boolean killed, String killReason, int threads, long minflt, String stdout, String stderr) {

  public ProcessInfo(long pid, long ppid, String name, Integer exitCode, boolean killed, String killReason, int threads) {
    this(pid, ppid, name, exitCode, killed, killReason, threads, 0, "", "");
  }

  /** The signal that killed it ({@code SIGSEGV}, {@code SIGABRT}), or null when it exited or runs. */
  public String signal() {
    Signal s = killed && exitCode != null ? Signal.ofExitCode(exitCode) : null;
    return s == null ? null : s.name();
  }
}
