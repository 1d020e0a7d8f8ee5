package cowsim.machine.interconnect;

/**
 * A message between simulated components (CPUs, memory banks, the frame allocator, the kernel's
 * shared structures). Payloads are immutable records; arrays inside them are never mutated after
 * sending. Each component declares its own payloads as a sealed interface of records.
 */
public interface Payload {}
