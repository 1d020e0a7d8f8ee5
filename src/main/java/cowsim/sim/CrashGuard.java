package cowsim.sim;

import akka.actor.typed.Behavior;
import akka.actor.typed.BehaviorInterceptor;
import akka.actor.typed.Signal;
import akka.actor.typed.TypedActorContext;
import akka.actor.typed.javadsl.Behaviors;
import java.util.function.Predicate;

/**
 * Wraps every actor of a run: whatever escapes the actor's own code, any {@link Throwable}
 * ({@link StackOverflowError} and {@link OutOfMemoryError} included), is recorded in the run's
 * {@link CrashLatch}, and the guardian is told. A crashed actor handles nothing of the
 * simulation any more, only the end-of-run questions (its counters, the oracle's findings), so
 * what it had collected still reaches the report; if it throws again, or fails while starting,
 * it stops (the guardian watches it and sees {@code Terminated}).
 *
 * <p>Without it, Akka 2.6 treats a fatal error ({@code VirtualMachineError} and the like) as
 * outside supervision: it reaches the dispatcher thread's uncaught-exception handler, which
 * prints the stack trace on the console and either exits the JVM ({@code
 * akka.jvm-exit-on-fatal-error = on}) or terminates the actor system while the run's result is
 * never completed (the run then waited for its timeout). A non-fatal exception would be logged
 * with its stack trace on the console by the parent's supervisor. Here the stack trace goes to
 * error.txt only.
 */
final class CrashGuard<T> extends BehaviorInterceptor<T, T> {

  private static final Predicate<Object> NOTHING = m -> false;

  private final CrashLatch latch;
  private final String actor;
  private final Predicate<Object> served;
  private final Runnable onCrash;
  private boolean crashed;

  @SuppressWarnings("unchecked")
  private CrashGuard(CrashLatch latch, String actor, Predicate<Object> served, Runnable onCrash) {
    super((Class<T>) (Class<?>) Object.class);
    this.latch = latch;
    this.actor = actor;
    this.served = served;
    this.onCrash = onCrash;
  }

  /**
   * {@code behavior} (spawned as {@code actor}), which after a crash still receives the messages
   * {@code served} accepts and drops the others; {@code onCrash} runs once, at the first crash.
   */
  static <T> Behavior<T> serving(CrashLatch latch, String actor, Behavior<T> behavior, Predicate<Object> served, Runnable onCrash) {
    return Behaviors.intercept(() -> new CrashGuard<T>(latch, actor, served, onCrash), behavior);
  }

  /** {@code behavior}, stopped at its first crash (a run's guardian: its stop ends the run). */
  static <T> Behavior<T> stopping(CrashLatch latch, String actor, Behavior<T> behavior) {
    return Behaviors.intercept(() -> new CrashGuard<T>(latch, actor, NOTHING, null), behavior);
  }

  @Override
  public Behavior<T> aroundStart(TypedActorContext<T> ctx, PreStartTarget<T> target) {
    try {
      return target.start(ctx);
    } catch (Throwable t) {
      record(t);
      return Behaviors.stopped();
    }
  }

  @Override
  public Behavior<T> aroundReceive(TypedActorContext<T> ctx, T msg, ReceiveTarget<T> target) {
    if (crashed && !served.test(msg)) {
      return Behaviors.same();
    }
    try {
      return target.apply(ctx, msg);
    } catch (Throwable t) {
      return crashed(t);
    }
  }

  @Override
  public Behavior<T> aroundSignal(TypedActorContext<T> ctx, Signal signal, SignalTarget<T> target) {
    try {
      return target.apply(ctx, signal);
    } catch (Throwable t) {
      return crashed(t);
    }
  }

  private Behavior<T> crashed(Throwable t) {
    // the stack is unwound to here: a StackOverflowError has its frames back, and the cushion
    // the latch drops gives an OutOfMemoryError's way out the memory it needs
    record(t);
    if (crashed || onCrash == null) {
      return Behaviors.stopped();
    }
    crashed = true;
    try {
      onCrash.run();
    } catch (Throwable again) {
      return Behaviors.stopped(); // the guardian still learns it: Terminated
    }
    return Behaviors.same();
  }

  private void record(Throwable t) {
    try {
      latch.record(actor, t);
    } catch (Throwable again) {
      // out of memory even for the record: the guardian still learns of the crash
    }
  }
}
