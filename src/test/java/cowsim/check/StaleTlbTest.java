package cowsim.check;

import static cowsim.check.Rig.A;
import static cowsim.check.Rig.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.machine.observe.Event;
import org.junit.jupiter.api.Test;

/**
 * stale-tlb: an access through a TLB entry that no longer matches the page tables, outside the
 * window of the kernel operation that made it stale.
 */
class StaleTlbTest {

  /** pid 1 with threads 1 (cpu-0) and 11 (cpu-1); both have touched A and B. */
  private static long twoThreads(Rig r) {
    long p = r.start(0, 1, A, B);
    r.run(1, 1, 11, p);
    r.store(0, A, 7);
    r.store(1, A + 8, 8);
    r.store(1, B, 9);
    return p;
  }

  @Test
  void storeThroughAWritableEntryAfterForkWriteProtectedThePage() {
    Rig r = new Rig();
    long p = twoThreads(r);
    long f = r.frameOf(p, A);
    // fork on cpu-0; cpu-1 never takes the flush IPI (the spin times out), so its entry survives
    r.forkBegin(0, p).clone(A, B).shootdown(2, 3).end(2);
    r.store(1, A + 8, 99);
    Violation v = r.assertOnly("stale-tlb");
    assertEquals(1, v.cpu());
    assertEquals(1, v.pid());
    assertEquals(11, v.tid());
    assertEquals(A + 8, v.vaddr());
    assertEquals(f, v.frame());
    assertTrue(v.detail().contains("read-only (copy-on-write)"), v.detail());
    assertTrue(v.detail().contains("stored 99"), v.detail());
  }

  @Test
  void theSameStoreInsideForksWindowIsTheKernelsBusiness() {
    Rig r = new Rig();
    long p = twoThreads(r);
    Rig.Fork fk = r.forkBegin(0, p).clone(A, B);
    r.store(1, A + 8, 99); // the IPI has not arrived yet: OpBegin(fork) is open
    fk.shootdownAll();
    long child = fk.end(2);
    r.run(2, 2, 2, child);
    assertEquals(99, r.load(2, A + 8)); // stored before the split: the child sees it
    r.assertClean();
  }

  @Test
  void storeAfterMprotectReadOnlyWithoutAnyFlush() {
    Rig r = new Rig();
    long p = twoThreads(r);
    r.mprotect(0, A, A + 4096, false); // strat9 flushes nothing, not even locally
    r.store(1, A, 1);
    Violation v = r.assertOnly("stale-tlb");
    assertTrue(v.detail().contains("read-only but the TLB entry is writable"), v.detail());
    assertFalse(v.detail().contains("copy-on-write"), v.detail());
    assertEquals(r.frameOf(p, A), v.frame());
  }

  /**
   * cpu-1 reads A through a read-only entry for the shared frame; thread 1 then takes the COW
   * fault (copy, remap, local invlpg only) and stores; cpu-1's next load still reads the old frame.
   */
  @Test
  void loadThroughAnEntryForTheFrameACowCopyReplaced() {
    Rig r = new Rig();
    long p = twoThreads(r);
    long shared = r.frameOf(p, A);
    r.fork(0, p, 2, A, B);
    assertEquals(7, r.load(1, A)); // read-only entry for the shared frame
    r.userStore(0, A, 42); // COW copy; the retried store goes to the copy
    assertNotEquals(shared, r.frameOf(p, A));
    assertEquals(7, r.load(1, A)); // through the stale entry: the old frame
    Violation v = r.assertOnly("stale-tlb");
    assertEquals(shared, v.frame());
    assertEquals(A, v.vaddr());
    assertTrue(v.detail().contains("loaded 7"), v.detail());
    assertTrue(v.detail().contains("last store there was 42"), v.detail());
    assertTrue(v.detail().contains("now maps frame"), v.detail());
  }

  @Test
  void staleLoadThatStillReturnsTheRightValueIsNotReported() {
    Rig r = new Rig();
    long p = twoThreads(r);
    r.fork(0, p, 2, A, B);
    assertEquals(7, r.load(1, A));
    Rig.Cow cow = r.cow(0, A);
    cow.finish(); // the copy is mapped, the old frame still holds 7
    assertEquals(7, r.load(1, A)); // stale entry, but nothing was stored since: right value
    r.store(0, A, 42); // thread 1's retry
    r.assertClean();
  }

  /**
   * A store with a stale read-only entry (the page was made writable on another CPU) never uses
   * the entry: the CPU faults, drops it, handle_cow_fault finds no COW bit, the generic handler
   * retries, the walk fills a writable entry.
   */
  @Test
  void spuriousFaultOnAStaleReadOnlyEntryIsNotReported() {
    Rig r = new Rig();
    long p = twoThreads(r);
    r.fork(0, p, 2, A, B);
    r.load(1, A); // read-only entry on cpu-1
    r.userStore(0, A, 42); // thread 1 copies; cpu-1 is not told
    int before = r.log.size();
    r.userStore(1, A + 16, 43);
    boolean usedEntry =
        r.log.subList(before, r.log.size()).stream().anyMatch(e -> e instanceof Event.TlbUse u && u.cpu() == 1);
    assertFalse(usedEntry, "a write through a read-only entry must fault, not use it");
    assertEquals(42, r.load(1, A));
    assertEquals(43, r.load(0, A + 16));
    r.assertClean();
  }

  @Test
  void loadThroughAnEntryWhosePteMunmapCleared() {
    Rig r = new Rig();
    long p = twoThreads(r);
    long child = r.fork(0, p, 2, A, B); // the frame stays allocated: the child maps it too
    r.load(1, A);
    r.munmap(0, A, A + 4096); // 2 -> 1, local invlpg only
    assertTrue(r.isAllocated(r.frameOf(child, A)));
    r.load(1, A); // should have faulted; it reads the child's frame
    Violation v = r.assertOnly("stale-tlb");
    assertTrue(v.detail().contains("no longer present"), v.detail());
  }

