package cowsim.check;

import static cowsim.check.Rig.A;
import static cowsim.check.Rig.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import cowsim.machine.observe.Event;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** One finding per distinct cause; at most maxPerKind listed, all of them counted. */
class DedupTest {

  /** pid 1, threads on cpu-0 and cpu-1; the fork's IPI never reaches cpu-1, which cached pages. */
  private static long staleEntriesOnCpu1(Rig r, int pages) {
    long[] vas = new long[pages];
    for (int i = 0; i < pages; i++) {
      vas[i] = A + 4096L * i;
    }
    long p = r.start(0, 1, vas);
    r.run(1, 1, 11, p);
    for (long va : vas) {
      r.store(1, va, 1);
    }
    r.forkBegin(0, p).clone(vas).shootdown(2, 3).end(2);
    return p;
  }

  @Test
  void theSameStaleEntryUsedTenTimesIsOneFinding() {
    Rig r = new Rig();
    staleEntriesOnCpu1(r, 1);
    for (int i = 0; i < 10; i++) {
      r.store(1, A + 8L * i, 100 + i);
    }
    r.assertOnly("stale-tlb");
  }

  @Test
  void loadsAndStoresThroughOneStaleEntryAreOneFinding() {
    Rig r = new Rig();
    long p = staleEntriesOnCpu1(r, 1);
    r.load(1, A);
    r.userStore(0, A, 5); // the copy: cpu-1's entry now names the old frame
    for (int i = 0; i < 10; i++) {
      r.load(1, A);
      r.store(1, A + 8, i);
    }
    assertEquals(Map.of("stale-tlb", 1), r.oracle.counts());
    Violation v = r.violations().get(0); // the first use: the load
    assertEquals(1, v.cpu());
    assertEquals(A, v.vaddr());
    assertNotEquals(r.frameOf(p, A), v.frame(), "the entry names the frame the copy replaced");
  }

  @Test
  void moreDistinctFindingsThanMaxPerKindAreCountedButNotListed() {
    Rig r = new Rig(4, 16, 3);
    staleEntriesOnCpu1(r, 5);
    for (int i = 0; i < 5; i++) {
      r.store(1, A + 4096L * i, 7);
      r.store(1, A + 4096L * i + 8, 7);
    }
    assertEquals(3, r.violations().size(), Rig.describe(r.violations()));
    assertEquals(Map.of("stale-tlb", 5), r.oracle.counts());
    // the first three are the ones listed
    for (int i = 0; i < 3; i++) {
      assertEquals(A + 4096L * i, r.violations().get(i).vaddr());
    }
  }

  @Test
  void theLimitIsPerKind() {
    Rig r = new Rig(4, 16, 1);
    staleEntriesOnCpu1(r, 2);
    r.store(1, A, 7);
    r.store(1, B, 7);
    long f = r.alloc(0);
    r.free(0, f);
    r.free(0, f);
    r.free(0, f);
    assertEquals(2, r.violations().size(), Rig.describe(r.violations()));
    assertEquals(Map.of("stale-tlb", 2, "double-free", 2), r.oracle.counts());
  }

  @Test
  void touchingAFreedFrameIsOneFindingPerFrameLifetime() {
    Rig r = new Rig();
    long p = r.start(0, 1, A, B);
    r.run(1, 1, 11, p);
    r.store(1, A, 1);
    long f = r.frameOf(p, A);
    r.munmap(0, A, A + 4096);
    for (int i = 0; i < 10; i++) {
      r.load(1, A + 8L * i);
    }
    assertEquals(Map.of("use-after-free", 1), r.oracle.counts());
    // the frame lives again and dies again: a new lifetime, a new finding
    r.flushIpi(1, 0);
    assertEquals(f, r.demandZero(0, p, A, true));
    r.load(1, A);
    r.munmap(0, A, A + 4096);
    r.load(1, A);
    r.load(1, A + 8);
    assertEquals(Map.of("use-after-free", 2), r.oracle.counts());
  }

  /** A reused frame reached through one old TLB entry, at ten addresses of the page. */
  @Test
  void oneReusedEntryUsedAtTenAddressesIsOneFinding() {
    Rig r = new Rig();
    long p = r.start(0, 1, A, B);
    r.run(1, 1, 11, p);
    r.store(1, A, 1);
    long f = r.frameOf(p, A);
    r.munmap(0, A, A + 4096);
    assertEquals(f, r.demandZero(0, p, Rig.C, true));
    for (int i = 0; i < 10; i++) {
      r.load(1, A + 8L * i);
    }
    assertEquals(Map.of("use-after-free", 1), r.oracle.counts(), Rig.describe(r.violations()));
  }

  @Test
  void oneReusedEntryUsedTenTimesAtOneAddressIsOneFinding() {
    Rig r = new Rig();
    long p = r.start(0, 1, A, B);
    r.run(1, 1, 11, p);
    r.store(1, A, 1);
    long f = r.frameOf(p, A);
    r.munmap(0, A, A + 4096);
    assertEquals(f, r.demandZero(0, p, Rig.C, true));
    for (int i = 0; i < 10; i++) {
      r.load(1, A);
      r.store(1, A, i);
    }
    assertEquals(Map.of("use-after-free", 1), r.oracle.counts(), Rig.describe(r.violations()));
  }

  @Test
  void staleReadsOfOnePageAreOneFinding() {
    Rig r = new Rig();
    long p = r.start(0, 1, A);
    r.store(0, A, 5);
    r.store(0, A + 8, 6);
    long pa = r.paddr(p, A);
    for (int i = 0; i < 5; i++) {
      r.emit(new Event.MemRead(r.cycle, 0, pa, 0, new Event.Access(p, 1, 1, A, false)));
      r.emit(new Event.MemRead(r.cycle, 0, pa + 8, 0, new Event.Access(p, 1, 1, A + 8, false)));
    }
    assertEquals(Map.of("stale-read", 1), r.oracle.counts());
  }
}
