package cowsim.explore.systematic;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The reduction's table of covered prefixes: exact while it grows, a cache that only forgets once full. */
class PrefixTableTest {

  @Test
  void exactBelowTheCapAndOnlyForgetfulAboveIt() {
    SystematicSearch.PrefixTable t = new SystematicSearch.PrefixTable(1 << 16);
    SplittableRandom r = new SplittableRandom(7);
    long[] keys = new long[200_000];
    for (int i = 0; i < keys.length; i++) {
      keys[i] = r.nextLong();
      t.put(keys[i], i % 3);
      if (i == 30_000) {
        // below half of the cap: every key is there with its cost
        for (int j = 0; j <= i; j++) {
          assertEquals(j % 3, t.get(keys[j]));
        }
        assertEquals(0, t.overwritten());
      }
    }
    assertEquals(1 << 16, t.slots(), "no growth past the cap");
    assertTrue(t.overwritten() > 0);
    int found = 0;
    for (int j = 0; j < keys.length; j++) {
      int c = t.get(keys[j]);
      if (c != Integer.MAX_VALUE) {
        assertEquals(j % 3, c, "a key found has its own cost, never another's");
        found++;
      }
    }
    assertTrue(found > 30_000 && found <= 1 << 16, found + " keys kept");
    // a lower cost for a kept key replaces it
    long last = keys[keys.length - 1];
    t.put(last, 0);
    assertEquals(0, t.get(last));
    assertThrows(IllegalArgumentException.class, () -> new SystematicSearch.PrefixTable(1000));
  }
}
