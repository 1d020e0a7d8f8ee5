package cowsim.check;

import static cowsim.check.Rig.A;
import static cowsim.check.Rig.B;
import static cowsim.check.Rig.C;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.machine.mmu.Pte;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Whole interleavings of strat9's fork.rs races (threads sharing a CR3, local-only invalidation,
 * no lock and no recheck in handle_cow_fault), and the correct interleavings next to them.
 */
class Strat9RacesTest {

  private static long twoThreads(Rig r, long... pages) {
    long p = r.start(0, 1, pages);
    r.run(1, 1, 11, p);
    return p;
  }

  private static List<String> kinds(Rig r) {
    return r.violations().stream().map(v -> v.kind().key).distinct().sorted().collect(Collectors.toList());
  }

  /**
   * Thread 11 write-faults on A while thread 1's clone_cow is between the parent's write-protect
   * of A and the child's increment: handle_cow_fault reads refcount 1 and makes A writable again
   * in place, so parent and child share a frame the parent can write.
   */
  private static long[] cloneRacingAReuse(Rig r) {
    long p = twoThreads(r, A, B);
    r.store(0, A, 1);
    long f = r.frameOf(p, A);
    Rig.Fork fk = r.forkBegin(0, p).writeProtect(A);
    r.userStore(1, A + 8, 2); // fault: COW bit set, refcount 1: reuse in place
    assertTrue(Pte.writable(r.pte(p, A)));
    fk.mapInChild(A).clone(B).shootdownAll();
    long child = fk.end(2);
    assertEquals(f, r.frameOf(child, A));
    assertEquals(2, r.refcount(f));
    r.run(2, 2, 2, child);
    return new long[] {p, child, f};
  }

  @Test
  void cloneRacingAReuseIsSeenWhenTheChildReadsTheParentsLaterStore() {
    Rig r = new Rig();
    long[] s = cloneRacingAReuse(r);
    r.store(1, A + 16, 3); // after the split, through a writable PTE, into the shared frame
    assertEquals(3, r.load(2, A + 16));
    Violation v = r.assertOnlyKind("cow-isolation").stream().filter(x -> x.pid() == 2).findFirst().orElseThrow();
    assertEquals(s[2], v.frame());
  }

  /**
   * The same race, seen at the parent's store: the store goes into a frame a live child maps. The
   * storer's own PTE allows it, which is exactly the damage the race did; nothing is reported
   * unless the child happens to read that word later, and the end-of-run checks see nothing wrong
   * (refcount 2, two PTEs).
   */
  @Test
  void cloneRacingAReuseIsSeenAtTheParentsStore() {
    Rig r = new Rig();
    long[] s = cloneRacingAReuse(r);
    r.store(1, A + 16, 3);
    r.finish();
    Violation v = r.assertOnly("cow-isolation");
    assertEquals(1, v.pid());
    assertEquals(s[2], v.frame());
  }

  /**
   * Both threads write-fault on the shared page and both read refcount 2: two copies. Thread 1's
   * retried store goes into copy 1, which thread 11's fault then unmaps (without a decrement) and
   * replaces by copy 2; the shared frame is decremented twice and freed under the child.
   */
  @Test
  void twoThreadsCopyingTheSamePage() {
    Rig r = new Rig();
    long p = twoThreads(r, A);
    r.store(0, A, 1);
    long child = r.fork(0, p, 2, A);
    long shared = r.frameOf(p, A);
    r.run(2, 2, 2, child);
    Rig.Cow c0 = r.cow(0, A);
    Rig.Cow c1 = r.cow(1, A);
    c0.finish();
    r.store(0, A, 10); // thread 1's retry: copy 1, and a writable entry on cpu-0
    c1.finish();
    r.store(1, A + 8, 11); // thread 11's retry: copy 2
    assertEquals(10, r.load(0, A)); // cpu-0's entry still names copy 1: the value is right
    assertTrue(r.violations().isEmpty(), Rig.describe(r.violations()));
    r.writeCr3(0, p); // a context switch later
    assertEquals(1, r.load(0, A)); // copy 2 was taken before the store: the write is lost
    Violation lost = r.assertOnly("stale-read");
    assertEquals(A, lost.vaddr());
    assertEquals(c1.newFrame, lost.frame());
    // the child still maps the frame the two decrements freed
    assertFalse(r.isAllocated(shared));
    r.load(2, A);
    Violation uaf = r.assertHas("use-after-free");
    assertEquals(shared, uaf.frame());
    assertEquals(2, uaf.pid());
  }

