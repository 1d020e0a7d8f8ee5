package cowsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.slf4j.LoggerFactory;

class LogArgsTest {

  @RegisterExtension final Console console = new Console();

  private static LoggerContext context() {
    return (LoggerContext) LoggerFactory.getILoggerFactory();
  }

  private Level cowsim;
  private Level cpu;

  @org.junit.jupiter.api.BeforeEach
  void remember() {
    cowsim = context().getLogger("cowsim").getLevel();
    cpu = context().getLogger("cowsim.cpu").getLevel();
  }

  @AfterEach
  void restore() {
    context().getLogger("cowsim").setLevel(cowsim);
    context().getLogger("cowsim.cpu").setLevel(cpu);
    System.clearProperty("logback.configurationFile");
  }

  @ParameterizedTest
  @ValueSource(strings = {"run", "explore", "stress", "mutants", "compare"})
  void aBadLevelIsOneLineAndExitCode2(String command) {
    assertEquals(2, Main.execute(command, "--log-level", "loud", "scenarios/fork-cow-basic.conf"));
    String err = console.err.toString(StandardCharsets.UTF_8);
    assertEquals("cowsim: --log-level: unknown level 'loud' (known: TRACE, DEBUG, INFO, WARN, ERROR, OFF)", err.strip());
  }

  @Test
  void aBadPerLoggerLevelIsOneLineAndExitCode2() {
    assertEquals(2, Main.execute("run", "--log", "cowsim.cpu=LOUDER"));
    String err = console.err.toString(StandardCharsets.UTF_8);
    assertTrue(err.startsWith("cowsim: --log cowsim.cpu=LOUDER: unknown level 'LOUDER'"), err);
    assertEquals(1, err.strip().lines().count(), err);
  }

  @Test
  void levelsApplyToTheLoggersNamed(@TempDir Path dir) {
    assertEquals(0, Main.execute("run", "--quiet", "--out", dir.toString(), "--log-level", "warn", "--log", "cowsim.cpu=debug"),
        console.err.toString(StandardCharsets.UTF_8));
    assertEquals(Level.WARN, context().getLogger("cowsim").getLevel());
    assertEquals(Level.DEBUG, context().getLogger("cowsim.cpu").getLevel());
  }

  @Test
  void theWorkingTreesLogbackXmlIsUsedWhenPresentAndNoOtherIsNamed(@TempDir Path dir) throws Exception {
    Path missing = dir.resolve("config/logback.xml");
    Main.useWorkingTreeLogback(missing);
    assertNull(System.getProperty("logback.configurationFile"), "no file: the bundled one");
    Files.createDirectories(missing.getParent());
    Files.writeString(missing, "<configuration/>");
    Main.useWorkingTreeLogback(missing);
    assertEquals(missing.toAbsolutePath().toString(), System.getProperty("logback.configurationFile"));
    System.setProperty("logback.configurationFile", "/elsewhere.xml");
    Main.useWorkingTreeLogback(missing);
    assertEquals("/elsewhere.xml", System.getProperty("logback.configurationFile"), "-Dlogback.configurationFile wins");
  }
}
