package cowsim.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import cowsim.report.Fidelity;
import cowsim.report.Output;
import cowsim.report.Verdict;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioException;
import cowsim.scenario.ScenarioLoader;
import cowsim.sim.SimResult;
import cowsim.sim.Simulation;
import cowsim.sim.SimulationHost;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cowsim fidelity}: each pattern of {@code fidelity/} twice, as a C program on the machine's
 * Linux (compiled with cc, its getrusage minor-fault deltas per phase) and as its cowsim scenario
 * under the linux profile, side by side. The comparison itself is {@link Fidelity}.
 */
@Command(
    name = "fidelity",
    mixinStandardHelpOptions = true,
    description = "Measure how close the linux profile is to the Linux it runs on: each pattern of fidelity/ as a C program (cc -O0, run with"
        + " GLIBC_TUNABLES=glibc.pthread.rseq=0) and as its cowsim scenario, minor faults per phase side by side.",
    footer = {"", "Without a C compiler (cc not found) the Linux column is not measured: the table shows cowsim's side only, exit code 0.",
        "Exit codes: 0 done (whatever the verdicts), 2 bad input or output, 3 a simulator error."})
final class FidelityCommand extends WritesOutput {

  FidelityCommand() {
    super(false);
  }

  @Option(names = "--cc", paramLabel = "PATH", description = "The C compiler (default: cc).")
  String cc = "cc";

  @Option(names = "--out", paramLabel = "DIR", description = "Output directory: binaries, their output, fidelity.json (default: runs/fidelity-<timestamp>).")
  Path out;

  @Option(names = "--only", paramLabel = "NAME,...", split = ",", description = "Only these patterns (file names in fidelity/ without .conf).")
  List<String> only;

  @Option(names = "--patterns", paramLabel = "DIR", description = "Where the patterns are (default: fidelity).")
  Path dir = Path.of("fidelity");

  @Option(names = "--timeout", paramLabel = "SECONDS", description = "Per compile and per C program run (default 60).")
  int timeout = 60;

  @Override
  public Integer call() throws Exception {
    List<String> names = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      System.err.println("cowsim: --patterns " + dir + ": not a directory");
      return 2;
    }
    try (Stream<Path> s = Files.list(dir)) {
      s.map(p -> p.getFileName().toString()).filter(f -> f.endsWith(".conf")).map(f -> f.substring(0, f.length() - 5)).sorted().forEach(names::add);
    }
    if (only != null) {
      for (String n : only) {
        if (!names.contains(n)) {
          System.err.println("cowsim: --only " + n + ": no pattern " + dir.resolve(n + ".conf"));
          return 2;
        }
      }
      names.retainAll(only);
    }
    if (timeout < 1) {
      System.err.println("cowsim: --timeout " + timeout + ": must be at least 1");
      return 2;
    }
    Config config = ConfigFactory.load();
    output = Output.prepare(out, Path.of("runs", "fidelity-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss-SSS"))), config);
    PrintStream o = System.out;
    String ccVersion = ccVersion();
    String release = System.getProperty("os.version"); // uname(2)'s release, as uname -r prints it
    if (ccVersion == null) {
      o.println("no C compiler (" + cc + " not found or not working): the Linux column is not measured, cowsim's side only");
    } else {
      o.println("linux " + release + ", " + ccVersion);
    }
    List<Fidelity.Result> results = new ArrayList<>();
    try (SimulationHost host = new SimulationHost(config)) {
      Simulation sim = new Simulation(host);
      for (String n : names) {
        List<Fidelity.Phase> linux = null;
        String linuxNote = "linux: not measured (no C compiler)";
        if (ccVersion != null) {
          try {
            linux = runC(n);
            linuxNote = null;
          } catch (Fidelity.BadOutput e) {
            linuxNote = "linux: " + e.getMessage();
          }
        }
        List<Fidelity.Phase> cow = null;
        String cowNote = null;
        try {
          Scenario s = ScenarioLoader.load(dir.resolve(n + ".conf"), List.of());
          if (!s.kernel().profile().equals("linux")) {
            throw new ScenarioException(dir.resolve(n + ".conf").toString(), 0, "a fidelity scenario must set kernel.profile = linux");
          }
          SimResult r = sim.run(s, null);
          if (r.error() != null) {
            System.err.println("cowsim: " + RunOutput.oneLine(r.endDetail()) + " in " + n);
            return 3;
          }
          Verdict v = Verdict.judge(r);
          if (!v.pass()) {
            cowNote = "cowsim: the scenario failed: " + String.join("; ", v.failures());
          } else {
            cow = Fidelity.decodeCowsim(r.processes());
          }
        } catch (ScenarioException e) {
          System.err.println(e.getMessage());
          return 2;
        } catch (Fidelity.BadOutput e) {
          cowNote = "cowsim: " + e.getMessage();
        }
        results.add(new Fidelity.Result(n, linux, linuxNote, cow, cowNote));
      }
    }
    o.print(Fidelity.table(results));
    o.println(Fidelity.summary(results));
    o.println("fidelity.json: " + output.writeJson("fidelity.json", Fidelity.json(release, cc, ccVersion, results)));
    return 0;
  }

  /** The first line of {@code cc --version}, or null when there is no working compiler. */
  private String ccVersion() throws InterruptedException {
    try {
      Path log = output.resolve("cc-version.txt");
      Process p = new ProcessBuilder(cc, "--version").redirectErrorStream(true).redirectOutput(log.toFile()).start();
      if (!p.waitFor(timeout, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return null;
      }
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return p.exitValue() == 0 && !lines.isEmpty() ? lines.get(0).trim() : null;
    } catch (IOException e) {
      return null;
    }
  }

  /** Compile fidelity/NAME.c into the output directory, run it, parse its phase lines. */
  private List<Fidelity.Phase> runC(String name) throws Fidelity.BadOutput, InterruptedException, IOException {
    Path bin = output.resolve(name).toAbsolutePath();
    Path src = dir.resolve(name + ".c");
    if (!Files.isRegularFile(src)) {
      throw new Fidelity.BadOutput("no " + src);
    }
    int rc = exec(List.of(cc, "-O0", "-pthread", "-o", bin.toString(), src.toString()), output.resolve(name + ".cc.txt"), null);
    if (rc != 0) {
      throw new Fidelity.BadOutput("cc " + (rc < 0 ? "timed out" : "exit code " + rc) + " (see " + output.resolve(name + ".cc.txt") + ")");
    }
    Path stdout = output.resolve(name + ".out");
    rc = exec(List.of(bin.toString()), stdout, output.resolve(name + ".err"));
    if (rc != 0) {
      throw new Fidelity.BadOutput(rc < 0 ? "timed out after " + timeout + " s" : "exit code " + rc);
    }
    return Fidelity.parseLinux(Files.readString(stdout, StandardCharsets.ISO_8859_1), stdout.toString());
  }

  /** Runs a command with its output in files; its exit code, or -1 when it ran past the timeout (killed). */
  private int exec(List<String> cmd, Path stdout, Path stderr) throws IOException, InterruptedException {
    ProcessBuilder b = new ProcessBuilder(cmd).redirectOutput(stdout.toFile()).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    if (stderr == null) {
      b.redirectErrorStream(true);
    } else {
      b.redirectError(stderr.toFile());
    }
    b.environment().put("GLIBC_TUNABLES", "glibc.pthread.rseq=0"); // glibc's rseq area adds a fault after fork
    Process p = b.start();
    if (!p.waitFor(timeout, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor();
      return -1;
    }
    return p.exitValue();
  }
}
