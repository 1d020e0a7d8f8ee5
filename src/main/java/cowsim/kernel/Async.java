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

  private Async() {}

  public static void loop(int from, int to, Body body, Runnable done) {
    new Runnable() {
      private int i = from;
      private boolean running;
      private boolean again;

      @Override
      public void run() {
        if (running) {
          again = true;
          return;
        }
        running = true;
        do {
          again = false;
          if (i >= to) {
            running = false;
            done.run();
            return;
          }
          body.run(i++, this);
        } while (again);
        running = false;
      }
    }.run();
  }
}
