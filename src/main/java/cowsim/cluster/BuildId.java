package cowsim.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * Which build of cowsim this JVM runs: the version and a hash of the code (the jar's bytes, or
 * every file of the classes directory when run from a build tree). A worker and a coordinator
 * whose builds differ would not give comparable runs.
 */
public final class BuildId {

  /** The version the command line prints. */
  public static final String VERSION = "cowsim 0.1.0";

  private BuildId() {}

  /** This JVM's build: {@code "cowsim 0.1.0 sha256:<first 16 hex digits>"}. */
  public static String current() {
    try {
      Path where = Path.of(BuildId.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      MessageDigest d = MessageDigest.getInstance("SHA-256");
      if (Files.isDirectory(where)) {
        List<Path> files;
        try (Stream<Path> s = Files.walk(where)) {
          files = s.filter(Files::isRegularFile).sorted().toList();
        }
        for (Path f : files) {
          d.update(where.relativize(f).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8));
          d.update(Files.readAllBytes(f));
        }
      } else {
        try (InputStream in = Files.newInputStream(where)) {
          byte[] buf = new byte[1 << 16];
          for (int n; (n = in.read(buf)) > 0; ) {
            d.update(buf, 0, n);
          }
        }
      }
      return VERSION + " sha256:" + HexFormat.of().formatHex(d.digest()).substring(0, 16);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot hash the build", e);
    } catch (URISyntaxException | NoSuchAlgorithmException e) {
      throw new IllegalStateException("cannot hash the build", e);
    }
  }
}