  @Test
  void loadsThroughAnEntryThatIsStillRightAreFine() {
    Rig r = new Rig();
    long p = twoThreads(r);
    long child = r.fork(0, p, 2, A, B);
    r.run(2, 2, 2, child);
    // a read-only entry stays right for loads, also after the page becomes writable again
    r.load(1, B);
    r.load(2, B);
    r.userStore(2, B + 8, 1); // the child copies
    r.userStore(0, B + 16, 2); // the parent reuses in place (refcount 1): RW again, same frame
    assertEquals(2, r.load(1, B + 16)); // cpu-1's read-only entry: same frame, a load
    assertEquals(9, r.load(2, B));
    r.assertClean();
  }

  /**
   * Thread 1's COW fault on A has mapped the copy but not ended; thread 12 (cpu-2) stores 42 into
   * the copy; cpu-1's entry still names the old frame, which holds 7. The wrong value through the
   * stale entry is the kernel's business while the fault that made the entry stale is open (it
   * may still flush), and a stale-tlb once it has ended without flushing cpu-1.
   */
  @Test
  void staleEntryUsedWhileTheCowFaultThatMadeItStaleIsInProgressIsNotYetAViolation() {
    Rig r = new Rig();
    long p = twoThreads(r);
    r.fork(0, p, 2, A, B);
    r.run(2, 1, 12, p);
    assertEquals(7, r.load(1, A)); // read-only entry for the shared frame
    Rig.Cow cow = r.cow(0, A).copy().unmapOld().mapNew();
    r.store(2, A, 42); // through the new PTE: the copy
    assertEquals(7, r.load(1, A)); // the old frame, while the fault is open
    r.assertClean();
    cow.release();
    assertEquals(7, r.load(1, A)); // the fault ended with cpu-1 never flushed
    Violation v = r.assertOnly("stale-tlb");
    assertEquals(cow.oldFrame, v.frame());
    assertTrue(v.detail().contains("loaded 7"), v.detail());
  }

  @Test
  void otherAddressSpacesOperationsDoNotOpenTheWindow() {
    Rig r = new Rig();
    long p = twoThreads(r);
    long child = r.fork(0, p, 2, A, B);
    r.run(2, 2, 2, child);
    r.load(1, A);
    r.userStore(0, A, 42);
    Rig.Cow other = r.cow(2, A); // the child's COW fault on the same page: a different CR3
    r.load(1, A);
    other.finish();
    Violation v = r.assertOnly("stale-tlb");
    assertEquals(1, v.pid());
    assertEquals(A, v.vaddr());
  }

  @Test
  void storeThroughAnEntryWhosePteMunmapCleared() {
    Rig r = new Rig();
    long p = twoThreads(r);
    long f = r.frameOf(p, A);
    r.mprotect(0, A, A + 4096, true); // (nothing changes: still writable)
    r.munmap(0, A, A + 4096);
    assertFalse(r.isAllocated(f));
    // the frame went back to the allocator: the store is a use-after-free, reported once as that
    r.store(1, A, 5);
    Violation v = r.assertOnly("use-after-free");
    assertEquals(f, v.frame());
    assertEquals(11, v.tid());
  }

  @Test
  void operationsThatDidNotMakeTheEntryStaleDoNotExcuseIt() {
    Rig r = new Rig();
    long p = twoThreads(r);
    r.forkBegin(0, p).clone(A, B).shootdown(2, 3).end(2); // cpu-1 keeps writable entries
    r.run(2, 1, 12, p); // a third thread
    r.emit(new Event.OpBegin(r.cycle, 2, p, "mprotect", A, A + 4096)); // thread 12 in mprotect of A
    Rig.Cow cow = r.cow(0, A); // thread 1's COW fault on A
    // the entry dates from the ended fork: two open operations covering A change nothing
    r.store(1, A + 8, 98);
    r.assertOnly("stale-tlb");
    cow.finish();
    r.store(1, A + 8, 99);
    r.emit(new Event.OpEnd(r.cycle, 2, p, "mprotect", A, A + 4096));
    r.store(1, A + 8, 100);
    r.assertOnly("stale-tlb");
  }

  /**
   * A load through a stale entry while another kernel operation of the address space covering
   * the page is open returns an old value. The entry was made stale by thread 1's COW fault, which
   * has ended, so it is a stale-tlb (the open operation did not make it stale); it is not a
   * stale-read, which by definition is a load "translated correctly".
   */
  @Test
  void wrongValueThroughAStaleEntryDuringAnotherOpIsAStaleTlbNotAStaleRead() {
    Rig r = new Rig();
    long p = twoThreads(r);
    r.fork(0, p, 2, A, B);
    r.run(2, 1, 12, p);
    long shared = r.frameOf(p, A);
    r.load(1, A); // read-only entry for the shared frame (A holds 7)
    r.userStore(0, A, 42); // thread 1 copies (local invlpg only) and stores 42 into the copy
    r.emit(new Event.OpBegin(r.cycle, 2, p, "mprotect", A, A + 4096)); // thread 12 in mprotect of A
    assertEquals(7, r.load(1, A)); // thread 11 reads the old frame through its stale entry
    r.emit(new Event.OpEnd(r.cycle, 2, p, "mprotect", A, A + 4096));
    Violation v = r.assertOnly("stale-tlb");
    assertEquals(shared, v.frame());
    assertTrue(v.detail().contains("loaded 7"), v.detail());
  }
}
