package cowsim.scenario;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigList;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import cowsim.isa.AsmException;
import cowsim.isa.Assembler;
import cowsim.isa.Program;
import cowsim.kernel.Layout;
import cowsim.machine.mmu.HugeTlb;
import cowsim.scenario.Locator.Location;
import cowsim.stats.Stat;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/** The validation of a merged scenario Config (file, overrides, defaults) into a Scenario. */
final class ScenarioReader {
  static final Pattern NAME = Pattern.compile("[A-Za-z0-9._-]+");

  static final List<String> TOP_KEYS =
      List.of(
          "name",
          "description",
          "seed",
          "mode",
          "machine",
          "kernel",
          "processes",
          "expect",
          "limits",
          "schedule");
  static final List<String> MACHINE_KEYS = List.of("cpus", "memory", "memory-banks", "tlb", "latency");
  static final List<String> TLB_KEYS = List.of("entries", "ways", "huge");
  static final List<String> HUGE_TLB_KEYS = List.of("mode", "entries", "ways");
  static final List<String> PROCESS_KEYS =
      List.of("name", "cpu", "memory", "stack", "kernel-thread", "program");
  static final List<String> REGION_KEYS = List.of("at", "size", "prot", "populate", "page-size");
  static final List<String> EXPECT_KEYS = List.of("exit-code", "exit-codes", "stats", "violations");
  static final List<String> LIMITS_KEYS = List.of("max-cycles", "timeout", "max-refaults", "lockup-cycles");

  private static final long PAGE = Machine.PAGE_SIZE;

  private final Locator locator;
  private final ConfigObject processDefaults;
  private final ConfigObject regionDefaults;

  ScenarioReader(Locator locator, ConfigObject processDefaults, ConfigObject regionDefaults) {
    this.locator = locator;
    this.processDefaults = processDefaults;
    this.regionDefaults = regionDefaults;
  }

  Scenario read(Config merged) throws ScenarioException {
    Section root = new Section(merged.root(), "", locator.unknownLine(), locator);
    root.checkKeys(TOP_KEYS);
    String name = root.name("name", "the scenario name, letters, digits, '.', '_' and '-'");
    String description = root.string("description");
    long seed = root.integer("seed", Long.MIN_VALUE, Long.MAX_VALUE);
    Mode mode = Mode.parse(root.choice("mode", Mode.NAMES)).orElseThrow();
    Machine machine = machine(root.section("machine"));
    Kernel kernel = KernelReader.read(root.section("kernel"));
    List<ProcessSpec> processes = processes(root, machine);
    Expect expect = expect(root.section("expect"), processes);
    Limits limits = limits(root.section("limits"));
    Schedule schedule = root.optional("schedule") == null ? Schedule.TIME : schedule(root.section("schedule"));
    return new Scenario(
        locator.primary(),
        name,
        description,
        seed,
        mode,
        machine,
        kernel,
        processes,
        expect,
        limits,
        schedule);
  }

  static final List<String> SCHEDULE_KEYS = List.of("strategy", "depth", "pct-steps");

  private Schedule schedule(Section s) throws ScenarioException {
    s.checkKeys(SCHEDULE_KEYS);
    String strategy = s.optional("strategy") == null ? "time" : s.choice("strategy", Schedule.STRATEGIES);
    Integer depth = s.optional("depth") == null ? null : (int) s.integer("depth", 1, 100);
    Long steps = s.optional("pct-steps") == null ? null : s.integer("pct-steps", 1, Long.MAX_VALUE);
    if ((depth != null || steps != null) && !strategy.equals("pct")) {
      throw s.errorHere("schedule.depth and schedule.pct-steps apply to strategy = pct only");
    }
    return new Schedule(strategy, depth, steps);
  }

