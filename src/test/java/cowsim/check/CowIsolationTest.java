package cowsim.check;

import static cowsim.check.Rig.A;
import static cowsim.check.Rig.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.machine.mmu.Pte;
import cowsim.machine.observe.Event;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * cow-isolation: (a) a store into a frame another live address space maps, through a PTE that
 * does not allow it; (b) a load of a value another address space stored after the two were split
 * by fork (also through a copy of the frame it was stored in).
 */
class CowIsolationTest {

  /**
   * pid 1 with thread 1 on cpu-0 and thread 11 on cpu-1; thread 11 holds a writable, dirty entry
   * for A; A holds 1 at offset 0. The fork's flush IPI never reaches cpu-1 (the spin timed out).
   */
  private static long[] forkLeavingAWritableEntry(Rig r) {
    long p = r.start(0, 1, A, B);
    r.run(1, 1, 11, p);
    r.store(1, A, 1);
    long child = r.forkBegin(0, p).clone(A, B).shootdown(2, 3).end(2);
    r.run(2, 2, 2, child);
    return new long[] {p, child};
  }

  /**
   * Thread 11 stores through its stale writable entry while thread 1's COW fault on the same page
   * is in progress (an operation whose window, the page, covers the address, but which did not
   * make the entry stale), and the store lands after that fault ended.
   */
  private static void storeAcrossAnotherOpOnThePage(Rig r, long va, long value) {
    Rig.Cow other = r.cow(0, va);
    Rig.UserAccess st = r.beginStore(1, va, value);
    assertTrue(st.tlbHit);
    other.finish();
    st.complete();
  }

  // ------------------------------------------------------------------ (b) reads

  @Test
  void childReadsAValueItsParentStoredAfterTheSplit() {
    Rig r = new Rig();
    long[] s = forkLeavingAWritableEntry(r);
    long shared = r.frameOf(s[1], A);
    // thread 11's store lands inside thread 1's COW fault on A (which then copies the damaged
    // frame): the entry dates from the ended fork, so it is a stale entry all the same
    Rig.Cow other = r.cow(0, A);
    r.store(1, A + 8, 77);
    other.finish();
    assertNotEquals(shared, r.frameOf(s[0], A));
    r.assertOnly("stale-tlb");
    assertEquals(77, r.load(2, A + 8));
    assertEquals(1, r.of("cow-isolation").size(), Rig.describe(r.violations()));
    Violation v = r.of("cow-isolation").get(0);
    assertEquals(2, v.pid());
    assertEquals(2, v.cpu());
    assertEquals(A + 8, v.vaddr());
    assertEquals(shared, v.frame());
    assertTrue(v.detail().contains("pid 1 stored after the two were split by fork"), v.detail());
  }

  @Test
  void childReadsAValueStoredBeforeTheSplitThroughTheSameStaleEntry() {
    Rig r = new Rig();
    long p = r.start(0, 1, A, B);
    r.run(1, 1, 11, p);
    r.store(1, A, 1);
    Rig.Fork fk = r.forkBegin(0, p).clone(A, B);
    r.store(1, A + 8, 77); // inside fork's window
    fk.shootdown(2, 3);
    long child = fk.end(2);
    r.run(2, 2, 2, child);
    assertEquals(77, r.load(2, A + 8));
    assertEquals(1, r.load(2, A));
    r.assertClean();
  }

  @Test
  void storeAfterForksOpEndButBeforeTheChildIsLiveIsStillBeforeTheSplit() {
    Rig r = new Rig();
    long p = r.start(0, 1, A, B);
    r.run(1, 1, 11, p);
    r.store(1, A, 1);
    Rig.Fork fk = r.forkBegin(0, p).clone(A, B).shootdown(2, 3).endOp();
    r.store(1, A + 8, 77); // a stale writable entry after OpEnd: stale-tlb, but the child is not live
    long child = fk.live(2);
    r.run(2, 2, 2, child);
    assertEquals(77, r.load(2, A + 8)); // the child's memory is the parent's as of the split
    r.assertOnly("stale-tlb");
  }

  @Test
  void parentReadsAValueItsChildStoredAfterTheSplit() {
    Rig r = new Rig();
    long p = r.start(0, 1, A);
    r.store(0, A, 1);
    long child = r.fork(0, p, 2, A);
    r.run(2, 2, 2, child);
    r.load(2, A);
    // a kernel that leaves the child's PTE writable on the shared frame (the model of a lost COW)
    r.setPte(2, child, A, Pte.make(r.frameOf(child, A), Rig.USER_RW | Pte.A | Pte.D));
    r.writeCr3(2, child);
    r.store(2, A + 8, 5);
    r.load(0, A + 8);
    // the store into the shared frame is one finding, the parent's read of it another
    Violation v = r.assertOnlyKind("cow-isolation").stream().filter(x -> x.pid() == 1).findFirst().orElseThrow();
    assertTrue(v.detail().contains("pid 2 stored after"), v.detail());
  }

