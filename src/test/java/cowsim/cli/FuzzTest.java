package cowsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line's contract under garbage (issue 10): mutated bundled scenarios and random
 * programs, each run as its own {@code cowsim} process (so exit codes, console output and hangs
 * are the real ones), must end with exit code 0, 1, 2 or 3 only; never print a Java stack trace
 * on the console; on exit 2 print exactly one line, starting {@code file:line:} (the input is a
 * file); on exit 3 (a limit) leave a whole {@code report.json} (it parses); never report a
 * simulator error (whatever the input, that is a bug in cowsim); and end within a per-input
 * timeout.
 *
 * <p>Bounded and seeded: {@value #DEFAULT_INPUTS} inputs by default (under a minute on 2 cores).
 * The longer version is a command (README, "Fuzzing the command line"):
 * {@code mvn -B -q test -Dtest=FuzzTest -Dcowsim.fuzz.inputs=1000 -Dcowsim.fuzz.seed=7}; it
 * prints the counts by command and exit code.
 */
public class FuzzTest {

  static final int DEFAULT_INPUTS = 40;
  private static final int INPUTS = Integer.getInteger("cowsim.fuzz.inputs", DEFAULT_INPUTS);
  private static final long SEED = Long.getLong("cowsim.fuzz.seed", 1);
  private static final int TIMEOUT_SECONDS = Integer.getInteger("cowsim.fuzz.timeout-seconds", 120);
  private static final Pattern STACK_FRAME = Pattern.compile("(?m)^\\s+at [\\w.$]+\\(|(?m)^(Exception in thread|Caused by: )");
  private static final Pattern INTEGER = Pattern.compile("(?<![\\w.])\\d+(?![\\w.])");
  private static final Pattern SIZE = Pattern.compile("\\d+ ?(KiB|MiB|GiB)");
  private static final Pattern WORD = Pattern.compile("[a-z][a-z-]+");

  /** One fuzzed input: what it is, the command line after {@code cowsim}, and its file. */
  record Input(int index, String what, Path file, List<String> args, Path out) {}

  /** How one input ended. */
  record Result(Input input, int exit, String console, String problem) {}

  @Test
  void theContractHoldsOnMutatedScenariosAndRandomPrograms(@TempDir(cleanup = org.junit.jupiter.api.io.CleanupMode.ON_SUCCESS) Path dir) throws Exception {
    List<String> bases = bundledScenarios();
    SplittableRandom rnd = new SplittableRandom(SEED);
    List<Input> inputs = new ArrayList<>();
    for (int i = 0; i < INPUTS; i++) {
      SplittableRandom r = rnd.split();
      boolean program = r.nextInt(3) == 0;
      String text = program ? randomProgram(r, i) : mutate(r, bases.get(r.nextInt(bases.size())));
      Path file = dir.resolve("input-" + i + ".conf");
      Files.writeString(file, text, StandardCharsets.UTF_8);
      Path out = dir.resolve("out-" + i);
      List<String> args = new ArrayList<>();
      String command = program || r.nextBoolean() ? "run" : "check";
      args.add(command);
      args.add(file.toString());
      if (command.equals("run")) {
        args.addAll(List.of("--quiet", "--out", out.toString()));
        if (r.nextInt(4) == 0) {
          args.addAll(List.of("--profile", "linux"));
        }
      }
      inputs.add(new Input(i, (program ? "program" : "mutant") + " " + command, file, args, out));
    }
    ExecutorService pool = Executors.newFixedThreadPool(2);
    List<Future<Result>> futures = new ArrayList<>();
    for (Input in : inputs) {
      futures.add(pool.submit(() -> runOne(in)));
    }
    Map<String, Integer> counts = new TreeMap<>();
    List<String> problems = new ArrayList<>();
    for (Future<Result> f : futures) {
      Result res = f.get();
      counts.merge(res.input().what() + " exit " + res.exit(), 1, Integer::sum);
      if (res.problem() != null) {
        problems.add("input " + res.input().index() + " (" + res.input().what() + ", " + res.input().file() + "): " + res.problem()
            + "\n--- console:\n" + res.console() + "--- input:\n" + Files.readString(res.input().file()));
      }
    }
    pool.shutdownNow();
    System.out.println("fuzz: seed " + SEED + ", " + INPUTS + " inputs: " + counts);
    assertEquals(List.of(), problems, problems.size() + " of " + INPUTS + " inputs broke the contract");
  }

  private static Result runOne(Input in) throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx512m", "-cp", System.getProperty("java.class.path"), "cowsim.cli.Main"));
    cmd.addAll(in.args());
    Path console = in.file().resolveSibling("console-" + in.index() + ".txt");
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(console.toFile()).start();
    if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      return new Result(in, -1, Files.readString(console), "no answer within " + TIMEOUT_SECONDS + " s (a hang)");
    }
    int exit = p.exitValue();
    String text = Files.readString(console);
    return new Result(in, exit, text, problem(in, exit, text));
  }

  /** What is wrong with how the input ended, or null. */
  static String problem(Input in, int exit, String console) throws IOException {
    if (exit < 0 || exit > 3) {
      return "exit code " + exit;
    }
    if (STACK_FRAME.matcher(console).find()) {
      return "a Java stack trace on the console";
    }
    if (console.contains("simulator error")) {
      return "a simulator error (a bug in cowsim, whatever the input)";
    }
    if (exit == 2) {
      List<String> lines = console.lines().filter(l -> !l.isBlank()).toList();
      if (lines.size() != 1) {
        return "exit 2 with " + lines.size() + " lines instead of one";
      }
      if (!lines.get(0).startsWith(in.file() + ":") || !Pattern.compile("^\\S+:\\d+: ").matcher(lines.get(0)).find()) {
        return "exit 2 without file:line: " + lines.get(0);
      }
    }
    if (exit == 3 && in.args().get(0).equals("run")) {
      Path report = in.out().resolve("report.json");
      if (!Files.isRegularFile(report)) {
        return "exit 3 without report.json";
      }
      try {
        new ObjectMapper().readTree(report.toFile());
      } catch (IOException e) {
        return "exit 3 with a broken report.json: " + e.getMessage();
      }
      if (!Files.isRegularFile(in.out().resolve("error.txt")) && console.contains("simulator error")) {
        return "a simulator error without error.txt";
      }
    }
    return null;
  }

  private static List<String> bundledScenarios() throws IOException {
    try (Stream<Path> s = Files.walk(Path.of("scenarios"))) {
      List<String> out = new ArrayList<>();
      for (Path p : s.filter(f -> f.toString().endsWith(".conf")).sorted().toList()) {
        out.add(Files.readString(p));
      }
      return out;
    }
  }

  private static final String[] NUMBERS = {
    "0", "-1", "1", "3", "4096", "2147483648", "9223372036854775807", "99999999999999999999", "1e3", "2.0", "\u0663", "0x7fffffffffff", "\"x\""
  };
  private static final String[] SIZES = {"0 KiB", "8 TiB", "64 TiB", "-4 KiB", "1 B", "3 KiB", "2 MiB", "1e3 KiB"};
  private static final String[] JUNK = {"{", "}", "[", "]", "\"", ",", "=", ":", "\n", "#", "$", "${x}", "include \"nowhere.conf\"\n"};

  /** One to three mutations of a bundled scenario's text. */
  static String mutate(SplittableRandom r, String text) {
    int n = 1 + r.nextInt(3);
    for (int k = 0; k < n; k++) {
      text = switch (r.nextInt(9)) {
        case 0 -> deleteLine(r, text);
        case 1 -> duplicateLine(r, text);
        case 2 -> replace(r, text, INTEGER, NUMBERS);
        case 3 -> replace(r, text, SIZE, SIZES);
        case 4 -> text.substring(0, r.nextInt(text.length() + 1));
        case 5 -> insertAt(r, text, JUNK[r.nextInt(JUNK.length)]);
        case 6 -> replace(r, text, WORD, new String[] {"x", "cpuz", "profile", "populate", "program", "limits", "memory"});
        case 7 -> r.nextInt(4) == 0 ? "a = " + "{ b = ".repeat(2000) + "1" + " }".repeat(2000) + "\n" + text : text;
        default -> insertAt(r, text, "\n" + randomKey(r) + " = " + NUMBERS[r.nextInt(NUMBERS.length)] + "\n");
      };
    }
    return text;
  }

  private static String randomKey(SplittableRandom r) {
    String[] keys = {
      "machine.cpus", "machine.memory", "machine.tlb.entries", "machine.tlb.ways", "limits.timeout", "limits.max-cycles", "seed",
      "kernel.tlb.flush-ceiling", "kernel.tlb.ack-timeout-spins", "expect.exit-code", "limits.max-refaults"
    };
    return keys[r.nextInt(keys.length)];
  }

  private static String deleteLine(SplittableRandom r, String text) {
    List<String> lines = new ArrayList<>(text.lines().toList());
    if (!lines.isEmpty()) {
      lines.remove(r.nextInt(lines.size()));
    }
    return String.join("\n", lines) + "\n";
  }

  private static String duplicateLine(SplittableRandom r, String text) {
    List<String> lines = new ArrayList<>(text.lines().toList());
    if (!lines.isEmpty()) {
      int i = r.nextInt(lines.size());
      lines.add(i, lines.get(i));
    }
    return String.join("\n", lines) + "\n";
  }

  private static String insertAt(SplittableRandom r, String text, String what) {
    int at = r.nextInt(text.length() + 1);
    return text.substring(0, at) + what + text.substring(at);
  }

  private static String replace(SplittableRandom r, String text, Pattern p, String[] with) {
    Matcher m = p.matcher(text);
    List<int[]> spans = new ArrayList<>();
    while (m.find()) {
      spans.add(new int[] {m.start(), m.end()});
    }
    if (spans.isEmpty()) {
      return text;
    }
    int[] s = spans.get(r.nextInt(spans.size()));
    return text.substring(0, s[0]) + with[r.nextInt(with.length)] + text.substring(s[1]);
  }

  /** A small scenario whose one process runs a random program (syscalls, loads, stores, jumps). */
  public static String randomProgram(SplittableRandom r, int index) {
    String[] regs = {"rax", "rdi", "rsi", "rdx", "r10", "rcx"};
    String[] imms = {
      "0", "1", "-1", "8", "4096", "0x400000", "0x400ff8", "0x400ffc", "0x7fffffffe000", "0xffff800000000000", "SYS_fork", "SYS_clone",
      "SYS_mmap", "SYS_munmap", "SYS_mprotect", "SYS_wait4", "SYS_exit", "SYS_getpid", "SYS_sched_yield", "CLONE_VM", "9999",
      "0x100000000000"
    };
    int n = 5 + r.nextInt(40);
    int labels = 1 + r.nextInt(4);
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      String reg = regs[r.nextInt(regs.length)];
      String imm = imms[r.nextInt(imms.length)];
      lines.add("      " + switch (r.nextInt(14)) {
        case 0, 1 -> "mov " + reg + ", " + imm;
        case 2 -> "add " + reg + ", " + imm;
        case 3, 4 -> "syscall";
        case 5 -> "mov qword [rbx + " + 8 * r.nextInt(600) + "], " + reg;
        case 6 -> "mov " + reg + ", [rbx + " + 8 * r.nextInt(600) + "]";
        case 7 -> "cmp rax, " + imm + "\n      jne l" + r.nextInt(labels);
        case 8 -> "jmp l" + r.nextInt(labels);
        case 9 -> "call l" + r.nextInt(labels);
        case 10 -> "ret";
        case 11 -> "push " + reg;
        case 12 -> "pop " + reg;
        default -> "pause";
      });
    }
    for (int l = 0; l < labels; l++) { // each label once, anywhere (the end included)
      lines.add(r.nextInt(lines.size() + 1), "    l" + l + ":");
    }
    StringBuilder prog = new StringBuilder("      mov rbx, 0x400000\n");
    lines.forEach(l -> prog.append(l).append('\n'));
    prog.append("      mov rax, SYS_exit_group\n      mov rdi, 0\n      syscall\n");
    return "name = fuzz-" + index + "\n"
        + "machine { cpus = " + (1 + r.nextInt(3)) + ", memory = 16 MiB }\n"
        + "kernel { profile = " + (r.nextBoolean() ? "strat9" : "linux") + " }\n"
        + "processes = [ { name = p,\n"
        + "  memory = [ { at = 0x400000, size = 8 KiB, prot = rw, populate = true } ],\n"
        + "  program = \"\"\"\n" + prog + "\"\"\" } ]\n"
        + "limits { max-cycles = 5000000 }\n";
  }
}
