package cowsim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** A process's VMAs as a plain object: find, insert, munmap's cut, mprotect's split, mmap's search. */
class VmaMapTest {

  private static final long PRIVATE_ANON = 0x02 | 0x20;
  private static final long FIXED = 0x10;
  private static final long RW = 3;
  private static final long R = 1;
  private static final long BASE = VmaCalls.MMAP_BASE;
  private static final long HUGETLB = 0x40000;
  private static final long M2 = Vma.HUGE_PAGE;

  @Test
  void findsTheAreaHoldingAnAddress() {
    VmaMap m = new VmaMap(List.of(new Vma(0x1000, 0x3000, true), new Vma(0x5000, 0x6000, false)));
    assertEquals(new Vma(0x1000, 0x3000, true), m.find(0x2fff));
    assertEquals(new Vma(0x5000, 0x6000, false), m.find(0x5000));
    assertNull(m.find(0x3000));
    assertNull(m.find(0));
  }

  @Test
  void insertKeepsStartOrderAndRefusesOverlaps() {
    VmaMap m = new VmaMap();
    m.insert(new Vma(0x5000, 0x6000, true));
    m.insert(new Vma(0x1000, 0x2000, true));
    m.insert(new Vma(0x3000, 0x4000, false));
    assertEquals(List.of(new Vma(0x1000, 0x2000, true), new Vma(0x3000, 0x4000, false), new Vma(0x5000, 0x6000, true)), m.list());
    assertThrows(IllegalArgumentException.class, () -> m.insert(new Vma(0x1000, 0x4000, true)));
    assertEquals(3, m.size());
  }

  @Test
  void mmapSearchesUpwardsFromTheHintAndMovesIt() {
    VmaMap m = new VmaMap();
    assertEquals(BASE, m.mmapHint());
    assertEquals(BASE, m.mmap(0, 0x2000, RW, PRIVATE_ANON));
    assertEquals(BASE + 0x2000, m.mmapHint());
    assertEquals(BASE + 0x2000, m.mmap(0, 0x1000, R, PRIVATE_ANON));
    assertEquals(List.of(new Vma(BASE, BASE + 0x2000, true), new Vma(BASE + 0x2000, BASE + 0x3000, false)), m.list());
    // a free hint is taken as it is and leaves the search hint alone
    assertEquals(0x10_0000, m.mmap(0x10_0000, 0x1000, RW, PRIVATE_ANON));
    assertEquals(BASE + 0x3000, m.mmapHint());
  }

  @Test
  void mmapErrorsLeaveTheMapAsItWas() {
    VmaMap m = new VmaMap(List.of(new Vma(0x10_0000, 0x20_0000, true)));
    assertEquals(-Errno.EINVAL, m.mmap(0, 0, RW, PRIVATE_ANON));
    assertEquals(-Errno.EINVAL, m.mmap(0x10_0000, 0x1000, RW, PRIVATE_ANON | FIXED), "the model does not replace a mapping");
    assertEquals(-Errno.EPERM, m.mmap(0, 0x1000, RW, PRIVATE_ANON | FIXED));
    assertEquals(1, m.size());
    assertEquals(BASE, m.mmapHint());
  }

  @Test
  void forkedChildKeepsItsParentsHint() {
    VmaMap parent = new VmaMap();
    parent.mmap(0, 0x4000, RW, PRIVATE_ANON);
    VmaMap child = new VmaMap(parent.list());
    child.setMmapHint(parent.mmapHint());
    assertEquals(BASE + 0x4000, child.mmap(0, 0x1000, RW, PRIVATE_ANON));
    assertEquals(1, parent.size(), "the child's map is its own");
  }

  @Test
  void munmapCutsTheMiddleOutOfAnArea() {
    VmaMap m = new VmaMap(List.of(new Vma(0x1000, 0x5000, true)));
    VmaCalls.Cut c = m.munmap(0x2000, 0x1000);
    assertEquals(0, c.error());
    assertEquals(List.of(new Vma(0x2000, 0x3000, true)), c.pieces());
    assertEquals(false, c.whole());
    assertEquals(List.of(new Vma(0x1000, 0x2000, true), new Vma(0x3000, 0x5000, true)), m.list());
  }

