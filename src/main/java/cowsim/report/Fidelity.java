package cowsim.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import cowsim.kernel.ProcessInfo;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The comparison behind {@code cowsim fidelity}, without processes or actors: the C program's
 * output ({@code phase NAME minflt N} lines), the cowsim scenario's (16-byte records on fd 1: the
 * phase name in 8 NUL-padded ASCII bytes, then the count as a little-endian 8-byte integer), each
 * pattern's rows and verdict, the table and fidelity.json.
 */
public final class Fidelity {

  private Fidelity() {}

  /** One phase's minor-fault count. */
  public record Phase(String name, long minflt) {}

  /** A side that could not be read: the line that says why. */
  public static final class BadOutput extends Exception {
    public BadOutput(String message) {
      super(message);
    }
  }

  private static final Pattern LINE = Pattern.compile("phase (\\S+) minflt (-?\\d+)");

  /** The C program's stdout: every line must be a phase line; {@code source} names it in errors. */
  public static List<Phase> parseLinux(String stdout, String source) throws BadOutput {
    List<Phase> out = new ArrayList<>();
    String[] lines = stdout.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String l = lines[i];
      if (l.isEmpty() && i == lines.length - 1) {
        break;
      }
      Matcher m = LINE.matcher(l);
      if (!m.matches()) {
        throw new BadOutput(source + ":" + (i + 1) + ": not a phase line: \"" + RunReport.escape(l, 60) + "\"");
      }
      out.add(new Phase(m.group(1), Long.parseLong(m.group(2))));
    }
    return out;
  }

  /** The scenario's processes' fd 1 output, in pid order, each a sequence of 16-byte records. */
  public static List<Phase> decodeCowsim(List<ProcessInfo> processes) throws BadOutput {
    List<Phase> out = new ArrayList<>();
    for (ProcessInfo p : processes) {
      byte[] b = p.stdout().getBytes(StandardCharsets.ISO_8859_1);
      if (b.length % 16 != 0) {
        throw new BadOutput("pid " + p.pid() + " wrote " + b.length + " bytes, not a whole number of 16-byte phase records");
      }
      for (int i = 0; i < b.length; i += 16) {
        int n = 0;
        while (n < 8 && b[i + n] != 0) {
          n++;
        }
        String name = new String(b, i, n, StandardCharsets.US_ASCII);
        long v = 0;
        for (int k = 7; k >= 0; k--) {
          v = (v << 8) | (b[i + 8 + k] & 0xff);
        }
        out.add(new Phase(name, v));
      }
    }
    return out;
  }

  /** One row of the table: a phase with either side's count (null: that side has no such phase). */
  public record Row(String phase, Long linux, Long cowsim) {
    public boolean equal() {
      return linux != null && linux.equals(cowsim);
    }
  }

  /**
   * One pattern's two sides. {@code linux} is null when it was not measured ({@code linuxNote}
   * says why: no cc, the compile or the run failed); {@code cowsim} null when the scenario did not
   * run clean ({@code cowsimNote}).
   */
  public record Result(String name, List<Phase> linux, String linuxNote, List<Phase> cowsim, String cowsimNote) {

    /** The phases of either side: the C program's order, then any only cowsim has. */
    public List<Row> rows() {
      Map<String, Long[]> m = new LinkedHashMap<>();
      if (linux != null) {
        linux.forEach(p -> m.computeIfAbsent(p.name(), k -> new Long[2])[0] = p.minflt());
      }
      if (cowsim != null) {
        cowsim.forEach(p -> m.computeIfAbsent(p.name(), k -> new Long[2])[1] = p.minflt());
      }
      List<Row> rows = new ArrayList<>();
      m.forEach((k, v) -> rows.add(new Row(k, v[0], v[1])));
      return rows;
    }

    /** equal (every phase's counts equal), differs, or not measured (a side is missing). */
    public String verdict() {
      if (linux == null || cowsim == null) {
        return "not measured";
      }
      return rows().stream().allMatch(Row::equal) ? "equal" : "differs";
    }
  }

  /** The side-by-side table, one line per phase; the verdict on each pattern's first line. */
  public static String table(List<Result> results) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("%-20s %-8s %6s %7s  %s%n", "pattern", "phase", "linux", "cowsim", "verdict"));
    for (Result r : results) {
      List<Row> rows = r.rows();
      if (rows.isEmpty()) {
        sb.append(String.format("%-20s %-8s %6s %7s  %s%n", r.name(), "-", "-", "-", r.verdict()));
      }
      for (int i = 0; i < rows.size(); i++) {
        Row row = rows.get(i);
        sb.append(String.format("%-20s %-8s %6s %7s  %s%n", i == 0 ? r.name() : "", row.phase(), show(row.linux()), show(row.cowsim()),
            (i == 0 ? r.verdict() : "") + (r.linux() != null && r.cowsim() != null && !row.equal() ? (i == 0 ? " " : "") + "<- differs" : "")));
      }
      for (String note : new String[] {r.linuxNote(), r.cowsimNote()}) {
        if (note != null) {
          sb.append(String.format("%-20s %s%n", "", note));
        }
      }
    }
    return sb.toString().replaceAll(" +(\r?\n)", "$1");
  }

  private static String show(Long v) {
    return v == null ? "-" : Long.toString(v);
  }

  /** The summary line: patterns equal of those measured on both sides, of all. */
  public static String summary(List<Result> results) {
    long measured = results.stream().filter(r -> !r.verdict().equals("not measured")).count();
    long equal = results.stream().filter(r -> r.verdict().equals("equal")).count();
    if (measured == 0) {
      return "patterns equal: none measured on Linux (" + results.size() + " patterns, cowsim side only)";
    }
    return "patterns equal: " + equal + " / " + results.size() + (measured < results.size() ? " (" + (results.size() - measured) + " not measured)" : "");
  }

  /** fidelity.json: the host (kernel release, cc), every pattern's phases from both sides and verdict. */
  public static ObjectNode json(String kernelRelease, String cc, String ccVersion, List<Result> results) {
    ObjectNode o = new ObjectMapper().createObjectNode();
    o.put("linux_release", kernelRelease);
    o.put("cc", cc);
    if (ccVersion == null) {
      o.putNull("cc_version");
    } else {
      o.put("cc_version", ccVersion);
    }
    o.put("summary", summary(results));
    ArrayNode ps = o.putArray("patterns");
    for (Result r : results) {
      ObjectNode p = ps.addObject();
      p.put("name", r.name());
      p.put("verdict", r.verdict());
      if (r.linuxNote() != null) {
        p.put("linux_note", r.linuxNote());
      }
      if (r.cowsimNote() != null) {
        p.put("cowsim_note", r.cowsimNote());
      }
      ArrayNode phases = p.putArray("phases");
      for (Row row : r.rows()) {
        ObjectNode n = phases.addObject();
        n.put("phase", row.phase());
        if (row.linux() == null) {
          n.putNull("linux_minflt");
        } else {
          n.put("linux_minflt", row.linux());
        }
        if (row.cowsim() == null) {
          n.putNull("cowsim_minflt");
        } else {
          n.put("cowsim_minflt", row.cowsim());
        }
        n.put("equal", row.equal());
      }
    }
    return o;
  }
}