  @Test
  void siblingsAreSplitFromTheFirstFork() {
    Rig r = new Rig();
    long p = r.start(0, 1, A);
    r.store(0, A, 1);
    long c1 = r.fork(0, p, 2, A);
    long c2 = r.fork(0, p, 3, A);
    assertEquals(r.frameOf(c1, A), r.frameOf(c2, A));
    r.run(1, 2, 2, c1);
    r.run(2, 3, 3, c2);
    r.setPte(1, c1, A, Pte.make(r.frameOf(c1, A), Rig.USER_RW | Pte.A | Pte.D));
    r.store(1, A + 8, 5);
    assertEquals(5, r.load(2, A + 8));
    assertTrue(r.assertOnlyKind("cow-isolation").stream().anyMatch(x -> x.pid() == 3));
  }

  /** wait4's status store done right (put_user through the MMU) lands in the parent's own frame. */
  @Test
  void aKernelStoreForAProcessIsCheckedLikeItsOwnStore() {
    Rig r = new Rig();
    long p = r.start(0, 1, A);
    r.store(0, A, 1);
    long c = r.fork(0, p, 2, A);
    long shared = r.frameOf(c, A);
    assertEquals(shared, r.frameOf(p, A));
    // copy_to_user without resolving copy-on-write: the status word lands in the shared frame
    r.emit(new Event.MemWrite(r.cycle, 0, (shared << 12) | 8, 5, 0, Event.Access.kernelFor(p, 1, 1, A + 8)));
    Violation v = r.assertOnly("cow-isolation");
    assertEquals(shared, v.frame());
    assertTrue(v.detail().startsWith("the kernel, for pid 1, stored 5"), v.detail());
  }

  /** The kernel writing a frame by its physical address (no MMU) while two processes share it. */
  @Test
  void aKernelStoreByPhysicalAddressIntoASharedFrameIsCowIsolation() {
    Rig r = new Rig();
    long p = r.start(0, 1, A);
    r.store(0, A, 1);
    long c = r.fork(0, p, 2, A);
    long shared = r.frameOf(c, A);
    r.emit(new Event.MemWrite(r.cycle, 0, (shared << 12) | 8, 5, 0, null));
    Violation v = r.assertOnly("cow-isolation");
    assertEquals(shared, v.frame());
    assertTrue(v.detail().contains("by its physical address, a frame pids 1 and 2 both map"), v.detail());
  }

  /** The same store into a frame only one process maps (or a page table) is the kernel's business. */
  @Test
  void aKernelStoreByPhysicalAddressIntoAPrivateFrameIsNothing() {
    Rig r = new Rig();
    long p = r.start(0, 1, A);
    r.store(0, A, 1);
    r.emit(new Event.MemWrite(r.cycle, 0, (r.frameOf(p, A) << 12) | 8, 5, 0, null));
    assertEquals(Map.of(), r.oracle.counts());
  }

  @Test
  void grandchildSplitFromItsGrandparentAtItsParentsBirth() {
    Rig r = new Rig();
    long p = r.start(0, 1, A);
    r.store(0, A, 1);
    long c = r.fork(0, p, 2, A);
    long g = r.fork(0, c, 3, A); // (the kernel runs on cpu-0 for both: fine for the oracle)
    r.run(2, 3, 3, g);
    assertEquals(1, r.load(2, A)); // stored by the grandparent before everything
    // the grandparent stores after its child's birth into the frame all three share
    r.setPte(0, p, A, Pte.make(r.frameOf(p, A), Rig.USER_RW | Pte.A | Pte.D));
    r.writeCr3(0, p);
    r.store(0, A + 8, 5);
    assertEquals(5, r.load(2, A + 8));
    assertTrue(r.assertOnlyKind("cow-isolation").stream().anyMatch(x -> x.pid() == 3));
  }

  /**
   * The README's cow-isolation-stale-entry: thread 11 keeps a read-only entry for the shared frame;
   * thread 1 copies, so the child is the frame's only owner and reuses it in place; the child's
   * store then shows through thread 11's stale entry.
   */
  @Test
  void staleEntryReadsTheChildsPostForkStore() {
    Rig r = new Rig();
    long p = r.start(0, 1, A);
    r.run(1, 1, 11, p);
    r.store(0, A, 7);
    long child = r.fork(0, p, 2, A);
    long shared = r.frameOf(p, A);
    r.load(1, A); // read-only entry for the shared frame
    r.userStore(0, A + 8, 1); // thread 1 copies; the shared frame is the child's alone now
    r.run(2, 2, 2, child);
    r.userStore(2, A, 99); // refcount 1: reuse in place
    assertEquals(shared, r.frameOf(child, A));
    assertEquals(99, r.load(1, A));
    Violation v = r.assertOnly("cow-isolation");
    assertEquals(1, v.pid());
    assertEquals(11, v.tid());
    assertEquals(shared, v.frame());
    assertTrue(v.detail().contains("a value pid 2 stored after"), v.detail());
  }

  @Test
  void unrelatedProcessesDoNotDisturbEachOther() {
    Rig r = new Rig();
    long p = r.start(0, 1, A);
    long q = r.start(1, 2, A);
    r.store(0, A, 1);
    r.store(1, A, 2);
    assertEquals(1, r.load(0, A));
    assertEquals(2, r.load(1, A));
    assertNotEquals(r.frameOf(p, A), r.frameOf(q, A));
    r.assertClean();
  }

