package cowsim.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.machine.mmu.Pte;
import cowsim.machine.observe.Event;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The rig itself: it must produce the machine's event sequences (so the oracle tests mean
 * something), and a long, correct run through it must leave the oracle silent. These are the
 * rig's own expectations, also for cases the small real runs of {@link RigConformanceTest} do not
 * reach (more than one shootdown target).
 */
class RigTest {

  static final long A = 0x40_0000L;
  static final long B = 0x40_1000L;
  static final long C = 0x40_2000L;

  private static List<String> kinds(List<Event> events) {
    return events.stream().map(e -> e.getClass().getSimpleName()).collect(Collectors.toList());
  }

  @Test
  void newAddressSpaceIsRootCreatedZeroingAndTheKernelSlot() {
    Rig r = new Rig();
    long cr3 = r.newSpace(0);
    assertEquals(List.of("Alloc", "RootCreated", "FrameWrite", "MemRead", "MemWrite"), kinds(r.log));
    Event.MemWrite slot = (Event.MemWrite) r.log.get(4);
    assertEquals((cr3 << 12) + 511 * 8, slot.paddr());
    assertEquals(Rig.KERNEL_SLOT_ENTRY, slot.value());
    assertNull(slot.access());
    assertEquals(-1, ((Event.FrameWrite) r.log.get(2)).source());
  }

  @Test
  void demandZeroBuildsFourLevelsOfTables() {
    Rig r = new Rig();
    long cr3 = r.boot(0, 1);
    r.log.clear();
    long f = r.demandZero(0, cr3, A, true);
    // frame, zero, then PML4 -> PDPT -> PD -> PT: each missing table allocated, zeroed, linked
    assertEquals(
        List.of(
            "Alloc", "FrameWrite",
            "MemRead", "Alloc", "FrameWrite", "MemWrite",
            "MemRead", "Alloc", "FrameWrite", "MemWrite",
            "MemRead", "Alloc", "FrameWrite", "MemWrite",
            "MemRead", "MemWrite",
            "RefChange", "Invlpg"),
        kinds(r.log));
    long pte = r.pte(cr3, A);
    assertEquals(Pte.make(f, Rig.USER_RW), pte);
    Event.MemWrite link = (Event.MemWrite) r.log.get(5);
    assertEquals(Rig.TABLE_FLAGS, Pte.flags(link.value()));
    assertEquals(1, r.refcount(f));
    r.assertClean();
  }

  @Test
  void loadThroughAWalkThenThroughATlbHit() {
    Rig r = new Rig();
    long cr3 = r.start(0, 1, A);
    r.log.clear();
    r.load(0, A + 8);
    assertEquals(List.of("MemRead", "MemRead", "MemRead", "MemRead", "MemCas", "TlbFill", "MemRead"), kinds(r.log));
    for (int i = 0; i < 4; i++) {
      assertEquals(Event.Access.WALK, ((Event.MemRead) r.log.get(i)).access());
    }
    Event.MemCas cas = (Event.MemCas) r.log.get(4);
    assertEquals(Pte.A, cas.value() & ~cas.expected());
    Event.MemRead user = (Event.MemRead) r.log.get(6);
    assertTrue(user.access().user());
    assertFalse(user.access().tlbHit());
    assertEquals(cr3, user.access().cr3());
    assertEquals(A + 8, user.access().va());

    r.log.clear();
    r.load(0, A + 16);
    assertEquals(List.of("TlbUse", "MemRead"), kinds(r.log));
    assertTrue(((Event.MemRead) r.log.get(1)).access().tlbHit());
    r.assertClean();
  }

