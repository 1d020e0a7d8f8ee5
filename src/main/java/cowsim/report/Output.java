package cowsim.report;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.typesafe.config.Config;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/**
 * A command's output directory and every file written into it.
 *
 * <ul>
 *   <li>{@link #prepare} checks the directory before the run starts: an empty path, a file, a
 *       device, a place that cannot be created or written (read-only, {@code /proc}), a name too
 *       long: each is an {@link OutputException} with one line, {@code --out X: not a directory}.
 *   <li>Every file is written atomically: into a temporary file in the same directory, forced to
 *       disk, then renamed over the target. A file is therefore whole or absent; when a write
 *       fails (a full disk), the temporary file and any older file of that name are removed and
 *       an {@link OutputException} names the file and the reason.
 * </ul>
 *
 * <p>Test equipment: {@code cowsim.debug.output-space} (bytes, -1 = no limit) makes the disk
 * "full" after that many bytes of output files, so the full-disk path is tested without a full
 * disk. A command and its subdirectories share one budget.
 */
public final class Output {

  /** Bytes the output files may still take before writes fail (the test hook), shared by subdirectories. */
  private static final class Space {
    private long left;

    Space(long left) {
      this.left = left;
    }

    synchronized void take(Path file, int bytes) throws IOException {
      if (left < 0) {
        return;
      }
      if (bytes > left) {
        left = 0;
        throw new FileSystemException(file.toString(), null, "No space left on device (cowsim.debug.output-space)");
      }
      left -= bytes;
    }
  }

  private final Path dir;
  private final Space space;

  private Output(Path dir, Space space) {
    this.dir = dir;
    this.space = space;
  }

  /**
   * Checks and creates the output directory.
   *
   * @param requested the {@code --out} value, or null when it was not given
   * @param fallback the default directory when {@code requested} is null
   * @param config where the test hook {@code cowsim.debug.output-space} is read
   */
  public static Output prepare(Path requested, Path fallback, Config config) throws OutputException {
    Path dir = requested != null ? requested : fallback;
    String label = requested != null ? "--out " + show(requested) : "output directory " + show(dir);
    if (dir.toString().isEmpty()) {
      throw new OutputException(label + "''" + ": empty path (name a directory)");
    }
    check(dir, label);
    long space = config.getLong("cowsim.debug.output-space");
    return new Output(dir, new Space(space >= 0 ? space : -1));
  }

  /** An output directory without the test hook (tests, tools). */
  public static Output prepare(Path dir) throws OutputException {
    check(dir, "output directory " + show(dir));
    return new Output(dir, new Space(-1));
  }

  private static void check(Path dir, String label) throws OutputException {
    if (Files.exists(dir) && !Files.isDirectory(dir)) {
      throw new OutputException(label + ": not a directory");
    }
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new OutputException(label + ": " + reason(e), e);
    } catch (SecurityException | UnsupportedOperationException e) {
      throw new OutputException(label + ": " + e.getMessage(), e);
    }
    // creatable is not writable (a read-only directory or file system): try it
    try {
      Path probe = Files.createTempFile(dir, ".cowsim-probe-", ".tmp");
      Files.delete(probe);
    } catch (IOException e) {
      throw new OutputException(label + ": not writable: " + reason(e), e);
    }
  }

  /** The directory. */
  public Path dir() {
    return dir;
  }

  /** A path inside it. */
  public Path resolve(String name) {
    return dir.resolve(name);
  }

  /** A subdirectory, created (e.g. {@code first-failure}, {@code logs}); shares the space budget. */
  public Output sub(String name) throws OutputException {
    Path d = dir.resolve(name);
    try {
      Files.createDirectories(d);
    } catch (IOException e) {
      throw new OutputException(show(d) + ": " + reason(e), e);
    }
    return new Output(d, space);
  }

  /** Writes {@code name} atomically: whole, or absent and an OutputException. */
  public Path write(String name, byte[] content) throws OutputException {
    Path target = dir.resolve(name);
    Path tmp = null;
    try {
      tmp = temporary(name);
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ByteBuffer buf = ByteBuffer.wrap(content);
        while (buf.hasRemaining()) {
          int chunk = Math.min(buf.remaining(), 1 << 16);
          space.take(target, chunk);
          ByteBuffer slice = buf.slice();
          slice.limit(chunk);
          int n = ch.write(slice);
          buf.position(buf.position() + n);
        }
        ch.force(true);
      }
      try {
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (java.nio.file.AtomicMoveNotSupportedException e) {
        Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      return target;
    } catch (IOException e) {
      deleteQuietly(tmp);
      deleteQuietly(target); // an older file of that name would pass for this run's
      throw new OutputException(show(target) + ": not written: " + reason(e), e);
    }
  }

  /**
   * A new empty file beside {@code name} (created with the process's umask, as the file it
   * replaces would be; {@code Files.createTempFile} would make it private).
   */
  private Path temporary(String name) throws IOException {
    for (int attempt = 0; ; attempt++) {
      Path p = dir.resolve("." + name + "." + Long.toHexString(java.util.concurrent.ThreadLocalRandom.current().nextLong()) + ".tmp");
      try {
        return Files.createFile(p);
      } catch (FileAlreadyExistsException e) {
        if (attempt > 100) {
          throw e;
        }
      }
    }
  }

  public Path writeString(String name, String text) throws OutputException {
    return write(name, text.getBytes(StandardCharsets.UTF_8));
  }

  /** JSON, indented. */
  public Path writeJson(String name, JsonNode json) throws OutputException {
    try {
      return write(name, new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(json));
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException("report JSON could not be serialised", e);
    }
  }

  /** {@code error.txt}: a simulator error's stack trace. */
  public Path writeStackTrace(Throwable error) throws OutputException {
    return writeString("error.txt", stackTrace(error));
  }

  public static String stackTrace(Throwable error) {
    StringWriter sw = new StringWriter();
    error.printStackTrace(new PrintWriter(sw));
    if (error.getStackTrace().length == 0) {
      // HotSpot keeps a few OutOfMemoryErrors with frames; once used up, it throws them without
      sw.append("\t(no stack frames: the JVM threw it without them, as it does for a repeated OutOfMemoryError)")
          .append(System.lineSeparator());
    }
    return sw.toString();
  }

  /** Removes {@code name} if it is there (best effort: a file of a write that is being undone). */
  public void delete(String name) {
    deleteQuietly(dir.resolve(name));
  }

  private static void deleteQuietly(Path p) {
    if (p == null) {
      return;
    }
    try {
      Files.deleteIfExists(p);
    } catch (IOException | RuntimeException ignored) {
      // best effort: the write already failed, and that is what is reported
    }
  }

  /** Why an I/O operation failed, in a few words (the OS's reason where there is one). */
  public static String reason(IOException e) {
    if (e instanceof FileAlreadyExistsException) {
      return "not a directory";
    }
    if (e instanceof NoSuchFileException) {
      return "cannot be created (no such file or directory)";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof FileSystemException f && f.getReason() != null) {
      String r = f.getReason();
      return r.isEmpty() ? r : r.substring(0, 1).toLowerCase(Locale.ROOT) + r.substring(1);
    }
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }

  /** A path for a one-line message: a very long one shortened in the middle. */
  public static String show(Path p) {
    String s = p.toString();
    return s.length() <= 160 ? s : s.substring(0, 70) + "...(" + s.length() + " characters)..." + s.substring(s.length() - 70);
  }
}
