package cowsim.check;

import cowsim.machine.observe.Event;
import java.util.List;
import java.util.Map;
import java.util.function.LongConsumer;

/**
 * The correctness oracles: a {@link Shadow} of what the machine should be, fed with every event in
 * delivery order, and one {@link Monitor} per property that says when memory management went
 * wrong even if no program read the damaged value. For each event the monitors judge it against
 * the shadow as it was before the event, in a fixed order (the first to report about an access
 * wins), then the shadow applies it. Pure: no actors, no clocks.
 *
 * <p>What the oracle tolerates, in one rule: a TLB entry that no longer matches its PTE may be
 * used only while the kernel operation that changed the PTE (fork, a COW fault, munmap, mprotect)
 * is still in progress and has not yet completed or given up on a shootdown since the change;
 * the change is recorded with the operation that made it, page by page. Any other use of a stale
 * entry is a violation. Linux guarantees the same: the flush is done before the frame is freed
 * and before the system call (or fault) returns; and, once an madvise(MADV_DONTNEED) covering the
 * page returned, a change still open in another thread's madvise is no longer forgiven either (the
 * returning call promised its range flushed, which is what mm_tlb_flush_nested ensures).
 */
public final class Oracle {

  private final Shadow shadow;
  private final Findings findings;
  private final ProgramMonitor program;
  /** an array, not a List: the loop runs for every event of the run */
  private final Monitor[] monitors;

  /**
   * @param reservedFrames frames [0, reservedFrames) belong to the kernel and are never free
   * @param historyDepth events kept in each violation's history
   * @param maxPerKind violations of one kind listed in full (the rest are counted)
   */
  public Oracle(long reservedFrames, int historyDepth, int maxPerKind) {
    this(reservedFrames, historyDepth, maxPerKind, null);
  }

  /** As above; {@code onViolation} (or null) hears the running total after each new violation (progress displays). */
  public Oracle(long reservedFrames, int historyDepth, int maxPerKind, LongConsumer onViolation) {
    this(reservedFrames, -1, historyDepth, maxPerKind, onViolation);
  }

  /**
   * As above, with the kernel's shared zero page: a reserved frame user mode may read (every PTE
   * of it read-only), that nothing may store into and no PTE holds a reference on; -1 for none.
   */
  public Oracle(long reservedFrames, long zeroFrame, int historyDepth, int maxPerKind, LongConsumer onViolation) {
    History history = new History(historyDepth);
    this.shadow = new Shadow(reservedFrames, zeroFrame, history);
    this.findings = new Findings(history, maxPerKind, onViolation);
    this.program = new ProgramMonitor(shadow, findings);
    this.monitors =
        new Monitor[] {
            new KernelFrameMonitor(shadow, findings),
            new UseAfterFreeMonitor(shadow, findings),
            new StaleTlbMonitor(shadow, findings, true),
            new CowIsolationMonitor(shadow, findings),
            new StaleTlbMonitor(shadow, findings, false),
            new StaleReadMonitor(shadow, findings),
            new FrameAccountingMonitor(shadow, findings),
            program};
  }

  public List<Violation> violations() {
    return findings.violations();
  }

  /** How many of each kind were found (listed or not), by the kinds' names. */
  public Map<String, Integer> counts() {
    java.util.TreeMap<String, Integer> out = new java.util.TreeMap<>();
    findings.counts().forEach((k, n) -> out.put(k.key, n));
    return java.util.Collections.unmodifiableMap(out);
  }

  public void observe(Event e) {
    shadow.seq++;
    shadow.before(e);
    // an access is judged once (the first monitor to report wins); anything else by every monitor
    boolean access = e instanceof Event.MemRead || e instanceof Event.MemWrite;
    for (Monitor m : monitors) {
      if (m.check(e) && access) {
        break;
      }
    }
    shadow.apply(e);
  }

  /**
   * End-of-run checks on a quiescent machine: refcounts against the PTEs that map each frame,
   * and frames still allocated that nothing holds.
   *
   * @param refcounts every frame's non-zero refcount, from the memory banks
   * @param cycle the end of the run
   */
  public void finish(Map<Long, Integer> refcounts, long cycle) {
    for (Monitor m : monitors) {
      m.finish(refcounts, cycle);
    }
  }

  /** The run deadlocked: no CPU can make progress while tasks are unfinished. */
  public void deadlock(long cycle, String detail) {
    program.deadlock(cycle, detail);
  }

  /** The leaf PTE for va in the shadow tables (0 when not mapped), for tests. */
  long walk(long cr3, long va) {
    return shadow.walk(cr3, va);
  }
}
