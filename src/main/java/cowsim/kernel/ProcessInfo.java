package cowsim.kernel;

/** One process as the report shows it. exitCode is null while it runs. */
public record ProcessInfo(long pid, long ppid, String name, Integer exitCode, boolean killed, String killReason, int threads) {}
