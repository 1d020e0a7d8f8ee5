package cowsim.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.check.Violation;
import cowsim.check.ViolationKind;
import cowsim.machine.observe.Event;
import cowsim.trace.proto.PerfettoTrace.TrackEvent;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TraceWriterTest {

  @TempDir Path dir;

  private DecodedTrace write(List<Event> events, List<Violation> violations) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TraceWriter w = new TraceWriter(bytes, dir.resolve("spill"), "test")) {
      events.forEach(w);
      w.finish(violations);
    }
    assertFalse(Files.exists(dir.resolve("spill")), "the spill file is deleted");
    return new DecodedTrace(bytes.toByteArray());
  }

  /** A fork on cpu-0 that shoots down cpu-1's TLB: the slices nest, the IPI's flow goes send -> handling -> ack. */
  @Test
  void aShootdownIsNestedSlicesAndAFlowFromTheIpiToItsHandlingAndAck() throws IOException {
    DecodedTrace t = write(
        List.of(
            new Event.CpuMode(10, 0, "user", 1, 1),
            new Event.CpuMode(10, 1, "user", 1, 2),
            new Event.CpuMode(20, 0, "kernel", 1, 1),
            new Event.KernelEntry(20, 0, "SYS_fork", "rdi 0x0, rsi 0x0"),
            new Event.OpBegin(25, 0, 0x5000, "fork"),
            new Event.IpiSent(30, 0, 1, 1),
            new Event.SpinBegin(30, 0, "ack wait"),
            new Event.IpiHandled(40, 1, 0, 1),
            new Event.IpiAcked(50, 0, 1, 1),
            new Event.SpinEnd(50, 0, "ack wait"),
            new Event.OpEnd(60, 0, 0x5000, "fork"),
            new Event.OpEnd(61, 0, 0x5000, "munmap"), // none open: ignored
            new Event.CpuMode(70, 0, "user", 1, 1)),
        List.of());
    assertEquals(List.of("test", "frames in use", "cpu-0", "cpu-1"), List.copyOf(t.tracks.values()));
    assertEquals(List.of("user pid 1 tid 1", "kernel", "SYS_fork", "fork", "spin: ack wait", "user pid 1 tid 1"), t.slices("cpu-0"));
    assertEquals(List.of("user pid 1 tid 2", "flush IPI from cpu-0"), t.slices("cpu-1"));
    List<String> parents = t.nesting.stream().filter(n -> n[0].equals("cpu-0")).map(n -> n[1] + " in " + n[2]).toList();
    assertEquals(
        List.of("user pid 1 tid 1 in ", "kernel in ", "SYS_fork in kernel", "fork in SYS_fork", "spin: ack wait in fork", "user pid 1 tid 1 in "), parents);
    Map<Long, List<DecodedTrace.Ev>> flows = t.flows();
    assertEquals(1, flows.size());
    List<DecodedTrace.Ev> flow = flows.values().iterator().next();
    assertEquals(List.of("flush IPI to cpu-1", "flush IPI from cpu-0", "ack from cpu-1"), flow.stream().map(v -> v.e().getName()).toList());
    assertEquals(List.of("cpu-0", "cpu-1", "cpu-0"), flow.stream().map(DecodedTrace.Ev::track).toList());
    assertEquals(1, flow.get(2).e().getTerminatingFlowIdsCount(), "the ack ends the flow");
    // the slices still open at the end are closed at the last cycle seen
    DecodedTrace.Ev lastEnd = t.ofType(TrackEvent.Type.TYPE_SLICE_END).get(t.ofType(TrackEvent.Type.TYPE_SLICE_END).size() - 1);
    assertEquals(70, lastEnd.ts());
  }

  @Test
  void framesInUseCountsAllocationsAndGoodFrees() throws IOException {
    DecodedTrace t = write(
        List.of(
            new Event.Alloc(1, 0, 0x10, 0),
            new Event.Alloc(2, 0, 0x20, 2),
            new Event.Free(3, 0, 0x10, true, "ok", 0),
            new Event.Free(4, 0, 0x10, false, "double free", 0)),
        List.of());
    assertEquals(List.of(1L, 5L, 4L), t.counter(TraceWriter.FRAMES_IN_USE));
  }

  @Test
  void aViolationIsAnInstantWithItsDetailAndHistoryAndItsFramesRefcountIsACounter() throws IOException {
    Violation v = new Violation(ViolationKind.STALE_TLB, 1, 1, 2, 0x400000, 0x11, 90, "pid 1 loaded 1 through a stale TLB entry",
        List.of(new Violation.HistoryEntry(80, 0, "memory", "refcount 2 -> 1 (cpu-0)")));
    Violation machineWide = new Violation(ViolationKind.STALE_TLB, -1, 0, 0, -1, -1, 95, "at the end", List.of());
    DecodedTrace t = write(
        List.of(
            new Event.RefChange(5, 0, 0x11, 1, 1),
            new Event.RefChange(6, 0, 0x12, 1, 1),
            new Event.RefChange(80, 0, 0x11, 2, -1),
            new Event.CpuMode(85, 1, "user", 1, 2)),
        List.of(v, machineWide));
    List<DecodedTrace.Ev> instants = t.ofType(TrackEvent.Type.TYPE_INSTANT);
    assertEquals(2, instants.size());
    DecodedTrace.Ev i = instants.get(0);
    assertEquals("violation: stale-tlb", i.e().getName());
    assertEquals("cpu-1", i.track());
    assertEquals(90, i.ts());
    assertEquals(v.detail(), DecodedTrace.annotation(i.e(), "detail"));
    assertEquals("0x11", DecodedTrace.annotation(i.e(), "frame"));
    String history = i.e().getDebugAnnotationsList().stream().filter(a -> a.getName().equals("history")).findFirst().orElseThrow().getArrayValues(0).getStringValue();
    assertTrue(history.contains("refcount 2 -> 1"), history);
    assertEquals("violations", instants.get(1).track());
    assertEquals(List.of(2L, 1L), t.counter(TraceWriter.refcountTrack(0x11)));
    assertFalse(t.tracks.containsValue(TraceWriter.refcountTrack(0x12)), "only the frames a violation names");
  }

  /** A million events of a long run: the writer holds its open slices and tracks, never the events. */
  @Test
  void aMillionEventsAreStreamedWithBoundedState() throws IOException {
    long[] written = {0};
    OutputStream counting = new OutputStream() {
      @Override
      public void write(int b) {
        written[0]++;
      }

      @Override
      public void write(byte[] b, int off, int len) {
        written[0] += len;
      }
    };
    int maxHeld = 0;
    try (TraceWriter w = new TraceWriter(counting, dir.resolve("spill"), "big")) {
      for (int i = 0; i < 1_000_000; i++) {
        int cpu = i % 8;
        long cycle = i;
        switch (i % 5) {
          case 0 -> w.accept(new Event.CpuMode(cycle, cpu, "user", 1, cpu));
          case 1 -> w.accept(new Event.CpuMode(cycle, cpu, "kernel", 1, cpu));
          case 2 -> w.accept(new Event.KernelEntry(cycle, cpu, "page fault", "write"));
          case 3 -> w.accept(new Event.Alloc(cycle, cpu, i, 0));
          default -> w.accept(new Event.RefChange(cycle, cpu, i, 0, 1));
        }
        if (i % 1000 == 0) {
          maxHeld = Math.max(maxHeld, w.held());
        }
      }
      w.finish(List.of());
    }
    assertTrue(maxHeld <= 8 * 3, "held " + maxHeld);
    assertTrue(written[0] > 1_000_000, "the events went out: " + written[0] + " bytes");
  }
}
