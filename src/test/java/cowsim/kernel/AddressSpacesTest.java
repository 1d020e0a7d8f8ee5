package cowsim.kernel;

import static cowsim.kernel.FakeHardware.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.machine.mmu.Pte;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** munmap's page loop, exit's teardown, mprotect's loop and populate, without actors. */
class AddressSpacesTest {

  private static final Vma DATA = new Vma(0x40_0000L, 0x40_4000L, true);
  private static final Vma STACK = new Vma(Layout.STACK_TOP - 0x2000, Layout.STACK_TOP, true);
  private static final Vma CODE = new Vma(0x20_0000L, 0x20_1000L, false);
  /** 64 TiB from 16 TiB: PML4 slots 32..159. */
  private static final Vma HUGE = new Vma(1L << 44, (1L << 44) + (64L << 40), true);

  private FakeHardware hw;
  private long freeAtBoot;
  private boolean done;

  @BeforeEach
  void setUp() {
    hw = new FakeHardware();
    freeAtBoot = hw.buddy.freeFrames();
    done = false;
  }

  /** A process built by the kernel's own paths: new PML4, then populate the given areas. */
  private long process(List<Vma> populate) {
    long[] pml4 = {-2};
    AddressSpaces.newPml4(hw, f -> pml4[0] = f);
    assertTrue(pml4[0] > 0);
    String[] err = {"<not completed>"};
    AddressSpaces.populate(hw, pml4[0], populate, e -> err[0] = e);
    assertNull(err[0]);
    hw.loadCr3(pml4[0]);
    hw.clearEvents();
    return pml4[0];
  }

  private void teardown(long pml4, List<Vma> vmas) {
    AddressSpaces.teardown(hw, pml4, vmas, () -> done = true);
    assertTrue(done, "teardown did not complete");
  }

  /** Every page start of small areas, in order (test code only: the kernel builds no such list). */
  private static List<Long> pagesOf(List<Vma> vmas) {
    List<Long> out = new ArrayList<>();
    for (Vma v : vmas) {
      for (long a = v.start(); a < v.end(); a += 4096) {
        out.add(a);
      }
    }
    return out;
  }

  @Test
  void flushListHasEveryPageStartInVmaOrderUpToTheCeiling() {
    assertEquals(
        List.of(0x20_0000L, 0x40_0000L, 0x40_1000L, 0x40_2000L, 0x40_3000L),
        java.util.Arrays.stream(AddressSpaces.flushList(List.of(CODE, DATA), 5)).boxed().toList());
    assertNull(AddressSpaces.flushList(List.of(CODE, DATA), 4), "above the ceiling: a full flush");
    assertNull(AddressSpaces.flushList(List.of(HUGE), 512), "64 TiB: no list at all");
    assertEquals(1L << 34, AddressSpaces.pageCount(List.of(HUGE)));
  }

  @Test
  void newPml4SharesTheKernelHalfAndNothingElse() {
    long[] pml4 = {-2};
    AddressSpaces.newPml4(hw, f -> pml4[0] = f);

    long[] words = hw.store.readFrame(pml4[0]);
    for (int i = 0; i < 512; i++) {
      assertEquals(i == Layout.KERNEL_PML4_SLOT ? FakeHardware.KERNEL_SLOT_ENTRY : 0, words[i], "slot " + i);
    }
  }

  @Test
  void populateDemandZeroesEveryPageWithItsVmaProtection() {
    long pml4 = process(List.of(CODE, DATA));

    for (long va : pagesOf(List.of(CODE, DATA))) {
      long pte = hw.pte(pml4, va);
      boolean w = DATA.contains(va);
      assertEquals(Pte.make(Pte.frame(pte), AddressSpaces.userFlags(w)), pte, hex(va));
      assertEquals(1, hw.refcount(Pte.frame(pte)), hex(va));
      assertTrue(hw.store.readFrame(Pte.frame(pte))[0] == 0, "zeroed " + hex(va));
    }
  }

