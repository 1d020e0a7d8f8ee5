package cowsim.cli;

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
      "fork-heavy workload (64 CPUs), deterministic delivered messages/s, scaling 1..4096 CPUs, fork cost against",
      "address-space size, and heap per CPU actor and per frame. Run the full bench with -Xmx2g (see BENCHMARKS.md)."},
    footer = {"", "Exit codes: 0 measured, 3 simulator error. No target is enforced: the table says which are met."})
final class BenchCommand implements Callable<Integer> {

  @Option(names = "--quick", description = "A short version (a few seconds per section, fewer scaling points).")
  boolean quick;

  @Option(names = "--only", paramLabel = "SECTION", description = "Only one section: ceiling, concurrent, deterministic, scaling, fork or heap.")
  String only;

  @Option(names = "--tiny", hidden = true, description = "Every section at toy size (the smoke test).")
  boolean tiny;

  @Override
  public Integer call() throws Exception {
    Bench.Size size = tiny ? Bench.TINY : quick ? Bench.QUICK : Bench.FULL;
    Runtime rt = Runtime.getRuntime();
    System.out.printf("bench (%s): %d cores, JDK %s, max heap %,d MiB%n", size.name(), rt.availableProcessors(),
        System.getProperty("java.version"), rt.maxMemory() >> 20);
    Bench b = new Bench(size, System.out);
    if (only != null && !java.util.List.of("ceiling", "concurrent", "deterministic", "scaling", "fork", "heap").contains(only)) {
      System.err.println("cowsim: --only must be one of ceiling, concurrent, deterministic, scaling, fork, heap; got '" + only + "'");
      return 2;
    }
    b.runOnly(only);
    Bench.printTable(System.out, b.rows());
    return 0;
  }
}
