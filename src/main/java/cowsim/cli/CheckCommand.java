package cowsim.cli;

import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code cowsim check FILE}: validate a scenario without running it. */
@Command(name = "check", mixinStandardHelpOptions = true, description = "Validate a scenario file (syntax, keys, ranges, programs) without running it.")
final class CheckCommand implements Callable<Integer> {

  @Parameters(index = "0", paramLabel = "FILE", description = "Scenario file (HOCON).")
  Path file;

  @Mixin ScenarioArgs args;

  @Override
  public Integer call() {
    try {
      Scenario s = args.load(file);
      System.out.printf("%s: ok (%s: %d processes, %d CPUs, %s)%n", file, s.name(), s.processes().size(), s.machine().cpus(), s.mode());
      return 0;
    } catch (ScenarioException e) {
      System.err.println(e.getMessage());
      return 2;
    }
  }
}
