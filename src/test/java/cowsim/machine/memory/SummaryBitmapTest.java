package cowsim.machine.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.api.Test;

class SummaryBitmapTest {

  @Test
  void firstTracksLowestSetBitAcrossLevels() {
    SummaryBitmap m = new SummaryBitmap(300_000); // three levels
    assertEquals(-1, m.first());
    m.set(299_999);
    assertEquals(299_999, m.first());
    m.set(4097);
    m.set(64);
    assertEquals(64, m.first());
    m.clear(64);
    assertEquals(4097, m.first());
    m.clear(4097);
    m.clear(299_999);
    assertEquals(-1, m.first());
    assertFalse(m.get(4097));
  }

  @Test
  void singleBit() {
    SummaryBitmap m = new SummaryBitmap(1);
    m.set(0);
    assertTrue(m.get(0));
    assertEquals(0, m.first());
    m.clear(0);
    assertEquals(-1, m.first());
  }

  @Test
  void agreesWithBitSet() {
    int n = 5000;
    SummaryBitmap m = new SummaryBitmap(n);
    BitSet ref = new BitSet(n);
    Random rnd = new Random(3);
    for (int i = 0; i < 20_000; i++) {
      int bit = rnd.nextInt(n);
      if (rnd.nextBoolean()) {
        m.set(bit);
        ref.set(bit);
      } else {
        m.clear(bit);
        ref.clear(bit);
      }
      assertEquals(ref.isEmpty() ? -1 : ref.nextSetBit(0), m.first());
      assertEquals(ref.get(bit), m.get(bit));
    }
  }
}
