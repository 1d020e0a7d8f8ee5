package cowsim.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * {@code --log-level LEVEL} and {@code --log LOGGER=LEVEL}: log levels a user steers without
 * editing config/logback.xml, for the commands that run simulations. They apply as the command
 * line is parsed, over whatever logback.xml set.
 */
final class LogArgs {

  /** The levels logback knows, as the options accept them. */
  static final List<String> LEVELS = List.of("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF");

  @CommandLine.Spec(CommandLine.Spec.Target.MIXEE) CommandLine.Model.CommandSpec spec;

  @Option(names = "--log-level", paramLabel = "LEVEL",
      description = "Level of the simulation's logs (logger cowsim, DIR/logs/<actor>.log): TRACE, DEBUG, INFO (default), WARN, ERROR or OFF.")
  void logLevel(String level) {
    set("cowsim", parse("--log-level", level));
  }

  @Option(names = "--log", paramLabel = "LOGGER=LEVEL",
      description = "Level of one logger and those below it, e.g. --log cowsim.cpu=DEBUG (repeatable; after --log-level).")
  void log(Map<String, String> levels) {
    for (Map.Entry<String, String> e : levels.entrySet()) {
      if (e.getKey().isBlank()) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--log " + e.getKey() + "=" + e.getValue() + ": name a logger, e.g. cowsim.cpu=DEBUG");
      }
      set(e.getKey().trim(), parse("--log " + e.getKey() + "=" + e.getValue(), e.getValue()));
    }
  }

  private Level parse(String option, String level) {
    String l = level == null ? "" : level.trim().toUpperCase(Locale.ROOT);
    if (!LEVELS.contains(l)) {
      throw new CommandLine.ParameterException(spec.commandLine(), option + ": unknown level '" + level + "' (known: " + String.join(", ", LEVELS) + ")");
    }
    return Level.toLevel(l);
  }

  private static void set(String logger, Level level) {
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext lc) {
      lc.getLogger(logger).setLevel(level);
    }
  }
}