  private Machine machine(Section m) throws ScenarioException {
    m.checkKeys(MACHINE_KEYS);
    int cpus = (int) m.integer("cpus", Machine.MIN_CPUS, Machine.MAX_CPUS);
    long memory = m.size("memory");
    ConfigValue memoryValue = m.object().get("memory");
    if (memory < Machine.MIN_MEMORY || memory > Machine.MAX_MEMORY) {
      throw m.error(
          memoryValue,
          m.pathOf("memory")
              + " must be between "
              + Section.bytes(Machine.MIN_MEMORY)
              + " and "
              + Section.bytes(Machine.MAX_MEMORY)
              + ", got "
              + Section.bytes(memory));
    }
    requirePageMultiple(m, memoryValue, m.pathOf("memory"), memory);
    int banks = (int) m.integer("memory-banks", Machine.MIN_BANKS, Machine.MAX_BANKS);
    long frames = memory / PAGE;
    if (banks > frames) {
      throw m.error(
          m.object().get("memory-banks"),
          m.pathOf("memory-banks")
              + " must be at most the number of frames ("
              + frames
              + "), got "
              + banks);
    }
    Section tlb = m.section("tlb");
    tlb.checkKeys(TLB_KEYS);
    int[] small = tlbGeometry(tlb, cpus);
    Section hugeTlb = tlb.section("huge");
    hugeTlb.checkKeys(HUGE_TLB_KEYS);
    HugeTlb.Mode hugeMode = HugeTlb.Mode.of(hugeTlb.choice("mode", HugeTlb.Mode.words()));
    int[] huge = tlbGeometry(hugeTlb, cpus);
    java.util.Map<String, Long> latency = new java.util.LinkedHashMap<>();
    if (m.optional("latency") != null) {
      Section l = m.section("latency");
      l.checkKeys(Machine.LATENCIES);
      for (String k : Machine.LATENCIES) {
        if (l.optional(k) != null) {
          latency.put(k, l.integer(k, 1, 1_000_000_000L));
        }
      }
    }
    return new Machine(
        cpus, memory, banks, small[0], small[1], new HugeTlb(hugeMode, huge[0], huge[1]), java.util.Map.copyOf(latency));
  }

  /**
   * A TLB array's {@code entries} and {@code ways} (machine.tlb, machine.tlb.huge): each in its
   * bounds, entries a multiple of ways, entries x cpus within the heap's budget.
   */
  private int[] tlbGeometry(Section tlb, int cpus) throws ScenarioException {
    int entries = (int) tlb.integer("entries", 1, Machine.MAX_TLB_ENTRIES);
    int ways = (int) tlb.integer("ways", 1, Machine.MAX_TLB_WAYS);
    if ((long) entries * cpus > Machine.MAX_TLB_ENTRIES_TOTAL) {
      throw tlb.error(
          tlb.object().get("entries"),
          tlb.pathOf("entries")
              + " times machine.cpus must be at most "
              + Machine.MAX_TLB_ENTRIES_TOTAL
              + " (every CPU's TLB is kept in the heap, 28 bytes an entry), got "
              + entries
              + " x "
              + cpus);
    }
    if (entries % ways != 0) {
      ConfigValue waysValue = tlb.object().get("ways");
      // Point at whichever of the two the author actually wrote.
      ConfigValue blamed =
          locator.locate(waysValue).line() > 0 ? waysValue : tlb.object().get("entries");
      throw tlb.error(
          blamed,
          tlb.pathOf("entries")
              + " must be a multiple of "
              + tlb.pathOf("ways")
              + ", got "
              + entries
              + " entries and "
              + ways
              + " ways");
    }
    return new int[] {entries, ways};
  }

  private List<ProcessSpec> processes(Section root, Machine machine) throws ScenarioException {
    ConfigList list = root.list("processes", "process objects { name, program, ... }");
    if (list.isEmpty()) {
      throw root.error(list, "processes must list at least one process");
    }
    List<ProcessSpec> processes = new ArrayList<>();
    Map<String, Integer> seen = new LinkedHashMap<>();
    FrameBudget budget = new FrameBudget(machine.frames());
    for (int i = 0; i < list.size(); i++) {
      ConfigValue v = list.get(i);
      String path = "processes[" + i + "]";
      if (v.valueType() != ConfigValueType.OBJECT) {
        throw root.error(
            v, path + " must be an object { name, program, ... }, got " + Section.describe(v));
      }
      ConfigObject declared = (ConfigObject) v;
      Location where = locator.locate(declared);
      Section p = new Section(declared.withFallback(processDefaults), path, where, locator);
      processes.add(process(p, machine, where.line(), seen, i, budget));
    }
    return processes;
  }

