package cowsim.trace;

import com.google.protobuf.CodedOutputStream;
import cowsim.check.Violation;
import cowsim.machine.observe.Event;
import cowsim.trace.proto.PerfettoTrace.CounterDescriptor;
import cowsim.trace.proto.PerfettoTrace.DebugAnnotation;
import cowsim.trace.proto.PerfettoTrace.ProcessDescriptor;
import cowsim.trace.proto.PerfettoTrace.ThreadDescriptor;
import cowsim.trace.proto.PerfettoTrace.TracePacket;
import cowsim.trace.proto.PerfettoTrace.TrackDescriptor;
import cowsim.trace.proto.PerfettoTrace.TrackEvent;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A run's timeline as a Perfetto trace (the protobuf {@code Trace}, one {@code TracePacket} after
 * another), written as the machine's {@link Event}s come: one thread-style track per CPU with
 * nested slices (user execution, kernel entries by system call or page fault, the kernel's
 * operations such as a COW fault or fork, lock spins and ack waits, flush IPIs handled), flows
 * from each flush IPI sent to its handling and to its ack, a counter of frames in use, and at the
 * end each violation as an instant with its detail and history, and the refcount of each frame a
 * violation names as a counter.
 *
 * <p>Streaming: what it holds is the open slices of each CPU and one number per counter; the
 * refcount changes of every frame go to a spill file on disk (which frames a violation names is
 * known only at the end), read once at {@link #finish} and deleted. Timestamps are virtual cycles
 * on the trace's default clock, so the UI shows 1 cycle as 1 ns.
 */
public final class TraceWriter implements Consumer<Event>, Closeable {

  /** The one packet sequence this writer writes. */
  static final int SEQUENCE = 1;

  static final long MACHINE_UUID = 1;
  static final long FRAMES_UUID = 2;
  static final long VIOLATIONS_UUID = 3;
  private static final long CPU_UUID_BASE = 1_000;
  private static final long REFCOUNT_UUID_BASE = 1L << 40;

  /** The name of the counter track of frames in use. */
  public static final String FRAMES_IN_USE = "frames in use";

  /** the file, buffered: CodedOutputStream's own buffer flushes into it */
  private final OutputStream sink;
  private final CodedOutputStream out;
  private final Path spillFile;
  private final DataOutputStream spill;
  /** per CPU, its open slices' names, innermost last; null: its track is not declared yet */
  private final List<Deque<String>> open = new ArrayList<>();
  private boolean first = true;
  private long framesInUse;
  private long lastCycle;
  private IOException failure;
  private boolean finished;

  /**
   * @param sink where the trace goes (buffered here)
   * @param spillFile a file this writer may create and deletes at {@link #finish}: every
   *     refcount change, so a violation's frame's history can be drawn afterwards
   * @param title the machine's track name (the scenario)
   */
  public TraceWriter(OutputStream sink, Path spillFile, String title) throws IOException {
    this.sink = new BufferedOutputStream(sink, 1 << 16);
    this.out = CodedOutputStream.newInstance(this.sink, 1 << 16);
    this.spillFile = spillFile;
    this.spill = new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(spillFile), 1 << 16));
    packet(
        TracePacket.newBuilder()
            .setTrackDescriptor(
                TrackDescriptor.newBuilder()
                    .setUuid(MACHINE_UUID)
                    .setName(title)
                    .setProcess(ProcessDescriptor.newBuilder().setPid(1).setProcessName("cowsim: " + title + " (1 cycle = 1 ns)"))));
    packet(
        TracePacket.newBuilder()
            .setTrackDescriptor(
                TrackDescriptor.newBuilder()
                    .setUuid(FRAMES_UUID)
                    .setParentUuid(MACHINE_UUID)
                    .setName(FRAMES_IN_USE)
                    .setCounter(CounterDescriptor.newBuilder().setUnit(CounterDescriptor.Unit.UNIT_COUNT))));
  }

  /** How many things this writer holds in memory now: its open slices and CPU tracks (a bounded-state check). */
  public int held() {
    int n = open.size();
    for (Deque<String> d : open) {
      n += d == null ? 0 : d.size();
    }
    return n;
  }

  @Override
  public void accept(Event e) {
    if (failure != null || finished) {
      return;
    }
    try {
      take(e);
    } catch (IOException x) {
      failure = x;
    }
  }

  private void take(Event e) throws IOException {
    lastCycle = Math.max(lastCycle, e.cycle());
    if (e instanceof Event.RefChange r) {
      spill.writeLong(r.frame());
      spill.writeLong(r.cycle());
      spill.writeLong(r.old() + r.delta());
    } else if (e instanceof Event.Alloc a) {
      framesInUse += 1L << a.order();
      counter(FRAMES_UUID, a.cycle(), framesInUse);
    } else if (e instanceof Event.Free f) {
      if (f.ok()) {
        framesInUse -= 1L << f.order();
        counter(FRAMES_UUID, f.cycle(), framesInUse);
      }
    } else if (e instanceof Event.CpuMode m) {
      endAll(m.cpu(), m.cycle());
      String name = m.mode().equals("user") ? "user pid " + m.pid() + " tid " + m.tid() : m.mode();
      begin(m.cpu(), m.cycle(), name, "mode", annotations("pid", m.pid(), "tid", m.tid()));
    } else if (e instanceof Event.KernelEntry k) {
      begin(k.cpu(), k.cycle(), k.what(), k.what().startsWith("SYS_") ? "syscall" : "fault", List.of(text("detail", k.detail())));
    } else if (e instanceof Event.OpBegin o) {
      begin(o.cpu(), o.cycle(), o.what(), "kernel", List.of(text("range", range(o.start(), o.end())), text("cr3", hex(o.cr3()))));
    } else if (e instanceof Event.OpEnd o) {
      endTo(o.cpu(), o.cycle(), o.what());
    } else if (e instanceof Event.SpinBegin s) {
      begin(s.cpu(), s.cycle(), spinName(s.what()), "spin", List.of());
    } else if (e instanceof Event.SpinEnd s) {
      endTo(s.cpu(), s.cycle(), spinName(s.what()));
    } else if (e instanceof Event.IpiSent s) {
      instant(s.cpu(), s.cycle(), "flush IPI to cpu-" + s.target(), "ipi", flow(s.cpu(), s.request(), s.target()), false, annotations("request", s.request(), "target", s.target()));
    } else if (e instanceof Event.IpiHandled h) {
      TrackEvent.Builder b = slice(TrackEvent.Type.TYPE_SLICE_BEGIN, h.cpu(), "flush IPI from cpu-" + h.initiator(), "ipi")
          .addFlowIds(flow(h.initiator(), h.request(), h.cpu()))
          .addAllDebugAnnotations(annotations("request", h.request(), "initiator", h.initiator()));
      event(h.cpu(), h.cycle(), b);
      event(h.cpu(), h.cycle(), TrackEvent.newBuilder().setType(TrackEvent.Type.TYPE_SLICE_END).setTrackUuid(cpuUuid(h.cpu())));
    } else if (e instanceof Event.IpiAcked a) {
      instant(a.cpu(), a.cycle(), "ack from cpu-" + a.target(), "ipi", flow(a.cpu(), a.request(), a.target()), true, annotations("request", a.request(), "target", a.target()));
    }
  }

  /**
   * The end of the run: each violation as an instant on its CPU's track (or the machine's
   * violations track), the refcount counter of each frame a violation names, every slice still
   * open closed at the last cycle seen; then the trace is flushed and the spill file deleted.
   *
   * @throws IOException the first write that failed, here or while the run was observed
   */
  public void finish(List<Violation> violations) throws IOException {
    if (finished) {
      return;
    }
    finished = true;
    try {
      if (failure != null) {
        throw failure;
      }
      spill.close();
      Set<Long> frames = new LinkedHashSet<>();
      boolean machineTrack = false;
      for (Violation v : violations) {
        lastCycle = Math.max(lastCycle, v.cycle());
        if (v.frame() >= 0) {
          frames.add(v.frame());
        }
        if (v.cpu() < 0 && !machineTrack) {
          machineTrack = true;
          packet(TracePacket.newBuilder().setTrackDescriptor(TrackDescriptor.newBuilder().setUuid(VIOLATIONS_UUID).setParentUuid(MACHINE_UUID).setName("violations")));
        }
        List<DebugAnnotation> notes = new ArrayList<>();
        notes.add(text("detail", v.detail()));
        notes.add(text("kind", v.kind().toString()));
        notes.addAll(annotations("pid", v.pid(), "tid", v.tid()));
        notes.add(text("vaddr", v.vaddr() < 0 ? "-" : hex(v.vaddr())));
        notes.add(text("frame", v.frame() < 0 ? "-" : hex(v.frame())));
        DebugAnnotation.Builder history = DebugAnnotation.newBuilder().setName("history");
        for (Violation.HistoryEntry h : v.history()) {
          history.addArrayValues(DebugAnnotation.newBuilder().setStringValue("cycle " + h.cycle() + " cpu-" + h.cpu() + " " + h.actor() + ": " + h.what()));
        }
        notes.add(history.build());
        TrackEvent.Builder b = TrackEvent.newBuilder()
            .setType(TrackEvent.Type.TYPE_INSTANT)
            .setName("violation: " + v.kind())
            .addCategories("violation")
            .addAllDebugAnnotations(notes);
        if (v.cpu() >= 0) {
          event(v.cpu(), v.cycle(), b.setTrackUuid(cpuUuid(v.cpu())));
        } else {
          packet(TracePacket.newBuilder().setTimestamp(v.cycle()).setTrackEvent(b.setTrackUuid(VIOLATIONS_UUID)));
        }
      }
      refcounts(frames);
      for (int cpu = 0; cpu < open.size(); cpu++) {
        if (open.get(cpu) != null) {
          endAll(cpu, lastCycle);
        }
      }
      out.flush();
      sink.flush();
    } finally {
      Files.deleteIfExists(spillFile);
    }
  }

  /** The refcount of each named frame over the run, from the spill file. */
  private void refcounts(Set<Long> frames) throws IOException {
    if (frames.isEmpty()) {
      return;
    }
    Map<Long, Long> uuids = new HashMap<>();
    for (long f : frames) {
      long uuid = REFCOUNT_UUID_BASE + f;
      uuids.put(f, uuid);
      packet(
          TracePacket.newBuilder()
              .setTrackDescriptor(
                  TrackDescriptor.newBuilder()
                      .setUuid(uuid)
                      .setParentUuid(MACHINE_UUID)
                      .setName(refcountTrack(f))
                      .setCounter(CounterDescriptor.newBuilder().setUnit(CounterDescriptor.Unit.UNIT_COUNT))));
    }
    try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(spillFile), 1 << 16))) {
      while (true) {
        long frame;
        try {
          frame = in.readLong();
        } catch (EOFException end) {
          break;
        }
        long cycle = in.readLong();
        long value = in.readLong();
        Long uuid = uuids.get(frame);
        if (uuid != null) {
          counter(uuid, cycle, value);
        }
      }
    }
  }

  /** The name of the counter track of a frame's refcount. */
  public static String refcountTrack(long frame) {
    return "refcount frame " + hex(frame);
  }

  /** Closes the output (after {@link #finish}, or to abandon it: the spill file is deleted). */
  @Override
  public void close() throws IOException {
    try {
      spill.close();
      Files.deleteIfExists(spillFile);
    } finally {
      if (failure == null) {
        out.flush();
      }
      sink.close();
    }
  }

  // ---- slices ----

  private void begin(int cpu, long cycle, String name, String category, List<DebugAnnotation> notes) throws IOException {
    if (cpu < 0) {
      return;
    }
    event(cpu, cycle, slice(TrackEvent.Type.TYPE_SLICE_BEGIN, cpu, name, category).addAllDebugAnnotations(notes));
    open.get(cpu).addLast(name);
  }

  /** Ends the innermost open slice named {@code name} and those inside it; nothing when none is open. */
  private void endTo(int cpu, long cycle, String name) throws IOException {
    if (cpu < 0 || cpu >= open.size() || open.get(cpu) == null || !open.get(cpu).contains(name)) {
      return;
    }
    Deque<String> d = open.get(cpu);
    while (!d.isEmpty()) {
      String top = d.removeLast();
      end(cpu, cycle);
      if (top.equals(name)) {
        return;
      }
    }
  }

  private void endAll(int cpu, long cycle) throws IOException {
    if (cpu < 0) {
      return;
    }
    declare(cpu);
    Deque<String> d = open.get(cpu);
    while (!d.isEmpty()) {
      d.removeLast();
      end(cpu, cycle);
    }
  }

  private void end(int cpu, long cycle) throws IOException {
    event(cpu, cycle, TrackEvent.newBuilder().setType(TrackEvent.Type.TYPE_SLICE_END).setTrackUuid(cpuUuid(cpu)));
  }

  private void instant(int cpu, long cycle, String name, String category, long flow, boolean terminating, List<DebugAnnotation> notes) throws IOException {
    if (cpu < 0) {
      return;
    }
    TrackEvent.Builder b = slice(TrackEvent.Type.TYPE_INSTANT, cpu, name, category).addAllDebugAnnotations(notes);
    if (terminating) {
      b.addTerminatingFlowIds(flow);
    } else {
      b.addFlowIds(flow);
    }
    event(cpu, cycle, b);
  }

  private static TrackEvent.Builder slice(TrackEvent.Type type, int cpu, String name, String category) {
    return TrackEvent.newBuilder().setType(type).setTrackUuid(cpuUuid(cpu)).setName(name).addCategories(category);
  }

  private void counter(long track, long cycle, long value) throws IOException {
    packet(
        TracePacket.newBuilder()
            .setTimestamp(cycle)
            .setTrackEvent(TrackEvent.newBuilder().setType(TrackEvent.Type.TYPE_COUNTER).setTrackUuid(track).setCounterValue(value)));
  }

  private void event(int cpu, long cycle, TrackEvent.Builder b) throws IOException {
    declare(cpu);
    packet(TracePacket.newBuilder().setTimestamp(cycle).setTrackEvent(b));
  }

  /** The CPU's track, declared before its first event. */
  private void declare(int cpu) throws IOException {
    while (open.size() <= cpu) {
      open.add(null);
    }
    if (open.get(cpu) != null) {
      return;
    }
    open.set(cpu, new ArrayDeque<>());
    packet(
        TracePacket.newBuilder()
            .setTrackDescriptor(
                TrackDescriptor.newBuilder()
                    .setUuid(cpuUuid(cpu))
                    .setParentUuid(MACHINE_UUID)
                    .setName("cpu-" + cpu)
                    .setThread(ThreadDescriptor.newBuilder().setPid(1).setTid(cpu + 2).setThreadName("cpu-" + cpu))));
  }

  private void packet(TracePacket.Builder p) throws IOException {
    p.setTrustedPacketSequenceId(SEQUENCE);
    if (first) {
      p.setSequenceFlags(1); // SEQ_INCREMENTAL_STATE_CLEARED
      first = false;
    }
    out.writeMessage(1, p.build()); // Trace.packet = 1: a Trace is its packets one after another
  }

  // ---- names and ids ----

  static long cpuUuid(int cpu) {
    return CPU_UUID_BASE + cpu;
  }

  /** One flow per (initiator, request, target): the IPI sent, handled on the target, acked. */
  static long flow(int initiator, long request, int target) {
    return ((long) initiator << 44) | (request << 16) | target; // requests count from 1: never 0
  }

  private static String spinName(String what) {
    return "spin: " + what;
  }

  private static String range(long start, long end) {
    return end == Event.WHOLE && start == 0 ? "whole address space" : hex(start) + "-" + hex(end);
  }

  private static String hex(long v) {
    return "0x" + Long.toHexString(v);
  }

  private static DebugAnnotation text(String name, String value) {
    return DebugAnnotation.newBuilder().setName(name).setStringValue(value).build();
  }

  private static List<DebugAnnotation> annotations(String n1, long v1, String n2, long v2) {
    return List.of(
        DebugAnnotation.newBuilder().setName(n1).setIntValue(v1).build(), DebugAnnotation.newBuilder().setName(n2).setIntValue(v2).build());
  }
}
