package cowsim.machine.interconnect;

/**
 * A message between simulated components, sealed by the kind of node that takes it: a CPU, a
 * memory bank, the frame allocator, or the kernel's shared tables. Each component declares what
 * it accepts as a sealed interface of records under one of these (a memory bank's {@code
 * Request}, the allocator's, the kernel tables', a CPU's {@code Signal}), and {@link Node#send}
 * takes an {@link Address} typed by the same kind, so a message sent to the wrong kind of node
 * does not compile. Payloads are immutable records; arrays inside them are never mutated after
 * sending.
 *
 * <p>The four kinds are the interconnect's ({@link Topology} numbers the nodes by kind); their
 * members live in the components' packages, so each kind is open to them ({@code non-sealed}) and
 * each component seals its own.
 */
public sealed interface Payload permits Payload.ToCpu, Payload.ToMemory, Payload.ToAllocator, Payload.ToKernel {

  /** What a CPU accepts: its own signals, IPIs, and the answers to its requests ({@link Reply}). */
  non-sealed interface ToCpu extends Payload {}

  /** What a memory bank accepts. */
  non-sealed interface ToMemory extends Payload {}

  /** What the frame allocator accepts. */
  non-sealed interface ToAllocator extends Payload {}

  /** What the kernel's shared tables accept. */
  non-sealed interface ToKernel extends Payload {}
}
