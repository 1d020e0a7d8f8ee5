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
  private static final long HUGETLB = 0x40000;
  private static final long M2 = Vma.HUGE_PAGE;

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

  @Test
  void mapHugetlbIsLinuxsValue() {
    assertEquals(HUGETLB, cowsim.isa.Constants.MAP_HUGETLB);
  }

  @Test
  void mapHugetlbMakesAHugeVma() {
    assertEquals(0x40_0000L, mmap(0x40_0000L, 2 * M2, PRIVATE_ANON | FIXED | HUGETLB));
    assertEquals(VmaCalls.MMAP_BASE, mmap(0, M2, PRIVATE_ANON | HUGETLB));
    assertEquals(List.of(new Vma(0x40_0000L, 0x80_0000L, true, true), new Vma(VmaCalls.MMAP_BASE, VmaCalls.MMAP_BASE + M2, true, true)), vmas);
  }

  @Test
  void mapHugetlbRoundsTheLengthUpAndNeedsA2MiBFixedAddressAsHugetlbGetUnmappedArea() {
    assertEquals(-Errno.EINVAL, mmap(0x40_1000L, M2, PRIVATE_ANON | FIXED | HUGETLB), "prepare_hugepage_range");
    assertEquals(-Errno.EINVAL, mmap(0x30_0000L, M2, PRIVATE_ANON | FIXED | HUGETLB), "1 MiB-aligned is not enough");
    assertEquals(-Errno.EINVAL, mmap(0, 0, PRIVATE_ANON | HUGETLB), "length 0: do_mmap first");
    assertEquals(-Errno.EINVAL, mmap(0, -1, PRIVATE_ANON | HUGETLB), "ALIGN(len, 2 MiB) wraps to 0: do_mmap's length 0");
    assertEquals(-Errno.ENOMEM, mmap(0, VmaCalls.TASK_SIZE + M2, PRIVATE_ANON | HUGETLB), "above TASK_SIZE: __get_unmapped_area first");
    assertEquals(-Errno.EPERM, mmap(0, M2, PRIVATE_ANON | FIXED | HUGETLB), "page 0: mmap_min_addr");
    assertTrue(vmas.isEmpty());
    long a = mmap(0, 4096, PRIVATE_ANON | HUGETLB);
    assertEquals(M2, vmas.get(0).end() - vmas.get(0).start(), "a page's length is rounded up to 2 MiB (ksys_mmap_pgoff)");
    long b = mmap(0, M2 + 4096, PRIVATE_ANON | HUGETLB);
    assertEquals(2 * M2, vmas.get(1).end() - vmas.get(1).start());
    assertEquals(0, (a | b) & (M2 - 1));
  }

  @Test
  void mapHugetlbRoundsAHintUpAndSearchesFrom2MiBBoundaries() {
    assertEquals(0x60_0000L, mmap(0x40_1000L, M2, PRIVATE_ANON | HUGETLB), "ALIGN(addr, huge_page_size)");
    assertEquals(0xa0_0000L, mmap(0x80_1001L, M2, PRIVATE_ANON | HUGETLB), "rounded down to a page, then up to 2 MiB");
    assertEquals(-Errno.EINVAL, VmaCalls.mmap(vmas, VmaCalls.MMAP_BASE, 0x60_0000L, M2, RW, PRIVATE_ANON | FIXED | HUGETLB).result(),
        "taken (MAP_FIXED does not replace)");
    vmas.clear();
    // the process's mmap hint after a 4 KiB mapping is not 2 MiB-aligned; the search rounds it up
    VmaCalls.Mapped small = VmaCalls.mmap(vmas, VmaCalls.MMAP_BASE, 0, 4096, RW, PRIVATE_ANON);
    assertEquals(VmaCalls.MMAP_BASE + 4096, small.hint());
    VmaCalls.Mapped huge = VmaCalls.mmap(vmas, small.hint(), 0, 2 * M2, RW, PRIVATE_ANON | HUGETLB);
    assertEquals(VmaCalls.MMAP_BASE + M2, huge.result());
    assertEquals(VmaCalls.MMAP_BASE + 3 * M2, huge.hint());
    // in the way: a 4 KiB VMA at an odd page; the next place is still a 2 MiB boundary
    vmas.add(new Vma(VmaCalls.MMAP_BASE + 3 * M2 + 0x5000, VmaCalls.MMAP_BASE + 3 * M2 + 0x6000, true));
    long next = VmaCalls.mmap(vmas, huge.hint(), 0, M2, RW, PRIVATE_ANON | HUGETLB).result();
    assertEquals(VmaCalls.MMAP_BASE + 4 * M2, next);
    for (Vma v : vmas) {
      if (v.huge()) {
        assertEquals(0, v.start() % M2, v.toString());
      }
    }
  }

  @Test
  void munmapCutsAHugeVmaAnywhereAndThePiecesStayHuge() {
    vmas.add(new Vma(M2, 3 * M2, true, true));
    VmaCalls.Cut c = VmaCalls.munmap(vmas, M2 + 0x3000, 0x1000);
    assertEquals(List.of(new Vma(M2 + 0x3000, M2 + 0x4000, true, true)), c.pieces());
    assertEquals(false, c.whole());
    assertEquals(List.of(new Vma(M2, M2 + 0x3000, true, true), new Vma(M2 + 0x4000, 3 * M2, true, true)), vmas);
    assertTrue(vmas.get(1).hugeBlockFits(2 * M2), "the second block is still whole");
    assertEquals(false, vmas.get(1).hugeBlockFits(M2 + 0x4000), "the first is not");
  }

  @Test
  void mprotectSplitsAHugeVmaIntoHugePiecesAndNeverMergesThemWithA4KiBNeighbour() {
    Vma small = new Vma(M2 - 0x1000, M2, false);
    vmas.add(small);
    vmas.add(new Vma(M2, 3 * M2, true, true));
    VmaCalls.Cut ro = VmaCalls.mprotect(vmas, M2, 0x1000, 1);
    assertEquals(List.of(new Vma(M2, M2 + 0x1000, false, true)), ro.pieces());
    assertEquals(List.of(small, new Vma(M2, M2 + 0x1000, false, true), new Vma(M2 + 0x1000, 3 * M2, true, true)), vmas,
        "read-only beside the read-only 4 KiB VMA: still two VMAs, one huge");
    // across both kinds at once: each piece keeps its own page size
    VmaCalls.Cut rw = VmaCalls.mprotect(vmas, M2 - 0x1000, 0x3000, RW);
    assertEquals(List.of(new Vma(M2 - 0x1000, M2, true, false), new Vma(M2, M2 + 0x1000, true, true), new Vma(M2 + 0x1000, M2 + 0x2000, true, true)),
        rw.pieces());
    assertEquals(4, vmas.size());
    assertEquals(List.of(false, true, true, true), vmas.stream().map(Vma::huge).toList());
  }

  /** madvise follows do_madvise: its argument checks, the parts in VMAs, -ENOMEM for a hole. */
  @Test
  void madviseChecksAsDoMadviseAndAdvisesTheMappedParts() {
    List<Vma> vmas = List.of(new Vma(0x400000, 0x404000, true), new Vma(0x405000, 0x406000, false));
    assertEquals(-Errno.EINVAL, VmaCalls.madvise(vmas, 0x400000, 4096, 9).error(), "unknown advice");
    assertEquals(-Errno.EINVAL, VmaCalls.madvise(vmas, 0x400008, 4096, 4).error(), "not page-aligned");
    assertEquals(-Errno.EINVAL, VmaCalls.madvise(vmas, 0x400000, -1, 4).error(), "PAGE_ALIGN wraps to 0");
    assertNull(VmaCalls.madvise(vmas, 0x400000, 0, 4).pieces(), "length 0: nothing to do");
    VmaCalls.Cut c = VmaCalls.madvise(vmas, 0x402000, 0x4000, 4);
    assertEquals(-Errno.ENOMEM, c.error(), "a hole at 0x404000");
    assertEquals(List.of(new Vma(0x402000, 0x404000, true), new Vma(0x405000, 0x406000, false)), c.pieces());
    assertEquals(0, VmaCalls.madvise(vmas, 0x400000, 0x1000, 3).error(), "MADV_WILLNEED: accepted");
    List<Vma> huge = List.of(new Vma(0x40000000, 0x40200000, true, true));
    assertEquals(-Errno.EINVAL, VmaCalls.madvise(huge, 0x40000000, 4096, 4).error(), "hugetlb before 5.18");
  }
}
