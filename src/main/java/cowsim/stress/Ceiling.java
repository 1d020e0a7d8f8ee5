package cowsim.stress;

import akka.actor.typed.ActorRef;
import akka.actor.typed.ActorSystem;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import com.typesafe.config.Config;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The ceiling: raw Akka message round trips per second between pairs of trivial actors, on the
 * dispatcher settings the simulator uses (the same Config). Each pair keeps one message in flight;
 * a new message object per send, as the simulator allocates a packet per send.
 */
public final class Ceiling {

  private record Ball(int left, ActorRef<Ball> from) {}

  private record Start(ActorRef<Ball> partner, int roundTrips) {}

  /** Result: messages delivered per second (two per round trip). */
  public record Result(int pairs, long messages, long nanos) {
    public double messagesPerSecond() {
      return messages * 1e9 / Math.max(1, nanos);
    }

    public double roundTripsPerSecond() {
      return messagesPerSecond() / 2;
    }
  }

  private Ceiling() {}

  private static Behavior<Object> player(CountDownLatch done) {
    return Behaviors.setup(ctx -> {
      ActorRef<Ball> self = ctx.getSelf().narrow();
      return Behaviors.receive(Object.class)
          .onMessage(Start.class, s -> {
            s.partner().tell(new Ball(s.roundTrips() * 2 - 1, self));
            return Behaviors.same();
          })
          .onMessage(Ball.class, b -> {
            if (b.left() == 0) {
              done.countDown();
            } else {
              b.from().tell(new Ball(b.left() - 1, self));
            }
            return Behaviors.same();
          })
          .build();
    });
  }

  /** Runs {@code pairs} ping-pong pairs, each for {@code roundTrips} round trips. */
  public static Result measure(Config config, int pairs, int roundTrips) throws InterruptedException {
    CountDownLatch done = new CountDownLatch(pairs);
    CountDownLatch ready = new CountDownLatch(1);
    @SuppressWarnings("unchecked")
    ActorRef<Object>[][] refs = new ActorRef[pairs][2];
    ActorSystem<Void> system = ActorSystem.create(Behaviors.setup(ctx -> {
      for (int i = 0; i < pairs; i++) {
        refs[i][0] = ctx.spawn(player(done), "ping-" + i);
        refs[i][1] = ctx.spawn(player(done), "pong-" + i);
      }
      ready.countDown();
      return Behaviors.<Void>empty();
    }), "ceiling", config);
    try {
      ready.await(30, TimeUnit.SECONDS);
      long t0 = System.nanoTime();
      for (int i = 0; i < pairs; i++) {
        refs[i][0].tell(new Start(refs[i][1].narrow(), roundTrips));
      }
      done.await(10, TimeUnit.MINUTES);
      long nanos = System.nanoTime() - t0;
      return new Result(pairs, 2L * pairs * roundTrips, nanos);
    } finally {
      system.terminate();
      try {
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (Exception ignored) {
        // measured already
      }
    }
  }
}
