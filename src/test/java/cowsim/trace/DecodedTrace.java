package cowsim.trace;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.trace.proto.PerfettoTrace.DebugAnnotation;
import cowsim.trace.proto.PerfettoTrace.Trace;
import cowsim.trace.proto.PerfettoTrace.TracePacket;
import cowsim.trace.proto.PerfettoTrace.TrackEvent;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A trace file decoded with the generated protobuf classes, and the checks any trace of cowsim
 * must pass: every event on a declared track, slices on each track properly nested and closed,
 * never ending before they begin.
 */
public final class DecodedTrace {

  /** One event: its packet's timestamp, the track's name, the event. */
  public record Ev(long ts, String track, TrackEvent e) {}

  public final Map<Long, String> tracks = new LinkedHashMap<>();
  public final Map<Long, Boolean> counterTracks = new HashMap<>();
  public final List<Ev> events = new ArrayList<>();
  /** per track, the names of the slices it had, with the name of their parent slice ("" at the top) */
  public final List<String[]> nesting = new ArrayList<>();

  public DecodedTrace(byte[] bytes) throws IOException {
    Trace t = Trace.parseFrom(bytes);
    assertFalse(t.getPacketList().isEmpty(), "no packets");
    Map<Long, Deque<Ev>> open = new HashMap<>();
    Map<Long, Long> lastTs = new HashMap<>();
    for (TracePacket p : t.getPacketList()) {
      assertEquals(TraceWriter.SEQUENCE, p.getTrustedPacketSequenceId(), "every packet on the writer's sequence");
      if (p.hasTrackDescriptor()) {
        assertFalse(tracks.containsKey(p.getTrackDescriptor().getUuid()), "track declared twice: " + p);
        tracks.put(p.getTrackDescriptor().getUuid(), p.getTrackDescriptor().getName());
        counterTracks.put(p.getTrackDescriptor().getUuid(), p.getTrackDescriptor().hasCounter());
        continue;
      }
      assertTrue(p.hasTrackEvent(), "a packet of neither kind: " + p);
      TrackEvent e = p.getTrackEvent();
      String track = tracks.get(e.getTrackUuid());
      assertTrue(track != null, "event on an undeclared track: " + p);
      Ev ev = new Ev(p.getTimestamp(), track, e);
      events.add(ev);
      Deque<Ev> stack = open.computeIfAbsent(e.getTrackUuid(), k -> new ArrayDeque<>());
      if (e.getType() == TrackEvent.Type.TYPE_SLICE_BEGIN || e.getType() == TrackEvent.Type.TYPE_SLICE_END) {
        long last = lastTs.getOrDefault(e.getTrackUuid(), 0L);
        assertTrue(p.getTimestamp() >= last, "slice events of " + track + " go back in time at " + p.getTimestamp());
        lastTs.put(e.getTrackUuid(), p.getTimestamp());
      }
      if (e.getType() == TrackEvent.Type.TYPE_SLICE_BEGIN) {
        nesting.add(new String[] {track, e.getName(), stack.isEmpty() ? "" : stack.peekLast().e().getName()});
        stack.addLast(ev);
      } else if (e.getType() == TrackEvent.Type.TYPE_SLICE_END) {
        assertFalse(stack.isEmpty(), "a slice end with no slice open on " + track + " at " + p.getTimestamp());
        stack.removeLast();
      } else if (e.getType() == TrackEvent.Type.TYPE_COUNTER) {
        assertTrue(counterTracks.get(e.getTrackUuid()), "a counter value on a track without a counter: " + track);
      }
    }
    open.forEach((uuid, stack) -> assertTrue(stack.isEmpty(), "slices left open on " + tracks.get(uuid) + ": " + stack.size()));
  }

  public static DecodedTrace read(Path file) throws IOException {
    return new DecodedTrace(Files.readAllBytes(file));
  }

  public List<Ev> ofType(TrackEvent.Type type) {
    return events.stream().filter(v -> v.e().getType() == type).toList();
  }

  /** The names of the slices begun on a track. */
  public List<String> slices(String track) {
    return ofType(TrackEvent.Type.TYPE_SLICE_BEGIN).stream().filter(v -> v.track().equals(track)).map(v -> v.e().getName()).toList();
  }

  /** The values of a counter track, in order. */
  public List<Long> counter(String track) {
    return ofType(TrackEvent.Type.TYPE_COUNTER).stream().filter(v -> v.track().equals(track)).map(v -> v.e().getCounterValue()).toList();
  }

  /** A string debug annotation of an event, or null. */
  public static String annotation(TrackEvent e, String name) {
    for (DebugAnnotation a : e.getDebugAnnotationsList()) {
      if (a.getName().equals(name)) {
        return a.hasStringValue() ? a.getStringValue() : a.hasIntValue() ? Long.toString(a.getIntValue()) : a.toString();
      }
    }
    return null;
  }

  /** The events that carry a flow id (as flow_ids or terminating_flow_ids), by id, in file order. */
  public Map<Long, List<Ev>> flows() {
    Map<Long, List<Ev>> m = new LinkedHashMap<>();
    for (Ev v : events) {
      for (long id : v.e().getFlowIdsList()) {
        m.computeIfAbsent(id, k -> new ArrayList<>()).add(v);
      }
      for (long id : v.e().getTerminatingFlowIdsList()) {
        m.computeIfAbsent(id, k -> new ArrayList<>()).add(v);
      }
    }
    return m;
  }
}
