package cowsim.machine.cpu;

import com.typesafe.config.Config;
import cowsim.machine.mmu.HugeTlb;

/**
 * Per-CPU settings from reference.conf ({@code cowsim.cpu}, read once: {@link Settings}) and the scenario.
 *
 * @param hugeTlb where the TLB keeps 2 MiB entries (split or shared, the split array's geometry)
 * @param batch register-only instructions run back to back before yielding to other events
 * @param quantum timer-preemption slice, cycles
 * @param maxCycles concurrent mode: stop at this virtual time
 * @param maxRefaults faults on one page without progress before the task is stopped
 * @param pcid whether CR3 carries a PCID (TLB entries are tagged and survive CR3 writes)
 * @param kernelCr3 the PML4 frame a CPU powers on with and loads when it idles (the kernel's own)
 * @param shootdown how this CPU's shootdown unit collects acks
 * @param throwAfterInstructions test hook: CPU 0 throws after this many instructions (0: never),
 *     to check that a simulator bug fails the run loudly
 * @param throwKind test hook: what it throws (an exception, a real stack overflow or out of memory)
 * @param lockupCycles a CPU spinning on a kernel lock longer than this reports a soft lockup
 * @param leakMmapLockAfter test hook: CPU 0 skips its n-th reader-writer lock release (0: never), so
 *     the lock stays held and the soft-lockup detector has something to find
 * @param stepCountdowns test hook: interpret every iteration of a countdown loop ({@code dec reg;
 *     jne} back to it) instead of running a batch's worth of them at once; the run is the same
 */
public record CpuConfig(
    int tlbEntries,
    int tlbWays,
    HugeTlb hugeTlb,
    int batch,
    long quantum,
    long maxCycles,
    int maxRefaults,
    boolean pcid,
    long kernelCr3,
    ShootdownUnit.Config shootdown,
    long throwAfterInstructions,
    long lockupCycles,
    long leakMmapLockAfter,
    InjectedFault throwKind,
    boolean stepCountdowns) {

  /**
   * What a CPU takes from reference.conf ({@code cowsim.cpu} and the {@code cowsim.debug} hooks),
   * read once for many runs.
   */
  public record Settings(
      int batch, long quantum, long throwAfterInstructions, long leakMmapLockAfter, InjectedFault throwKind, boolean stepCountdowns) {

    /** Reads and checks them. */
    public static Settings read(Config root) {
      Config c = root.getConfig("cowsim.cpu");
      int batch = c.getInt("batch");
      long quantum = c.getLong("quantum");
      if (batch < 1 || quantum < 1) {
        throw new IllegalArgumentException("cowsim.cpu.batch and cowsim.cpu.quantum must be at least 1");
      }
      long boom = root.getLong("cowsim.debug.throw-after-instructions");
      long leak = root.getLong("cowsim.debug.leak-mmap-lock-after");
      InjectedFault kind = InjectedFault.parse(root.getString("cowsim.debug.throw-kind"), "cowsim.debug.throw-kind");
      boolean step = root.getBoolean("cowsim.debug.step-countdown-loops");
      return new Settings(batch, quantum, boom, leak, kind, step);
    }
  }

  /** The settings read once ({@link Settings#read}) and the scenario's machine and limits. */
  public static CpuConfig of(
      Settings settings,
      int tlbEntries,
      int tlbWays,
      HugeTlb hugeTlb,
      long maxCycles,
      int maxRefaults,
      long lockupCycles,
      boolean pcid,
      long kernelCr3,
      ShootdownUnit.Config shootdown) {
    return new CpuConfig(
        tlbEntries, tlbWays, hugeTlb, settings.batch(), settings.quantum(), maxCycles, maxRefaults, pcid, kernelCr3, shootdown,
        settings.throwAfterInstructions(), lockupCycles, settings.leakMmapLockAfter(), settings.throwKind(),
        settings.stepCountdowns());
  }
}
