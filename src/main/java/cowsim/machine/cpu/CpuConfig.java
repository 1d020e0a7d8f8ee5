package cowsim.machine.cpu;

import com.typesafe.config.Config;

/**
 * Per-CPU settings read once from reference.conf ({@code cowsim.cpu}, {@code cowsim.tlb}) and
 * the scenario.
 *
 * @param batch register-only instructions run back to back before yielding to other events
 * @param quantum timer-preemption slice, cycles
 * @param ackTimeoutSpins shootdown spin limit (0 = wait forever)
 * @param maxCycles concurrent mode: stop at this virtual time
 * @param maxRefaults faults on one page without progress before the task is stopped
 */
public record CpuConfig(
    int tlbEntries, int tlbWays, int batch, long quantum, long ackTimeoutSpins, long maxCycles, int maxRefaults) {

  public static CpuConfig from(Config root, int tlbEntries, int tlbWays, long maxCycles, int maxRefaults) {
    Config c = root.getConfig("cowsim.cpu");
    int batch = c.getInt("batch");
    long quantum = c.getLong("quantum");
    long spins = root.getLong("cowsim.tlb.ack-timeout-spins");
    if (batch < 1 || quantum < 1 || spins < 0) {
      throw new IllegalArgumentException("cowsim.cpu.batch and quantum must be >= 1, ack-timeout-spins >= 0");
    }
    return new CpuConfig(tlbEntries, tlbWays, batch, quantum, spins, maxCycles, maxRefaults);
  }
}