  // ------------------------------------------------------------------ copies

  @Test
  void aCopyCarriesThePostSplitWriterAlong() {
    Rig r = new Rig();
    long[] s = forkLeavingAWritableEntry(r);
    long shared = r.frameOf(s[1], A);
    r.store(1, A + 8, 77); // the parent's post-split store into the shared frame (a stale-tlb)
    // the child writes elsewhere on the page first: its COW fault copies the damaged frame
    r.userStore(2, A + 16, 3);
    long copy = r.frameOf(s[1], A);
    assertNotEquals(shared, copy);
    assertEquals(77, r.load(2, A + 8));
    assertEquals(1, r.of("cow-isolation").size(), Rig.describe(r.violations()));
    Violation v = r.of("cow-isolation").get(0);
    assertEquals(copy, v.frame());
    assertEquals(2, v.pid());
  }

  @Test
  void aCopyOfPreSplitValuesIsFine() {
    Rig r = new Rig();
    long p = r.start(0, 1, A);
    r.store(0, A, 1);
    r.store(0, A + 8, 2);
    long child = r.fork(0, p, 2, A);
    r.run(2, 2, 2, child);
    r.userStore(2, A + 16, 3); // copy
    assertEquals(1, r.load(2, A));
    assertEquals(2, r.load(2, A + 8));
    r.userStore(0, A, 10); // reuse in place
    assertEquals(1, r.load(2, A));
    assertEquals(10, r.load(0, A));
    r.assertClean();
  }

  @Test
  void zeroingAReusedFrameForgetsItsWriters() {
    Rig r = new Rig();
    long p = r.start(0, 1, A);
    r.store(0, A, 1);
    long child = r.fork(0, p, 2, A);
    r.run(2, 2, 2, child);
    r.userStore(2, A + 8, 3); // the child copies; the shared frame now belongs to the parent only
    long old = r.frameOf(p, A);
    r.run(0, 1, 1, p);
    r.munmap(0, A, A + 4096); // 1 -> 0, freed
    // the child's demand-zero gets the frame back
    assertEquals(old, r.demandZero(2, child, B, true));
    assertEquals(0, r.load(2, B));
    r.assertClean();
  }

  // ------------------------------------------------------------------ (a) writes

  @Test
  void storeIntoASharedFrameThroughAReadOnlyPteInsideAnotherOpOnThePage() {
    Rig r = new Rig();
    long[] s = forkLeavingAWritableEntry(r);
    long shared = r.frameOf(s[1], A);
    storeAcrossAnotherOpOnThePage(r, A + 8, 77);
    // the entry was made stale by the earlier fork, whose shootdown gave up: another operation
    // in progress on the same page does not excuse it (the hole of any-covering-op tolerance)
    Violation v = r.assertOnly("stale-tlb");
    assertEquals(1, v.pid());
    assertEquals(11, v.tid());
    assertEquals(1, v.cpu());
    assertEquals(shared, v.frame());
    assertTrue(v.detail().contains("copy-on-write"), v.detail());
  }

  @Test
  void theSameStoreWhileTheOtherSpaceIsNotLiveYet() {
    Rig r = new Rig();
    long p = r.start(0, 1, A, B);
    r.run(1, 1, 11, p);
    r.store(1, A, 1);
    Rig.Fork fk = r.forkBegin(0, p).clone(A, B);
    Rig.UserAccess st = r.beginStore(1, A + 8, 77); // the stale entry, inside fork's window
    fk.shootdown(2, 3).endOp();
    st.complete(); // lands after OpEnd: read-only PTE, but the child is not live (no ProcessSpace)
    long child = fk.live(2);
    r.run(2, 2, 2, child);
    assertEquals(77, r.load(2, A + 8));
    r.assertClean();
  }

  @Test
  void theSameStoreWhileAnOpOfTheStorersSpaceOnThePageIsStillOpen() {
    Rig r = new Rig();
    long[] s = forkLeavingAWritableEntry(r);
    long shared = r.frameOf(s[1], A);
    Rig.Cow other = r.cow(0, A); // open: [A, A + 4096) covers the store
    r.store(1, A + 8, 77);
    other.finish();
    // the fork that left the entry stale has ended: the open COW fault does not excuse it
    Violation v = r.assertOnly("stale-tlb");
    assertEquals(11, v.tid());
    assertEquals(A + 8, v.vaddr());
    assertEquals(shared, v.frame());
  }

  @Test
  void storeIntoAFrameOnlyAGoneSpaceMapped() {
    Rig r = new Rig();
    long[] s = forkLeavingAWritableEntry(r);
    r.exit(2, 2, s[1], A, B); // the child is gone (A: 2 -> 1)
    storeAcrossAnotherOpOnThePage(r, A + 8, 77); // (thread 1's fault reuses A in place)
    // nobody else maps the frame, so (a) does not apply; the entry is still stale
    r.assertOnly("stale-tlb");
  }
}