  private ProcessSpec process(
      Section p, Machine machine, int line, Map<String, Integer> seen, int index, FrameBudget budget)
      throws ScenarioException {
    p.checkKeys(PROCESS_KEYS);
    String name = p.name("name", "the process name, letters, digits, '.', '_' and '-'");
    Integer previous = seen.putIfAbsent(name, index);
    if (previous != null) {
      throw p.error(
          p.object().get("name"),
          p.pathOf("name")
              + ": duplicate process name '"
              + name
              + "' (already used by processes["
              + previous
              + "])");
    }
    Integer cpu = null;
    ConfigValue cpuValue = p.optional("cpu");
    if (cpuValue != null) {
      cpu = (int) p.integer(cpuValue, p.pathOf("cpu"), Integer.MIN_VALUE, Integer.MAX_VALUE);
      if (cpu < 0 || cpu >= machine.cpus()) {
        throw p.error(
            cpuValue,
            p.pathOf("cpu")
                + " must be between 0 and "
                + (machine.cpus() - 1)
                + " (machine.cpus = "
                + machine.cpus()
                + "), got "
                + cpu);
      }
    }
    long stack = p.size("stack");
    ConfigValue stackValue = p.object().get("stack");
    long maxStack = ProcessSpec.MAX_STACK;
    if (stack < 0 || stack > maxStack) {
      throw p.error(
          stackValue,
          p.pathOf("stack")
              + " must be between 0 and "
              + Section.bytes(maxStack)
              + ", got "
              + stack);
    }
    requirePageMultiple(p, stackValue, p.pathOf("stack"), stack);
    if (stack / PAGE > machine.frames()) {
      throw p.error(
          stackValue,
          p.pathOf("stack")
              + " is set up eagerly, one frame a page: "
              + stack / PAGE
              + " pages, but the machine has "
              + machine.frames()
              + " frames (machine.memory = "
              + Section.bytes(machine.memoryBytes())
              + ")");
    }
    budget.process(stack);
    if (!budget.fits()) {
      throw p.error(
          stackValue,
          p.pathOf("stack")
              + " is set up eagerly, one frame a page: "
              + notEnough(budget, machine));
    }
    boolean kernelThread = p.bool("kernel-thread");
    List<Region> memory = regions(p, stack, machine, budget);
    ConfigValue programValue =
        p.required("program", "the assembly source, usually \"\"\"...\"\"\"");
    String source = p.string(programValue, p.pathOf("program"));
    Program program = assemble(p, programValue, source);
    return new ProcessSpec(name, cpu, memory, stack, kernelThread, program, line);
  }

  private Program assemble(Section p, ConfigValue programValue, String source)
      throws ScenarioException {
    try {
      return Assembler.assemble(source);
    } catch (AsmException e) {
      throw locator
          .programLine(programValue, e.line())
          .error(p.pathOf("program") + ": " + e.reason());
    } catch (RuntimeException e) {
      // An assembler bug must still surface as a located scenario error, not a crash (and
      // without Java's names for it).
      throw locator
          .programLine(programValue, 1)
          .error(p.pathOf("program") + ": the assembler could not read this program (a cowsim bug; please report it)");
    }
  }

  /** Why the frames counted so far cannot fit: the numbers, for a population error. */
  private static String notEnough(FrameBudget budget, Machine machine) {
    return "the machine needs at least "
        + budget.needed()
        + " frames before any program runs (the kernel's "
        + Layout.RESERVED_FRAMES
        + " reserved frames, and the stacks, populated regions and page tables of the processes up to this one),"
        + " but it has "
        + budget.frames()
        + " (machine.memory = "
        + Section.bytes(machine.memoryBytes())
        + ")";
  }

  private List<Region> regions(Section p, long stack, Machine machine, FrameBudget budget)
      throws ScenarioException {
    ConfigList list = p.list("memory", "regions { at, size, prot, populate }");
    List<Region> regions = new ArrayList<>();
    long stackBase = ProcessSpec.STACK_TOP - stack;
    for (int i = 0; i < list.size(); i++) {
      ConfigValue v = list.get(i);
      String path = p.pathOf("memory") + "[" + i + "]";
      if (v.valueType() != ConfigValueType.OBJECT) {
        throw p.error(
            v,
            path + " must be an object { at, size, prot, populate }, got " + Section.describe(v));
      }
      ConfigObject declared = (ConfigObject) v;
      Section r =
          new Section(
              declared.withFallback(regionDefaults), path, locator.locate(declared), locator);
      Region region = region(r);
      ConfigValue at = r.object().get("at");
      for (int j = 0; j < regions.size(); j++) {
        Region other = regions.get(j);
        if (region.overlaps(other)) {
          throw r.error(
              at,
              path
                  + " "
                  + span(region.at(), region.end())
                  + " overlaps "
                  + p.pathOf("memory")
                  + "["
                  + j
                  + "] "
                  + span(other.at(), other.end()));
        }
      }
      if (stack > 0 && region.overlaps(stackBase, stack)) {
        throw r.error(
            at,
            path
                + " "
                + span(region.at(), region.end())
                + " overlaps the stack "
                + span(stackBase, ProcessSpec.STACK_TOP)
                + " ("
                + p.pathOf("stack")
                + " = "
                + Section.bytes(stack)
                + ")");
      }
      if (region.populate()) {
        budget.map(region.size(), region.huge());
        if (!budget.fits()) {
          throw r.error(
              r.object().get("size"),
              path
                  + ": populate = true needs one frame a page"
                  + (region.huge() ? " (512, an aligned block, a 2 MiB page)" : "")
                  + ", "
                  + region.size() / PAGE
                  + " frames for this region: "
                  + notEnough(budget, machine));
        }
        if (!budget.hugeFits()) {
          throw r.error(
              r.object().get("size"),
              path
                  + ": populate = true with page-size = 2 MiB needs a 512-frame aligned block a page, "
                  + budget.hugePages()
                  + " pages of 2 MiB with the regions before it (of every process), but the machine has "
                  + budget.hugeBlocks()
                  + " such blocks free of the kernel's "
                  + Layout.RESERVED_FRAMES
                  + " reserved frames (machine.memory = "
                  + Section.bytes(machine.memoryBytes())
                  + ")");
        }
      }
      regions.add(region);
    }
    return regions;
  }

