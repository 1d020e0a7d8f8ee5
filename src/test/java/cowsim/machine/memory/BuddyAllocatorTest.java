package cowsim.machine.memory;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.machine.memory.BuddyAllocator.FreeResult;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class BuddyAllocatorTest {

  private static int[] freeBlockCounts(BuddyAllocator b) {
    int[] counts = new int[b.maxOrder() + 1];
    for (int o = 0; o <= b.maxOrder(); o++) counts[o] = b.freeBlocks(o);
    return counts;
  }

  @Test
  void constructorValidates() {
    assertThrows(IllegalArgumentException.class, () -> new BuddyAllocator(0, 10));
    assertThrows(IllegalArgumentException.class, () -> new BuddyAllocator(-5, 10));
    assertThrows(IllegalArgumentException.class, () -> new BuddyAllocator(1L << 40, 10));
    assertThrows(IllegalArgumentException.class, () -> new BuddyAllocator(1024, -1));
    assertThrows(IllegalArgumentException.class, () -> new BuddyAllocator(1024, 31));
    assertEquals(10, new BuddyAllocator(1024).maxOrder());
  }

  @Test
  void oneGibStartsAsMaxOrderBlocks() {
    BuddyAllocator b = new BuddyAllocator(262_144, 10);
    assertEquals(256, b.freeBlocks(10));
    for (int o = 0; o < 10; o++) assertEquals(0, b.freeBlocks(o));
    assertEquals(262_144, b.freeFrames());
    assertEquals(0, b.allocatedFrames());
    b.checkConsistency();
  }

  @Test
  void firstAllocationSplitsTheLowestBlock() {
    BuddyAllocator b = new BuddyAllocator(2048, 10);
    assertEquals(0, b.allocate(0));
    // Block 0..1023 split down: one free block at each order 0..9 (1, 2, 4, ..., 512), plus block 1024.
    for (int o = 0; o < 10; o++) assertEquals(1, b.freeBlocks(o), "order " + o);
    assertEquals(1, b.freeBlocks(10));
    assertEquals(2047, b.freeFrames());
    assertEquals(1, b.allocatedFrames());
    assertEquals(1, b.allocations());
    b.checkConsistency();
  }

  @Test
  void addressesAreDeterministic() {
    BuddyAllocator b = new BuddyAllocator(64, 10);
    int[] orders = {0, 1, 0, 2, 0, 3};
    long[] got = new long[orders.length];
    for (int i = 0; i < orders.length; i++) got[i] = b.allocate(orders[i]);
    assertArrayEquals(new long[] {0, 2, 1, 4, 8, 16}, got);

    BuddyAllocator again = new BuddyAllocator(64, 10);
    for (int i = 0; i < orders.length; i++) assertEquals(got[i], again.allocate(orders[i]));

    // The freed low block is reused before higher addresses.
    assertEquals(FreeResult.OK, b.free(2, 1));
    assertEquals(2, b.allocate(1));
  }

  @Test
  void freeingEverythingInAnotherOrderCoalescesToTheInitialState() {
    BuddyAllocator b = new BuddyAllocator(4096, 10);
    int[] initial = freeBlockCounts(b);
    Random rnd = new Random(42);
    List<long[]> blocks = new ArrayList<>();
    boolean full = false;
    while (!full) {
      full = true;
      for (int order = rnd.nextInt(6); order >= 0; order--) {
        long f = b.allocate(order);
        if (f != BuddyAllocator.NONE) {
          blocks.add(new long[] {f, order});
          full = false;
          break;
        }
      }
    }
    assertEquals(0, b.freeFrames());
    assertEquals(4096, b.allocatedFrames());
    b.checkConsistency();

    Collections.shuffle(blocks, new Random(7));
    for (long[] blk : blocks) assertEquals(FreeResult.OK, b.free(blk[0], (int) blk[1]));
    assertArrayEquals(initial, freeBlockCounts(b));
    assertEquals(4096, b.freeFrames());
    assertEquals(0, b.allocatedFrames());
    assertEquals(b.allocations(), b.frees());
    b.checkConsistency();
  }

  @Test
  void exhaustionReturnsNoneThenSucceedsAfterAFree() {
    BuddyAllocator b = new BuddyAllocator(16, 2);
    long[] got = new long[4];
    for (int i = 0; i < 4; i++) got[i] = b.allocate(2);
    assertArrayEquals(new long[] {0, 4, 8, 12}, got);
    assertEquals(BuddyAllocator.NONE, b.allocate(2));
    assertEquals(BuddyAllocator.NONE, b.allocate(0));
    assertEquals(2, b.allocationFailures());
    assertEquals(4, b.allocations());

    assertEquals(FreeResult.OK, b.free(8, 2));
    assertEquals(8, b.allocate(0));
    assertEquals(9, b.allocate(0));
    assertEquals(10, b.allocate(1));
    assertEquals(BuddyAllocator.NONE, b.allocate(0));
    b.checkConsistency();
  }

  @Test
  void fragmentationCanDenyHigherOrders() {
    BuddyAllocator b = new BuddyAllocator(8, 3);
    for (int i = 0; i < 8; i++) assertEquals(i, b.allocate(0));
    for (int i = 0; i < 8; i += 2) assertEquals(FreeResult.OK, b.free(i, 0));
    assertEquals(4, b.freeFrames());
    assertEquals(BuddyAllocator.NONE, b.allocate(1), "four free frames, but no two are buddies");
    assertEquals(FreeResult.OK, b.free(1, 0));
    assertEquals(0, b.allocate(1), "0 and 1 coalesced");
  }

  @Test
  void nonPowerOfTwoTotalsUseLargestAlignedBlocks() {
    BuddyAllocator b = new BuddyAllocator(1000, 10);
    // 1000 = 512 + 256 + 128 + 64 + 32 + 8
    int[] expected = {0, 0, 0, 1, 0, 1, 1, 1, 1, 1, 0};
    assertArrayEquals(expected, freeBlockCounts(b));
    b.checkConsistency();

    BuddyAllocator c = new BuddyAllocator(3000, 10);
    // 3000 = 2x1024 + 512 + 256 + 128 + 32 + 16 + 8
    assertArrayEquals(new int[] {0, 0, 0, 1, 1, 1, 0, 1, 1, 1, 2}, freeBlockCounts(c));
    assertEquals(0, c.allocate(10));
    assertEquals(1024, c.allocate(10));
    assertEquals(BuddyAllocator.NONE, c.allocate(10));
    assertEquals(2048, c.allocate(9));
    assertEquals(2992, c.allocate(3), "the 8-frame tail block");
    assertEquals(2976, c.allocate(3), "then the 16-frame block split");
    c.checkConsistency();

    BuddyAllocator one = new BuddyAllocator(1, 10);
    assertEquals(0, one.allocate(0));
    assertEquals(BuddyAllocator.NONE, one.allocate(0));
    assertEquals(FreeResult.OK, one.free(0, 0));
    assertEquals(1, one.freeBlocks(0));
  }

  @Test
  void freeAtTheOddEndDoesNotMergePastTotal() {
    BuddyAllocator b = new BuddyAllocator(7, 3); // 4 + 2 + 1
    long[] got = {b.allocate(0), b.allocate(0), b.allocate(0)};
    assertArrayEquals(new long[] {6, 4, 5}, got);
    assertEquals(FreeResult.OK, b.free(6, 0));
    assertEquals(FreeResult.OK, b.free(4, 0));
    assertEquals(FreeResult.OK, b.free(5, 0));
    assertArrayEquals(new int[] {1, 1, 1, 0}, freeBlockCounts(b));
    b.checkConsistency();
  }

  @Test
  void reserveKeepsFramesOut() {
    BuddyAllocator b = new BuddyAllocator(1024, 10);
    b.reserve(0, 1);
    assertTrue(b.isReserved(0));
    assertFalse(b.isAllocated(0));
    assertFalse(b.isFree(0));
    assertEquals(1, b.reservedFrames());
    assertEquals(1023, b.freeFrames());
    for (int o = 0; o < 10; o++) assertEquals(1, b.freeBlocks(o));
    assertEquals(0, b.freeBlocks(10));
    assertEquals(BuddyAllocator.NONE, b.allocate(10));
    assertEquals(1, b.allocate(0));
    assertEquals(FreeResult.RESERVED, b.free(0, 0));
    b.checkConsistency();
  }

  @Test
  void reserveKernelRangeOfOneGib() {
    BuddyAllocator b = new BuddyAllocator(262_144, 10);
    b.reserve(0, 300);
    assertEquals(300, b.allocate(2), "first free 4-aligned block after 300");
    assertEquals(304, b.allocate(4));
    assertEquals(262_144 - 300 - 4 - 16, b.freeFrames());
    b.checkConsistency();
  }

  @Test
  void reserveMidRangeUnaligned() {
    BuddyAllocator b = new BuddyAllocator(64, 10);
    b.reserve(5, 10);
    assertEquals(54, b.freeFrames());
    b.checkConsistency();
    List<Long> got = new ArrayList<>();
    long f;
    while ((f = b.allocate(0)) != BuddyAllocator.NONE) got.add(f);
    assertEquals(54, got.size());
    for (long g : got) assertFalse(g >= 5 && g < 15, "reserved frame handed out: " + g);
    // Smallest sufficient order first: the order-0 leftovers at 4 and 15, then split 0..3.
    assertEquals(List.of(4L, 15L, 0L, 1L, 2L, 3L, 16L), got.subList(0, 7));
    b.reserve(0, 0); // empty range is a no-op, even over allocated frames
  }

  @Test
  void reserveRejectsBadRangesWithoutChangingAnything() {
    BuddyAllocator b = new BuddyAllocator(64, 10);
    assertEquals(0, b.allocate(3)); // frames 0..7
    int[] before = freeBlockCounts(b);
    assertThrows(IllegalStateException.class, () -> b.reserve(4, 20), "overlaps an allocation");
    assertArrayEquals(before, freeBlockCounts(b));
    assertEquals(56, b.freeFrames());
    assertEquals(0, b.reservedFrames());

    b.reserve(20, 1);
    assertThrows(IllegalStateException.class, () -> b.reserve(16, 8), "overlaps a reservation");
    assertEquals(1, b.reservedFrames());
    assertEquals(55, b.freeFrames());

    assertThrows(IllegalArgumentException.class, () -> b.reserve(60, 5));
    assertThrows(IllegalArgumentException.class, () -> b.reserve(-1, 2));
    assertThrows(IllegalArgumentException.class, () -> b.reserve(0, -1));
    assertThrows(IllegalArgumentException.class, () -> b.reserve(1, Long.MAX_VALUE));
    b.checkConsistency();
  }

  @Test
  void aSmallerFreeOfABlocksHeadGivesBackOnlyThatPartAsStrat9sBuddyDoes() {
    BuddyAllocator b = new BuddyAllocator(2048, 10);
    long head = b.allocate(9);
    long before = b.allocatedFrames();
    assertEquals(FreeResult.PART, b.free(head, 0));
    assertTrue(FreeResult.PART.ok());
    assertEquals(before - 1, b.allocatedFrames(), "one 4 KiB frame back, 511 still allocated");
    assertTrue(b.isFree(head));
    assertTrue(b.isAllocated(head + 1) && b.isAllocated(head + 511));
    assertEquals(FreeResult.OK, b.free(head + 1, 0), "the rest are order-0 blocks now");
    b.checkConsistency();
  }

  @Test
  void doubleFreeAndWrongOrderAreReportedNotThrown() {
    BuddyAllocator b = new BuddyAllocator(64, 10);
    long f = b.allocate(2);
    long other = b.allocate(0);
    assertEquals(FreeResult.WRONG_ORDER, b.free(f, 99));
    assertEquals(FreeResult.NOT_BLOCK_START, b.free(f + 1, 0));
    assertEquals(FreeResult.NOT_BLOCK_START, b.free(f + 2, 1));
    assertTrue(b.isAllocated(f) && b.isAllocated(f + 3));
    assertEquals(0, b.frees());

    assertEquals(FreeResult.OK, b.free(f, 2));
    assertTrue(FreeResult.OK.ok());
    assertEquals(FreeResult.NOT_ALLOCATED, b.free(f, 2));
    assertFalse(FreeResult.NOT_ALLOCATED.ok());
    assertEquals(FreeResult.NOT_ALLOCATED, b.free(40, 0), "never allocated");
    assertEquals(FreeResult.OUT_OF_RANGE, b.free(64, 0));
    assertEquals(FreeResult.OUT_OF_RANGE, b.free(-1, 0));
    assertEquals(1, b.frees());
    assertTrue(b.isAllocated(other));
    b.checkConsistency();
  }

  @Test
  void doubleFreeAfterCoalescingIsStillDetected() {
    BuddyAllocator b = new BuddyAllocator(2, 1);
    assertEquals(0, b.allocate(0));
    assertEquals(1, b.allocate(0));
    assertEquals(FreeResult.OK, b.free(0, 0));
    assertEquals(FreeResult.OK, b.free(1, 0));
    assertEquals(1, b.freeBlocks(1));
    assertEquals(FreeResult.NOT_ALLOCATED, b.free(0, 0));
    assertEquals(FreeResult.NOT_ALLOCATED, b.free(1, 0));
    assertEquals(FreeResult.NOT_ALLOCATED, b.free(0, 1));
    b.checkConsistency();
  }

  @Test
  void allocationQueries() {
    BuddyAllocator b = new BuddyAllocator(64, 10);
    long f = b.allocate(3);
    for (long g = f; g < f + 8; g++) {
      assertTrue(b.isAllocated(g));
      assertEquals(f, b.blockStart(g));
    }
    assertEquals(3, b.allocatedOrder(f));
    assertEquals(-1, b.allocatedOrder(f + 1));
    assertFalse(b.isAllocated(f + 8));
    assertTrue(b.isFree(f + 8));
    assertEquals(BuddyAllocator.NONE, b.blockStart(f + 8));
    assertFalse(b.isAllocated(-1));
    assertFalse(b.isAllocated(64));
    assertFalse(b.isFree(64));
  }

  @Test
  void badOrdersThrow() {
    BuddyAllocator b = new BuddyAllocator(64, 10);
    assertThrows(IllegalArgumentException.class, () -> b.allocate(-1));
    assertThrows(IllegalArgumentException.class, () -> b.allocate(11));
    assertThrows(IllegalArgumentException.class, () -> b.freeBlocks(11));
  }

  @Test
  void oneGibCanBeFullyAllocatedFrameByFrame() {
    int total = 262_144;
    BuddyAllocator b = new BuddyAllocator(total, 10);
    for (int i = 0; i < total; i++) assertEquals(i, b.allocate(0));
    assertEquals(BuddyAllocator.NONE, b.allocate(0));
    for (int i = total - 1; i >= 0; i -= 2) assertEquals(FreeResult.OK, b.free(i, 0));
    for (int i = 0; i < total; i += 2) assertEquals(FreeResult.OK, b.free(i, 0));
    assertEquals(256, b.freeBlocks(10));
    assertEquals(total, b.freeFrames());
  }

  @Test
  void fourMiFramesWork() {
    BuddyAllocator b = new BuddyAllocator(4L << 20, 10);
    assertEquals(4096, b.freeBlocks(10));
    b.reserve(0, 1);
    long[] got = new long[20_000];
    for (int i = 0; i < got.length; i++) got[i] = b.allocate(i % 3);
    for (long g : got) assertTrue(g > 0);
    for (int i = got.length - 1; i >= 0; i--) assertEquals(FreeResult.OK, b.free(got[i], i % 3));
    assertEquals((4L << 20) - 1, b.freeFrames());
    assertEquals(4095, b.freeBlocks(10));
  }

  @Test
  void randomisedAgainstAModel() {
    Random rnd = new Random(1234);
    BuddyAllocator b = new BuddyAllocator(1000, 6);
    b.reserve(0, 3);
    byte[] owner = new byte[1000]; // 0 free, 1 allocated, 2 reserved
    owner[0] = owner[1] = owner[2] = 2;
    List<long[]> live = new ArrayList<>();
    for (int step = 0; step < 6000; step++) {
      if (live.isEmpty() || rnd.nextInt(3) > 0) {
        int order = rnd.nextInt(7);
        long f = b.allocate(order);
        if (f == BuddyAllocator.NONE) continue;
        assertEquals(0, f & ((1L << order) - 1), "block aligned to its order");
        for (long g = f; g < f + (1L << order); g++) {
          assertEquals(0, owner[(int) g], "frame handed out twice: " + g);
          owner[(int) g] = 1;
        }
        live.add(new long[] {f, order});
      } else {
        long[] blk = live.remove(rnd.nextInt(live.size()));
        assertEquals(FreeResult.OK, b.free(blk[0], (int) blk[1]));
        for (long g = blk[0]; g < blk[0] + (1L << blk[1]); g++) owner[(int) g] = 0;
      }
      if (step % 500 == 0) {
        b.checkConsistency();
        for (int g = 0; g < 1000; g++) {
          assertEquals(owner[g] == 1, b.isAllocated(g));
          assertEquals(owner[g] == 2, b.isReserved(g));
          assertEquals(owner[g] == 0, b.isFree(g));
        }
      }
    }
    for (long[] blk : live) assertEquals(FreeResult.OK, b.free(blk[0], (int) blk[1]));
    assertEquals(997, b.freeFrames());
    b.checkConsistency();
  }

  // ---- order 9 (2 MiB) and split_page ----

  @Test
  void anOrderNineBlockIs512AlignedEvenAfterReservedFrames() {
    BuddyAllocator b = new BuddyAllocator(4096, 10);
    b.reserve(0, 3);
    long head = b.allocate(9);
    assertEquals(512, head, "the lowest 512-aligned free run of 512 frames");
    assertEquals(0, head % 512);
    assertEquals(9, b.allocatedOrder(head));
    assertEquals(512, b.allocatedFrames());
    long next = b.allocate(9);
    assertEquals(1024, next);
    b.checkConsistency();
  }

  @Test
  void freeingAnOrderNineBlockCoalescesItBack() {
    BuddyAllocator b = new BuddyAllocator(4096, 10);
    int[] before = freeBlockCounts(b);
    long head = b.allocate(9);
    assertEquals(FreeResult.OK, b.free(head, 9));
    assertArrayEquals(before, freeBlockCounts(b));
    assertEquals(4096, b.freeFrames());
    b.checkConsistency();
  }

  @Test
  void splitThenFreeingAll512SinglyCoalescesBackToTheOriginalFreeBlocks() {
    BuddyAllocator b = new BuddyAllocator(4096, 10);
    b.reserve(0, 3);
    int[] before = freeBlockCounts(b);
    long head = b.allocate(9);
    assertEquals(FreeResult.OK, b.split(head, 9));
    assertEquals(1, b.splits());
    assertEquals(512, b.allocatedFrames(), "a split allocates and frees nothing");
    for (long f = head; f < head + 512; f++) {
      assertEquals(0, b.allocatedOrder(f), "frame " + f + " heads its own order-0 block");
    }
    b.checkConsistency();
    List<Long> frames = new ArrayList<>();
    for (long f = head; f < head + 512; f++) frames.add(f);
    Collections.shuffle(frames, new Random(9));
    for (long f : frames) {
      assertEquals(FreeResult.OK, b.free(f, 0), "frame " + f);
    }
    assertArrayEquals(before, freeBlockCounts(b));
    assertEquals(0, b.allocatedFrames());
    b.checkConsistency();
  }

  @Test
  void aSplitOfAnythingButTheHeadOfAnAllocatedBlockOfThatOrderIsRefusedAndChangesNothing() {
    BuddyAllocator b = new BuddyAllocator(4096, 10);
    long head = b.allocate(9);
    b.reserve(2048, 1);
    int[] free = freeBlockCounts(b);
    assertEquals(FreeResult.NOT_BLOCK_START, b.split(head + 1, 9));
    assertEquals(FreeResult.WRONG_ORDER, b.split(head, 8));
    assertEquals(FreeResult.WRONG_ORDER, b.split(head, 10));
    assertEquals(FreeResult.NOT_ALLOCATED, b.split(head + 512, 9));
    assertEquals(FreeResult.OUT_OF_RANGE, b.split(4096, 0));
    assertEquals(FreeResult.RESERVED, b.split(2048, 0));
    assertEquals(9, b.allocatedOrder(head), "still one order-9 block");
    assertEquals(-1, b.allocatedOrder(head + 1), "its other frames head nothing");
    assertArrayEquals(free, freeBlockCounts(b));
    assertEquals(0, b.splits());
    assertEquals(FreeResult.OK, b.split(head, 9));
    assertEquals(FreeResult.WRONG_ORDER, b.split(head, 9), "already split: its head is an order-0 block now");
    assertEquals(FreeResult.WRONG_ORDER, b.free(head, 9), "and is freed frame by frame");
    b.checkConsistency();
  }

  @Test
  void aFrameInsideAnUnsplitBlockCannotBeFreedAloneButCanOnceSplit() {
    BuddyAllocator b = new BuddyAllocator(4096, 10);
    long head = b.allocate(9);
    assertEquals(FreeResult.NOT_BLOCK_START, b.free(head + 5, 0));
    assertEquals(512, b.allocatedFrames());
    assertEquals(FreeResult.OK, b.split(head, 9));
    assertEquals(FreeResult.OK, b.free(head + 5, 0));
    assertEquals(FreeResult.NOT_ALLOCATED, b.free(head + 5, 0), "a double free after a split is one too");
    assertEquals(511, b.allocatedFrames());
    b.checkConsistency();
  }
}