  @Test
  void unmapPagesUnmapsFlushesAndDecrementsEachPresentPage() {
    long pml4 = process(List.of(new Vma(DATA.start(), DATA.start() + 0x2000, true)));
    long f0 = Pte.frame(hw.pte(pml4, DATA.start()));
    long f1 = Pte.frame(hw.pte(pml4, DATA.start() + 0x1000));
    hw.refs.set(f1, 2); // shared with a forked child
    long a0 = hw.pteAddr(pml4, DATA.start());
    long a1 = hw.pteAddr(pml4, DATA.start() + 0x1000);

    AddressSpaces.unmapPages(hw, pml4, List.of(DATA), KernelPolicy.Flush.LOCAL, false, () -> done = true);

    assertTrue(done);
    assertEquals(
        List.of(
            "write " + hex(a0) + " = 0x0",
            "invlpg " + hex(DATA.start()),
            "refadd " + hex(f0) + " -1 -> 1",
            "free " + hex(f0),
            "write " + hex(a1) + " = 0x0",
            "invlpg " + hex(DATA.start() + 0x1000),
            "refadd " + hex(f1) + " -1 -> 2"),
        hw.eventsStartingWith("write", "invlpg", "refadd", "free"),
        "unmap, local flush, decrement (free at 0); untouched pages skipped");
    assertEquals(0, hw.pte(pml4, DATA.start()));
    assertEquals(0, hw.pte(pml4, DATA.start() + 0x1000));
    assertTrue(hw.buddy.isFree(f0));
    assertTrue(hw.buddy.isAllocated(f1), "still mapped by the child");
    assertEquals(1, hw.refcount(f1));
    assertTrue(hw.eventsStartingWith("shootdown").isEmpty(), "munmap flushes locally only");
  }

  @Test
  void teardownOfAPrivateProcessGivesBackEveryFrame() {
    // untouched pages only at the ends of regions, where strat9's teardown also stops cleanly
    List<Vma> vmas = List.of(CODE, DATA, STACK);
    long pml4 = process(List.of(CODE, new Vma(DATA.start(), DATA.start() + 0x2000, true), STACK));
    List<Long> frames = new ArrayList<>();
    for (long va : pagesOf(vmas)) {
      long pte = hw.pte(pml4, va);
      if (Pte.present(pte)) {
        frames.add(Pte.frame(pte));
      }
    }
    assertEquals(5, frames.size());
    long tables = freeAtBoot - hw.buddy.freeFrames() - frames.size();
    // PML4; PDPT, PD and a PT each for 0x200000 and 0x400000; PDPT, PD, PT under slot 255 (stack)
    assertEquals(1 + 4 + 3, tables);

    teardown(pml4, vmas);

    for (long f : frames) {
      assertTrue(hw.events.contains("free " + hex(f)), "data frame " + hex(f) + " freed");
      assertEquals(0, hw.refcount(f));
    }
    assertEquals(frames.size() + tables, hw.eventsStartingWith("free").size());
    assertEquals("free " + hex(pml4), hw.events.get(hw.events.size() - 1), "the PML4 goes last");
    assertEquals(5, hw.eventsStartingWith("invlpg").size());
    assertEquals(freeAtBoot, hw.buddy.freeFrames(), "allocator back to its boot state");
    assertEquals(0, hw.buddy.allocatedFrames());
    assertEquals(List.of(), hw.badFrees, "the kernel PDPT behind slot 511 is not freed");
  }

  @Test
  void teardownOfAForkedChildLeavesTheParentsFramesWithTheParent() {
    List<Vma> vmas = List.of(CODE, DATA);
    long parent = process(vmas);
    hw.vmas(CODE, DATA);
    hw.setCurrent(FakeHardware.task(1, 1, parent, new cowsim.isa.RegisterFile(), false));
    long[] rax = {0};
    Fork.sysFork(hw, hw.current(), r -> rax[0] = r);
    long child = hw.newProcesses.get(0).cr3();

    teardown(child, vmas);

    for (long va : pagesOf(vmas)) {
      long pte = hw.pte(parent, va);
      assertTrue(Pte.present(pte), hex(va));
      assertEquals(1, hw.refcount(Pte.frame(pte)), "back to sole owner: " + hex(va));
      assertTrue(hw.buddy.isAllocated(Pte.frame(pte)));
    }

    done = false;
    teardown(parent, vmas);

    assertEquals(freeAtBoot, hw.buddy.freeFrames());
    assertEquals(List.of(), hw.badFrees);
  }

