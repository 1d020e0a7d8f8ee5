package cowsim.cli;

import ch.qos.logback.classic.LoggerContext;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code cowsim} command line. */
@Command(
    name = "cowsim",
    mixinStandardHelpOptions = true,
    version = "cowsim 0.1.0",
    description = "Actor-based simulator of a multi-CPU x86-64 machine: fork, copy-on-write and TLB shootdowns.",
    subcommands = {RunCommand.class, CheckCommand.class, CompareCommand.class, ExploreCommand.class, MutantsCommand.class, StressCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "missing command: run, check, explore, compare, mutants, stress, bench or help");
  }

  public static void main(String[] args) {
    // initialise logging before Akka starts logging from other threads
    LoggerFactory.getILoggerFactory();
    int code = execute(args);
    // flush the asynchronous per-actor log appenders before the JVM goes
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext lc) {
      lc.stop();
    }
    System.exit(code);
  }

  /** Runs the command line and returns its exit code (tests call this). */
  public static int execute(String... args) {
    CommandLine cl = new CommandLine(new Main());
    MutantsCommand.describeCatalogue(cl.getSubcommands().get("mutants"));
    cl.setParameterExceptionHandler(
        (ex, a) -> {
          ex.getCommandLine().getErr().println("cowsim: " + ex.getMessage());
          return 2;
        });
    cl.setExecutionExceptionHandler(
        (ex, c, parsed) -> {
          c.getErr().println("cowsim: simulator error: " + ex);
          return 3;
        });
    return cl.execute(args);
  }
}