  @Test
  void storeThroughACleanEntryWalksAgainToSetDirty() {
    Rig r = new Rig();
    long cr3 = r.start(0, 1, A);
    r.load(0, A); // sets A (the CPU then keeps its entry as dirty, as CpuActor does after a CAS)
    r.writeCr3(0, cr3);
    r.load(0, A); // A already set: no CAS, a clean entry
    r.log.clear();
    r.store(0, A, 5);
    assertEquals(List.of("MemRead", "MemRead", "MemRead", "MemRead", "MemCas", "TlbFill", "MemWrite"), kinds(r.log));
    Event.MemCas cas = (Event.MemCas) r.log.get(4);
    assertEquals(Pte.D, cas.value() & ~cas.expected());
    r.log.clear();
    r.store(0, A, 6);
    assertEquals(List.of("TlbUse", "MemWrite"), kinds(r.log));
    assertEquals(5, ((Event.MemWrite) r.log.get(1)).old());
    r.assertClean();
  }

  @Test
  void writeThroughAReadOnlyEntryFaultsAndDropsIt() {
    Rig r = new Rig();
    long p = r.start(0, 1, A);
    r.fork(0, p, 2, A);
    r.load(0, A); // a read-only entry for the COW page
    r.log.clear();
    Rig.UserAccess a = r.beginStore(0, A, 1);
    assertTrue(a.faulted);
    assertTrue(a.present);
    assertEquals(List.of("Invlpg"), kinds(r.log));
    assertEquals("page fault", ((Event.Invlpg) r.log.get(0)).why());
    // the entry is gone: the retry walks, and the walk refuses the write (no fill, no TlbUse)
    r.log.clear();
    assertTrue(r.beginStore(0, A, 1).faulted);
    assertEquals(List.of("MemRead", "MemRead", "MemRead", "MemRead"), kinds(r.log));
    r.assertClean();
  }

  @Test
  void forkMarksTheParentCowAndSharesTheFrame() {
    Rig r = new Rig();
    long parent = r.start(0, 1, A);
    r.store(0, A, 7);
    long f = r.frameOf(parent, A);
    long child = r.fork(0, parent, 2, A);
    assertEquals(f, r.frameOf(child, A));
    assertTrue(Pte.cow(r.pte(parent, A)));
    assertFalse(Pte.writable(r.pte(parent, A)));
    assertTrue(Pte.cow(r.pte(child, A)));
    assertEquals(2, r.refcount(f));
    List<Event> tail = r.log.subList(r.log.size() - 2, r.log.size());
    assertInstanceOf(Event.OpEnd.class, tail.get(0));
    Event.ProcessSpace ps = (Event.ProcessSpace) tail.get(1);
    assertEquals(parent, ps.parentCr3());
    assertEquals(child, ps.cr3());
    r.assertClean();
  }

  @Test
  void cowFaultCopiesWhenSharedAndReusesWhenAlone() {
    Rig r = new Rig();
    long parent = r.start(0, 1, A);
    r.store(0, A, 7);
    long shared = r.frameOf(parent, A);
    long child = r.fork(0, parent, 2, A);
    r.run(1, 2, 2, child);
    r.userStore(1, A + 8, 9); // copy
    long copy = r.frameOf(child, A);
    assertTrue(copy != shared);
    assertEquals(7, r.peek(copy << 12));
    assertEquals(1, r.refcount(shared));
    r.userStore(0, A, 8); // reuse in place
    assertEquals(shared, r.frameOf(parent, A));
    assertTrue(Pte.writable(r.pte(parent, A)));
    assertFalse(Pte.cow(r.pte(parent, A)));
    assertEquals(7, r.userLoad(1, A));
    assertEquals(8, r.userLoad(0, A));
    r.assertClean();
  }