  private Region region(Section r) throws ScenarioException {
    r.checkKeys(REGION_KEYS);
    long at = r.address("at", "the start address, like 0x400000");
    ConfigValue atValue = r.object().get("at");
    long size = r.size("size");
    ConfigValue sizeValue = r.object().get("size");
    if (size <= 0) {
      throw r.error(sizeValue, r.pathOf("size") + " must be positive, got " + size);
    }
    requirePageMultiple(r, sizeValue, r.pathOf("size"), size);
    if (at % PAGE != 0) {
      throw r.error(
          atValue,
          r.pathOf("at") + " must be page-aligned (a multiple of 0x1000), got " + Section.hex(at));
    }
    if (at < PAGE) {
      throw r.error(
          atValue,
          r.pathOf("at")
              + " must not be in page 0 (the first 4 KiB stays unmapped), got "
              + Section.hex(at));
    }
    if (at >= Region.USER_END || size > Region.USER_END - at) {
      throw r.error(
          atValue,
          r.path()
              + " "
              + span(at, at + size)
              + " must end at or below "
              + Section.hex(Region.USER_END)
              + " (the user half)");
    }
    boolean writable = r.choice("prot", List.of("rw", "r")).equals("rw");
    boolean populate = r.bool("populate");
    long pageSize = r.size("page-size");
    if (pageSize != PAGE && pageSize != Region.HUGE_PAGE_SIZE) {
      throw r.error(
          r.object().get("page-size"),
          r.pathOf("page-size") + " must be 4 KiB or 2 MiB, got " + Section.bytes(pageSize));
    }
    if (pageSize == Region.HUGE_PAGE_SIZE) {
      if (at % pageSize != 0) {
        throw r.error(
            atValue,
            r.pathOf("at") + " must be a multiple of 2 MiB (0x200000) with page-size = 2 MiB, got " + Section.hex(at));
      }
      if (size % pageSize != 0) {
        throw r.error(
            sizeValue,
            r.pathOf("size") + " must be a multiple of 2 MiB with page-size = 2 MiB, got " + Section.bytes(size));
      }
    }
    return new Region(at, size, writable, populate, pageSize);
  }

  private static String span(long from, long to) {
    return "[" + Section.hex(from) + ", " + Section.hex(to) + ")";
  }

  private static void requirePageMultiple(Section s, ConfigValue v, String name, long n)
      throws ScenarioException {
    if (n % PAGE != 0) {
      throw s.error(v, name + " must be a multiple of 4096 bytes (4 KiB), got " + n);
    }
  }

