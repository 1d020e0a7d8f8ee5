package cowsim.scenario;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The checks a scenario file (or a file it includes) passes before Typesafe Config reads it: a
 * regular file (not a directory, device, FIFO or socket, which would never end or never come), at
 * most {@link #MAX_BYTES}, UTF-8 text, nested at most {@link #MAX_NESTING} levels deep.
 */
final class ScenarioFiles {

  /**
   * The largest scenario file read: 1 MiB. The bundled ones are a few KiB and a generated stress
   * workload of 16 processes about 100 KiB; the limit keeps {@code check /dev/zero}-like inputs from
   * filling the heap.
   */
  static final long MAX_BYTES = 1L << 20;

  /**
   * The deepest nesting of objects, lists and dotted key segments: 64. Scenarios nest about 6 deep
   * ({@code processes[0].memory[0]}); Typesafe Config recurses once per level and overflows the
   * Java stack at around 2,000, so 64 is safe on any thread.
   */
  static final int MAX_NESTING = 64;

  /**
   * At most 32 includes in one scenario, counted over every file it includes: bundled scenarios
   * use none, and a cycle ends here (before Typesafe Config's own limit of 50 nested includes,
   * whose message lists every one of them).
   */
  static final int MAX_INCLUDES = 32;

  /** What is wrong with a file: at a line of it (1-based), or about the file as a whole (0). */
  record Problem(int line, String reason) {}

  /** The file's text, or the problem with it. */
  record Read(String text, Problem problem) {}

  private ScenarioFiles() {}

  /** Reads {@code file} if it passes the checks. */
  static Read read(Path file) {
    if (!Files.exists(file)) {
      return problem(0, "no such file");
    }
    if (Files.isDirectory(file)) {
      return problem(0, "is a directory, not a scenario file");
    }
    if (!Files.isRegularFile(file)) {
      return problem(0, "is not a regular file (a device, FIFO or socket?): a scenario must be a file of at most " + Section.bytes(MAX_BYTES));
    }
    if (!Files.isReadable(file)) {
      return problem(0, "file is not readable");
    }
    byte[] bytes;
    try {
      long size = Files.size(file);
      if (size > MAX_BYTES) {
        return problem(0, tooLarge(size));
      }
      try (InputStream in = Files.newInputStream(file)) {
        bytes = in.readNBytes((int) MAX_BYTES + 1);
      }
    } catch (IOException | SecurityException e) {
      return problem(0, "cannot read the file: " + ioReason(e));
    }
    if (bytes.length > MAX_BYTES) {
      return problem(0, tooLarge(bytes.length));
    }
    return text(bytes);
  }

  /** Checks text already in memory (a resource, a string): UTF-8 was decoded, so only nesting. */
  static Problem nesting(String text) {
    NestingScan.TooDeep deep = NestingScan.check(text, MAX_NESTING);
    return deep == null
        ? null
        : new Problem(
            deep.line(),
            "nested more than " + MAX_NESTING + " levels deep (objects, lists and dotted key segments), the loader's limit");
  }

  private static Read text(byte[] bytes) {
    String text;
    try {
      text =
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(bytes))
              .toString();
    } catch (CharacterCodingException e) {
      int bad = firstMalformed(bytes);
      int line = 1;
      for (int i = 0; i < bad; i++) {
        if (bytes[i] == '\n') {
          line++;
        }
      }
      return problem(line, "not UTF-8 text (byte " + bad + " of the file): a scenario is a HOCON text file");
    }
    Problem deep = nesting(text);
    return deep == null ? new Read(text, null) : new Read(null, deep);
  }

  /** The offset of the first byte that does not decode. */
  private static int firstMalformed(byte[] bytes) {
    var decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    java.nio.CharBuffer out = java.nio.CharBuffer.allocate(bytes.length + 1);
    var result = decoder.decode(in, out, true);
    return result.isError() ? in.position() : bytes.length;
  }

  private static String tooLarge(long size) {
    return "is " + size + " bytes, larger than the " + Section.bytes(MAX_BYTES) + " a scenario file may have";
  }

  /** An I/O failure's reason without Java's exception names. */
  static String ioReason(Exception e) {
    String m = e.getMessage();
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied";
    }
    if (m == null || m.isBlank()) {
      return "input/output error";
    }
    return m.replaceAll("(?:[a-z]+\\.)+[A-Z]\\w*(?:Exception|Error): ?", "");
  }

  private static Read problem(int line, String reason) {
    return new Read(null, new Problem(line, reason));
  }
}