  @Test
  void teardownBeforeThePml4ExistedDoesNothing() {
    teardown(0, List.of(DATA));

    assertEquals(List.of(), hw.events);
  }

  /**
   * strat9-kernel.md, "Exit, wait, munmap, teardown": "Unmapping a whole region stops at the
   * first page that was never touched, so later pages of that region are never decremented
   * (leak)" (seed-era bug 7): with munmap.stop-at-untouched (strat9's profile) the teardown of
   * the region stops at the hole, so the later page is never decremented.
   */
  @Test
  void teardownStopsARegionAtItsFirstUntouchedPageAsStrat9Does() {
    long pml4 = process(List.of(new Vma(DATA.start(), DATA.start() + 0x1000, true)));
    // touch the page after a hole
    String[] err = {"<x>"};
    AddressSpaces.demandZero(hw, pml4, DATA.start() + 0x2000, true, e -> err[0] = e);
    assertNull(err[0]);
    long later = Pte.frame(hw.pte(pml4, DATA.start() + 0x2000));

    teardown(pml4, List.of(DATA));

    assertEquals(1, hw.refcount(later), "never decremented");
    assertTrue(hw.buddy.isAllocated(later), "leaked");
  }

  @Test
  void mprotectReadOnlyRewritesRwWithoutAnyFlush() {
    long pml4 = process(List.of(DATA));
    long f = Pte.frame(hw.pte(pml4, DATA.start()));

    AddressSpaces.protectPages(hw, pml4, List.of(new Vma(DATA.start(), DATA.end(), false)), () -> done = true);

    assertTrue(done);
    assertEquals(Pte.make(f, Pte.P | Pte.US), hw.pte(pml4, DATA.start()));
    assertTrue(hw.eventsStartingWith("invlpg", "shootdown").isEmpty(), "strat9's mprotect flushes nothing");
  }

  @Test
  void mprotectWritableKeepsACowPageReadOnly() {
    long pml4 = process(List.of(DATA));
    long addr = hw.pteAddr(pml4, DATA.start());
    long f = Pte.frame(hw.store.read(addr));
    hw.store.write(addr, Pte.make(f, Pte.P | Pte.US | Pte.COW));

    AddressSpaces.protectPages(hw, pml4, List.of(DATA), () -> done = true);

    assertEquals(Pte.make(f, Pte.P | Pte.US | Pte.COW), hw.store.read(addr));
    assertEquals(Pte.make(Pte.frame(hw.pte(pml4, DATA.start() + 0x1000)), Pte.P | Pte.US | Pte.RW),
        hw.pte(pml4, DATA.start() + 0x1000));
  }

  /** strat9's policy without the region teardown leak (the linux value of munmap.stop-at-untouched). */
  private static KernelPolicy walkEveryRegionToItsEnd() {
    return KernelPolicy.strat9().toBuilder().set(Knob.MUNMAP_STOP_AT_UNTOUCHED, false).build();
  }

  /**
   * A 64 TiB region nobody touched: unmapping it, re-protecting it and forking over it read one
   * PML4 entry per 512 GiB it spans (128), never one walk per page (2^34 of them), and change
   * nothing.
   */
  @Test
  void aHugeUntouchedRegionCostsOneReadPerTableEntryItSpans() {
    hw.policy = walkEveryRegionToItsEnd();
    long pml4 = process(List.of(DATA));

    AddressSpaces.unmapPages(hw, pml4, List.of(HUGE), KernelPolicy.Flush.LOCAL, true, () -> done = true);
    assertTrue(done);
    assertEquals(128, hw.eventsStartingWith("read").size(), "one PML4 entry per 512 GiB");
    assertEquals(List.of(), hw.eventsStartingWith("write", "invlpg", "refadd", "free", "allocate"));

    hw.clearEvents();
    done = false;
    AddressSpaces.protectPages(hw, pml4, List.of(new Vma(HUGE.start(), HUGE.end(), false)), () -> done = true);
    assertTrue(done);
    assertEquals(128, hw.eventsStartingWith("read").size());
    assertEquals(List.of(), hw.eventsStartingWith("write"));

    hw.vmas(DATA, HUGE);
    hw.setCurrent(FakeHardware.task(1, 1, pml4, new cowsim.isa.RegisterFile(), false));
    hw.clearEvents();
    long[] rax = {0};
    Fork.sysFork(hw, hw.current(), r -> rax[0] = r);
    assertTrue(rax[0] > 0, "fork returned " + rax[0]);
    long reads = hw.eventsStartingWith("read").size();
    hw.vmas(DATA, new Vma(HUGE.start(), HUGE.start() + 4096, true));
    hw.clearEvents();
    Fork.sysFork(hw, hw.current(), r -> rax[0] = r);
    assertEquals(reads - 127, hw.eventsStartingWith("read").size(), "the 64 TiB region costs fork 127 reads more than one page there");
  }

