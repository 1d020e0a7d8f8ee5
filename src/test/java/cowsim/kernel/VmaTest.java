package cowsim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The VMA record: its checks, the 4 KiB default, where a 2 MiB page fits, how it prints. */
class VmaTest {

  private static final long M2 = Vma.HUGE_PAGE;

  @Test
  void aHugePageIs2MiB() {
    assertEquals(0x20_0000L, Vma.HUGE_PAGE);
  }

  @Test
  void threeArgumentsMean4KiBPages() {
    Vma v = new Vma(0x1000, 0x3000, true);
    assertFalse(v.huge());
    assertEquals(new Vma(0x1000, 0x3000, true, false), v);
    assertNotEquals(new Vma(0x1000, 0x3000, true, true), v);
  }

  @Test
  void aHugeVmaNeedsOnly4KiBAlignment() {
    Vma cut = new Vma(M2 + 0x1000, 3 * M2 - 0x1000, true, true);
    assertEquals(2 * 512 - 2, cut.pages());
    assertThrows(IllegalArgumentException.class, () -> new Vma(M2 + 1, 2 * M2, true, true));
    assertThrows(IllegalArgumentException.class, () -> new Vma(2 * M2, 2 * M2, true, true));
  }

  @Test
  void aBlockFitsWhenTheWhole2MiBAroundTheAddressIsInside() {
    Vma v = new Vma(M2, 3 * M2, true, true);
    assertTrue(v.hugeBlockFits(M2));
    assertTrue(v.hugeBlockFits(M2 + 0x1234));
    assertTrue(v.hugeBlockFits(3 * M2 - 1), "the last byte: its block is [4 MiB, 6 MiB)");
    assertFalse(v.hugeBlockFits(3 * M2), "past the end");
    assertFalse(v.hugeBlockFits(M2 - 1), "before the start");
    assertFalse(new Vma(M2, 3 * M2, true, false).hugeBlockFits(M2), "a 4 KiB VMA never");
  }

  @Test
  void aCutVmaFitsBlocksOnlyWhereTheyAreWhole() {
    // [2 MiB + 4 KiB, 8 MiB - 4 KiB): only the block [4 MiB, 6 MiB) lies inside
    Vma v = new Vma(M2 + 0x1000, 4 * M2 - 0x1000, true, true);
    assertFalse(v.hugeBlockFits(M2 + 0x1000), "the first block lacks its first page");
    assertTrue(v.hugeBlockFits(2 * M2));
    assertTrue(v.hugeBlockFits(3 * M2 - 8));
    assertFalse(v.hugeBlockFits(3 * M2), "the last block lacks its last page");
    assertFalse(v.hugeBlockFits(4 * M2 - 0x1001));
    assertFalse(new Vma(0x1000, M2 - 0x1000, true, true).hugeBlockFits(0x1000), "smaller than a block");
  }

  @Test
  void noOverflowAtTheEndsOfTheAddressRange() {
    Vma top = new Vma(VmaCalls.TASK_SIZE - 2 * M2 + 0x1000, VmaCalls.TASK_SIZE, true, true);
    assertFalse(top.hugeBlockFits(Long.MAX_VALUE));
    assertFalse(top.hugeBlockFits(-1));
    assertFalse(top.hugeBlockFits(Long.MIN_VALUE));
    assertTrue(top.hugeBlockFits(VmaCalls.TASK_SIZE - M2 - 0x1000), "the one whole block below TASK_SIZE's page");
  }

  @Test
  void toStringShowsTheRangeTheProtectionAndHugePages() {
    assertEquals("[0x200000, 0x600000) rw 2M", new Vma(0x20_0000, 0x60_0000, true, true).toString());
    assertEquals("[0x200000, 0x600000) r 2M", new Vma(0x20_0000, 0x60_0000, false, true).toString());
    assertEquals("[0x1000, 0x3000) rw", new Vma(0x1000, 0x3000, true).toString());
  }
}
