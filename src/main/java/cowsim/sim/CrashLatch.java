package cowsim.sim;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Where the actors of one run report a {@link Throwable} that escaped them (a simulator bug,
 * including {@link StackOverflowError} and {@link OutOfMemoryError}). One latch per run, created
 * by {@link Simulation} and handed to every actor's {@link CrashGuard}; it is control plane, not
 * simulated machine: nothing the machine computes ever reads it, so it cannot change a schedule.
 *
 * <p>It also holds the run's memory cushion: a block reserved when the run starts and dropped by
 * the first report, so that after an {@link OutOfMemoryError} the guardian, the report and
 * {@code error.txt} still have memory to be written with. On a {@link SimulationHost} a run that
 * ended without dropping it hands the block on to the next run ({@link #takeBackCushion}).
 */
public final class CrashLatch {

  /** The first crash of the run: which actor, and what it threw. */
  public record Crash(String actor, Throwable error) {}

  private final AtomicReference<Crash> first = new AtomicReference<>();
  private final ConcurrentHashMap<String, Throwable> byActor = new ConcurrentHashMap<>();
  private final CompletableFuture<Crash> crashed = new CompletableFuture<>();
  private final AtomicReference<byte[]> cushion;

  /** @param cushionBytes memory reserved for the way out after an OutOfMemoryError (0: none) */
  public CrashLatch(int cushionBytes) {
    this(cushionBytes > 0 ? new byte[cushionBytes] : null);
  }

  /**
   * @param cushion the memory reserved for the way out (null: none), handed on from an earlier
   *     run that ended without dropping it ({@link #takeBackCushion})
   */
  CrashLatch(byte[] cushion) {
    this.cushion = new AtomicReference<>(cushion);
  }

  /**
   * Records what an actor threw. The first record of the run drops the cushion and completes
   * {@link #crashed()}; later ones are kept per actor only.
   */
  public void record(String actor, Throwable error) {
    cushion.set(null);
    Crash c = new Crash(actor, error);
    byActor.putIfAbsent(actor, error);
    if (first.compareAndSet(null, c)) {
      crashed.complete(c);
    }
  }

  /** Drops the cushion (the caller's thread caught a Throwable and needs memory to report it). */
  public void releaseCushion() {
    cushion.set(null);
  }

  /**
   * After the run: the cushion if it is still held (nothing threw), now no longer this latch's,
   * for the next run to reserve; null when it was dropped.
   */
  byte[] takeBackCushion() {
    return cushion.getAndSet(null);
  }

  /** What {@code actor} threw, or null when it reported nothing. */
  public Throwable errorOf(String actor) {
    return byActor.get(actor);
  }

  /** The first crash, or null. */
  public Crash first() {
    return first.get();
  }

  /** Completes at the first crash. */
  public CompletableFuture<Crash> crashed() {
    return crashed;
  }

  /** Whether the cushion is still held (tests). */
  boolean holdsCushion() {
    return cushion.get() != null;
  }
}
