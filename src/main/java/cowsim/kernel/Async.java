package cowsim.kernel;

/**
 * Loops over asynchronous steps without growing the stack: a step that completes at once
 * (no message needed) continues the loop in place; one that waits for a message continues it
 * from the reply's handler.
 */
public final class Async {

  /** One iteration; call {@code next} exactly once when it is done. */
  @FunctionalInterface
  public interface Body {
    void run(int index, Runnable next);
  }

  /**
   * One step of a walk over addresses; call {@code next} exactly once with the address to go on
   * from (greater than {@code at}; at or past the end finishes the walk).
   */
  @FunctionalInterface
  public interface Step {
    void run(long at, java.util.function.LongConsumer next);
  }

  private Async() {}

  /**
   * Walks [from, to) without growing the stack, as {@link #loop}: each step says where the next
   * one starts, so a walk over page tables can jump past a range that has no table at all.
   */
  public static void range(long from, long to, Step step, Runnable done) {
    new RangeWalk(from, to, step, done).accept(from);
  }

  private static final class RangeWalk implements java.util.function.LongConsumer {
    private final long to;
    private final Step step;
    private final Runnable done;
    private long at;
    private boolean started;
    private boolean running;
    private boolean again;

    RangeWalk(long from, long to, Step step, Runnable done) {
      this.at = from;
      this.to = to;
      this.step = step;
      this.done = done;
    }

    @Override
    public void accept(long next) {
      if (started && next <= at) {
        throw new IllegalStateException("a walk step must move forward: 0x" + Long.toHexString(next) + " after 0x" + Long.toHexString(at));
      }
      started = true;
      at = next;
      if (running) {
        again = true;
        return;
      }
      running = true;
      do {
        again = false;
        if (at >= to) {
          running = false;
          done.run();
          return;
        }
        step.run(at, this);
      } while (again);
      running = false;
    }
  }

  public static void loop(int from, int to, Body body, Runnable done) {
    range(from, to, (at, next) -> body.run((int) at, () -> next.accept(at + 1)), done);
  }
}
