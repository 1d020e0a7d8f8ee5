package cowsim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** mmap, munmap and mprotect's checks (Linux's errno answers) and VMA bookkeeping, without actors. */
class VmaCallsTest {

  private static final long PRIVATE_ANON = 0x02 | 0x20;
  private static final long FIXED = 0x10;
  private static final long RW = 3;
  private static final long TIB = 1L << 40;

  private final List<Vma> vmas = new ArrayList<>();

  private long mmap(long addr, long length, long flags) {
    return VmaCalls.mmap(vmas, VmaCalls.MMAP_BASE, addr, length, RW, flags).result();
  }

  @Test
  void taskSizeIsTheUserHalfLessItsLastPage() {
    assertEquals(0x7fff_ffff_f000L, VmaCalls.TASK_SIZE);
    assertEquals(Layout.STACK_TOP, VmaCalls.TASK_SIZE);
  }

  @Test
  void mmapOfLengthZeroIsEinval() {
    assertEquals(-Errno.EINVAL, mmap(0, 0, PRIVATE_ANON));
  }

  @Test
  void mmapWhosePageAlignOverflowsIsEnomem() {
    assertEquals(-Errno.ENOMEM, mmap(0, -1, PRIVATE_ANON), "2^64 - 1 rounds to 0");
    assertEquals(-Errno.ENOMEM, mmap(0, -4095, PRIVATE_ANON));
    assertEquals(-Errno.ENOMEM, mmap(0x1000, -1, PRIVATE_ANON | FIXED));
    assertTrue(vmas.isEmpty());
  }

  @Test
  void mmapLongerThanTaskSizeIsEnomem() {
    assertEquals(-Errno.ENOMEM, mmap(0, 128 * TIB, PRIVATE_ANON), "128 TiB from the mmap base");
    assertEquals(-Errno.ENOMEM, mmap(0, VmaCalls.TASK_SIZE + 1, PRIVATE_ANON));
    assertEquals(-Errno.ENOMEM, mmap(0, Long.MIN_VALUE, PRIVATE_ANON), "negative is huge, unsigned");
    assertTrue(vmas.isEmpty());
  }

  @Test
  void mmapThatDoesNotFitBelowTheMmapAreasEndIsEnomemAndLeavesTheHint() {
    VmaCalls.Mapped m = VmaCalls.mmap(vmas, VmaCalls.MMAP_BASE, 0, 112 * TIB, RW, PRIVATE_ANON);
    assertEquals(-Errno.ENOMEM, m.result(), "16 TiB + 112 TiB reaches past the user half");
    assertEquals(VmaCalls.MMAP_BASE, m.hint());
    assertTrue(vmas.isEmpty());
    VmaCalls.Mapped ok = VmaCalls.mmap(vmas, VmaCalls.MMAP_BASE, 0, 64 * TIB, RW, PRIVATE_ANON);
    assertEquals(VmaCalls.MMAP_BASE, ok.result(), "64 TiB fits");
    assertEquals(VmaCalls.MMAP_BASE + 64 * TIB, ok.hint());
    assertEquals(List.of(new Vma(VmaCalls.MMAP_BASE, VmaCalls.MMAP_BASE + 64 * TIB, true)), vmas);
  }

  @Test
  void mmapFixedPastTaskSizeIsEnomemAndUnalignedIsEinval() {
    assertEquals(-Errno.ENOMEM, mmap(VmaCalls.TASK_SIZE, 4096, PRIVATE_ANON | FIXED));
    assertEquals(-Errno.ENOMEM, mmap(VmaCalls.TASK_SIZE - 4096, 8192, PRIVATE_ANON | FIXED));
    assertEquals(VmaCalls.TASK_SIZE - 4096, mmap(VmaCalls.TASK_SIZE - 4096, 4096, PRIVATE_ANON | FIXED), "the last page below TASK_SIZE");
    assertEquals(-Errno.EINVAL, mmap(0x40_0001L, 4096, PRIVATE_ANON | FIXED));
    assertEquals(-Errno.EPERM, mmap(0, 4096, PRIVATE_ANON | FIXED), "page 0: mmap_min_addr");
  }

  @Test
  void aHintIsRoundedDownAndTakenWhenItFits() {
    assertEquals(0x40_0000L, mmap(0x40_0123L, 100, PRIVATE_ANON), "round_hint_to_min");
    assertEquals(List.of(new Vma(0x40_0000L, 0x40_1000L, true)), vmas);
    assertEquals(VmaCalls.MMAP_BASE, mmap(0x40_0000L, 4096, PRIVATE_ANON), "taken: searched from the mmap base instead");
    assertEquals(VmaCalls.MMAP_BASE + 8192, mmap(VmaCalls.TASK_SIZE - 4096, 8192, PRIVATE_ANON),
        "a hint reaching past TASK_SIZE: searched from the mmap base, in steps of the length");
  }

  @Test
  void mmapFixedOverAMappingIsEinvalInThisModel() {
    assertEquals(0x40_0000L, mmap(0x40_0000L, 8192, PRIVATE_ANON | FIXED));
    assertEquals(-Errno.EINVAL, mmap(0x40_1000L, 4096, PRIVATE_ANON | FIXED));
  }

