package cowsim.docs;

import cowsim.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The marked output blocks of README.md and BENCHMARKS.md (the convention is in
 * docs/ARCHITECTURE.md, "Documentation that cannot go stale"). A marker is an HTML comment on
 * the line before a fenced block:
 *
 * <ul>
 *   <li>{@code <!-- example: java -jar target/cowsim.jar ARGS -->}: the block is exactly what the
 *       command prints (stdout and stderr), after {@link #mask}; checked by DocsExamplesTest.
 *   <li>{@code <!-- excerpt: java -jar target/cowsim.jar ARGS -->}: every line of the block except
 *       {@code ...} lines occurs in the output, in order; checked, never rewritten. With a trailing
 *       {@code (file DIR/PATH)} the lines are looked for in that file of the run's output
 *       directory instead of in what it prints (a log, a schedule file).
 *   <li>{@code <!-- illustration: WHAT -->}: a block that is not a command's output (a picture, a
 *       file format with comments); nothing to check. Every other fenced block must be a
 *       command to type or a config file (see {@link #unmarkedOutput}).
 *   <li>{@code <!-- measured: SHELL COMMAND -->}: host-time or long; rewritten by
 *       docs/measure/regen, not checked. Its first line says where and when it was measured.
 *   <li>{@code <!-- record: WHAT -->}: a dated past measurement, kept as history; neither.
 * </ul>
 */
final class DocBlocks {

  static final String JAR = "java -jar target/cowsim.jar ";
  static final List<String> FILES = List.of("README.md", "BENCHMARKS.md");
  private static final Pattern MARKER = Pattern.compile("^(\\s*)<!-- (example|excerpt|measured|record|illustration): (.*) -->\\s*$");
  /** Subcommands that write an output directory: the run gets a temporary --out if it has none. */
  private static final Set<String> WRITES = Set.of("run", "explore", "compare", "mutants", "stress");

  private DocBlocks() {}

  /** One marked block: lines [open, close] of the file are the fences. */
  record Block(String file, int marker, String kind, String command, String indent, int open, int close, List<String> body) {
    String where() {
      return file + ":" + (marker + 1);
    }
  }

  static List<Block> find(String file, List<String> lines) {
    List<Block> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      Matcher m = MARKER.matcher(lines.get(i));
      if (!m.matches()) {
        continue;
      }
      String indent = m.group(1);
      int open = i + 1;
      if (m.group(2).equals("record") || m.group(2).equals("illustration")) {
        continue; // a dated table or block kept as history: nothing to run
      }
      if (open >= lines.size() || !lines.get(open).startsWith(indent + "```")) {
        throw new IllegalStateException(file + ":" + (i + 1) + ": a " + m.group(2) + " marker must be followed by a fenced block");
      }
      int close = open + 1;
      while (close < lines.size() && !lines.get(close).equals(indent + "```")) {
        close++;
      }
      if (close == lines.size()) {
        throw new IllegalStateException(file + ":" + (open + 1) + ": unclosed fenced block");
      }
      List<String> body = new ArrayList<>();
      for (String l : lines.subList(open + 1, close)) {
        body.add(l.startsWith(indent) ? l.substring(indent.length()) : l.strip());
      }
      out.add(new Block(file, i, m.group(2), m.group(3).strip(), indent, open, close, body));
      i = close;
    }
    return out;
  }

  /** Host-time and per-run fields, replaced the same way in the documentation and the output. */
  static String mask(String s) {
    s = s.replaceAll("\\b\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}(:\\d{2}(\\.\\d+)?)?Z?", "<time>");
    s = s.replaceAll("\\b\\d[\\d,]*(\\.\\d+)? (ms|s|ops/s|messages/s)\\b", "~ $2");
    s = s.replaceAll("\\bruns/[A-Za-z0-9_.-]+", "runs/<out>");
    s = s.replaceAll("[ \\t]+$", "");
    return s;
  }

  /** Splits a documented command line as sh would (quotes, and * globs over the file system). */
  static List<String> words(String command) throws IOException {
    List<String> out = new ArrayList<>();
    StringBuilder w = new StringBuilder();
    boolean inWord = false;
    boolean glob = false;
    char quote = 0;
    for (int i = 0; i < command.length(); i++) {
      char c = command.charAt(i);
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          w.append(c);
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
        inWord = true;
      } else if (Character.isWhitespace(c)) {
        if (inWord) {
          addWord(out, w.toString(), glob);
        }
        w.setLength(0);
        inWord = false;
        glob = false;
      } else {
        if (c == '*') {
          glob = true;
        }
        w.append(c);
        inWord = true;
      }
    }
    if (inWord) {
      addWord(out, w.toString(), glob);
    }
    return out;
  }

  private static void addWord(List<String> out, String w, boolean glob) throws IOException {
    if (!glob) {
      out.add(w);
      return;
    }
    int slash = w.lastIndexOf('/');
    Path dir = Path.of(slash < 0 ? "." : w.substring(0, slash));
    String pattern = w.substring(slash + 1);
    Set<String> hits = new TreeSet<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, pattern)) {
      for (Path p : ds) {
        hits.add(slash < 0 ? p.getFileName().toString() : w.substring(0, slash + 1) + p.getFileName());
      }
    }
    if (hits.isEmpty()) {
      out.add(w);
    } else {
      out.addAll(hits);
    }
  }

  /** What an example's command prints, masked, as lines (runs in this JVM, --out under tmp). */
  static List<String> run(Block b, Path tmp) throws IOException {
    if (!b.command().startsWith(JAR)) {
      throw new IllegalStateException(b.where() + ": an " + b.kind() + " command must start with '" + JAR.strip() + "'");
    }
    String command = b.command();
    String file = null;
    Matcher fm = Pattern.compile("^(.*) \\(file DIR/(\\S+)\\)$").matcher(command);
    if (fm.matches()) {
      command = fm.group(1);
      file = fm.group(2);
    }
    List<String> args = words(command.substring(JAR.length()));
    if (file != null && args.contains("--out")) {
      throw new IllegalStateException(b.where() + ": a (file DIR/...) excerpt gives no --out: DIR is the run's own");
    }
    String out = null;
    if (!args.isEmpty() && WRITES.contains(args.get(0)) && !args.contains("--out")) {
      out = tmp.resolve("out-" + b.marker()).toString();
      args.add("--out");
      args.add(out);
    }
    org.slf4j.LoggerFactory.getILoggerFactory(); // as Main.main does: logging starts before the capture
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    PrintStream both = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    System.setOut(both);
    System.setErr(both);
    try {
      Main.execute(args.toArray(String[]::new));
    } finally {
      both.flush();
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
    String text = bytes.toString(StandardCharsets.UTF_8);
    if (file != null) {
      Path f = Path.of(out).resolve(file);
      if (!Files.isRegularFile(f)) {
        throw new IllegalStateException(b.where() + ": the run wrote no " + file + "; it printed:\n" + text);
      }
      text = Files.readString(f, StandardCharsets.UTF_8);
    }
    if (out != null) {
      text = text.replace(out, "runs/<out>");
    }
    text = text.replace(tmp.toString(), "/tmp");
    List<String> lines = new ArrayList<>();
    for (String l : text.split("\n", -1)) {
      if (!l.startsWith("SLF4J(")) { // logging's own start-up notes, printed once per JVM
        lines.add(l);
      }
    }
    return maskLines(lines, true);
  }

  static List<String> maskLines(List<String> lines, boolean dropTrailingBlank) {
    List<String> out = new ArrayList<>();
    for (String l : lines) {
      out.add(mask(l));
    }
    while (dropTrailingBlank && !out.isEmpty() && out.get(out.size() - 1).isEmpty()) {
      out.remove(out.size() - 1);
    }
    return out;
  }

  /** The block's lines to compare: a leading "$ command" line must repeat the marker's command. */
  static List<String> expected(Block b) {
    List<String> body = b.body();
    if (!body.isEmpty() && body.get(0).startsWith("$ ")) {
      if (!body.get(0).substring(2).strip().equals(b.command())) {
        throw new IllegalStateException(b.where() + ": the block's '$ ' line differs from the marker's command");
      }
      body = body.subList(1, body.size());
    }
    return maskLines(body, true);
  }

  /** For an excerpt: the index of the first block line not found in order, or -1. */
  static int excerptMiss(List<String> excerpt, List<String> output) {
    int j = 0;
    for (int i = 0; i < excerpt.size(); i++) {
      String want = excerpt.get(i);
      if (want.strip().equals("...")) {
        continue;
      }
      while (j < output.size() && !output.get(j).equals(want)) {
        j++;
      }
      if (j == output.size()) {
        return i;
      }
      j++;
    }
    return -1;
  }

  /** A line diff for the failure message (first differences, with line numbers of the block). */
  static String diff(List<String> want, List<String> got) {
    StringBuilder sb = new StringBuilder();
    int n = Math.max(want.size(), got.size());
    int shown = 0;
    for (int i = 0; i < n && shown < 20; i++) {
      String w = i < want.size() ? want.get(i) : null;
      String g = i < got.size() ? got.get(i) : null;
      if (w == null || !w.equals(g)) {
        sb.append(String.format("  line %d%n    - %s%n    + %s%n", i + 1, w == null ? "(nothing)" : w, g == null ? "(nothing)" : g));
        shown++;
      }
    }
    return sb.toString();
  }

  /** Replaces a block's body; returns the file's new lines. */
  static List<String> replace(List<String> lines, Block b, List<String> body) {
    List<String> out = new ArrayList<>(lines.subList(0, b.open() + 1));
    for (String l : body) {
      out.add(l.isEmpty() ? "" : b.indent() + l);
    }
    out.addAll(lines.subList(b.close(), lines.size()));
    return out;
  }

  /** How a line a reader types starts: the commands the documentation shows. */
  private static final Pattern COMMAND = Pattern.compile("^(java |mvn |sh |for |done|git |grep |cat |ls |farm-bench )");

  /**
   * The fenced blocks with no marker that are not something to type or a config file: each is an
   * output (or a file) pasted by hand, which goes stale. A block passes when it names a language
   * ({@code ```hocon}) or when every line is a command, a continuation of one (the line before
   * ends in {@code \}, or a {@code for} loop's body, or a usage line's wrapped {@code [options]}), a comment or blank.
   */
  static List<String> unmarkedOutput(String file, List<String> lines) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String l = lines.get(i);
      String strip = l.strip();
      if (!strip.startsWith("```")) {
        continue;
      }
      int close = i + 1;
      while (close < lines.size() && !lines.get(close).strip().equals("```")) {
        close++;
      }
      boolean marked = i > 0 && MARKER.matcher(lines.get(i - 1)).matches();
      boolean tagged = strip.length() > 3;
      if (!marked && !tagged) {
        boolean continued = false;
        int loops = 0;
        for (int j = i + 1; j < close; j++) {
          String b = lines.get(j).strip();
          boolean synopsis = b.startsWith("[") && j > i + 1; // a usage line's options, wrapped
          boolean ok = b.isEmpty() || b.startsWith("#") || continued || synopsis || loops > 0 || COMMAND.matcher(b).find();
          if (!ok) {
            out.add(file + ":" + (j + 1) + ": a fenced block with no marker that is not a command: mark it (example:, excerpt:,"
                + " measured:, illustration:; see docs/ARCHITECTURE.md) or make it one\n    " + b);
            break;
          }
          continued = b.endsWith("\\");
          if (b.startsWith("for ")) {
            loops++;
          }
          if (b.startsWith("done")) {
            loops -= b.split("done", -1).length - 1;
          }
        }
      }
      i = close;
    }
    return out;
  }
}
