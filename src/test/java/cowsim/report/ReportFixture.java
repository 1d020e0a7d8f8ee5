package cowsim.report;

import cowsim.check.Violation;
import cowsim.check.ViolationKind;
import cowsim.kernel.ProcessInfo;
import cowsim.machine.cpu.CpuActor;
import cowsim.scenario.ScenarioLoader;
import cowsim.sim.SimResult;
import cowsim.stats.Distribution;
import cowsim.stats.Stat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A run result built by hand, with text that needs escaping everywhere a run puts text. */
final class ReportFixture {

  /** What a hostile detail looks like: markup, quotes, an ampersand and a control character. */
  static final String EVIL = "<script>alert(\"x\")</script> & 'quoted' \u0001<b>bold</b>";

  private ReportFixture() {}

  static SimResult result() throws Exception {
    var s = ScenarioLoader.parse(
        "name = fixture\nmachine { cpus = 3 }\nprocesses = [ { name = p, program = \"nop\" } ]\n", "fixture.conf", List.of());
    Map<String, Long> stats = new LinkedHashMap<>();
    long i = 1;
    for (Stat k : Stat.counters()) {
      stats.put(k.key, 1000 + i++);
    }
    Distribution waits = new Distribution();
    for (long v : new long[] {800, 805, 1200, 40_000}) {
      waits.record(v);
    }
    List<Violation.HistoryEntry> history = List.of(
        new Violation.HistoryEntry(100, 0, "cpu-0", "cow fault begins on cpu-0 (pid 1)"),
        new Violation.HistoryEntry(250, -1, "allocator", "frame 0x24 allocated " + EVIL),
        new Violation.HistoryEntry(400, 2, "cpu-2", "cached in cpu-2's TLB (read-only)"));
    Violation stale = new Violation(ViolationKind.of("stale-tlb"), 2, 1, 3, 0x400000, 0x11, 500, "stale read " + EVIL, history);
    Violation other = new Violation(ViolationKind.of("use-after-free"), 1, 2, 4, -1, 0x24, 450, "freed frame read",
        List.of(new Violation.HistoryEntry(300, 1, "cpu-1", "refcount 1 -> 0 (cpu-1)")));
    List<ProcessInfo> procs = List.of(
        new ProcessInfo(1, 0, "main<1>", 134, true, "killed " + EVIL, 2, 7, "hello\n", ""),
        new ProcessInfo(2, 1, "child", 0, false, null, 1, 3, "", "\u0000\u00ff"),
        new ProcessInfo(3, 2, "grandchild", null, false, null, 1, 0, "", ""));
    List<CpuActor.CpuDetail> cpus = List.of(
        new CpuActor.CpuDetail(0, 10, 600, 5, 5, 1, 1, 2, 1, List.of()),
        new CpuActor.CpuDetail(1, 20, 610, 9, 1, 0, 0, 0, 1, List.of()),
        new CpuActor.CpuDetail(2, 30, 620, 1, 1, 0, 0, 0, 1, List.of()));
    return new SimResult(s, SimResult.Ending.ALL_EXITED, "every process exited", "ab12", stats, procs, cpus, List.of(), List.of(),
        List.of(stale, other), Map.of("stale-tlb", 1, "use-after-free", 1), null, true, java.time.Duration.ZERO,
        Map.of(Stat.SHOOTDOWN_WAIT, waits));
  }
}
