package cowsim.machine.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class RefcountTableTest {

  @Test
  void countsStartAtZeroAndFetchAddReturnsTheOldValue() {
    RefcountTable t = new RefcountTable(1024);
    assertEquals(0, t.get(5));
    assertEquals(0, t.fetchAdd(5, 1));
    assertEquals(1, t.fetchAdd(5, 1));
    assertEquals(2, t.get(5));
    assertEquals(2, t.fetchAdd(5, -2));
    assertEquals(0, t.get(5));
    assertEquals(0, t.get(4));
    assertEquals(0, t.get(6));
    t.set(6, 17);
    assertEquals(17, t.get(6));
  }

  @Test
  void decrementFromZeroWrapsToAllOnes() {
    RefcountTable t = new RefcountTable(8);
    assertEquals(0, t.fetchAdd(3, -1));
    assertEquals(-1, t.get(3));
    assertEquals(0xFFFF_FFFFL, Integer.toUnsignedLong(t.get(3)));
    assertEquals(-1, t.fetchAdd(3, 1), "old value is the wrapped 0xFFFFFFFF");
    assertEquals(0, t.get(3));
  }

  @Test
  void incrementPastIntMaxWraps() {
    RefcountTable t = new RefcountTable(8);
    t.set(1, 0x7FFF_FFFF);
    assertEquals(0x7FFF_FFFF, t.fetchAdd(1, 1));
    assertEquals(0x8000_0000, t.get(1));
    assertEquals(Integer.MIN_VALUE, t.get(1));
    t.set(2, 0xFFFF_FFFF);
    assertEquals(-1, t.fetchAdd(2, 1));
    assertEquals(0, t.get(2));
  }

  @Test
  void flagsArePerFrame() {
    RefcountTable t = new RefcountTable(8);
    assertEquals(0, t.flags(2));
    t.setFlags(2, (byte) 0x81);
    assertEquals((byte) 0x81, t.flags(2));
    assertEquals(0, t.flags(3));
    assertEquals((byte) 0x81, t.orFlags(2, (byte) 0x02));
    assertEquals((byte) 0x83, t.flags(2));
    assertEquals((byte) 0x83, t.clearFlags(2, (byte) 0x80));
    assertEquals((byte) 0x03, t.flags(2));
    assertEquals(0, t.get(2), "flags do not touch the count");
  }

  @Test
  void outOfRangeFramesAreRejected() {
    RefcountTable t = new RefcountTable(8);
    assertEquals(8, t.totalFrames());
    assertThrows(IllegalArgumentException.class, () -> t.get(8));
    assertThrows(IllegalArgumentException.class, () -> t.get(-1));
    assertThrows(IllegalArgumentException.class, () -> t.fetchAdd(1L << 32, 1), "must not alias frame 0");
    assertThrows(IllegalArgumentException.class, () -> t.setFlags(8, (byte) 1));
    assertThrows(IllegalArgumentException.class, () -> new RefcountTable(0));
    assertEquals(0, t.get(0));
  }

  @Test
  void oneGibTable() {
    RefcountTable t = new RefcountTable(262_144);
    t.fetchAdd(262_143, 2);
    assertEquals(2, t.get(262_143));
  }
}
