package cowsim.explore.systematic;

/**
 * The independence rule of the partial-order reduction, from the packets alone.
 *
 * <p>A delivery of a packet from S to D touches two actors: D, whose handler reads and writes
 * only D's own state (each CPU, memory bank, the allocator and the kernel is one actor owning its
 * state) and sends packets from D; and S, whose queue of pending packets loses its head (the
 * conductor offers each sender's earliest pending packet only, so removing S's head changes what
 * S offers next). Two deliveries are <em>dependent</em> when they touch a common actor, else
 * independent: then either order gives the same actor states, the same pending packets with the
 * same arrival times (a handler's sends depend only on its actor's state and the packet), and
 * neither delivery disables the other (the deliverable window only grows as the earliest pending
 * arrival never decreases, and neither adds packets to the other's sender). Same-cycle packets
 * are ordered by send order in systematic runs ({@link SystematicScheduler#seededTieBreak}),
 * since the seeded keys are drawn in global send order and would differ between the two orders.
 *
 * <p>Conservative on purpose: two requests to one memory bank are dependent even for different
 * frames, because the bank's replies leave through one sender queue, whose same-cycle order is
 * the order of the requests; allocator requests are dependent on each other (the free lists).
 * The oracles observe events in delivery order; that they judge equivalent runs the same is
 * checked by the outcome-equality test (SystematicSearchTest), not assumed.
 */
public final class Independence {

  private Independence() {}

  /** Whether deliveries of packets src1 -> dst1 and src2 -> dst2 commute. */
  public static boolean independent(int src1, int dst1, int src2, int dst2) {
    return src1 != src2 && src1 != dst2 && dst1 != src2 && dst1 != dst2;
  }
}
