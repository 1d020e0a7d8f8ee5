package cowsim.cluster;

import akka.serialization.SerializerWithStringManifest;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.NotSerializableException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How the two messages of every batch travel, the work ({@link WorkerSlot.Batch}) and its answer
 * ({@link Coordinator.Results}): a compact binary form, every other {@link ClusterMessage} staying
 * JSON ({@link JsonSerializer}). Numbers are varints (zigzag where they may be negative); each
 * string is written once per message and referred to by number after that, so the stat names,
 * kinds and endings of 32 runs cost a byte each after their first. A batch's {@link ClusterJob}
 * (the scenario text, the same in every batch of an exploration) goes as JSON, encoded once per
 * job by the sender and decoded once by the receiver. Bound in reference.conf (more specific than
 * the ClusterMessage binding); thread-safe (Artery may serialize on several threads).
 */
public final class RunsSerializer extends SerializerWithStringManifest {

  /** Unique among the serializers of the actor system (Akka reserves 0-40). */
  static final int ID = 7_461_002;

  static final String BATCH = "B";
  static final String RESULTS = "R";

  private final ObjectMapper mapper = new ObjectMapper().configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

  /** A job with its JSON: the last one encoded, and the last one decoded (immutable pairs). */
  private record Encoded(ClusterJob job, byte[] json) {}

  private volatile Encoded lastOut;
  private volatile Encoded lastIn;

  @Override
  public int identifier() {
    return ID;
  }

  @Override
  public String manifest(Object o) {
    if (o instanceof WorkerSlot.Batch) {
      return BATCH;
    }
    if (o instanceof Coordinator.Results) {
      return RESULTS;
    }
    throw new IllegalArgumentException("RunsSerializer does not write a " + o.getClass().getName());
  }

  @Override
  public byte[] toBinary(Object o) {
    Out out = new Out();
    if (o instanceof WorkerSlot.Batch b) {
      out.bytes(jobJson(b.job()));
      int n = b.indices().size();
      out.varint(n);
      int previous = -1;
      for (int k = 0; k < n; k++) {
        int index = b.indices().get(k);
        out.zigzag(index - previous - 1L); // consecutive runs: a 0 each
        previous = index;
        out.fixed(b.seeds().get(k));
      }
    } else if (o instanceof Coordinator.Results r) {
      out.string(r.worker());
      out.string(r.jobId());
      out.varint(r.nanos());
      out.varint(r.runs().size());
      for (RunSummary s : r.runs()) {
        write(out, s);
      }
    } else {
      throw new IllegalArgumentException("RunsSerializer does not write a " + o.getClass().getName());
    }
    return out.toArray();
  }

  @Override
  public Object fromBinary(byte[] bytes, String manifest) throws NotSerializableException {
    In in = new In(bytes);
    try {
      switch (manifest) {
        case BATCH -> {
          ClusterJob job = job(in.bytes());
          int n = in.count();
          List<Integer> indices = new ArrayList<>(n);
          List<Long> seeds = new ArrayList<>(n);
          int previous = -1;
          for (int k = 0; k < n; k++) {
            previous = Math.toIntExact(previous + 1 + in.zigzag());
            indices.add(previous);
            seeds.add(in.fixed());
          }
          in.end();
          return new WorkerSlot.Batch(job, List.copyOf(indices), List.copyOf(seeds));
        }
        case RESULTS -> {
          String worker = in.string();
          String jobId = in.string();
          long nanos = in.varint();
          int n = in.count();
          List<RunSummary> runs = new ArrayList<>(n);
          for (int k = 0; k < n; k++) {
            runs.add(read(in));
          }
          in.end();
          return new Coordinator.Results(worker, jobId, List.copyOf(runs), nanos);
        }
        default -> throw new NotSerializableException("RunsSerializer does not read manifest " + manifest);
      }
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("a malformed " + (BATCH.equals(manifest) ? "batch" : "results") + " message: " + e.getMessage(), e);
    }
  }

  private static void write(Out out, RunSummary s) {
    out.varint(s.index());
    out.fixed(s.seed());
    out.string(s.traceHash());
    out.varint(s.pass() ? 1 : 0);
    out.strings(s.kinds());
    out.varint(s.stats().size());
    for (Map.Entry<String, Long> e : s.stats().entrySet()) {
      out.string(e.getKey());
      out.zigzag(e.getValue());
    }
    out.varint(s.violations().size());
    for (Map.Entry<String, Integer> e : s.violations().entrySet()) {
      out.string(e.getKey());
      out.zigzag(e.getValue());
    }
    out.string(s.ending());
    out.string(s.endDetail());
    out.strings(s.failures());
    out.zigzag(s.exitCode());
    out.string(s.error());
  }

  private static RunSummary read(In in) {
    int index = in.count();
    long seed = in.fixed();
    String traceHash = in.string();
    boolean pass = in.varint() != 0;
    List<String> kinds = in.strings();
    int stats = in.count();
    Map<String, Long> statValues = new LinkedHashMap<>();
    for (int k = 0; k < stats; k++) {
      statValues.put(in.string(), in.zigzag());
    }
    int violations = in.count();
    Map<String, Integer> violationCounts = new HashMap<>();
    for (int k = 0; k < violations; k++) {
      violationCounts.put(in.string(), Math.toIntExact(in.zigzag()));
    }
    String ending = in.string();
    String endDetail = in.string();
    List<String> failures = in.strings();
    int exitCode = Math.toIntExact(in.zigzag());
    String error = in.string();
    return new RunSummary(index, seed, traceHash, pass, kinds, statValues, Map.copyOf(violationCounts), ending, endDetail, failures, exitCode, error);
  }

