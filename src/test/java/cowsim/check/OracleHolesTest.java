package cowsim.check;

import static cowsim.check.Rig.A;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.machine.mmu.Pte;
import cowsim.machine.observe.Event;
import org.junit.jupiter.api.Test;

/**
 * The holes and the false positive of issue 9, each on the event stream the machine emits: every
 * test here failed on the oracle with whole-space windows, blanket kernel-frame exemptions,
 * children without expected values and trust in the allocator's answer.
 */
class OracleHolesTest {

  /** Two threads of pid 1: tid 1 on cpu-0, tid 11 on cpu-1. */
  private static long twoThreads(Rig r) {
    long p = r.start(0, 1, A, Rig.B);
    r.run(1, 1, 11, p);
    return p;
  }

  @Test
  void aLoadBetweenMunmapsVmaCutAndItsPteClearIsNoStaleRead() {
    Rig r = new Rig();
    long p = twoThreads(r);
    r.store(0, A, 7);
    assertEquals(7, r.load(1, A)); // cpu-1 caches A
    // munmap on cpu-0: the kernel's tables cut the VMA first, the PTE is cleared later
    r.emit(new Event.Unmapped(r.cycle, -1, p, A, A + 4096));
    assertEquals(7, r.load(1, A)); // still mapped: the reader sees the value it stored
    r.assertClean();
  }

  @Test
  void aUserStoreIntoAReservedKernelFrameIsReported() {
    Rig r = new Rig();
    long p = r.start(0, 1, A);
    r.setPte(0, p, A, Pte.make(3, Rig.USER_RW)); // a PTE pointing at the shootdown ack words
    r.invlpg(0, A);
    r.store(0, A, 5);
    Violation v = r.assertOnly("kernel-frame-access");
    assertEquals(3, v.frame());
    assertTrue(v.detail().contains("reserved kernel frame"), v.detail());
  }

  @Test
  void aForkChildsZeroFilledCopyIsAStaleRead() {
    Rig r = new Rig();
    long p = r.start(0, 1, A);
    r.store(0, A, 7);
    long child = r.fork(0, p, 2, A);
    r.run(2, 2, 2, child);
    // a broken COW copy in the child: a zeroed frame instead of the parent's data
    long fresh = r.alloc(2);
    r.zeroFrame(2, fresh);
    r.setPte(2, child, A, Pte.make(fresh, Rig.USER_RW));
    r.invlpg(2, A);
    assertEquals(0, r.load(2, A));
    Violation v = r.assertOnly("stale-read");
    assertEquals(2, v.pid());
    assertTrue(v.detail().contains("last store there was 7"), v.detail());
  }

  @Test
  void aFreeTheAllocatorAcceptsIsStillADoubleFreeOnTheShadow() {
    Rig r = new Rig();
    long f = r.alloc(0);
    assertTrue(r.free(0, f));
    r.emit(new Event.Free(r.cycle, 0, f, true, "OK", 0)); // an allocator that no longer knows
    Violation v = r.assertOnly("double-free");
    assertTrue(v.detail().contains("shadow"), v.detail());
  }

  @Test
  void aFreedPageTableReusedAsDataIsCheckedForRefcounts() {
    Rig r = new Rig();
    long f = r.alloc(0);
    r.start(0, 1, A);
    r.emit(new Event.RootCreated(r.cycle, 0, f)); // f serves as a table...
    assertTrue(r.free(0, f)); // ...is freed...
    assertEquals(f, r.alloc(0)); // ...and comes back as data
    r.refAdd(0, f, 1); // with a refcount no PTE backs
    r.finish();
    assertTrue(r.of("refcount-mismatch").stream().anyMatch(v -> v.frame() == f), Rig.describe(r.violations()));
  }
}
