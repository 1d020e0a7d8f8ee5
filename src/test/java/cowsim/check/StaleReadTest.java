package cowsim.check;

import static cowsim.check.Rig.A;
import static cowsim.check.Rig.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.machine.observe.Event;
import org.junit.jupiter.api.Test;

/** stale-read: a load through a correct translation that does not return the address space's last store. */
class StaleReadTest {

  private static long twoThreads(Rig r) {
    long p = r.start(0, 1, A, B);
    r.run(1, 1, 11, p);
    return p;
  }

  /** The smallest case: the bank returns something else than the last store, through a fresh walk. */
  @Test
  void loadReturningSomethingElseThanTheLastStore() {
    Rig r = new Rig();
    long p = r.start(0, 1, A);
    r.store(0, A, 5);
    long paddr = r.paddr(p, A);
    r.writeCr3(0, p); // forget the entry: the next load walks
    Rig.UserAccess a = r.beginLoad(0, A);
    r.emit(new Event.MemRead(r.cycle, 0, paddr, 3, a.access));
    Violation v = r.assertOnly("stale-read");
    assertEquals(A, v.vaddr());
    assertEquals(paddr >>> 12, v.frame());
    assertTrue(v.detail().contains("loaded 3"), v.detail());
    assertTrue(v.detail().contains("last store there was 5"), v.detail());
  }

  /**
   * A write lost in a COW copy: thread 11 on cpu-1 kept a writable entry through the fork (its
   * flush IPI timed out) and stores into the old frame while thread 1's COW fault is between the
   * copy and the remap. After the fault the page maps the copy, without the store.
   */
  @Test
  void storeIntoTheOldFrameDuringACowCopyIsLost() {
    Rig r = new Rig();
    long p = twoThreads(r);
    r.store(1, A, 1); // writable entry on cpu-1
    r.forkBegin(0, p).clone(A, B).shootdown(2, 3).end(2);
    Rig.Cow cow = r.cow(0, A).copy();
    r.store(1, A, 99); // inside the COW fault's window: into the old frame
    cow.finish();
    r.store(0, A + 8, 2); // thread 1's retried store, into the copy
    r.flushIpi(1, 0); // the late IPI finally arrives
    assertEquals(1, r.load(1, A)); // a correct walk: the copy, without 99
    // the store of 99 went through the entry the fork's failed shootdown left: stale-tlb
    assertEquals(1, r.of("stale-tlb").size(), Rig.describe(r.violations()));
    assertEquals(1, r.of("stale-read").size(), Rig.describe(r.violations()));
    Violation v = r.of("stale-read").get(0);
    assertEquals(1, v.cpu());
    assertEquals(11, v.tid());
    assertTrue(v.detail().contains("last store there was 99"), v.detail());
  }

  /**
   * A teardown frees the dead process's PML4 before the kernel hears that the teardown is done,
   * so another CPU's fork can take that frame as its child's PML4 first: the SpaceGone that comes
   * after is the dead process's and leaves the child, which now has that frame, alone. (Seen as a
   * false stale-read in a 64-CPU concurrent stress run under linux, thousands of processes.)
   */
  @Test
  void aTeardownReportedAfterItsPml4WentToAForkChildLeavesTheChildAlone() {
    Rig r = new Rig();
    long dead = r.start(0, 1, A);
    long parent = r.start(1, 2, B);
    r.store(1, B, 7);
    r.unmapPages(0, dead, A);
    r.freeTables(0, dead); // its PML4 last
    r.writeCr3(0, Rig.KERNEL_PML4);
    long child = r.fork(1, parent, 3, B);
    assertEquals(dead, child, "the fork's child got the dead process's PML4 (the allocator is LIFO)");
    r.emit(new Event.SpaceGone(r.cycle, 0, 1, dead)); // the kernel hears of pid 1's teardown now
    r.run(2, 3, 3, child);
    assertEquals(7, r.load(2, B));
    r.assertClean();
  }

  @Test
  void threadsOfOneSpaceRacingAreFine() {
    Rig r = new Rig();
    long p = twoThreads(r);
    r.store(0, A, 1);
    assertEquals(1, r.load(1, A));
    // the load is translated, then the store lands, then the load: it sees the store
    Rig.UserAccess load = r.beginLoad(1, A);
    r.store(0, A, 2);
    assertEquals(2, load.complete());
    // the load lands before the store: the old value was the last store then
    Rig.UserAccess store = r.beginStore(0, A, 3);
    assertEquals(2, r.load(1, A));
    store.complete();
    assertEquals(3, r.load(1, A));
    r.assertClean();
  }

  @Test
  void childReadsWhatItsParentStoredBeforeTheFork() {
    Rig r = new Rig();
    long p = twoThreads(r);
    r.store(0, A, 5);
    r.store(1, B + 8, 6);
    long child = r.fork(0, p, 2, A, B);
    r.run(2, 2, 2, child);
    assertEquals(5, r.load(2, A));
    assertEquals(6, r.load(2, B + 8));
    // the parent moves on (COW copy), the child still sees the old value
    r.userStore(0, A, 50);
    assertEquals(5, r.load(2, A));
    assertEquals(0, r.load(2, A + 8)); // never stored: zero
    r.assertClean();
  }

  @Test
  void grandchildReadsValuesFromBeforeEachFork() {
    Rig r = new Rig();
    long p = r.start(0, 1, A);
    r.store(0, A, 1);
    long c = r.fork(0, p, 2, A);
    r.run(1, 2, 2, c);
    r.userStore(1, A + 8, 2);
    long g = r.fork(1, c, 3, A);
    r.run(2, 3, 3, g);
    assertEquals(1, r.load(2, A));
    assertEquals(2, r.load(2, A + 8));
    r.userStore(0, A + 8, 10);
    assertEquals(2, r.load(2, A + 8));
    r.assertClean();
  }

  @Test
  void munmapThenMmapAgainReadsZero() {
    Rig r = new Rig();
    long p = twoThreads(r);
    r.store(0, A, 5);
    r.munmap(0, A, A + 4096);
    assertEquals(0, r.userLoad(0, A)); // demand-zero again
    r.assertClean();
  }

  /**
   * A program that stores to a page while another thread munmaps it: the store reaches the page
   * (through a fresh walk) after KernelState cut the VMA (the Unmapped event) but before the
   * munmap's PTE clear. After the munmap a new mapping at the same address is zero-filled, which
   * is the correct answer, but the oracle still remembers the racing store.
   */
  @Test
  void storeRacingMunmapThenZeroAfterRemapIsNotALostWrite() {
    Rig r = new Rig();
    long p = twoThreads(r);
    r.store(0, A, 5);
    // munmap on cpu-0: KernelState cuts the VMA first ...
    r.emit(new Event.Unmapped(r.cycle, -1, p, A, A + 4096));
    // ... meanwhile thread 11 (cpu-1, no entry for A yet) stores through a fresh walk
    r.store(1, A + 8, 6);
    r.flushIpi(1, 0); // (leave no stale entry behind: that would be a different finding)
    // ... then the munmap's page loop
    r.emit(new Event.OpBegin(r.cycle, 0, p, "munmap", A, A + 4096));
    r.unmapPages(0, p, A);
    r.emit(new Event.OpEnd(r.cycle, 0, p, "munmap", A, A + 4096));
    // mmap again at A and read it: demand-zero, 0
    assertEquals(0, r.userLoad(1, A + 8));
    r.assertClean();
  }
}
