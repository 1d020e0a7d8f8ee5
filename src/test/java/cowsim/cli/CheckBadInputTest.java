package cowsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bad input through the command line, in-process: every one exits 2 with exactly one line on
 * stderr, {@code file:line: reason} when there is a file to point into ({@code file: reason} when
 * the file as a whole is refused), and no Java exception names or stack frames.
 */
class CheckBadInputTest {

  private static final String PROGRAM = "\"mov rax, SYS_exit\\nmov rdi, 0\\nsyscall\"";
  private static final String BASE = "name = t\nprocesses = [\n  { name = p, program = " + PROGRAM + " }\n]\n";

  @TempDir Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream oldOut;
  private PrintStream oldErr;

  @BeforeEach
  void capture() {
    oldOut = System.out;
    oldErr = System.err;
  }

  @AfterEach
  void restore() {
    System.setOut(oldOut);
    System.setErr(oldErr);
  }

  /** Runs the command line, returning its exit code; stdout and stderr land in out and err. */
  private int execute(String... args) {
    out.reset();
    err.reset();
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    try {
      return Main.execute(args);
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  private static String nested(String open, String close, int depth) {
    return "x = " + open.repeat(depth) + close.repeat(depth) + "\n";
  }

  /** A process line with extra keys (a region, a stack). */
  private static String process(String keys) {
    return "name = t\nprocesses = [\n  { name = p, program = " + PROGRAM + ", " + keys + " }\n]\n";
  }

  private Path write(String name, String text) throws Exception {
    Path f = dir.resolve(name);
    Files.writeString(f, text, StandardCharsets.UTF_8);
    return f;
  }

  /** Bad files whose problem is at a line: name -> (text, the line, a fragment of the reason). */
  private record Bad(String text, int line, String gist) {}

  private Map<String, Bad> atALine() {
    Map<String, Bad> m = new LinkedHashMap<>();
    m.put("cpus-1e3.conf", new Bad(BASE + "machine { cpus = 1e3 }\n", 5, "machine.cpus must be an integer, got number 1e3"));
    m.put("cpus-2.0.conf", new Bad(BASE + "machine { cpus = 2.0 }\n", 5, "machine.cpus must be an integer, got number 2.0"));
    m.put("seed-1e3.conf", new Bad(BASE + "seed = 1e3\n", 5, "seed must be an integer, got number 1e3"));
    m.put("size-arabic.conf", new Bad(BASE + "machine { memory = \"\u0661\u0666 MiB\" }\n", 5, "machine.memory must be a size like 16 KiB"));
    m.put("size-fraction.conf", new Bad(BASE + "machine { memory = \"1.5 MiB\" }\n", 5, "machine.memory must be a size like 16 KiB"));
    m.put("size-exponent.conf", new Bad(BASE + "machine { memory = 1e7 }\n", 5, "machine.memory must be an integer, got number 1e7"));
    m.put("timeout-fraction.conf", new Bad(BASE + "limits { timeout = \"1.5s\" }\n", 5, "limits.timeout must be a duration"));
    m.put("braces.conf", new Bad(BASE + nested("{ a = ", "}", 3000), 5, "nested more than 64 levels deep"));
    m.put("brackets.conf", new Bad(BASE + nested("[", "]", 1900), 5, "nested more than 64 levels deep"));
    m.put("dotted.conf", new Bad(BASE + "a" + ".a".repeat(3000) + " = 1\n", 5, "nested more than 64 levels deep"));
    m.put("tlb-huge.conf", new Bad(BASE + "machine.tlb { entries = 2147483647, ways = 1 }\n", 5, "machine.tlb.entries must be between 1 and 65536"));
    m.put("tlb-all-cpus.conf", new Bad(BASE + "machine { cpus = 4096, tlb { entries = 65536, ways = 4 } }\n", 5, "times machine.cpus must be at most 4194304"));
    m.put("timeout-300d.conf", new Bad(BASE + "limits { timeout = 300d }\n", 5, "limits.timeout must be at most 24 days"));
    m.put("max-cycles.conf", new Bad(BASE + "limits { max-cycles = 9223372036854775807 }\n", 5, "limits.max-cycles must be between 1 and 1000000000000000000"));
    m.put("stack-8t.conf", new Bad(process("stack = 8 TiB"), 3, "processes[0].stack must be between 0 and 64 MiB"));
    m.put("populate.conf", new Bad(process("memory = [ { at = 0x400000, size = 32 MiB, populate = true } ]"), 3, "populate = true needs one frame a page"));
    m.put("page-size.conf", new Bad(process("memory = [ { at = 0x400000, size = 2 MiB, page-size = 8 KiB } ]"), 3, "page-size must be 4 KiB or 2 MiB, got 8 KiB"));
    m.put("page-size-at.conf", new Bad(process("memory = [ { at = 0x500000, size = 2 MiB, page-size = 2 MiB } ]"), 3, "at must be a multiple of 2 MiB (0x200000) with page-size = 2 MiB, got 0x500000"));
    m.put("newline-key.conf", new Bad(BASE + "\"a\\nb\" = 1\n", 5, "unknown key 'a\\nb' at top level"));
    m.put("root-list.conf", new Bad("[1, 2]\n", 1, "a scenario is an object of keys"));
    m.put("empty.conf", new Bad("", 1, "missing required key 'name'"));
    m.put("no-processes.conf", new Bad("# a comment\nname = t\n", 1, "missing required key 'processes'"));
    m.put("syntax.conf", new Bad(BASE + "machine { cpus = }\n", 5, "Expecting a value"));
    m.put("substitution.conf", new Bad(BASE + "x = ${nope}\n", 5, "Could not resolve substitution"));
    m.put("asm.conf", new Bad("name = t\nprocesses = [ { name = p, program = \"\"\"\n  movx rax, 1\n\"\"\" } ]\n", 3, "unknown mnemonic 'movx'"));
    m.put("include-missing.conf", new Bad(BASE + "include required(\"nope.conf\")\n", 5, "cannot include 'nope.conf'"));
    return m;
  }

  private static final Pattern JAVA = Pattern.compile("Exception|Error:|java\\.|\\bat [a-z]+\\.");

  private void assertOneLineError(String what, int code, String prefix, String gist) {
    String e = err.toString(StandardCharsets.UTF_8);
    assertEquals(2, code, what + ": " + e);
    assertEquals(1, e.lines().count(), what + ": " + e);
    assertTrue(e.endsWith("\n") && !e.strip().contains("\n"), what + ": " + e);
    assertTrue(e.startsWith(prefix), what + ": expected prefix '" + prefix + "' in " + e);
    assertTrue(e.contains(gist), what + ": '" + gist + "' not in " + e);
    assertFalse(JAVA.matcher(e).find(), what + ": Java names in " + e);
    assertEquals("", out.toString(StandardCharsets.UTF_8), what + ": nothing on stdout");
  }

  @Test
  void everyBadFileIsOneLineAtItsLineWithExitCode2() throws Exception {
    for (Map.Entry<String, Bad> c : atALine().entrySet()) {
      Path f = write(c.getKey(), c.getValue().text());
      int code = execute("check", f.toString());
      assertOneLineError(c.getKey(), code, f + ":" + c.getValue().line() + ": ", c.getValue().gist());
    }
  }

  @Test
  void notUtf8IsRefusedAtTheLineOfTheFirstBadByte() throws Exception {
    Path f = dir.resolve("latin1.conf");
    byte[] text = (BASE + "description = \"caf\u00e9\"\n").getBytes(StandardCharsets.ISO_8859_1);
    Files.write(f, text);
    assertOneLineError("latin1", execute("check", f.toString()), f + ":5: ", "not UTF-8 text");
  }

  @Test
  void filesThatAreNotScenarioFilesAreRefusedBeforeReading() throws Exception {
    Map<String, String> cases = new LinkedHashMap<>();
    cases.put(dir.resolve("no-such.conf").toString(), "no such file");
    cases.put(dir.toString(), "is a directory");
    Path big = dir.resolve("big.conf");
    Files.write(big, new byte[(2 << 20)]);
    cases.put(big.toString(), "larger than the 1 MiB a scenario file may have");
    if (Files.exists(Path.of("/dev/zero"))) {
      cases.put("/dev/zero", "is not a regular file");
    }
    Path fifo = fifo("pipe.conf");
    if (fifo != null) {
      cases.put(fifo.toString(), "is not a regular file");
    }
    for (Map.Entry<String, String> c : cases.entrySet()) {
      int code = execute("check", c.getKey());
      assertOneLineError(c.getKey(), code, c.getKey() + ": ", c.getValue());
    }
  }

  @Test
  void includesOfBadFilesAreRefusedAtTheIncludeOrInTheIncludedFile() throws Exception {
    Path deep = write("deep.conf", "a = 1\n" + nested("[", "]", 500));
    Path self = dir.resolve("self.conf");
    Files.writeString(self, BASE + "include \"self.conf\"\n");
    Map<String, String[]> cases = new LinkedHashMap<>();
    cases.put("inc-deep.conf", new String[] {BASE + "include \"deep.conf\"\n", deep + ":2: ", "nested more than 64 levels deep"});
    cases.put("inc-cycle.conf", new String[] {BASE + "include \"self.conf\"\n", dir.resolve("inc-cycle.conf") + ":5: ", "more than 32 includes"});
    if (Files.exists(Path.of("/dev/zero"))) {
      cases.put("inc-zero.conf", new String[] {BASE + "include file(\"/dev/zero\")\n", dir.resolve("inc-zero.conf") + ":5: ", "cannot include '/dev/zero': it is not a regular file"});
    }
    Path fifo = fifo("inc-pipe");
    if (fifo != null) {
      cases.put("inc-fifo.conf", new String[] {BASE + "include \"inc-pipe\"\n", dir.resolve("inc-fifo.conf") + ":5: ", "is not a regular file"});
    }
    for (Map.Entry<String, String[]> c : cases.entrySet()) {
      Path f = write(c.getKey(), c.getValue()[0]);
      int code = execute("check", f.toString());
      assertOneLineError(c.getKey(), code, c.getValue()[1], c.getValue()[2]);
    }
  }

  @Test
  void aMalformedMixOrDurationIsOneLineWithExitCode2() {
    List<String[]> cases = new ArrayList<>();
    for (String mix : List.of("", " ", "fork=1,,store=2", ",fork=1", "fork=1,", "fork=1,fork=2", "frob=1", "fork", "fork=x",
        "fork=-1", "fork=+1", "fork=1.5", "fork=\u0661", "fork=2000000",
        "fork=0,clone=0,exit=0,mmap=0,munmap=0,mprotect=0,store=0,load=0", "store=0,load=0")) {
      cases.add(new String[] {"--mix", mix});
    }
    for (String d : List.of("soon", "1e3s", "0s", "30d", "25h0", "-5s", "Infinity")) {
      cases.add(new String[] {"--duration", d});
    }
    for (String[] c : cases) {
      int code = execute("stress", c[0], c[1], "--out", dir.resolve("never").toString());
      assertOneLineError(c[0] + " '" + c[1] + "'", code, "cowsim: " + c[0] + ": ", "");
      assertFalse(Files.exists(dir.resolve("never")), "refused before anything is written");
    }
  }

  /** A FIFO in the temp directory, or null where mkfifo is missing. */
  private Path fifo(String name) throws Exception {
    Path p = dir.resolve(name);
    try {
      Process mk = new ProcessBuilder("mkfifo", p.toString()).redirectErrorStream(true).start();
      if (mk.waitFor() == 0 && Files.exists(p)) {
        return p;
      }
    } catch (java.io.IOException e) {
      // no mkfifo here
    }
    return null;
  }
}
