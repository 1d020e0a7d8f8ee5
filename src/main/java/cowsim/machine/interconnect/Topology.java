package cowsim.machine.interconnect;

/**
 * Node numbering on the interconnect: CPUs 0..cpus-1, then the memory banks, then the frame
 * allocator, then the kernel's shared structures.
 */
public record Topology(int cpus, int banks) {

  public int bank(int index) {
    return cpus + index;
  }

  /** The memory bank that owns a frame: frames are interleaved across banks. */
  public int bankOfFrame(long frame) {
    return cpus + (int) (frame % banks);
  }

  public int allocator() {
    return cpus + banks;
  }

  public int kernel() {
    return cpus + banks + 1;
  }

  public int size() {
    return cpus + banks + 2;
  }

  public boolean isCpu(int node) {
    return node >= 0 && node < cpus;
  }

  // ---- typed addresses (what Node.send takes) ----

  /** CPU {@code cpu}, which takes its signals, IPIs and answers. */
  public Address<Payload.ToCpu> toCpu(int cpu) {
    if (!isCpu(cpu)) {
      throw new IllegalArgumentException("node " + cpu + " is no CPU (CPUs are 0.." + (cpus - 1) + ")");
    }
    return new Address<>(cpu);
  }

  /** The memory bank that owns {@code frame}. */
  public Address<Payload.ToMemory> toBankOf(long frame) {
    return new Address<>(bankOfFrame(frame));
  }

  public Address<Payload.ToAllocator> toAllocator() {
    return new Address<>(allocator());
  }

  /** The kernel's shared tables. */
  public Address<Payload.ToKernel> toKernel() {
    return new Address<>(kernel());
  }

  /** Name used in logs and log file names. */
  public String name(int node) {
    if (node < cpus) {
      return "cpu-" + node;
    }
    if (node < cpus + banks) {
      return banks == 1 ? "memory" : "memory-" + (node - cpus);
    }
    return node == allocator() ? "allocator" : "kernel";
  }
}
