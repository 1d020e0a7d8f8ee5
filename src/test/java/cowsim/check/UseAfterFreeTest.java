package cowsim.check;

import static cowsim.check.Rig.A;
import static cowsim.check.Rig.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.machine.mmu.Pte;
import cowsim.machine.observe.Event;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** use-after-free: any access to a frame the allocator holds as free, or through a TLB entry older than the frame. */
class UseAfterFreeTest {

  /** pid 1: thread 1 on cpu-0, thread 11 on cpu-1 (same CR3), pages A and B. */
  private static long twoThreads(Rig r) {
    long p = r.start(0, 1, A, B);
    r.run(1, 1, 11, p);
    return p;
  }

  @Test
  void loadThroughAnEntryLeftByMunmapTouchesAFreedFrame() {
    Rig r = new Rig();
    long p = twoThreads(r);
    r.store(1, A, 5); // cpu-1 caches A
    long f = r.frameOf(p, A);
    r.munmap(0, A, A + 4096); // strat9: local invlpg only; the frame goes back to the allocator
    Rig.UserAccess a = r.beginLoad(1, A + 8);
    assertTrue(a.tlbHit);
    a.complete();
    Violation v = r.assertOnly("use-after-free");
    assertEquals(f, v.frame());
    assertEquals(1, v.cpu());
    assertEquals(1, v.pid());
    assertEquals(11, v.tid());
    assertEquals(A + 8, v.vaddr());
    assertTrue(v.detail().contains("a load by pid 1"), v.detail());
    assertTrue(v.detail().contains("free in the allocator"), v.detail());
  }

  @Test
  void storeThroughAnEntryLeftByMunmapTouchesAFreedFrame() {
    Rig r = new Rig();
    long p = twoThreads(r);
    r.store(1, A, 5);
    long f = r.frameOf(p, A);
    r.munmap(0, A, A + 4096);
    r.store(1, A, 6);
    Violation v = r.assertOnly("use-after-free");
    assertEquals(f, v.frame());
    assertTrue(v.detail().contains("a store by pid 1"), v.detail());
  }

  @Test
  void walkReadingTablesFreedByATeardown() {
    Rig r = new Rig();
    long p = twoThreads(r);
    // the teardown of the process runs on cpu-0 while cpu-1 still runs on its CR3
    r.exit(0, 1, p, A, B);
    Rig.UserAccess a = r.beginLoad(1, A);
    assertTrue(a.faulted); // the PTE was cleared: the walk ends at the PT
    Violation first = r.violations().get(0);
    assertEquals(ViolationKind.USE_AFTER_FREE, first.kind());
    assertEquals(p, first.frame()); // the PML4 is read first
    assertTrue(first.detail().contains("page-walk read"), first.detail());
    // PML4, PDPT, PD, PT: four freed frames, one finding each
    assertEquals(Map.of("use-after-free", 4), r.oracle.counts());
  }

  @Test
  void refcountDecrementOfAFrameFreedByStrat9sDoubleDecrement() {
    Rig r = new Rig();
    long p = r.start(0, 1, A, B);
    long f = r.frameOf(p, A);
    long oldPte = r.pte(p, A);
    // fork: clone_cow processes A (+1), then runs out of memory on B (modelled by its end)
    Rig.Fork fk = r.forkBegin(0, p).clonePage(A);
    // rollback: the parent's flags restored and A decremented; then the child's teardown
    // decrements again: strat9's double decrement frees the frame the parent still maps
    r.setPte(0, p, A, oldPte);
    r.decRef(0, f);
    r.shootdownFrom(0, 1, 2, 3);
    r.unmapPages(0, fk.child, A, B);
    r.freeTables(0, fk.child);
    fk.endOp();
    assertTrue(r.violations().isEmpty(), Rig.describe(r.violations()));
    assertTrue(!r.isAllocated(f));
    // the parent exits: its unmap decrements the freed frame (from 0: also an underflow)
    r.exit(0, 1, p, A, B);
    assertEquals(Map.of("use-after-free", 1, "refcount-underflow", 1), r.oracle.counts(), Rig.describe(r.violations()));
    Violation v = r.assertHas("use-after-free");
    assertEquals(f, v.frame());
    assertTrue(v.detail().contains("refcount update"), v.detail());
    assertEquals(f, r.assertHas("refcount-underflow").frame());
  }

  @Test
  void entryFilledBeforeTheFrameWasFreedAndReallocated() {
    Rig r = new Rig();
    long p = twoThreads(r);
    r.store(1, A, 5);
    long f = r.frameOf(p, A);
    r.munmap(0, A, A + 4096);
    // the allocator hands the frame out again at once (demand-zero of a new page)
    long again = r.demandZero(0, p, Rig.C, true);
    assertEquals(f, again);
    r.load(1, A); // cpu-1's entry: filled when f belonged to A
    Violation v = r.assertOnly("use-after-free");
    assertEquals(f, v.frame());
    assertEquals(A, v.vaddr());
    assertTrue(v.detail().contains("freed and reallocated"), v.detail());
  }

  @Test
  void storeThroughAnEntryFilledBeforeReallocation() {
    Rig r = new Rig();
    long p = twoThreads(r);
    r.store(1, A, 5);
    long f = r.frameOf(p, A);
    r.munmap(0, A, A + 4096);
    assertEquals(f, r.demandZero(0, p, Rig.C, true));
    r.store(1, A + 16, 6);
    Violation v = r.assertOnly("use-after-free");
    assertTrue(v.detail().contains("a store by pid 1"), v.detail());
    assertTrue(v.detail().contains("freed and reallocated"), v.detail());
  }

