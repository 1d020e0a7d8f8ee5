package cowsim.check;

import static cowsim.check.Rig.A;
import static cowsim.check.Rig.B;
import static cowsim.check.Rig.C;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.machine.observe.Event;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** finish(refcounts, cycle): refcount-mismatch and frame-leak on a quiescent machine. */
class EndOfRunTest {

  @Test
  void refcountTwoButOnePte() {
    Rig r = new Rig();
    long p = r.start(0, 1, A, B);
    long f = r.frameOf(p, A);
    r.refAdd(0, f, 1); // an increment no mapping backs
    r.finish();
    Violation v = r.assertOnly("refcount-mismatch");
    assertEquals(f, v.frame());
    assertEquals(r.cycle, v.cycle());
    assertTrue(v.detail().contains("refcount 2 but 1 PTE(s)"), v.detail());
    assertTrue(v.detail().contains("last owner pid 1 at 0x400000"), v.detail());
  }

  @Test
  void refcountZeroButMappedAfterStrat9sDoubleDecrement() {
    Rig r = new Rig();
    long p = r.start(0, 1, A);
    long f = r.frameOf(p, A);
    long oldPte = r.pte(p, A);
    Rig.Fork fk = r.forkBegin(0, p).clonePage(A);
    r.setPte(0, p, A, oldPte); // OOM: rollback
    r.decRef(0, f);
    r.shootdownAll(0);
    r.unmapPages(0, fk.child, A); // the child's teardown decrements again: freed
    r.freeTables(0, fk.child);
    fk.endOp();
    r.finish();
    Violation v = r.assertOnly("refcount-mismatch");
    assertEquals(f, v.frame());
    assertTrue(v.detail().contains("refcount 0 but 1 PTE(s)"), v.detail());
  }

  @Test
  void allProcessesGoneButAFrameStillAllocated() {
    Rig r = new Rig();
    long p = r.start(0, 1, A, B);
    long f = r.frameOf(p, B);
    r.refAdd(0, f, 1); // B's count is 2: the exit's decrement leaves it allocated
    r.exit(0, 1, p, A, B);
    r.finish();
    Map<String, Integer> counts = r.oracle.counts();
    assertEquals(Map.of("refcount-mismatch", 1, "frame-leak", 1), counts);
    Violation leak = r.assertHas("frame-leak");
    assertEquals(f, leak.frame());
    assertTrue(leak.detail().contains("last owner: pid 1 at 0x401000"), leak.detail());
    Violation mismatch = r.assertHas("refcount-mismatch");
    assertTrue(mismatch.detail().contains("refcount 1 but 0 PTE(s)"), mismatch.detail());
  }

  @Test
  void pageTablesNotFreedByATeardownLeak() {
    Rig r = new Rig();
    long p = r.start(0, 1, A);
    r.unmapPages(0, p, A); // the pages, but not the tables
    r.emit(new Event.SpaceGone(r.cycle, 0, 1, p));
    r.finish();
    List<Violation> leaks = r.of("frame-leak");
    assertEquals(4, leaks.size(), Rig.describe(r.violations())); // PML4, PDPT, PD, PT
    assertEquals(p, leaks.stream().map(Violation::frame).min(Long::compare).orElseThrow());
    assertEquals(Map.of("frame-leak", 4), r.oracle.counts());
  }

  @Test
  void theDoubleCopyRaceLeaksTheFirstCopy() {
    Rig r = new Rig();
    long p = r.start(0, 1, A);
    r.run(1, 1, 11, p);
    long child = r.fork(0, p, 2, A);
    long shared = r.frameOf(p, A);
    // both threads fault on A; both read refcount 2 and copy
    Rig.Cow c0 = r.cow(0, A);
    Rig.Cow c1 = r.cow(1, A);
    c0.finish(); // maps copy 1, decrements the shared frame to 1
    c1.finish(); // unmaps copy 1 (without a decrement), maps copy 2, decrements the shared frame to 0: freed
    assertTrue(!r.isAllocated(shared));
    r.exit(0, 1, p, A);
    r.exit(2, 2, child, A); // the child's exit decrements the freed frame from 0 (use-after-free, underflow)
    r.finish();
    List<String> kinds = r.violations().stream().map(v -> v.kind().key).distinct().sorted().collect(Collectors.toList());
    assertEquals(
        List.of("frame-leak", "refcount-mismatch", "refcount-underflow", "use-after-free"), kinds, Rig.describe(r.violations()));
    // the shared frame (wrapped to 2^32-1, no PTE) and copy 1 (1, no PTE)
    assertEquals(2, r.of("refcount-mismatch").size(), Rig.describe(r.violations()));
    assertEquals(shared, r.assertHas("use-after-free").frame());
    Violation leak = r.assertHas("frame-leak");
    assertEquals(c0.newFrame, leak.frame());
    assertTrue(leak.detail().contains("pid 1"), leak.detail());
  }