  private byte[] jobJson(ClusterJob job) {
    Encoded e = lastOut;
    if (e != null && e.job() == job) {
      return e.json();
    }
    try {
      byte[] json = mapper.writeValueAsBytes(job);
      lastOut = new Encoded(job, json);
      return json;
    } catch (IOException x) {
      throw new UncheckedIOException("cannot serialize a cluster job", x);
    }
  }

  private ClusterJob job(byte[] json) {
    Encoded e = lastIn;
    if (e != null && Arrays.equals(e.json(), json)) {
      return e.job();
    }
    try {
      ClusterJob job = mapper.readValue(json, ClusterJob.class);
      lastIn = new Encoded(job, json);
      return job;
    } catch (IOException x) {
      throw new IllegalArgumentException("its job does not read: " + x.getMessage(), x);
    }
  }

  /** A growing buffer with the string table of one message. */
  private static final class Out {
    private byte[] buf = new byte[256];
    private int size;
    private final Map<String, Integer> table = new HashMap<>();

    void varint(long v) {
      ensure(10);
      while ((v & ~0x7FL) != 0) {
        buf[size++] = (byte) ((v & 0x7F) | 0x80);
        v >>>= 7;
      }
      buf[size++] = (byte) v;
    }

    void zigzag(long v) {
      varint((v << 1) ^ (v >> 63));
    }

    void fixed(long v) {
      ensure(8);
      for (int i = 0; i < 8; i++) {
        buf[size++] = (byte) (v >>> (8 * i));
      }
    }

    void bytes(byte[] b) {
      varint(b.length);
      ensure(b.length);
      System.arraycopy(b, 0, buf, size, b.length);
      size += b.length;
    }

    /** 0: null; 1: a new string (its UTF-8 bytes follow), numbered in order; k + 2: string number k. */
    void string(String s) {
      if (s == null) {
        varint(0);
        return;
      }
      Integer known = table.get(s);
      if (known != null) {
        varint(known + 2L);
        return;
      }
      table.put(s, table.size());
      varint(1);
      bytes(s.getBytes(StandardCharsets.UTF_8));
    }

    void strings(List<String> list) {
      varint(list.size());
      for (String s : list) {
        string(s);
      }
    }

    private void ensure(int more) {
      if (size + more > buf.length) {
        buf = Arrays.copyOf(buf, Math.max(buf.length * 2, size + more));
      }
    }

    byte[] toArray() {
      return Arrays.copyOf(buf, size);
    }
  }

  /** A reader of what {@link Out} wrote; a truncated or overlong message throws. */
  private static final class In {
    private final byte[] buf;
    private int pos;
    private final List<String> table = new ArrayList<>();

    In(byte[] buf) {
      this.buf = buf;
    }

    long varint() {
      long v = 0;
      for (int shift = 0; shift < 64; shift += 7) {
        byte b = next();
        v |= (long) (b & 0x7F) << shift;
        if (b >= 0) {
          return v;
        }
      }
      throw new IllegalArgumentException("a varint of more than 10 bytes at " + pos);
    }

    /** A non-negative int: a count, an index, a length. */
    int count() {
      long v = varint();
      if (v < 0 || v > Integer.MAX_VALUE) {
        throw new IllegalArgumentException("a count of " + v + " at " + pos);
      }
      return (int) v;
    }

    long zigzag() {
      long v = varint();
      return (v >>> 1) ^ -(v & 1);
    }

    long fixed() {
      long v = 0;
      for (int i = 0; i < 8; i++) {
        v |= (next() & 0xFFL) << (8 * i);
      }
      return v;
    }

    byte[] bytes() {
      int n = count();
      if (n > buf.length - pos) {
        throw new IllegalArgumentException(n + " bytes wanted at " + pos + ", " + (buf.length - pos) + " left");
      }
      byte[] b = Arrays.copyOfRange(buf, pos, pos + n);
      pos += n;
      return b;
    }

    String string() {
      int tag = count();
      if (tag == 0) {
        return null;
      }
      if (tag == 1) {
        String s = new String(bytes(), StandardCharsets.UTF_8);
        table.add(s);
        return s;
      }
      if (tag - 2 >= table.size()) {
        throw new IllegalArgumentException("string number " + (tag - 2) + " of " + table.size() + " at " + pos);
      }
      return table.get(tag - 2);
    }

    List<String> strings() {
      int n = count();
      List<String> out = new ArrayList<>(Math.min(n, 64));
      for (int k = 0; k < n; k++) {
        out.add(string());
      }
      return List.copyOf(out);
    }

    private byte next() {
      if (pos >= buf.length) {
        throw new IllegalArgumentException("the message ends early, at " + pos);
      }
      return buf[pos++];
    }

    void end() {
      if (pos != buf.length) {
        throw new IllegalArgumentException((buf.length - pos) + " bytes left over");
      }
    }
  }
}