  /** The walk past an absent table goes on at the next table: a page mapped beyond it is unmapped. */
  @Test
  void aWalkPastAnAbsentTableStillFindsTheNextMappedPage() {
    hw.policy = walkEveryRegionToItsEnd();
    Vma region = new Vma(0x40_0000L, 0x80_1000L, true); // PD entries 2, 3 and 4
    long pml4 = process(List.of(new Vma(0x40_0000L, 0x40_1000L, true), new Vma(0x80_0000L, 0x80_1000L, true)));
    long first = Pte.frame(hw.pte(pml4, 0x40_0000L));
    long last = Pte.frame(hw.pte(pml4, 0x80_0000L));

    AddressSpaces.unmapPages(hw, pml4, List.of(region), KernelPolicy.Flush.LOCAL, true, () -> done = true);

    assertTrue(done);
    assertTrue(hw.buddy.isFree(first));
    assertTrue(hw.buddy.isFree(last), "the page after the hole at 0x600000 is unmapped too");
    // 512 walks of 4 reads under the first table, 3 reads to find no table at 0x600000, 4 for 0x800000
    assertEquals(512 * 4 + 3 + 4, hw.eventsStartingWith("read").size());
  }

  /** strat9's region teardown still stops at the first untouched page, table or no table. */
  @Test
  void strat9sTeardownStillStopsAtTheFirstUntouchedPageOfAHugeRegion() {
    long pml4 = process(List.of(new Vma(HUGE.start(), HUGE.start() + 4096, true)));
    String[] err = {"<x>"};
    long far = HUGE.start() + (1L << 40); // another PML4 entry, 1 TiB on
    AddressSpaces.demandZero(hw, pml4, far, true, e -> err[0] = e);
    assertNull(err[0]);
    long leaked = Pte.frame(hw.pte(pml4, far));
    long firstFrame = Pte.frame(hw.pte(pml4, HUGE.start()));
    hw.clearEvents();

    AddressSpaces.unmapPages(hw, pml4, List.of(HUGE), KernelPolicy.Flush.LOCAL, true, () -> done = true);

    assertTrue(done);
    assertTrue(hw.buddy.isFree(firstFrame));
    assertEquals(1, hw.refcount(leaked), "never decremented: the teardown stopped at the second page");
    assertEquals(2 * 4, hw.eventsStartingWith("read").size(), "two page walks, then it stops");
  }

  /**
   * A few untouched pages under an absent table are walked page by page, exactly as strat9's walk
   * goes; a page table's worth (512) or more are passed in one step.
   */
  @Test
  void aFewPagesUnderAnAbsentTableAreWalkedOneByOneAndATablesWorthInOneStep() {
    hw.policy = walkEveryRegionToItsEnd();
    long pml4 = process(List.of(DATA)); // PT for 0x400000..0x5fffff; none for 0x600000..0x7fffff
    for (long pages : new long[] {4, 511, 512, 513}) {
      hw.clearEvents();
      done = false;
      Vma untouched = new Vma(0x60_0000L, 0x60_0000L + pages * 4096, true);
      AddressSpaces.unmapPages(hw, pml4, List.of(untouched), KernelPolicy.Flush.LOCAL, false, () -> done = true);
      assertTrue(done);
      // each walk reads the PML4, PDPT and PD entries and finds no PT
      long walks = pages < 512 ? pages : pages == 512 ? 1 : 2;
      assertEquals(3 * walks, hw.eventsStartingWith("read").size(), pages + " pages");
    }
  }
}