  @Test
  void munmapOfWholeAreasSaysSo() {
    VmaMap m = new VmaMap(List.of(new Vma(0x1000, 0x2000, true), new Vma(0x3000, 0x4000, false)));
    VmaCalls.Cut c = m.munmap(0x1000, 0x3000);
    assertTrue(c.whole());
    assertEquals(2, c.pieces().size());
    assertEquals(0, m.size());
    assertEquals(-Errno.EINVAL, m.munmap(0x1001, 0x1000).error());
  }

  @Test
  void mprotectSplitsAndRetags() {
    VmaMap m = new VmaMap(List.of(new Vma(0x1000, 0x4000, true)));
    VmaCalls.Cut c = m.mprotect(0x2000, 0x1000, R);
    assertEquals(List.of(new Vma(0x2000, 0x3000, false)), c.pieces());
    assertEquals(List.of(new Vma(0x1000, 0x2000, true), new Vma(0x2000, 0x3000, false), new Vma(0x3000, 0x4000, true)), m.list());
    assertNull(m.mprotect(0x2000, 0, R).pieces(), "length 0: nothing to do");
    assertEquals(-Errno.ENOMEM, m.mprotect(0x3000, 0x2000, R).error(), "a hole in the range");
    assertEquals(3, m.size());
  }

  @Test
  void clearEmptiesAndStackTopIsTheStackAreasEnd() {
    List<Vma> boot = List.of(new Vma(0x1000, 0x2000, false), new Vma(Layout.STACK_TOP - 0x2000, Layout.STACK_TOP, true));
    assertEquals(Layout.STACK_TOP, VmaMap.stackTopOf(boot));
    assertEquals(0, VmaMap.stackTopOf(List.of(new Vma(0x1000, 0x2000, true))));
    VmaMap m = new VmaMap(boot);
    m.clear();
    assertEquals(List.of(), m.list());
  }

  @Test
  void hugeMmapIsPlacedOn2MiBAndMovesTheHintPastIt() {
    VmaMap m = new VmaMap();
    assertEquals(BASE, m.mmap(0, 0x1000, RW, PRIVATE_ANON));
    assertEquals(BASE + M2, m.mmap(0, 2 * M2, RW, PRIVATE_ANON | HUGETLB), "the hint BASE + 4 KiB, rounded up");
    assertEquals(BASE + 3 * M2, m.mmapHint());
    assertEquals(BASE + 3 * M2, m.mmap(0, 0x1000, R, PRIVATE_ANON), "4 KiB mappings go on from there");
    assertEquals(List.of(new Vma(BASE, BASE + 0x1000, true), new Vma(BASE + M2, BASE + 3 * M2, true, true), new Vma(BASE + 3 * M2, BASE + 3 * M2 + 0x1000, false)),
        m.list());
    assertEquals(-Errno.EINVAL, m.mmap(0x1000, 0x1000, RW, PRIVATE_ANON | FIXED | HUGETLB), "not a 2 MiB-aligned MAP_FIXED address");
    assertEquals(BASE + 3 * M2 + 0x1000, m.mmapHint(), "an error leaves the hint");
  }

  @Test
  void aHugeAreaKeepsItsPageSizeThroughCutsRetagsAndFork() {
    VmaMap m = new VmaMap(List.of(new Vma(0x1000, M2, true), new Vma(M2, 4 * M2, true, true)));
    assertEquals(new Vma(M2, 4 * M2, true, true), m.find(M2 + 5));
    m.munmap(2 * M2, 0x1000);
    m.mprotect(M2 - 0x1000, 0x2000, R);
    assertEquals(List.of(new Vma(0x1000, M2 - 0x1000, true), new Vma(M2 - 0x1000, M2, false),
            new Vma(M2, M2 + 0x1000, false, true), new Vma(M2 + 0x1000, 2 * M2, true, true), new Vma(2 * M2 + 0x1000, 4 * M2, true, true)),
        m.list(), "no piece merged with its neighbour, every piece of the huge area huge");
    VmaMap child = new VmaMap(m.list());
    assertEquals(m.list(), child.list(), "fork's copy keeps huge");
    assertTrue(child.find(3 * M2).hugeBlockFits(3 * M2));
  }
}
