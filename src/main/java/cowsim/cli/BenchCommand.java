package cowsim.cli;

import com.typesafe.config.ConfigFactory;
import cowsim.stress.Bench;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cowsim bench}: measure the simulator in one JVM and print a table. */
@Command(
    name = "bench",
    mixinStandardHelpOptions = true,
    description = {
      "Measure, in one JVM: the Akka ceiling (ping-pong round trips), concurrent memory ops/s on a standard",
      "fork-heavy workload (64 CPUs), deterministic delivered messages/s, scaling 1..4096 CPUs (steady state), fork cost",
      "against address-space size, heap per CPU actor and per frame, and explore's schedules/s (racy-cow-threads and the",
      "largest bug-library scenario). Run the full bench with -Xmx2g (see BENCHMARKS.md)."},
    footer = {"", "Exit codes: 0 measured, 3 simulator error. No target is enforced: the table's met? column says which are met."})
final class BenchCommand implements Callable<Integer> {

  @Option(names = "--quick", description = "A short version (a few seconds per section, fewer scaling points).")
  boolean quick;

  @Option(names = "--only", paramLabel = "SECTION",
      description = "Only one section: ceiling, concurrent, deterministic, scaling, fork, heap or explore.")
  String only;

  @Option(names = "--tiny", hidden = true, description = "Every section at toy size (the smoke test).")
  boolean tiny;

  @Override
  public Integer call() throws Exception {
    Bench.Size size = tiny ? Bench.TINY : quick ? Bench.QUICK : Bench.FULL;
    Runtime rt = Runtime.getRuntime();
    System.out.printf("bench (%s): %d cores, JDK %s, max heap %,d MiB%n", size.name(), rt.availableProcessors(),
        System.getProperty("java.version"), rt.maxMemory() >> 20);
    if (only != null && !Bench.SECTIONS.contains(only)) {
      System.err.println("cowsim: --only must be one of " + String.join(", ", Bench.SECTIONS) + "; got '" + only + "'");
      return 2;
    }
    Bench b = new Bench(size, System.out, new BenchExplorations(ConfigFactory.load()));
    b.runOnly(only);
    Bench.printTable(System.out, b.rows());
    return 0;
  }
}
