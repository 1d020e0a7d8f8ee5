package cowsim.check;

import static cowsim.check.Rig.A;
import static cowsim.check.Rig.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** double-free and refcount-underflow, and the ordinary decrement-to-zero-then-free that is neither. */
class FreeAndRefcountTest {

  @Test
  void freeOfAFreeFrameIsADoubleFree() {
    Rig r = new Rig();
    long p = r.start(0, 1, A);
    long f = r.frameOf(p, A);
    r.munmap(0, A, A + 4096); // 1 -> 0, freed
    assertFalse(r.free(2, f)); // and freed again: the allocator refuses it
    Violation v = r.assertOnly("double-free");
    assertEquals(f, v.frame());
    assertEquals(2, v.cpu());
    assertTrue(v.detail().contains("not allocated"), v.detail());
    assertTrue(v.detail().contains("NOT_ALLOCATED"), v.detail());
  }

  @Test
  void freeOfAReservedFrameIsRefusedAndReported() {
    Rig r = new Rig();
    r.start(0, 1, A);
    assertFalse(r.free(0, Rig.KERNEL_PDPT));
    Violation v = r.assertOnly("double-free");
    assertEquals(Rig.KERNEL_PDPT, v.frame());
  }

  @Test
  void everyRefusedFreeIsItsOwnFinding() {
    Rig r = new Rig();
    long f = r.alloc(0);
    r.free(0, f);
    r.free(0, f);
    r.free(1, f);
    assertEquals(Map.of("double-free", 2), r.oracle.counts());
    assertEquals(2, r.violations().size());
  }

  @Test
  void decrementFromZeroIsAnUnderflow() {
    Rig r = new Rig();
    long f = r.alloc(0);
    r.zeroFrame(0, f);
    assertEquals(0, r.refAdd(1, f, -1));
    Violation v = r.assertOnly("refcount-underflow");
    assertEquals(f, v.frame());
    assertEquals(1, v.cpu());
    assertTrue(v.detail().contains("wrapped to 4294967295"), v.detail());
  }

  /**
   * A realistic underflow: strat9's double decrement frees a frame the parent still maps; the
   * allocator hands it to a demand-zero page, and before that page's frame_inc_ref the parent
   * munmaps its stale mapping: the decrement finds 0 on an allocated frame.
   */
  @Test
  void underflowAfterTheDoubleDecrementAndAReallocation() {
    Rig r = new Rig();
    long p = r.start(0, 1, A);
    long f = r.frameOf(p, A);
    long oldPte = r.pte(p, A);
    Rig.Fork fk = r.forkBegin(0, p).clonePage(A);
    r.setPte(0, p, A, oldPte); // OOM rollback
    r.decRef(0, f); // 2 -> 1
    r.shootdownFrom(0, 1, 2, 3);
    r.unmapPages(0, fk.child, A); // the child's teardown: 1 -> 0, freed
    r.freeTables(0, fk.child);
    fk.endOp();
    // cpu-1: another demand-zero fault allocates; sooner or later the allocator hands f out
    long g;
    do {
      g = r.alloc(1);
    } while (g != f);
    r.zeroFrame(1, g);
    // ... and before anything increments it, the parent munmaps A, whose PTE still maps f
    r.run(0, 1, 1, p);
    r.munmap(0, A, A + 4096);
    Violation v = r.assertOnly("refcount-underflow");
    assertEquals(f, v.frame());
  }

  @Test
  void decrementToZeroThenFreeIsFine() {
    Rig r = new Rig();
    long p = r.start(0, 1, A, B);
    long child = r.fork(0, p, 2, A, B);
    long f = r.frameOf(p, A);
    assertEquals(2, r.refcount(f));
    r.run(1, 2, 2, child);
    r.munmap(1, A, A + 4096); // 2 -> 1
    r.run(0, 1, 1, p);
    r.munmap(0, A, A + 4096); // 1 -> 0, freed
    assertFalse(r.isAllocated(f));
    r.exit(0, 1, p, A, B);
    r.exit(1, 2, child, A, B);
    r.finish();
    r.assertClean();
  }

  @Test
  void incrementOfAFreshFrameIsFine() {
    Rig r = new Rig();
    long f = r.alloc(0);
    r.refAdd(0, f, 1);
    r.refGet(0, f);
    r.refAdd(0, f, -1);
    r.free(0, f);
    r.assertClean();
  }
}
