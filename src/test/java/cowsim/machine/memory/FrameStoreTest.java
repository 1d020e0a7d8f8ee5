package cowsim.machine.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class FrameStoreTest {

  @Test
  void untouchedMemoryReadsZeroAndHoldsNothing() {
    FrameStore m = new FrameStore(262_144);
    assertEquals(0, m.read(0));
    assertEquals(0, m.read(0x1234_5678L & ~7));
    assertEquals(0, m.read(262_144L * 4096 - 8));
    assertArrayEquals(new long[512], m.readFrame(77));
    assertEquals(0, m.populatedFrames());
    assertEquals(0, m.bytesHeld());
  }

  @Test
  void writesPopulateOnlyTheirFrame() {
    FrameStore m = new FrameStore(1024);
    m.write(5 * 4096 + 8, 0xdead_beefL);
    m.write(5 * 4096 + 4088, -1L);
    assertEquals(0xdead_beefL, m.read(5 * 4096 + 8));
    assertEquals(-1L, m.read(5 * 4096 + 4088));
    assertEquals(0, m.read(5 * 4096));
    assertEquals(0, m.read(6 * 4096));
    assertEquals(1, m.populatedFrames());
    assertEquals(4096, m.bytesHeld());
    assertTrue(m.populated(5));
    assertFalse(m.populated(6));

    m.write(9 * 4096, 0); // zero into untouched memory stays sparse
    assertEquals(1, m.populatedFrames());
    m.write(1023L * 4096 + 4088, 3);
    assertEquals(3, m.read(1023L * 4096 + 4088));
    assertEquals(2, m.populatedFrames());
  }

  @Test
  void badAddressesAreSimulatorBugs() {
    FrameStore m = new FrameStore(16);
    assertThrows(IllegalArgumentException.class, () -> m.read(4));
    assertThrows(IllegalArgumentException.class, () -> m.read(-8));
    assertThrows(IllegalArgumentException.class, () -> m.read(16 * 4096));
    assertThrows(IllegalArgumentException.class, () -> m.write(1, 1));
    assertThrows(IllegalArgumentException.class, () -> m.write(16 * 4096, 1));
    assertThrows(IllegalArgumentException.class, () -> m.compareAndSwap(12, 0, 1));
    assertThrows(IllegalArgumentException.class, () -> m.readFrame(16));
    assertThrows(IllegalArgumentException.class, () -> m.readFrame(-1));
    assertThrows(IllegalArgumentException.class, () -> m.zeroFrame(16));
    assertThrows(IllegalArgumentException.class, () -> m.writeFrame(0, new long[511]));
    assertThrows(IllegalArgumentException.class, () -> m.readFrame(0, new long[10]));
    assertThrows(IllegalArgumentException.class, () -> new FrameStore(0));
    assertThrows(IllegalArgumentException.class, () -> new FrameStore((1L << 32) + 1));
    assertEquals(0, m.populatedFrames());
  }

  @Test
  void readFrameReturnsAnIndependentCopy() {
    FrameStore m = new FrameStore(8);
    m.write(3 * 4096 + 16, 42);
    long[] copy = m.readFrame(3);
    assertEquals(42, copy[2]);
    copy[2] = 99;
    copy[0] = 7;
    assertEquals(42, m.read(3 * 4096 + 16));
    assertEquals(0, m.read(3 * 4096));

    long[] zeros = m.readFrame(4);
    zeros[0] = 5;
    assertEquals(0, m.read(4 * 4096), "unpopulated-frame copies are not shared either");
    assertArrayEquals(new long[512], m.readFrame(4));

    long[] buf = new long[512];
    java.util.Arrays.fill(buf, 9);
    m.readFrame(4, buf);
    assertArrayEquals(new long[512], buf);
  }

  @Test
  void writeFrameCopiesTheCallersArray() {
    FrameStore m = new FrameStore(8);
    long[] src = new long[512];
    for (int i = 0; i < 512; i++) src[i] = i * 3L;
    m.writeFrame(2, src);
    src[10] = -1;
    assertEquals(30, m.read(2 * 4096 + 80));
    assertEquals(511 * 3L, m.read(2 * 4096 + 4088));
    assertEquals(1, m.populatedFrames());

    m.writeFrame(2, new long[512]);
    assertEquals(0, m.populatedFrames(), "an all-zero frame releases storage");
    assertEquals(0, m.read(2 * 4096 + 80));
  }

  @Test
  void zeroFrameDropsStorage() {
    FrameStore m = new FrameStore(8);
    m.write(4096, 1);
    m.write(2 * 4096, 2);
    m.zeroFrame(1);
    assertEquals(0, m.read(4096));
    assertEquals(2, m.read(2 * 4096));
    assertEquals(1, m.populatedFrames());
    m.zeroFrame(1);
    m.zeroFrame(7);
    assertEquals(1, m.populatedFrames());
  }

  @Test
  void copyFrameForCopyOnWrite() {
    FrameStore m = new FrameStore(8);
    m.write(1 * 4096 + 8, 11);
    m.write(1 * 4096 + 4000, 12);
    m.copyFrame(1, 5);
    assertEquals(11, m.read(5 * 4096 + 8));
    assertEquals(12, m.read(5 * 4096 + 4000));
    m.write(5 * 4096 + 8, 99);
    assertEquals(11, m.read(1 * 4096 + 8), "copies are independent");

    m.copyFrame(6, 5); // copying zeros empties the destination
    assertEquals(0, m.read(5 * 4096 + 4000));
    assertFalse(m.populated(5));
    m.copyFrame(1, 1);
    assertEquals(11, m.read(4096 + 8));
  }

  @Test
  void atomics() {
    FrameStore m = new FrameStore(4);
    long a = 2 * 4096 + 64;
    assertEquals(0, m.compareAndSwap(a, 0, 5));
    assertEquals(5, m.read(a));
    assertEquals(5, m.compareAndSwap(a, 4, 100), "failed CAS returns the current value");
    assertEquals(5, m.read(a));
    assertEquals(5, m.compareAndSwap(a, 5, 6));
    assertEquals(6, m.read(a));

    assertEquals(6, m.fetchOr(a, 0x60));
    assertEquals(0x66, m.read(a));
    assertEquals(0x66, m.fetchAnd(a, ~0x2L));
    assertEquals(0x64, m.read(a));
    assertEquals(0x64, m.fetchAdd(a, -0x65));
    assertEquals(-1, m.read(a));
    assertEquals(-1, m.exchange(a, 7));
    assertEquals(7, m.read(a));

    long b = 3 * 4096;
    assertEquals(0, m.fetchAnd(b, 0));
    assertFalse(m.populated(3), "atomics writing zero to untouched memory stay sparse");
    assertEquals(0, m.fetchOr(b, 1L << 63));
    assertEquals(Long.MIN_VALUE, m.read(b));
  }

  @Test
  void bigMachinesCostNothingUntilTouched() {
    FrameStore m = new FrameStore(4L << 20); // 16 GiB
    m.write(((4L << 20) - 1) * 4096, 1);
    assertEquals(1, m.read(((4L << 20) - 1) * 4096));
    assertEquals(1, m.populatedFrames());
  }
}