  /** The bare sequence of the brief: TlbFill, Free, Alloc, TlbUse (+ its access). */
  @Test
  void bareFillFreeAllocUse() {
    Rig r = new Rig();
    long p = r.start(0, 1, A);
    long f = r.frameOf(p, A);
    r.load(0, A);
    r.emit(new Event.Free(r.cycle, 2, f, true, "OK", 0));
    r.emit(new Event.Alloc(r.cycle, 2, f, 0));
    r.emit(new Event.TlbUse(r.cycle, 0, p, 1, 1, A, f, false));
    r.emit(new Event.MemRead(r.cycle, 0, f << 12, 0, new Event.Access(p, 1, 1, A, true)));
    r.assertOnly("use-after-free");
  }

  @Test
  void reallocatedFrameReachedThroughAFreshWalkIsFine() {
    Rig r = new Rig();
    long p = twoThreads(r);
    r.store(1, A, 5);
    long f = r.frameOf(p, A);
    r.munmap(0, A, A + 4096);
    r.flushIpi(1, 0); // a correct shootdown: no stale translation is left
    assertEquals(f, r.demandZero(0, p, Rig.C, true));
    assertEquals(0, r.load(1, Rig.C));
    r.store(1, Rig.C, 9);
    assertEquals(9, r.load(0, Rig.C));
    r.assertClean();
  }

  @Test
  void sameAddressRewalkedAfterReallocationIsFine() {
    Rig r = new Rig();
    long p = twoThreads(r);
    r.store(1, A, 5);
    long f = r.frameOf(p, A);
    r.run(1, 0, 0, Rig.KERNEL_PML4); // thread 11 is switched out: CR3 write
    r.munmap(0, A, A + 4096); // local invlpg on cpu-0
    // A is touched again: demand-zero gets the same frame back, the walk fills a new entry
    assertEquals(0, r.userLoad(0, A));
    assertEquals(f, r.frameOf(p, A));
    r.run(1, 1, 11, p);
    r.store(1, A, 7);
    assertEquals(7, r.load(0, A));
    assertEquals(7, r.load(1, A));
    r.assertClean();
  }

  @Test
  void reservedKernelFramesAreNeverFree() {
    Rig r = new Rig();
    r.start(0, 1, A);
    r.kread(0, (Rig.KERNEL_PML4 << 12) + 8 * 511);
    r.kread(0, (Rig.KERNEL_PDPT << 12));
    r.emit(new Event.FrameRead(r.cycle, 0, 3));
    r.assertClean();
  }

  @Test
  void kernelPteWriteIntoAFreedTable() {
    Rig r = new Rig();
    long p = r.start(0, 1, A);
    long pteAddr = r.translate(0, p, A).entryAddr();
    long pt = pteAddr >>> 12;
    r.unmapPages(0, p, A);
    r.free(0, pt); // a page table freed while the PD still links it
    r.kwrite(0, pteAddr, Pte.make(40, Rig.USER_RW));
    Violation v = r.assertOnly("use-after-free");
    assertEquals(pt, v.frame());
    assertTrue(v.detail().contains("kernel write"), v.detail());
  }

  /**
   * Both threads fault on the shared page and read refcount 2; thread 1's fault copies and
   * decrements, the child exits and decrements to 0 (freed), then thread 11's fault copies from
   * the freed frame.
   */
  @Test
  void cowCopyReadingAFrameFreedUnderIt() {
    Rig r = new Rig();
    long p = r.start(0, 1, A);
    r.run(1, 1, 11, p);
    long child = r.fork(0, p, 2, A);
    long shared = r.frameOf(p, A);
    Rig.Cow c0 = r.cow(0, A);
    Rig.Cow c1 = r.cow(1, A);
    c0.finish(); // 2 -> 1
    r.exit(2, 2, child, A); // 1 -> 0: freed
    assertTrue(r.violations().isEmpty(), Rig.describe(r.violations()));
    c1.copy();
    Violation v = r.violations().get(0);
    assertEquals(ViolationKind.USE_AFTER_FREE, v.kind());
    assertEquals(shared, v.frame());
    assertTrue(v.detail().contains("a frame read on cpu-1"), v.detail());
    c1.finish(); // its decrement finds 0 on the freed frame
    assertEquals(Map.of("use-after-free", 1, "refcount-underflow", 1), r.oracle.counts(), Rig.describe(r.violations()));
  }

  @Test
  void refcountReadOfAFreedFrame() {
    Rig r = new Rig();
    long p = r.start(0, 1, A);
    long f = r.frameOf(p, A);
    r.munmap(0, A, A + 4096);
    // a COW fault that translated before the munmap reads the refcount after it
    r.refGet(1, f);
    Violation v = r.assertOnly("use-after-free");
    assertTrue(v.detail().contains("a refcount read on cpu-1"), v.detail());
  }

  @Test
  void walkersAccessedDirtyUpdateOfAFreedTable() {
    Rig r = new Rig();
    long p = r.start(0, 1, A);
    long pteAddr = r.translate(0, p, A).entryAddr();
    long pte = r.peek(pteAddr);
    r.free(0, pteAddr >>> 12); // the PT freed under a walk that read it
    r.emit(new Event.MemCas(r.cycle, 1, pteAddr, pte, pte | Pte.A | Pte.D, pte));
    Violation v = r.assertOnly("use-after-free");
    assertEquals(pteAddr >>> 12, v.frame());
    assertTrue(v.detail().contains("A/D update"), v.detail());
  }
}