  @Test
  void onlyAnonymousPrivateMappingsAreModelled() {
    assertEquals(-Errno.EINVAL, mmap(0, 4096, 0x20));
    assertEquals(-Errno.EINVAL, mmap(0, 4096, 0x02));
    assertEquals(-Errno.EINVAL, mmap(0, 4096, PRIVATE_ANON | 0x100));
  }

  @Test
  void theSearchJumpsPastAHugeVmaInOneStepAtTheSameAddressAsStepping() {
    // a 64 TiB VMA at the mmap base, then a page: the old loop stepped 2^34 times by 4 KiB
    vmas.add(new Vma(VmaCalls.MMAP_BASE, VmaCalls.MMAP_BASE + 64 * TIB, true));
    assertEquals(VmaCalls.MMAP_BASE + 64 * TIB, VmaCalls.pick(vmas, VmaCalls.MMAP_BASE, 4096));
    // the jump lands where stepping by the length from the hint would: 3 pages at a time here
    List<Vma> one = new ArrayList<>(List.of(new Vma(VmaCalls.MMAP_BASE, VmaCalls.MMAP_BASE + 0x5000, true)));
    long from = VmaCalls.MMAP_BASE - 0x1000;
    long stepped = from;
    while (VmaCalls.overlaps(one, stepped, stepped + 0x3000)) {
      stepped += 0x3000;
    }
    assertEquals(stepped, VmaCalls.pick(one, from, 0x3000));
    assertEquals(-1, VmaCalls.pick(one, VmaCalls.MMAP_END - 0x1000, 0x2000), "no room below the mmap area's end");
  }

  @Test
  void munmapChecksAsDoVmiMunmap() {
    assertEquals(-Errno.EINVAL, VmaCalls.munmap(vmas, 0x40_0001L, 4096).error(), "unaligned");
    assertEquals(-Errno.EINVAL, VmaCalls.munmap(vmas, 0x40_0000L, 0).error(), "length 0");
    assertEquals(-Errno.EINVAL, VmaCalls.munmap(vmas, VmaCalls.TASK_SIZE + 4096, 4096).error(), "above TASK_SIZE");
    assertEquals(-Errno.EINVAL, VmaCalls.munmap(vmas, 0x40_0000L, VmaCalls.TASK_SIZE).error(), "past TASK_SIZE");
    assertEquals(-Errno.EINVAL, VmaCalls.munmap(vmas, 0x40_0000L, -1).error(), "negative is huge");
    assertEquals(0, VmaCalls.munmap(vmas, 0x40_0000L, 4096).error(), "nothing mapped there is no error");
  }

  @Test
  void munmapCutsAndSaysWhetherItTookWholeVmas() {
    vmas.add(new Vma(0x40_0000L, 0x40_4000L, true));
    VmaCalls.Cut part = VmaCalls.munmap(vmas, 0x40_1000L, 1);
    assertEquals(List.of(new Vma(0x40_1000L, 0x40_2000L, true)), part.pieces());
    assertEquals(false, part.whole());
    assertEquals(List.of(new Vma(0x40_0000L, 0x40_1000L, true), new Vma(0x40_2000L, 0x40_4000L, true)), vmas);
    VmaCalls.Cut all = VmaCalls.munmap(vmas, 0x40_0000L, 0x4000);
    assertTrue(all.whole());
    assertTrue(vmas.isEmpty());
  }

  @Test
  void mprotectChecksAsDoMprotectPkey() {
    vmas.add(new Vma(0x40_0000L, 0x40_2000L, true));
    assertEquals(-Errno.EINVAL, VmaCalls.mprotect(vmas, 0x40_0001L, 4096, 1).error(), "unaligned");
    VmaCalls.Cut none = VmaCalls.mprotect(vmas, 0x40_0000L, 0, 1);
    assertEquals(0, none.error());
    assertNull(none.pieces(), "length 0: nothing to do, 0");
    assertEquals(-Errno.ENOMEM, VmaCalls.mprotect(vmas, 0x40_0000L, -4096, 1).error(), "the end wraps");
    assertEquals(-Errno.ENOMEM, VmaCalls.mprotect(vmas, 0x40_0000L, -1, 1).error(), "PAGE_ALIGN overflows: end == start");
    assertEquals(-Errno.EINVAL, VmaCalls.mprotect(vmas, 0x40_0000L, 4096, 0x40).error(), "unknown prot bit");
    assertEquals(-Errno.EINVAL, VmaCalls.mprotect(vmas, 0x40_0000L, 4096, 0x0300_0000L).error(), "grows both ways");
    assertEquals(-Errno.ENOMEM, VmaCalls.mprotect(vmas, 0x40_0000L, 0x3000, 1).error(), "a hole");
    assertEquals(-Errno.ENOMEM, VmaCalls.mprotect(vmas, 0x40_0000L, Long.MIN_VALUE, 1).error(), "past TASK_SIZE");
    assertEquals(List.of(new Vma(0x40_0000L, 0x40_2000L, true)), vmas, "untouched by the errors");
    VmaCalls.Cut ro = VmaCalls.mprotect(vmas, 0x40_1000L, 1, 1);
    assertEquals(List.of(new Vma(0x40_1000L, 0x40_2000L, false)), ro.pieces());
    assertEquals(List.of(new Vma(0x40_0000L, 0x40_1000L, true), new Vma(0x40_1000L, 0x40_2000L, false)), vmas);
  }
}
