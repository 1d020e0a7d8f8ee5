package cowsim.report;

import cowsim.sim.SimResult;
import cowsim.stats.Distribution;
import cowsim.stats.Stat;
import java.util.Locale;

/**
 * {@code stats.txt}: every stat of the registry ({@link Stat}) with its value, description and
 * unit, one per line, as gem5's {@code stats.txt} prints them ({@code name value # description
 * (unit)} between the "Begin/End Simulation Statistics" lines); a distribution as gem5 prints one,
 * one line per figure ({@code name::samples}, {@code ::min}, {@code ::mean}, {@code ::p50},
 * {@code ::p90}, {@code ::p99}, {@code ::max}, {@code ::total}); then each CPU's own counters, as
 * gem5's {@code system.cpu0.*} lines ({@code cpu0.instructions}, ...), each the share of one
 * machine-wide stat ({@link #PER_CPU}). The lines before the block are comments naming the run.
 */
public final class StatsText {

  private StatsText() {}

  /** The per-CPU counters, in the order of their lines: each one CPU's share of this stat. */
  static final java.util.List<Stat> PER_CPU = java.util.List.of(
      Stat.CYCLES, Stat.INSTRUCTIONS, Stat.TLB_HITS, Stat.TLB_MISSES, Stat.PAGE_FAULTS, Stat.COW_FAULTS, Stat.IPIS, Stat.CONTEXT_SWITCHES);

  private static long perCpu(Stat s, cowsim.machine.cpu.CpuActor.CpuDetail c) {
    return switch (s) {
      case CYCLES -> c.cycles();
      case INSTRUCTIONS -> c.instructions();
      case TLB_HITS -> c.tlbHits();
      case TLB_MISSES -> c.tlbMisses();
      case PAGE_FAULTS -> c.pageFaults();
      case COW_FAULTS -> c.cowFaults();
      case IPIS -> c.ipisSent();
      case CONTEXT_SWITCHES -> c.contextSwitches();
      default -> throw new IllegalArgumentException(s.key + " is not counted per CPU");
    };
  }

  /** The file's text. */
  public static String text(SimResult r, Verdict v) {
    StringBuilder b = new StringBuilder();
    b.append(String.format(Locale.ROOT, "# cowsim stats: scenario %s (%s, seed %d, %d CPUs, profile %s)%n", r.scenario().name(), r.scenario().mode(),
        r.scenario().seed(), r.scenario().machine().cpus(), r.scenario().kernel().profile()));
    b.append("# ").append(oneLine(RunReport.outcomeLine(r, v))).append(System.lineSeparator());
    b.append("# trace_hash: ").append(r.traceHash() == null ? "none (concurrent mode)" : r.traceHash()).append(System.lineSeparator());
    if (!r.complete()) {
      b.append("# incomplete: the run ended before every component reported; these are the values collected until then")
          .append(System.lineSeparator());
    }
    b.append(System.lineSeparator()).append("---------- Begin Simulation Statistics ----------").append(System.lineSeparator());
    for (Stat s : Stat.values()) {
      if (s.distribution()) {
        Distribution d = r.distribution(s);
        line(b, s.key + "::samples", Long.toString(d.count()), s.doc, "samples");
        line(b, s.key + "::min", Long.toString(d.min()), "smallest sample", s.unit);
        line(b, s.key + "::mean", String.format(Locale.ROOT, "%.2f", d.mean()), "mean of the samples", s.unit);
        for (double p : Distribution.PERCENTILES) {
          line(b, s.key + "::p" + (long) p, Long.toString(d.percentile(p)), (long) p + "th percentile (HdrHistogram, within 1%)", s.unit);
        }
        line(b, s.key + "::max", Long.toString(d.max()), "largest sample", s.unit);
        line(b, s.key + "::total", Long.toString(d.total()), "sum of the samples", s.unit);
      } else {
        line(b, s.key, Long.toString(r.stat(s)), s.doc, s.unit);
      }
    }
    for (cowsim.machine.cpu.CpuActor.CpuDetail c : r.cpus()) {
      for (Stat s : PER_CPU) {
        line(b, "cpu" + c.cpu() + "." + s.key, Long.toString(perCpu(s, c)),
            (s == Stat.CYCLES ? "this CPU's clock when the run ended" : "this CPU's " + s.key) + " (of " + s.key + " above)", s.unit);
      }
    }
    b.append("---------- End Simulation Statistics   ----------").append(System.lineSeparator());
    return b.toString();
  }

  private static void line(StringBuilder b, String name, String value, String doc, String unit) {
    b.append(String.format(Locale.ROOT, "%-40s %16s   # %s (%s)%n", name, value, doc, unit));
  }

  private static String oneLine(String s) {
    return s.replace('\r', ' ').replace('\n', ' ');
  }
}
