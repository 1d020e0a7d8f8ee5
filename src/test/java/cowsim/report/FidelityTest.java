package cowsim.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.ObjectNode;
import cowsim.kernel.ProcessInfo;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The fidelity comparison without processes: parsing, decoding, rows, verdicts, table, JSON. */
class FidelityTest {

  private static final List<Fidelity.Phase> LINUX = List.of(new Fidelity.Phase("read", 64), new Fidelity.Phase("write", 64));

  private static String record(String name, long v) {
    byte[] b = new byte[16];
    byte[] n = name.getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(n, 0, b, 0, n.length);
    for (int i = 0; i < 8; i++) {
      b[8 + i] = (byte) (v >>> (8 * i));
    }
    return new String(b, StandardCharsets.ISO_8859_1);
  }

  private static ProcessInfo proc(long pid, String stdout) {
    return new ProcessInfo(pid, 0, "p", 0, false, null, 1, 0, stdout, "");
  }

  @Test
  void parsesPhaseLinesAndRefusesAnythingElseWithItsLine() throws Exception {
    assertEquals(LINUX, Fidelity.parseLinux("phase read minflt 64\nphase write minflt 64\n", "x.out"));
    Fidelity.BadOutput e = assertThrows(Fidelity.BadOutput.class, () -> Fidelity.parseLinux("phase read minflt 64\nhello\n", "x.out"));
    assertEquals("x.out:2: not a phase line: \"hello\"", e.getMessage());
  }

  @Test
  void decodesRecordsOfEveryProcessInPidOrder() throws Exception {
    List<Fidelity.Phase> p = Fidelity.decodeCowsim(List.of(proc(1, record("touch", 64) + record("p-write", 0)), proc(2, ""), proc(3, record("c-write", 300))));
    assertEquals(List.of(new Fidelity.Phase("touch", 64), new Fidelity.Phase("p-write", 0), new Fidelity.Phase("c-write", 300)), p);
    assertThrows(Fidelity.BadOutput.class, () -> Fidelity.decodeCowsim(List.of(proc(1, "hi\n"))));
  }

  @Test
  void aPatternIsEqualWhenEveryPhaseIsAndRowsFollowTheCProgram() {
    Fidelity.Result same = new Fidelity.Result("rw", LINUX, null, List.of(new Fidelity.Phase("write", 64), new Fidelity.Phase("read", 64)), null);
    assertEquals("equal", same.verdict());
    assertEquals("read", same.rows().get(0).phase());
    Fidelity.Result differs = new Fidelity.Result("rw", LINUX, null, List.of(new Fidelity.Phase("read", 64), new Fidelity.Phase("write", 0)), null);
    assertEquals("differs", differs.verdict());
    Fidelity.Result missing = new Fidelity.Result("rw", LINUX, null, List.of(new Fidelity.Phase("read", 64)), null);
    assertEquals("differs", missing.verdict(), "a phase only one side has");
    Fidelity.Result unmeasured = new Fidelity.Result("rw", null, "linux: not measured (no C compiler)", LINUX, null);
    assertEquals("not measured", unmeasured.verdict());
    assertEquals("patterns equal: 1 / 3 (1 not measured)", Fidelity.summary(List.of(same, differs, unmeasured)));
    String t = Fidelity.table(List.of(differs, unmeasured));
    assertTrue(t.contains("rw                   read         64      64  differs\n"), t);
    assertTrue(t.contains("                     write        64       0  <- differs\n"), t);
    assertTrue(t.contains("rw                   read          -      64  not measured\n"), t);
    assertTrue(t.contains("linux: not measured (no C compiler)"), t);
  }

  @Test
  void jsonHasTheHostAndEveryPhase() {
    Fidelity.Result differs = new Fidelity.Result("rw", LINUX, null, List.of(new Fidelity.Phase("read", 64), new Fidelity.Phase("write", 0)), null);
    ObjectNode j = Fidelity.json("6.1.0", "cc", "cc 12", List.of(differs));
    assertEquals("6.1.0", j.get("linux_release").asText());
    assertEquals("cc 12", j.get("cc_version").asText());
    assertEquals("differs", j.get("patterns").get(0).get("verdict").asText());
    assertEquals(0, j.get("patterns").get(0).get("phases").get(1).get("cowsim_minflt").asLong());
    assertEquals(false, j.get("patterns").get(0).get("phases").get(1).get("equal").asBoolean());
  }
}
