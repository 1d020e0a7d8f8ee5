package cowsim.machine.interconnect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The conductor's pending queue keeps the order the TreeSet it replaced kept: arrival, key, send order. */
class PendingQueueTest {

  private record Timer(int n) implements Payload.ToCpu {}

  private record Ref(long time, long key, long seq, NodeMsg.Packet packet) {}

  private static final Comparator<Ref> ORDER =
      Comparator.comparingLong(Ref::time).thenComparingLong(Ref::key).thenComparingLong(Ref::seq);

  @Test
  void randomAddsTakesRemovalsAndWithdrawalsMatchASortedSet() {
    SplittableRandom rng = new SplittableRandom(7);
    PendingQueue q = new PendingQueue();
    TreeSet<Ref> ref = new TreeSet<>(ORDER);
    List<Payload> timers = new ArrayList<>();
    long seq = 0;
    for (int step = 0; step < 20_000; step++) {
      int op = rng.nextInt(10);
      if (op < 5 || ref.isEmpty()) {
        // few distinct times and keys, so ties on time and on key both happen
        Payload payload = new Timer(step);
        timers.add(payload);
        NodeMsg.Packet p = new NodeMsg.Packet(rng.nextInt(20), rng.nextInt(8), rng.nextInt(8), payload);
        long key = rng.nextInt(4);
        q.add(p, key, seq);
        ref.add(new Ref(p.time(), key, seq, p));
        seq++;
      } else if (op < 8) {
        assertSame(ref.pollFirst().packet(), q.pollFirst());
      } else if (op == 8) {
        int pos = rng.nextInt(ref.size());
        Ref r = new ArrayList<>(ref).get(pos);
        assertSame(r.packet(), q.packet(pos));
        assertSame(r.packet(), q.removeAt(pos));
        ref.remove(r);
      } else {
        Payload t = timers.get(rng.nextInt(timers.size()));
        q.removePayload(t);
        ref.removeIf(r -> r.packet().payload() == t);
      }
      assertEquals(ref.size(), q.size());
      assertEquals(ref.isEmpty(), q.isEmpty());
      if (!ref.isEmpty()) {
        assertSame(ref.first().packet(), q.first());
      }
    }
    List<Ref> rest = new ArrayList<>(ref);
    for (int i = 0; i < rest.size(); i++) {
      assertSame(rest.get(i).packet(), q.packet(i));
    }
    while (!ref.isEmpty()) {
      assertSame(ref.pollFirst().packet(), q.pollFirst());
    }
    assertNull(q.pollFirst());
    assertNull(q.first());
    assertTrue(q.isEmpty());
  }
}