  private Expect expect(Section e, List<ProcessSpec> processes) throws ScenarioException {
    e.checkKeys(EXPECT_KEYS);
    ConfigValue exitValue = e.optional("exit-code");
    Integer exitCode = exitValue == null ? null : exitCode(e, exitValue, e.pathOf("exit-code"));

    Section codes = e.section("exit-codes");
    List<String> declared = processes.stream().map(ProcessSpec::name).toList();
    Map<String, Integer> exitCodes = new LinkedHashMap<>();
    for (String name : codes.keysInFileOrder()) {
      ConfigValue v = codes.object().get(name);
      if (!declared.contains(name)) {
        throw codes.error(
            v,
            codes.path()
                + " names unknown process '"
                + name
                + "' (declared: "
                + String.join(", ", declared)
                + ")");
      }
      exitCodes.put(name, exitCode(codes, v, codes.pathOf(name)));
    }

    Section statsSection = e.section("stats");
    Map<String, Long> stats = new LinkedHashMap<>();
    for (String name : statsSection.keysInFileOrder()) {
      ConfigValue v = statsSection.object().get(name);
      Stat stat = Stat.of(name);
      if (stat == null) {
        throw statsSection.error(
            v,
            "unknown stat '"
                + name
                + "' in "
                + statsSection.path()
                + " (known: "
                + String.join(", ", Stat.expectableKeys())
                + ")");
      }
      if (!stat.simulated) {
        throw statsSection.error(
            v,
            statsSection.pathOf(name)
                + ": "
                + name
                + " is host time, not simulated: it differs from run to run, so no scenario can expect it");
      }
      if (stat.distribution()) {
        throw statsSection.error(
            v,
            statsSection.pathOf(name) + ": " + name + " is a distribution (percentiles in stats.txt), not one number: expect.stats takes counters");
      }
      stats.put(name, statsSection.integer(v, statsSection.pathOf(name), 0, Long.MAX_VALUE));
    }

    ConfigList list = e.list("violations", "violation kinds");
    List<cowsim.check.ViolationKind> violations = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < list.size(); i++) {
      ConfigValue v = list.get(i);
      String path = e.pathOf("violations") + "[" + i + "]";
      String kind = e.string(v, path);
      if (!Expect.VIOLATION_KINDS.contains(kind)) {
        throw e.error(
            v,
            path
                + ": unknown violation kind "
                + Section.quote(kind)
                + " (known: "
                + String.join(", ", Expect.VIOLATION_KINDS)
                + ")");
      }
      if (!seen.add(kind)) {
        throw e.error(v, path + ": violation kind '" + kind + "' is listed twice");
      }
      violations.add(cowsim.check.ViolationKind.of(kind));
    }
    return new Expect(exitCode, exitCodes, stats, violations);
  }

  /**
   * An expected exit code: 0..255, since the kernel keeps {@code code & 0xff} (exit(256) is
   * reported as 0, as wait4 gives it to the parent); a larger or negative value could never match.
   * Or the name of the signal that kills the process ({@code SIGSEGV}: 139, {@code SIGKILL}: 137, {@code SIGABRT}: 134).
   */
  private static int exitCode(Section s, ConfigValue v, String name) throws ScenarioException {
    if (v.valueType() == ConfigValueType.STRING) {
      // a process killed by a signal exits with the shell's 128 + its number: SIGSEGV is 139
      cowsim.kernel.Signal sig = cowsim.kernel.Signal.named(String.valueOf(v.unwrapped()));
      if (sig != null) {
        return sig.exitCode();
      }
      if (!String.valueOf(v.unwrapped()).matches("[-+]?[0-9].*")) {
        throw s.error(
            v,
            name
                + " must be an exit code (0..255) or the name of the signal that kills the process ("
                + String.join(", ", java.util.Arrays.stream(cowsim.kernel.Signal.values()).map(Enum::name).toList())
                + "), got "
                + Section.describe(v));
      }
    }
    long n = s.integer(v, name, Long.MIN_VALUE, Long.MAX_VALUE);
    if (n < 0 || n > 255) {
      throw s.error(
          v, name + " must be between 0 and 255 (an exit status keeps only code & 0xff, as wait4 reports it), got " + n);
    }
    return (int) n;
  }

  private Limits limits(Section l) throws ScenarioException {
    l.checkKeys(LIMITS_KEYS);
    long maxCycles = l.integer("max-cycles", 1, Limits.MAX_CYCLES);
    Duration timeout = l.duration("timeout");
    if (timeout.isZero() || timeout.isNegative()) {
      ConfigValue v = l.object().get("timeout");
      throw l.error(v, l.pathOf("timeout") + " must be positive, got " + Section.describe(v));
    }
    if (timeout.compareTo(Limits.MAX_TIMEOUT) > 0) {
      ConfigValue v = l.object().get("timeout");
      throw l.error(
          v,
          l.pathOf("timeout")
              + " must be at most "
              + Limits.MAX_TIMEOUT.toDays()
              + " days (the longest timer every Akka scheduler setting accepts), got "
              + Section.describe(v));
    }
    int maxRefaults = (int) l.integer("max-refaults", 1, Integer.MAX_VALUE);
    long lockupCycles = l.integer("lockup-cycles", 1, Limits.MAX_CYCLES);
    return new Limits(maxCycles, timeout, maxRefaults, lockupCycles);
  }
}
