package cowsim.check;

import java.util.List;

/**
 * A finding of the correctness oracles: what went wrong, where, and the last events that touched
 * the frame or page, oldest first.
 *
 * @param kind what went wrong
 * @param cpu the CPU that made the faulty access, or -1
 * @param pid the process, or 0
 * @param tid the thread, or 0
 * @param vaddr the virtual address, or -1
 * @param frame the physical frame, or -1
 * @param cycle virtual time of the finding
 * @param detail one sentence a person can read
 */
public record Violation(
    ViolationKind kind, int cpu, long pid, long tid, long vaddr, long frame, long cycle, String detail, List<HistoryEntry> history) {

  /** One past event in a violation's history. */
  public record HistoryEntry(long cycle, int cpu, String actor, String what) {}
}
