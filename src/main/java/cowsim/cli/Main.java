package cowsim.cli;

import ch.qos.logback.classic.LoggerContext;
import com.typesafe.config.ConfigFactory;
import cowsim.report.Output;
import cowsim.report.OutputException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import java.util.function.Supplier;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code cowsim} command line.
 *
 * <p>Exit codes: 0 and 1 are the command's answer; 2 is bad input or output, always one line on
 * stderr; 3 is a simulator error: a Throwable the command did not expect (in an actor, in the
 * thread that ran the simulation, or in the command itself), with one line on stderr saying where
 * its stack trace is (DIR/error.txt), never the stack trace itself.
 */
@Command(
    name = "cowsim",
    mixinStandardHelpOptions = true,
    version = "cowsim 0.1.0",
    description = "Actor-based simulator of a multi-CPU x86-64 machine: fork, copy-on-write and TLB shootdowns.",
    subcommands = {RunCommand.class, CheckCommand.class, CompareCommand.class, FidelityCommand.class, ExploreCommand.class, MutantsCommand.class, StressCommand.class, BenchCommand.class, WorkerCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command: run, check, explore, compare, mutants, stress, bench, worker or help");
  }

  public static void main(String[] args) {
    useWorkingTreeLogback(Path.of("config", "logback.xml"));
    // initialise logging before Akka starts logging from other threads
    LoggerFactory.getILoggerFactory();
    CommandLine cl = commandLine();
    // the JVM-wide last resort: a Throwable that kills a thread nothing else watches
    Thread.setDefaultUncaughtExceptionHandler(lastResort(() -> command(cl), System.err, code -> Runtime.getRuntime().halt(code)));
    long since = LogHealth.mark();
    CountDownLatch finished = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(onSignal(() -> command(cl), finished, interruptWaitMillis(), System.err), "cowsim-interrupt"));
    int code;
    try {
      code = execute(cl, args);
      // flush the asynchronous per-actor log appenders before the JVM goes
      if (LoggerFactory.getILoggerFactory() instanceof LoggerContext lc) {
        lc.stop();
      }
      String logs = code < 2 ? LogHealth.problem(since, null) : null;
      if (logs != null) {
        System.err.println("cowsim: logs incomplete: " + RunOutput.oneLine(logs));
        code = 2;
      }
    } finally {
      System.err.flush();
      System.out.flush();
      finished.countDown();
    }
    System.exit(code);
  }

  /**
   * The shutdown hook's work. After the command finished (System.exit) it does nothing. On SIGINT
   * or SIGTERM while an {@link Interruptible} command runs, it asks the command to stop and waits,
   * at most {@code waitMillis}, for it to write its output; the JVM then exits with the signal's
   * status (130 for SIGINT, 143 for SIGTERM). Any other command is cut short as before.
   */
  static Runnable onSignal(Supplier<Object> command, CountDownLatch finished, long waitMillis, PrintStream err) {
    return () -> {
      if (finished.getCount() == 0) {
        return;
      }
      Object c;
      try {
        c = command.get();
      } catch (RuntimeException e) {
        return; // still parsing the command line: nothing to save
      }
      if (!(c instanceof Interruptible i)) {
        return;
      }
      err.println("cowsim: interrupted: stopping and writing what was found so far (at most " + waitMillis / 1000 + " s)");
      err.flush();
      if (!i.interrupt()) {
        return;
      }
      try {
        if (!finished.await(waitMillis, TimeUnit.MILLISECONDS)) {
          err.println("cowsim: interrupted: the command did not finish writing within cowsim.cli.interrupt-wait; its output is incomplete");
          err.flush();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
  }

  private static long interruptWaitMillis() {
    try {
      return ConfigFactory.load().getDuration("cowsim.cli.interrupt-wait", TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      // a broken application.conf is reported by the command that reads it; here reference.conf's
      // default holds (code contains no defaults)
      return ConfigFactory.defaultReference().getDuration("cowsim.cli.interrupt-wait", TimeUnit.MILLISECONDS);
    }
  }

  /**
   * config/logback.xml of the working directory, when there is one and no
   * -Dlogback.configurationFile names another, configures logging (edits apply without a
   * rebuild); otherwise the copy bundled in the jar does. Only main calls this, before logging starts.
   */
  static void useWorkingTreeLogback(Path file) {
    if (System.getProperty("logback.configurationFile") == null && Files.isRegularFile(file)) {
      System.setProperty("logback.configurationFile", file.toAbsolutePath().toString());
    }
  }

  /** Runs the command line and returns its exit code (tests call this). */
  public static int execute(String... args) {
    return execute(commandLine(), args);
  }

  private static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    MutantsCommand.describeCatalogue(cl.getSubcommands().get("mutants"));
    cl.setParameterExceptionHandler(
        (ex, a) -> {
          ex.getCommandLine().getErr().println("cowsim: " + ex.getMessage());
          return 2;
        });
    cl.setExecutionExceptionHandler((ex, c, parsed) -> failed(c.getCommand(), ex, System.err));
    return cl;
  }

  private static int execute(CommandLine cl, String... args) {
    // memory for the way out: dropped before error.txt is written after an OutOfMemoryError
    byte[][] cushion = {new byte[cushionBytes()]};
    try {
      return cl.execute(args);
    } catch (Throwable t) {
      // picocli hands Exceptions to the handler above; Errors (out of memory, a stack overflow) come here
      cushion[0] = null;
      return failed(command(cl), t, System.err);
    } finally {
      Reference.reachabilityFence(cushion);
    }
  }

  private static int cushionBytes() {
    try {
      long want = ConfigFactory.load().getBytes("cowsim.sim.oom-cushion");
      return (int) Math.max(0, Math.min(want, Runtime.getRuntime().maxMemory() / 16));
    } catch (RuntimeException e) {
      return 0; // a broken config is reported by the command that reads it
    }
  }

  /** The subcommand object that was run, or null. */
  private static Object command(CommandLine cl) {
    CommandLine.ParseResult pr = cl.getParseResult();
    if (pr == null) {
      return null;
    }
    while (pr.hasSubcommand()) {
      pr = pr.subcommand();
    }
    return pr.commandSpec().userObject();
  }

  /**
   * A Throwable escaped the command. An output problem (an {@link OutputException}, any other
   * {@link IOException}) is exit code 2 with one line; anything else is a simulator error: exit
   * code 3, its stack trace in the command's DIR/error.txt (a temporary file when the command had
   * no directory yet), a report.json marked incomplete for a command that writes one, and one line.
   */
  static int failed(Object command, Throwable t, PrintStream err) {
    Throwable io = t instanceof UncheckedIOException u ? u.getCause() : t;
    if (io instanceof OutputException) {
      err.println("cowsim: " + io.getMessage());
      return 2;
    }
    if (io instanceof IOException e) {
      err.println("cowsim: " + RunOutput.oneLine(Output.reason(e)) + (e.getMessage() != null && !Output.reason(e).equals(e.getMessage()) ? " (" + RunOutput.oneLine(e.getMessage()) + ")" : ""));
      return 2;
    }
    return crashed(command, t, null, err);
  }

  private static int crashed(Object command, Throwable t, String thread, PrintStream err) {
    Output out = command instanceof WritesOutput w ? w.output() : null;
    String where;
    try {
      where = "stack trace in " + (out != null ? out.writeStackTrace(t) : temporaryTrace(t));
    } catch (Throwable e) {
      where = "its stack trace could not be written (" + RunOutput.oneLine(String.valueOf(e)) + ")";
    }
    if (out != null && ((WritesOutput) command).writesRunReport()) {
      RunOutput.incompleteReport(out, t);
    }
    err.println("cowsim: simulator error" + (thread == null ? "" : " in thread " + thread) + ": " + RunOutput.oneLine(String.valueOf(t)) + "; " + where);
    err.flush();
    return 3;
  }

  private static Path temporaryTrace(Throwable t) throws IOException {
    Path p = Files.createTempFile("cowsim-error-", ".txt");
    Files.writeString(p, Output.stackTrace(t), StandardCharsets.UTF_8);
    return p;
  }

  /**
   * The JVM-wide uncaught-exception handler {@link #main} installs (and only main: tests call
   * this factory with their own halt). It is the last resort for a thread nothing else watches
   * (the actors have their crash guard, Akka's threads Akka's handler, the command's thread and
   * the explore workers their callers): such a thread dying leaves the run unable to finish (a
   * dead log writer blocks every actor that logs), so it writes the stack trace, a report.json
   * marked incomplete, prints one line, and halts the JVM with exit code 3 at once.
   *
   * @param command the command running (for its output directory), or null
   */
  static Thread.UncaughtExceptionHandler lastResort(Supplier<Object> command, PrintStream err, IntConsumer halt) {
    return (thread, e) -> {
      try {
        crashed(command.get(), e, thread.getName(), err);
      } catch (Throwable again) {
        // nothing more can be said; the exit code still tells
      } finally {
        halt.accept(3);
      }
    };
  }
}
