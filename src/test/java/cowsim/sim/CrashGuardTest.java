package cowsim.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import akka.actor.testkit.typed.javadsl.ActorTestKit;
import akka.actor.testkit.typed.javadsl.TestProbe;
import akka.actor.typed.ActorRef;
import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.Behaviors;
import cowsim.machine.cpu.InjectedFault;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The guard around every actor of a run: a Throwable, fatal or not, is recorded and reported;
 * the crashed actor then answers only the end-of-run questions, and stops when it throws again.
 */
class CrashGuardTest {

  private static final ActorTestKit kit = ActorTestKit.create();

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  /** "boom-X" throws fault X; "ask" is answered; "ask-boom" throws while answering; anything else is echoed. */
  private static Behavior<String> component(TestProbe<String> probe) {
    return Behaviors.receiveMessage(m -> {
      if (m.startsWith("boom-")) {
        InjectedFault.parse(m.substring(5), "test").raise("test");
      } else if (m.equals("ask-boom")) {
        throw new IllegalStateException("again");
      } else {
        probe.ref().tell("got " + m);
      }
      return Behaviors.same();
    });
  }

  private static ActorRef<String> spawnGuarded(CrashLatch latch, TestProbe<String> probe) {
    return kit.spawn(CrashGuard.serving(latch, "cpu-7", component(probe), m -> ((String) m).startsWith("ask"), () -> probe.ref().tell("crashed")));
  }

  @Test
  void aStackOverflowIsRecordedAndTheCrashedActorStillAnswersQuestions() {
    CrashLatch latch = new CrashLatch(0);
    TestProbe<String> probe = kit.createTestProbe();
    ActorRef<String> a = spawnGuarded(latch, probe);
    a.tell("work");
    probe.expectMessage("got work");
    a.tell("boom-stack-overflow");
    probe.expectMessage("crashed");
    assertInstanceOf(StackOverflowError.class, latch.errorOf("cpu-7"));
    assertEquals("cpu-7", latch.first().actor());
    a.tell("work"); // the simulation's messages are dropped now
    a.tell("ask");
    probe.expectMessage("got ask");
    a.tell("ask-boom"); // a second throw stops it
    probe.expectTerminated(a, Duration.ofSeconds(30));
    assertInstanceOf(StackOverflowError.class, latch.first().error(), "the first crash is kept");
  }

  @Test
  void anOutOfMemoryErrorIsRecordedToo() {
    CrashLatch latch = new CrashLatch(1 << 16);
    TestProbe<String> probe = kit.createTestProbe();
    ActorRef<String> a = spawnGuarded(latch, probe);
    a.tell("boom-out-of-memory");
    probe.expectMessage("crashed");
    assertInstanceOf(OutOfMemoryError.class, latch.first().error());
    assertEquals(false, latch.holdsCushion());
  }

  @Test
  void aFailureWhileStartingStopsTheActor() {
    CrashLatch latch = new CrashLatch(0);
    TestProbe<String> probe = kit.createTestProbe();
    Behavior<String> broken = Behaviors.setup(ctx -> {
      InjectedFault.STACK_OVERFLOW.raise("setup");
      return Behaviors.empty();
    });
    ActorRef<String> a = kit.spawn(CrashGuard.serving(latch, "kernel", broken, m -> true, () -> probe.ref().tell("crashed")));
    probe.expectTerminated(a, Duration.ofSeconds(30));
    assertInstanceOf(StackOverflowError.class, latch.errorOf("kernel"));
  }

  @Test
  void aStoppingGuardStopsAtTheFirstThrow() {
    CrashLatch latch = new CrashLatch(0);
    TestProbe<String> probe = kit.createTestProbe();
    ActorRef<String> a = kit.spawn(CrashGuard.stopping(latch, "guardian", component(probe)));
    a.tell("boom-exception");
    probe.expectTerminated(a, Duration.ofSeconds(30));
    assertInstanceOf(IllegalStateException.class, latch.errorOf("guardian"));
  }
}