  /** munmap invalidates locally only; the other thread's entry outlives the frame's reuse. */
  @Test
  void munmapWithoutShootdownThenReuse() {
    Rig r = new Rig();
    long p = twoThreads(r, A, B);
    r.store(1, A, 1);
    long f = r.frameOf(p, A);
    long q = r.start(2, 2);
    r.munmap(0, A, A + 4096);
    assertEquals(f, r.demandZero(2, q, A, true)); // another process's page
    r.store(2, A, 5);
    r.store(1, A, 6); // through cpu-1's entry: into pid 2's page
    Violation v = r.assertOnly("use-after-free");
    assertEquals(f, v.frame());
    assertEquals(1, v.pid());
    assertTrue(v.detail().contains("freed and reallocated"), v.detail());
  }

  /** threads-shared-mm: a thread keeps writing while its sibling forks, every IPI acked. */
  @Test
  void siblingWritesThroughItsEntryDuringAForkThatShootsDown() {
    Rig r = new Rig();
    long p = twoThreads(r, A, B, C);
    r.store(1, A, 1);
    r.store(1, B, 2);
    Rig.Fork fk = r.forkBegin(0, p).clonePage(A);
    r.store(1, A, 3); // A is already shared: through the entry, into the shared frame (in the window)
    r.store(1, B, 4); // B is not processed yet
    fk.clone(B, C).shootdownAll();
    long child = fk.end(2);
    r.run(2, 2, 2, child);
    assertEquals(3, r.load(2, A));
    assertEquals(4, r.load(2, B));
    r.userStore(1, A, 5); // after the shootdown: fault, copy
    assertEquals(3, r.load(2, A));
    assertEquals(5, r.load(0, A));
    r.assertClean();
  }

  /**
   * The sibling has no entry for A when fork write-protects it: its store faults, handle_cow_fault
   * sees refcount 2 and copies, and the store goes into the parent's private copy. The child never
   * sees it, correctly: for A the fork happened at clone_cow's write-protect, before the store.
   */
  @Test
  void siblingsCowCopyInsideForksWindowStaysOutOfTheChild() {
    Rig r = new Rig();
    long p = twoThreads(r, A, B);
    r.store(0, A, 1);
    Rig.Fork fk = r.forkBegin(0, p).clonePage(A);
    r.userStore(1, A, 3); // fault, COW copy (refcount 2), store into the parent's copy
    assertNotEquals(r.frameOf(p, A), r.frameOf(fk.child, A));
    fk.clone(B).shootdownAll();
    long child = fk.end(2);
    r.run(2, 2, 2, child);
    assertEquals(1, r.load(2, A)); // the child's memory as of A's clone
    assertEquals(3, r.load(0, A));
    r.assertClean();
  }

  /** Same root: a page first touched by the sibling after clone_cow passed it is not the child's. */
  @Test
  void siblingsDemandZeroInsideForksWindowStaysOutOfTheChild() {
    Rig r = new Rig();
    long p = twoThreads(r, A);
    Rig.Fork fk = r.forkBegin(0, p).clone(A, B); // B never touched: only the VMA is inherited
    r.userStore(1, B, 7); // demand-zero in the parent, then the store
    fk.shootdownAll();
    long child = fk.end(2);
    r.run(2, 2, 2, child);
    assertEquals(0, r.userLoad(2, B)); // the child's own demand-zero page
    r.assertClean();
  }

  @Test
  void aForkTreeOfCorrectProcessesIsClean() {
    Rig r = new Rig();
    long p = r.start(0, 1, A, B);
    r.store(0, A, 1);
    long[] spaces = new long[8];
    spaces[0] = p;
    for (int i = 1; i < 8; i++) {
      int parent = (i - 1) / 2;
      int cpu = i % 4;
      r.run(cpu, parent + 1, parent + 1, spaces[parent]);
      spaces[i] = r.fork(cpu, spaces[parent], i + 1, A, B);
      r.run(cpu, i + 1, i + 1, spaces[i]);
      r.userStore(cpu, A + 8, i);
      r.userStore(cpu, B, 100 + i);
    }
    for (int i = 0; i < 8; i++) {
      int cpu = i % 4;
      r.run(cpu, i + 1, i + 1, spaces[i]);
      assertEquals(1, r.load(cpu, A));
      assertEquals(i == 0 ? 0 : i, r.load(cpu, A + 8));
    }
    for (int i = 7; i >= 0; i--) {
      r.exit(i % 4, i + 1, spaces[i], A, B);
    }
    r.finish();
    r.assertClean();
    assertEquals(List.of(), kinds(r));
  }
}
