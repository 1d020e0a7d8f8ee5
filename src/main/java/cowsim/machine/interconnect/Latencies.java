package cowsim.machine.interconnect;

import com.typesafe.config.Config;

/**
 * The latency table of the simulated machine, in cycles, read once from {@code cowsim.latency}
 * in reference.conf (which holds every default, with its unit and meaning).
 */
public record Latencies(
    long instruction,
    long tlbHit,
    long memoryAccess,
    long memoryReply,
    long walkStep,
    long frameCopy,
    long faultEntry,
    long syscall,
    long ipi,
    long kernelCall,
    long allocator,
    long contextSwitch,
    long ackSpin,
    long lockSpin,
    long lockBackoff) {

  public static Latencies from(Config root) {
    Config c = root.getConfig("cowsim.latency");
    return new Latencies(
        positive(c, "instruction"),
        positive(c, "tlb-hit"),
        positive(c, "memory-access"),
        positive(c, "memory-reply"),
        positive(c, "walk-step"),
        positive(c, "frame-copy"),
        positive(c, "fault-entry"),
        positive(c, "syscall"),
        positive(c, "ipi"),
        positive(c, "kernel-call"),
        positive(c, "allocator"),
        positive(c, "context-switch"),
        positive(c, "ack-spin"),
        positive(c, "lock-spin"),
        positive(c, "lock-backoff"));
  }

  private static long positive(Config c, String key) {
    long v = c.getLong(key);
    if (v < 1) {
      throw new IllegalArgumentException("cowsim.latency." + key + " must be at least 1 cycle, got " + v);
    }
    return v;
  }
}
