package cowsim.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import cowsim.trace.DecodedTrace;
import cowsim.trace.proto.PerfettoTrace.TrackEvent;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/** {@code run --trace FILE}: a bug-library run's Perfetto trace, decoded. */
class TraceOptionTest {

  @RegisterExtension final Console console = new Console();

  @Test
  void runWritesATraceOfTheShootdownsSlicesFlowsCountersAndTheViolation(@TempDir Path dir) throws Exception {
    Path trace = dir.resolve("run.perfetto-trace");
    int code = Main.execute("run", "scenarios/bugs/stale-tlb-after-cow-copy.conf", "--out", dir.resolve("out").toString(), "--trace", trace.toString());
    assertEquals(0, code, console.err.toString(StandardCharsets.UTF_8));
    assertTrue(console.out.toString(StandardCharsets.UTF_8).contains("trace: " + trace), console.out.toString(StandardCharsets.UTF_8));
    DecodedTrace t = DecodedTrace.read(trace); // nested and closed, every event on a declared track
    JsonNode report = new ObjectMapper().readTree(dir.resolve("out/report.json").toFile());

    for (int cpu = 0; cpu < 3; cpu++) {
      assertTrue(t.tracks.containsValue("cpu-" + cpu), "track of cpu-" + cpu + ": " + t.tracks.values());
    }
    List<String> all = t.ofType(TrackEvent.Type.TYPE_SLICE_BEGIN).stream().map(v -> v.e().getName()).distinct().toList();
    for (String kind : List.of("kernel", "SYS_fork", "page fault", "cow fault", "flush IPI from cpu-0", "spin: ack wait")) {
      assertTrue(all.contains(kind), kind + " in " + all);
    }
    assertTrue(all.stream().anyMatch(n -> n.startsWith("user pid ")), all.toString());
    assertTrue(t.nesting.stream().anyMatch(n -> n[1].equals("cow fault") && n[2].equals("page fault")), "a COW fault inside its page fault");
    assertTrue(t.nesting.stream().anyMatch(n -> n[1].equals("SYS_fork") && n[2].equals("kernel")), "fork's system call inside kernel mode");

    // a flow from an IPI sent on cpu-0 to its handling on another CPU
    boolean sentToHandled = false;
    for (Map.Entry<Long, List<DecodedTrace.Ev>> f : t.flows().entrySet()) {
      List<DecodedTrace.Ev> evs = f.getValue();
      if (evs.size() >= 2 && evs.get(0).e().getName().startsWith("flush IPI to") && evs.get(1).e().getName().startsWith("flush IPI from")
          && !evs.get(0).track().equals(evs.get(1).track())) {
        sentToHandled = true;
      }
    }
    assertTrue(sentToHandled, "a flow from an IPI sent to its handling: " + t.flows());

    List<Long> frames = t.counter("frames in use");
    assertFalse(frames.isEmpty(), "the frames in use counter");
    assertTrue(frames.stream().anyMatch(v -> v > 1), frames.toString());

    JsonNode violation = null;
    for (JsonNode v : report.get("violations")) {
      if (v.get("kind").asText().equals("stale-tlb")) {
        violation = v;
      }
    }
    assertTrue(violation != null, report.toString());
    String detail = violation.get("detail").asText();
    List<DecodedTrace.Ev> instants = t.ofType(TrackEvent.Type.TYPE_INSTANT).stream().filter(v -> v.e().getName().equals("violation: stale-tlb")).toList();
    assertEquals(1, instants.size());
    assertEquals(detail, DecodedTrace.annotation(instants.get(0).e(), "detail"));
    assertEquals("cpu-2", instants.get(0).track());
    assertFalse(t.counter("refcount frame 0x11").isEmpty(), "the refcount of the violation's frame: " + t.tracks.values());
  }

  @Test
  void anUnwritableTraceIsOneLineAndExitCode2(@TempDir Path dir) throws Exception {
    java.nio.file.Files.writeString(dir.resolve("file"), "x");
    int code = Main.execute("run", "--out", dir.resolve("out").toString(), "--trace", dir.resolve("file/sub.trace").toString());
    assertEquals(2, code);
    String e = console.err.toString(StandardCharsets.UTF_8).trim();
    assertEquals(1, e.lines().count(), e);
    assertTrue(e.contains("--trace"), e);
  }

  /** explore: the first failure, replayed after the exploration, is the one traced. */
  @Test
  void exploreTracesItsFirstFailure(@TempDir Path dir) throws Exception {
    Path trace = dir.resolve("first.perfetto-trace");
    int code = Main.execute("explore", "scenarios/racy-cow-threads.conf", "--runs", "20", "--jobs", "1", "--until-first",
        "--out", dir.resolve("out").toString(), "--trace", trace.toString());
    assertEquals(1, code, console.err.toString(StandardCharsets.UTF_8));
    assertTrue(console.out.toString(StandardCharsets.UTF_8).contains("  trace: " + trace), console.out.toString(StandardCharsets.UTF_8));
    DecodedTrace t = DecodedTrace.read(trace);
    JsonNode report = new ObjectMapper().readTree(dir.resolve("out/first-failure/report.json").toFile());
    List<String> kinds = new java.util.ArrayList<>();
    report.get("violations").forEach(v -> kinds.add("violation: " + v.get("kind").asText()));
    List<String> instants = t.ofType(TrackEvent.Type.TYPE_INSTANT).stream().map(v -> v.e().getName()).filter(n -> n.startsWith("violation: ")).toList();
    assertFalse(instants.isEmpty());
    assertEquals(kinds, instants, "the trace's violations are the first failure's");
  }
}
