package cowsim.explore;

import cowsim.machine.interconnect.Decision;
import cowsim.machine.interconnect.Decision.Delay;
import cowsim.machine.interconnect.Decision.Pick;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioException;
import cowsim.sim.Simulation;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The schedule decisions of one deterministic run that differ from the default time order, in
 * the order the conductor made them ({@link Decision}). Replaying them on top of the same seed (strategy
 * {@link Strategy#SCHEDULE}) reproduces the run exactly. Shrinking removes decisions.
 *
 * <p>File format (one decision a line, {@code #} starts a comment):
 *
 * <pre>
 * scenario racy-cow-threads   # the scenario it was recorded on (checked on replay)
 * seed 12345                  # tie-break seed of the time order
 * pick 212 1                  # at delivery 212 (0 = the first), deliver the pending message at
 *                             # position 1 in time order instead of position 0
 * delay 340 150               # the message handed to the interconnect 341st (0 = the first)
 *                             # arrives 150 cycles late
 * ties send-order             # same-cycle packets in send order, not by the seeded key
 *                             # (schedules of the systematic strategy; absent: seeded)
 * </pre>
 *
 * @param scenario the scenario name, or null when unknown
 * @param seed the run's seed (tie-break keys of the time order)
 * @param decisions the decisions, in the order they were made
 * @param deliveries how many packets the recorded run delivered (0 when unknown)
 * @param sendOrderTies the run ordered same-cycle packets by send order (systematic strategy),
 *     not by the seeded tie-break key
 */
public record ScheduleRecord(String scenario, long seed, List<Decision> decisions, long deliveries, boolean sendOrderTies) {

  public ScheduleRecord {
    decisions = List.copyOf(decisions);
  }

  /** A record of a run with the seeded tie-break. */
  public ScheduleRecord(String scenario, long seed, List<Decision> decisions, long deliveries) {
    this(scenario, seed, decisions, deliveries, false);
  }

  /** This record, marked as ordering same-cycle packets by send order. */
  public ScheduleRecord withSendOrderTies() {
    return new ScheduleRecord(scenario, seed, decisions, deliveries, true);
  }

  /**
   * What a run's conductor decided, labelled with its scenario and seed (null in concurrent mode,
   * which has no conductor).
   */
  public static ScheduleRecord of(Scenario s, Simulation.Recorded run) {
    return run.decisions() == null ? null : new ScheduleRecord(s.name(), s.seed(), run.decisions(), run.deliveries());
  }

  /** This record, labelled with the scenario it was recorded on. */
  public ScheduleRecord withScenario(String name) {
    return new ScheduleRecord(name, seed, decisions, deliveries, sendOrderTies);
  }

  /** The same seed and scenario with other decisions. */
  public ScheduleRecord with(List<Decision> other) {
    return new ScheduleRecord(scenario, seed, other, deliveries, sendOrderTies);
  }

  public long picks() {
    return decisions.stream().filter(d -> d instanceof Pick).count();
  }

  public long delays() {
    return decisions.stream().filter(d -> d instanceof Delay).count();
  }

  /** Sum of all extra latencies (cycles). */
  public long delayCycles() {
    long sum = 0;
    for (Decision d : decisions) {
      if (d instanceof Delay x) {
        sum += x.cycles();
      }
    }
    return sum;
  }

  /** The latest delivery step a pick controls, or -1 when there is no pick. */
  public long lastPickStep() {
    long last = -1;
    for (Decision d : decisions) {
      if (d instanceof Pick p) {
        last = Math.max(last, p.step());
      }
    }
    return last;
  }

  /** One line: how many decisions of which sort. */
  public String describe() {
    return decisions.size() + " decisions (" + picks() + " reorderings, " + delays() + " delays totalling " + delayCycles() + " cycles)";
  }

  /** The file text, with the given comment lines at the top. */
  public String format(List<String> comments) {
    return format(comments, d -> null);
  }

  /**
   * The file text, with the given comment lines at the top and each decision followed by a
   * comment naming its message ({@code note}, null for none). The reader ignores comments.
   */
  public String format(List<String> comments, java.util.function.Function<Decision, String> note) {
    StringBuilder b = new StringBuilder();
    for (String c : comments) {
      b.append("# ").append(c).append('\n');
    }
    if (scenario != null) {
      b.append("scenario ").append(scenario).append('\n');
    }
    b.append("seed ").append(seed).append('\n');
    if (sendOrderTies) {
      b.append("ties send-order\n");
    }
    for (Decision d : decisions) {
      if (d instanceof Pick p) {
        b.append("pick ").append(p.step()).append(' ').append(p.rank());
      } else if (d instanceof Delay x) {
        b.append("delay ").append(x.send()).append(' ').append(x.cycles());
      }
      String n = note.apply(d);
      if (n != null) {
        b.append("   # ").append(n.replace('\n', ' '));
      }
      b.append('\n');
    }
    return b.toString();
  }

  public void write(Path file, List<String> comments) throws IOException {
    Path parent = file.toAbsolutePath().getParent();
    if (parent != null) {
      Files.createDirectories(parent);
    }
    Files.writeString(file, format(comments));
  }

  /** Reads a schedule file; errors are one line, {@code file:line: reason}. */
  public static ScheduleRecord read(Path file) throws ScenarioException {
    String text;
    try {
      text = Files.readString(file);
    } catch (NoSuchFileException e) {
      throw new ScenarioException(file.toString(), 0, "no such schedule file");
    } catch (IOException e) {
      throw new ScenarioException(file.toString(), 0, "cannot read the schedule file: " + e.getMessage());
    }
    return parse(text, file.toString());
  }

  /** Parses schedule-file text; {@code origin} names it in error messages. */
  public static ScheduleRecord parse(String text, String origin) throws ScenarioException {
    String scenario = null;
    Long seed = null;
    List<Decision> decisions = new ArrayList<>();
    boolean sendOrder = false;
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      int hash = line.indexOf('#');
      if (hash >= 0) {
        line = line.substring(0, hash);
      }
      line = line.strip();
      if (line.isEmpty()) {
        continue;
      }
      String[] w = line.split("\\s+");
      int n = i + 1;
      switch (w[0]) {
        case "scenario" -> {
          arity(w, 2, origin, n, "scenario NAME");
          scenario = w[1];
        }
        case "seed" -> {
          arity(w, 2, origin, n, "seed N");
          seed = number(w[1], origin, n);
        }
        case "pick" -> {
          arity(w, 3, origin, n, "pick STEP RANK");
          long step = nonNegative(w[1], origin, n);
          long rank = nonNegative(w[2], origin, n);
          if (rank > Integer.MAX_VALUE) {
            throw new ScenarioException(origin, n, "rank " + rank + " is too large");
          }
          decisions.add(new Pick(step, (int) rank));
        }
        case "delay" -> {
          arity(w, 3, origin, n, "delay SEND CYCLES");
          decisions.add(new Delay(nonNegative(w[1], origin, n), nonNegative(w[2], origin, n)));
        }
        case "ties" -> {
          arity(w, 2, origin, n, "ties send-order");
          if (!w[1].equals("send-order")) {
            throw new ScenarioException(origin, n, "ties takes send-order, not '" + w[1] + "'");
          }
          sendOrder = true;
        }
        default -> throw new ScenarioException(origin, n, "unknown line '" + w[0] + "': expected scenario, seed, ties, pick or delay");
      }
    }
    if (seed == null) {
      throw new ScenarioException(origin, 0, "the schedule has no 'seed N' line");
    }
    return new ScheduleRecord(scenario, seed, decisions, 0, sendOrder);
  }

  private static void arity(String[] w, int n, String origin, int line, String form) throws ScenarioException {
    if (w.length != n) {
      throw new ScenarioException(origin, line, "expected '" + form + "'");
    }
  }

  private static long number(String s, String origin, int line) throws ScenarioException {
    try {
      return Long.parseLong(s.replace("_", ""));
    } catch (NumberFormatException e) {
      throw new ScenarioException(origin, line, "'" + s + "' is not a number");
    }
  }

  private static long nonNegative(String s, String origin, int line) throws ScenarioException {
    long v = number(s, origin, line);
    if (v < 0) {
      throw new ScenarioException(origin, line, v + " must not be negative");
    }
    return v;
  }
}