  @Test
  void cleanTeardownOfAForkTree() {
    Rig r = new Rig();
    long p = r.start(0, 1, A, B, C, Rig.FAR);
    r.store(0, Rig.FAR, 1);
    long c = r.fork(0, p, 2, A, B, C, Rig.FAR);
    r.run(1, 2, 2, c);
    r.userStore(1, A, 2);
    long g = r.fork(1, c, 3, A, B, C, Rig.FAR);
    r.run(2, 3, 3, g);
    r.userStore(2, Rig.FAR, 3);
    r.userStore(0, B, 4);
    r.exit(1, 2, c, A, B, C, Rig.FAR); // the middle one first
    r.exit(0, 1, p, A, B, C, Rig.FAR);
    r.exit(2, 3, g, A, B, C, Rig.FAR);
    r.finish();
    r.assertClean();
  }

  @Test
  void finishingWithLiveProcessesIsFine() {
    Rig r = new Rig();
    long p = r.start(0, 1, A, B);
    long c = r.fork(0, p, 2, A, B);
    r.run(1, 2, 2, c);
    r.userStore(1, A, 1);
    r.finish();
    r.assertClean();
  }

  @Test
  void refcountOnAFrameNothingMaps() {
    Rig r = new Rig();
    r.start(0, 1, A);
    long f = r.alloc(0);
    r.zeroFrame(0, f);
    r.refAdd(0, f, 1); // demand-zero whose map_to never happened
    r.finish();
    Violation v = r.assertHas("refcount-mismatch");
    assertEquals(f, v.frame());
    assertTrue(v.detail().contains("refcount 1 but 0 PTE(s)"), v.detail());
    assertEquals(f, r.assertHas("frame-leak").frame());
    assertTrue(r.assertHas("frame-leak").detail().contains("never mapped"));
  }

  /** strat9's region teardown stops at the first never-touched page: the pages after it stay mapped in a dead space. */
  @Test
  void teardownStoppingAtAnUntouchedPageLeaksTheRest() {
    Rig r = new Rig();
    long p = r.boot(0, 1);
    r.run(0, 1, 1, p);
    r.userStore(0, A, 1);
    r.userStore(0, C, 3); // B is never touched
    long fc = r.frameOf(p, C);
    r.unmapPages(0, p, A); // stops at B
    r.freeTables(0, p);
    r.emit(new Event.SpaceGone(r.cycle, 0, 1, p));
    r.finish();
    assertEquals(Map.of("refcount-mismatch", 1, "frame-leak", 1), r.oracle.counts(), Rig.describe(r.violations()));
    Violation leak = r.assertHas("frame-leak");
    assertEquals(fc, leak.frame());
    assertTrue(leak.detail().contains("last owner: pid 1 at 0x402000"), leak.detail());
  }

  /**
   * The same leak, then a fork elsewhere: the allocator hands the dead space's PML4 frame (freed
   * last, so on top of the free list) to the fork's child. The leaked frame must still be found.
   */
  @Test
  void leakedFrameStaysALeakWhenTheDeadSpacesPml4IsReused() {
    Rig r = new Rig();
    long q = r.start(1, 2, B);
    long p = r.boot(0, 1);
    r.run(0, 1, 1, p);
    r.userStore(0, A, 1);
    r.userStore(0, C, 3);
    long fc = r.frameOf(p, C);
    r.unmapPages(0, p, A);
    r.freeTables(0, p);
    r.emit(new Event.SpaceGone(r.cycle, 0, 1, p));
    long child = r.fork(1, q, 3, B);
    assertEquals(p, child, "the child's PML4 is the dead space's");
    r.finish();
    Violation leak = r.assertHas("frame-leak");
    assertEquals(fc, leak.frame());
    assertEquals(fc, r.assertHas("refcount-mismatch").frame());
  }

  @Test
  void reusedPml4FrameDoesNotConfuseACleanRun() {
    Rig r = new Rig();
    long q = r.start(1, 2, B);
    long p = r.start(0, 1, A, C);
    r.store(0, C, 3);
    r.exit(0, 1, p, A, C);
    long child = r.fork(1, q, 3, B);
    assertEquals(p, child);
    r.run(0, 3, 3, child);
    r.userStore(0, B, 4);
    r.userStore(0, A, 5); // demand-zero in the child's B VMA... (any page: the rig has no VMAs)
    assertEquals(5, r.load(0, A));
    r.exit(0, 3, child, A, B);
    r.exit(1, 2, q, B);
    r.finish();
    r.assertClean();
  }
}