  /** A long, correct life: boot, threads, fork, COW copy and reuse, munmap, exits, clean end. */
  @Test
  void aCorrectRunLeavesTheOracleSilent() {
    Rig r = new Rig();
    long p = r.start(0, 1, A, B, C);
    r.run(1, 1, 11, p); // a second thread of pid 1
    for (int i = 0; i < 8; i++) {
      r.userStore(i % 2, A + 8 * i, 100 + i);
      r.userStore(i % 2, B + 8 * i, 200 + i);
    }
    for (int i = 0; i < 8; i++) {
      assertEquals(100 + i, r.userLoad((i + 1) % 2, A + 8 * i));
    }
    Rig.Fork fk = r.forkBegin(0, p).clone(A, B, C).shootdownAll();
    long child = fk.end(2);
    r.run(2, 2, 2, child);
    assertEquals(103, r.userLoad(2, A + 24));
    r.userStore(2, A, -1); // copy in the child
    r.userStore(1, B, -2); // copy in the parent (refcount 2)
    r.userStore(2, B + 8, -3); // reuse in the child (refcount 1 now)
    assertEquals(-1, r.userLoad(2, A));
    assertEquals(100, r.userLoad(0, A));
    assertEquals(-2, r.userLoad(0, B));
    assertEquals(201, r.userLoad(1, B + 8));
    assertEquals(-3, r.userLoad(2, B + 8));
    // grandchild, then its exit
    long gc = r.fork(2, child, 3, A, B, C);
    r.run(3, 3, 3, gc);
    assertEquals(-1, r.userLoad(3, A));
    r.userStore(3, C, 33);
    r.exit(3, 3, gc, A, B, C);
    r.run(3, 0, 0, Rig.KERNEL_PML4);
    // the parent unmaps C and maps it again: zero
    r.munmap(0, C, C + 4096);
    r.flushIpi(1, 0); // (a correct kernel would shoot down; the model does it by hand)
    assertEquals(0, r.userLoad(0, C));
    r.exit(2, 2, child, A, B, C);
    r.exit(0, 1, p, A, B, C);
    r.finish();
    r.assertClean();
    assertTrue(r.refcounts().isEmpty(), "refcounts " + r.refcounts());
  }

  /**
   * shootdown_all polls the targets' ack words in order and gives up on the first that stays
   * clear: acks it never looked at count as missing, as in the machine's ack loop.
   */
  @Test
  void shootdownCountsTheAcksItSawBeforeTheSpinLimit() {
    Rig r = new Rig();
    r.start(0, 1, A);
    // {missing, the CPUs that take the IPI...}
    for (int[] c : new int[][] {{0, 1, 2, 3}, {2, 1, 3}, {3, 2, 3}, {3}}) {
      int[] acking = java.util.Arrays.copyOfRange(c, 1, c.length);
      int before = r.log.size();
      r.shootdownFrom(0, acking);
      List<Event> ev = r.log.subList(before, r.log.size());
      assertEquals(3, ev.stream().filter(e -> e instanceof Event.IpiSent).count());
      assertEquals(acking.length, ev.stream().filter(e -> e instanceof Event.TlbFlush f && f.why().startsWith("flush IPI")).count());
      Event.ShootdownDone done = (Event.ShootdownDone) ev.get(ev.size() - 1);
      assertEquals(c[0], done.missing(), java.util.Arrays.toString(acking));
      for (int cpu = 1; cpu <= 3; cpu++) {
        int target = cpu;
        boolean acked = java.util.Arrays.stream(acking).anyMatch(x -> x == target);
        assertEquals(acked ? 1 : 0, r.peek(Rig.ackWord(cpu)), "cpu-" + cpu + "'s ack word");
      }
    }
  }

  @Test
  void munmapOfAWholeRegionStopsAtItsFirstUntouchedPage() {
    Rig r = new Rig();
    long p = r.start(0, 1, A, C); // B never touched
    r.munmap(0, A, C + 4096, true);
    assertEquals(-1, r.frameOf(p, A));
    assertTrue(Pte.present(r.pte(p, C)), "strat9's region teardown leaves C mapped");
    Event.OpEnd end = (Event.OpEnd) r.log.get(r.log.size() - 1);
    assertEquals(A, end.start());
    assertEquals(C + 4096, end.end());
    r.munmap(0, A, C + 4096); // part of a region: every page
    assertEquals(-1, r.frameOf(p, C));
  }
}
