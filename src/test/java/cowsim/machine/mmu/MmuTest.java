package cowsim.machine.mmu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.machine.observe.Event;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.function.LongConsumer;
import org.junit.jupiter.api.Test;

/**
 * The MMU without a CPU actor: the walker's steps are requests the test answers by hand, so each
 * walk is checked step by step (which entry it reads at each level, the A/D compare-and-swap, the
 * walk again after a lost race, the faults) with the TLB's hits, fills and invalidations.
 */
class MmuTest {

  private static final long PML4 = 0x40;
  private static final long TABLE = Pte.P | Pte.RW | Pte.US | Pte.A;
  /** User, writable, accessed and dirty: a walk sets nothing. */
  private static final long DONE = TABLE | Pte.D;
  private static final long VA = 0x40_1008L;
  private static final long[] TABLES = {0x41, 0x42, 0x43};
  private static final long LEAF = 0x99;

  /** A walk step the MMU asked for. */
  private record Step(boolean cas, long paddr, long expected, long value, LongConsumer k) {}

  /** The MMU's host: a clock, the steps asked for, the events reported. */
  private static final class Host implements Mmu.Host {
    long now;
    final Deque<Step> steps = new ArrayDeque<>();
    final List<Event> events = new ArrayList<>();

    @Override
    public int cpu() {
      return 3;
    }

    @Override
    public long now() {
      return now;
    }

    @Override
    public void spend(long cycles) {
      now += cycles;
    }

    @Override
    public boolean observing() {
      return true;
    }

    @Override
    public void observe(Event e) {
      events.add(e);
    }

    @Override
    public void readEntry(long paddr, LongConsumer k) {
      steps.add(new Step(false, paddr, 0, 0, k));
    }

    @Override
    public void compareAndSwap(long paddr, long expected, long value, LongConsumer k) {
      steps.add(new Step(true, paddr, expected, value, k));
    }

    /** Answers the next step, which must read the entry at {@code level} of {@code table} for {@link #VA}. */
    void read(long table, int level, long entry) {
      read(VA, table, level, entry);
    }

    /** Answers the next step, which must read the entry at {@code level} of {@code table} for {@code va}. */
    void read(long va, long table, int level, long entry) {
      Step s = steps.poll();
      assertFalse(s == null, "the walker asked for nothing");
      assertFalse(s.cas(), "expected a read of level " + level + ", got a compare-and-swap");
      assertEquals(PageWalk.entryAddress(table, va, level), s.paddr(), "level " + level + " entry of table " + table);
      s.k().accept(entry);
    }

    /** Answers a walk of {@code va} that ends at the page directory with this PS entry. */
    void walkHuge(long va, long pde) {
      read(va, PML4, 4, Pte.make(TABLES[0], TABLE));
      read(va, TABLES[0], 3, Pte.make(TABLES[1], TABLE));
      read(va, TABLES[1], 2, pde);
    }

    /** Answers the four reads of a walk with the usual tables and this leaf entry. */
    void walk(long leaf) {
      long table = PML4;
      for (int level = 4; level > 1; level--) {
        read(table, level, Pte.make(TABLES[4 - level], TABLE));
        table = TABLES[4 - level];
      }
      read(table, 1, leaf);
    }

    <E extends Event> List<E> events(Class<E> type) {
      return events.stream().filter(type::isInstance).map(type::cast).toList();
    }
  }

  /** What a translation gave: the physical address or the fault. */
  private static final class Result {
    Long paddr;
    String fault;

    void translated(long pa) {
      paddr = pa;
    }

    void fault(long va, boolean write, boolean present, boolean reserved) {
      fault = (write ? "write" : "read") + (present ? " protection" : " not-present") + (reserved ? " reserved" : "") + " at 0x" + Long.toHexString(va);
    }
  }

  private final Host host = new Host();
  private final Mmu mmu = new Mmu(host, 64, 4, false, 2, PML4);

  private Result translate(long va, boolean write) {
    return translate(mmu, va, write);
  }

  private static Result translate(Mmu m, long va, boolean write) {
    Result r = new Result();
    m.translate(va, write, 7, 8, r::translated, r::fault);
    return r;
  }

  @Test
  void aMissWalksFourLevelsFromCr3ThenTheEntryHits() {
    Result r = translate(VA, false);
    host.walk(Pte.make(LEAF, DONE));
    assertTrue(host.steps.isEmpty(), "A and D were set: no compare-and-swap");
    assertEquals((LEAF << 12) | 0x008, r.paddr);
    assertFalse(mmu.lastHit());
    assertEquals(List.of(new Event.TlbFill(0, 3, PML4, VA & ~0xfffL, LEAF, true, 1)), host.events(Event.TlbFill.class));

    Result again = translate(VA + 8, true);
    assertTrue(host.steps.isEmpty(), "a hit sends nothing");
    assertEquals((LEAF << 12) | 0x010, again.paddr);
    assertTrue(mmu.lastHit());
    assertEquals(2, host.now, "the hit's cycles");
    assertEquals(List.of(new Event.TlbUse(2, 3, PML4, 7, 8, VA + 8, LEAF, true)), host.events(Event.TlbUse.class));
    assertEquals(1, mmu.walks());
    assertEquals(1, mmu.hits());
    assertEquals(1, mmu.misses());
    assertEquals(1, mmu.tlb().size(), "a 4 KiB walk fills a 4 KiB entry");
    assertEquals(0, mmu.hugeTlb().size());
  }

  @Test
  void aReadSetsAAndAWriteSetsAAndDWithOneCompareAndSwapOfTheEntryItRead() {
    long leaf = Pte.make(LEAF, Pte.P | Pte.RW | Pte.US);
    Result read = translate(VA, false);
    host.walk(leaf);
    Step cas = host.steps.poll();
    assertTrue(cas.cas());
    assertEquals(PageWalk.entryAddress(TABLES[2], VA, 1), cas.paddr());
    assertEquals(leaf, cas.expected());
    assertEquals(leaf | Pte.A, cas.value(), "a read sets A only");
    assertNull(read.paddr, "nothing before the compare-and-swap answers");
    cas.k().accept(leaf);
    assertEquals((LEAF << 12) | 0x008, read.paddr);

    // the entry is filled clean: a write walks again, to set D
    Result write = translate(VA, true);
    host.walk(leaf | Pte.A);
    cas = host.steps.poll();
    assertEquals(leaf | Pte.A | Pte.D, cas.value(), "a write sets D");
    cas.k().accept(leaf | Pte.A);
    assertEquals((LEAF << 12) | 0x008, write.paddr);
    assertEquals(2, mmu.walks());
  }

  @Test
  void anEntryChangedBeforeTheCompareAndSwapMakesTheWalkerWalkAgainFromCr3() {
    long leaf = Pte.make(LEAF, Pte.P | Pte.RW | Pte.US);
    Result r = translate(VA, true);
    host.walk(leaf);
    Step cas = host.steps.poll();
    // another CPU made the page read-only meanwhile: the CAS returns what is there now
    long changed = Pte.make(LEAF, Pte.P | Pte.US | Pte.COW);
    cas.k().accept(changed);
    assertNull(r.paddr, "not filled from the stale entry");
    host.walk(changed);
    assertEquals("write protection at 0x401008", r.fault, "the new walk sees the read-only entry");
    assertEquals(1, mmu.walks(), "one walk started (the retry is part of it)");
    assertEquals(0, mmu.tlb().size());
  }

  @Test
  void aMissingEntryAtAnyLevelIsANotPresentFault() {
    Result r = translate(VA, false);
    host.read(PML4, 4, Pte.make(TABLES[0], TABLE));
    host.read(TABLES[0], 3, 0);
    assertTrue(host.steps.isEmpty(), "the walk stops there");
    assertEquals("read not-present at 0x401008", r.fault);
  }

  @Test
  void rightsAreTheAndOfEveryLevel() {
    // a supervisor-only PDPT entry: the user read faults as a protection fault
    Result r = translate(VA, false);
    host.read(PML4, 4, Pte.make(TABLES[0], TABLE));
    host.read(TABLES[0], 3, Pte.make(TABLES[1], Pte.P | Pte.RW | Pte.A));
    host.read(TABLES[1], 2, Pte.make(TABLES[2], TABLE));
    host.read(TABLES[2], 1, Pte.make(LEAF, DONE));
    assertEquals("read protection at 0x401008", r.fault);

    // a read-only PD entry: reads go through, writes fault
    Result read = translate(VA, false);
    host.read(PML4, 4, Pte.make(TABLES[0], TABLE));
    host.read(TABLES[0], 3, Pte.make(TABLES[1], TABLE));
    host.read(TABLES[1], 2, Pte.make(TABLES[2], Pte.P | Pte.US | Pte.A));
    host.read(TABLES[2], 1, Pte.make(LEAF, DONE));
    assertEquals((LEAF << 12) | 0x008, read.paddr);
    assertEquals(List.of(false), host.events(Event.TlbFill.class).stream().map(Event.TlbFill::writable).toList());
  }

  @Test
  void aWriteThroughAReadOnlyEntryFaultsAtOnceAndDropsTheEntry() {
    Result r = translate(VA, false);
    host.walk(Pte.make(LEAF, Pte.P | Pte.US | Pte.A));
    assertEquals((LEAF << 12) | 0x008, r.paddr);
    Result w = translate(VA, true);
    assertTrue(host.steps.isEmpty(), "no walk: the TLB entry says read-only");
    assertEquals("write protection at 0x401008", w.fault);
    assertEquals(List.of(new Event.Invlpg(0, 3, PML4, VA & ~0xfffL, "page fault")), host.events(Event.Invlpg.class));
    assertEquals(0, mmu.tlb().size(), "SDM 4.10.4.1: the faulting address's entry is dropped");
    assertEquals(0, mmu.invlpgs(), "not an invlpg");
  }

  @Test
  void aTwoMegabytePageIsALeafAtThePageDirectory() {
    long va = 0x40_1008L;
    Result r = translate(va, false);
    host.read(PML4, 4, Pte.make(TABLES[0], TABLE));
    host.read(TABLES[0], 3, Pte.make(TABLES[1], TABLE));
    host.read(TABLES[1], 2, Pte.make(0x200, DONE | Pte.PS));
    assertTrue(host.steps.isEmpty(), "no level 1");
    assertEquals(((0x200L + 1) << 12) | 0x008, r.paddr, "the 4 KiB slice of the 2 MiB page");
  }

  @Test
  void aTwoMegabyteEntryWhoseFrameIsNotAlignedIsAReservedBitFaultWithADUntouched() {
    // cache VA clean, so that a write walks again and meets the bad entry
    translate(VA, false);
    host.walk(Pte.make(LEAF, Pte.P | Pte.RW | Pte.US | Pte.A));
    Result w = translate(VA, true);
    host.read(PML4, 4, Pte.make(TABLES[0], TABLE));
    host.read(TABLES[0], 3, Pte.make(TABLES[1], TABLE));
    // frame 0x201: address bit 12 is PAT in a PS entry, but bit 13 (frame 0x202) is reserved
    long pde = Pte.make(0x202, Pte.P | Pte.RW | Pte.US | Pte.PS);
    host.read(TABLES[1], 2, pde);
    assertTrue(host.steps.isEmpty(), "no compare-and-swap: A and D stay clear");
    assertEquals("write protection reserved at 0x401008", w.fault, "#PF with P and RSVD");
    assertEquals(0, mmu.tlb().size(), "the faulting address's entry is dropped");
    assertEquals(
        List.of(new Event.Invlpg(0, 3, PML4, VA & ~0xfffL, "page fault")), host.events(Event.Invlpg.class));

    // bit 12 alone is PAT: the same entry with frame 0x201 is a good 2 MiB page
    Result pat = translate(VA, false);
    host.read(PML4, 4, Pte.make(TABLES[0], TABLE));
    host.read(TABLES[0], 3, Pte.make(TABLES[1], TABLE));
    host.read(TABLES[1], 2, Pte.make(0x201, DONE | Pte.PS));
    assertNull(pat.fault);
    assertEquals(((0x200L + 1) << 12) | 0x008, pat.paddr);
  }

  @Test
  void psInAPml4EntryIsAReservedBitFaultAndTheWalkStopsThere() {
    Result r = translate(VA, false);
    host.read(PML4, 4, Pte.make(TABLES[0], Pte.P | Pte.RW | Pte.US | Pte.PS));
    assertTrue(host.steps.isEmpty(), "nothing read below it, nothing written");
    assertEquals("read protection reserved at 0x401008", r.fault);
    assertNull(r.paddr);
    assertEquals(0, mmu.tlb().size());
    assertTrue(host.events(Event.TlbFill.class).isEmpty());
  }

  // ---- 2 MiB entries ----

  /** A 2 MiB page at 0x400000 (PD index 2), frames 0x200..0x3ff. */
  private static final long HUGE_HEAD = 0x200;
  /** Another address in the same 2 MiB page as {@link #VA}: its last 4 KiB page. */
  private static final long VA_FAR = 0x5f_f010L;

  private static long hugePde(long flags) {
    return Pte.make(HUGE_HEAD, flags | Pte.PS);
  }

  @Test
  void aWalkEndingAtAPsPageDirectoryEntryFillsOneTwoMegabyteEntry() {
    Result r = translate(VA, false);
    host.walkHuge(VA, hugePde(DONE));
    assertEquals(((HUGE_HEAD + 1) << 12) | 0x008, r.paddr);
    assertEquals(
        List.of(new Event.TlbFill(0, 3, PML4, 0x40_0000L, HUGE_HEAD, true, 512)),
        host.events(Event.TlbFill.class),
        "the 2 MiB-aligned address, the head frame, 512 pages");
    assertEquals(1, mmu.hugeTlb().size());
    assertEquals(0, mmu.tlb().size(), "split: nothing in the 4 KiB entries");
    assertTrue(Tlb.huge(mmu.hugeTlb().vpnAt(slotOf(mmu.hugeTlb()))));
  }

  @Test
  void anotherAddressInTheSameTwoMegabytePageHitsWithoutAWalk() {
    translate(VA, false);
    host.walkHuge(VA, hugePde(DONE));
    Result far = translate(VA_FAR, true);
    assertTrue(host.steps.isEmpty(), "a hit sends nothing");
    assertTrue(mmu.lastHit());
    assertEquals(((HUGE_HEAD + 0x1ff) << 12) | 0x010, far.paddr, "the head frame plus the 4 KiB page within");
    assertEquals(
        List.of(new Event.TlbUse(2, 3, PML4, 7, 8, VA_FAR, HUGE_HEAD + 0x1ff, true)),
        host.events(Event.TlbUse.class),
        "TlbUse names the 4 KiB frame used");
    assertEquals(1, mmu.walks());
    assertEquals(1, mmu.hits());
    assertEquals(1, mmu.misses());

    // the next 2 MiB page is not covered
    translate(0x60_0000L, false);
    assertFalse(host.steps.isEmpty(), "a walk");
    assertEquals(2, mmu.walks());
  }

  @Test
  void invlpgOfAnyAddressInTheTwoMegabytePageDropsItsEntry() {
    translate(VA, false);
    host.walkHuge(VA, hugePde(DONE));
    mmu.invlpg(VA_FAR);
    assertEquals(0, mmu.hugeTlb().size());
    assertEquals(1, mmu.invlpgs());
    assertEquals(List.of(new Event.Invlpg(0, 3, PML4, VA_FAR & ~0xfffL, "invlpg")), host.events(Event.Invlpg.class));
    translate(VA, false);
    assertFalse(host.steps.isEmpty(), "walks again");

    // a shootdown page inside it too
    host.walkHuge(VA, hugePde(DONE));
    mmu.invalidate(VA_FAR, "shootdown IPI from cpu-1");
    assertEquals(0, mmu.hugeTlb().size());
    assertEquals(2, mmu.invlpgs());
    assertEquals(2, host.events(Event.Invlpg.class).size(), "reported: an entry was dropped");
  }

  @Test
  void cr3WritesPcidFlushesAndFullFlushesDropTwoMegabyteEntries() {
    translate(VA, false);
    host.walkHuge(VA, hugePde(DONE));
    mmu.writeCr3(0x50);
    assertEquals(0, mmu.hugeTlb().size());
    assertEquals(1, mmu.flushes());

    Mmu tagged = new Mmu(host, 64, 4, true, 2, 0x30);
    tagged.writeCr3(PML4);
    translate(tagged, VA, false);
    host.walkHuge(VA, hugePde(DONE));
    tagged.writeCr3(0x50);
    assertEquals(1, tagged.hugeTlb().size(), "tagged: it survives a switch");
    tagged.flushPcid(tagged.pcidOf(PML4), "test");
    assertEquals(0, tagged.hugeTlb().size(), "a PCID flush drops it");
    tagged.writeCr3(PML4);
    translate(tagged, VA, false);
    host.walkHuge(VA, hugePde(DONE));
    tagged.flushAll("flush IPI from cpu-1");
    assertEquals(0, tagged.hugeTlb().size());
    assertEquals(2, tagged.flushes());
  }

  @Test
  void aWriteThroughACleanTwoMegabyteEntryWalksAgainAndAReadOnlyOneFaultsAndIsDropped() {
    long clean = hugePde(Pte.P | Pte.RW | Pte.US | Pte.A);
    Result read = translate(VA, false);
    host.walkHuge(VA, clean);
    assertEquals(((HUGE_HEAD + 1) << 12) | 0x008, read.paddr, "A set: no compare-and-swap");
    Result write = translate(VA_FAR, true);
    host.walkHuge(VA_FAR, clean);
    Step cas = host.steps.poll();
    assertTrue(cas.cas());
    assertEquals(clean | Pte.D, cas.value(), "D set in the PD entry");
    cas.k().accept(clean);
    assertEquals(((HUGE_HEAD + 0x1ff) << 12) | 0x010, write.paddr);
    assertEquals(2, mmu.walks());
    assertEquals(1, mmu.hugeTlb().size(), "refilled in place, dirty");
    translate(VA, true);
    assertTrue(mmu.lastHit());

    mmu.flushAll("test");
    translate(VA, false);
    host.walkHuge(VA, hugePde(Pte.P | Pte.US | Pte.A));
    Result w = translate(VA_FAR, true);
    assertTrue(host.steps.isEmpty(), "no walk: the entry says read-only");
    assertEquals("write protection at 0x5ff010", w.fault);
    assertEquals(0, mmu.hugeTlb().size(), "the fault dropped the 2 MiB entry");
  }

  @Test
  void aFaultAnywhereInTheTwoMegabytePageDropsItsEntryAndTheFourKilobyteOne() {
    // a 4 KiB entry for VA_FAR's page (filled while the PD entry still pointed at a table)
    Result small = translate(VA_FAR, false);
    host.read(VA_FAR, PML4, 4, Pte.make(TABLES[0], TABLE));
    host.read(VA_FAR, TABLES[0], 3, Pte.make(TABLES[1], TABLE));
    host.read(VA_FAR, TABLES[1], 2, Pte.make(TABLES[2], TABLE));
    host.read(VA_FAR, TABLES[2], 1, Pte.make(LEAF, Pte.P | Pte.US | Pte.A));
    assertEquals((LEAF << 12) | 0x010, small.paddr);
    translate(VA, false);
    host.walkHuge(VA, hugePde(DONE));
    assertEquals(1, mmu.tlb().size());
    assertEquals(1, mmu.hugeTlb().size());
    Result w = translate(VA_FAR, true);
    assertEquals("write protection at 0x5ff010", w.fault, "the 4 KiB entry is looked up first");
    assertEquals(0, mmu.tlb().size());
    assertEquals(0, mmu.hugeTlb().size(), "SDM 4.10.4.1: entries for the faulting address of every page size");
    assertEquals(1, host.events(Event.Invlpg.class).size(), "one report for the fault");
  }

  @Test
  void aOneGigabytePageStillCachesTheFourKilobyteSliceItUsed() {
    Result r = translate(VA, false);
    host.read(PML4, 4, Pte.make(TABLES[0], TABLE));
    host.read(TABLES[0], 3, Pte.make(0x40000, DONE | Pte.PS));
    assertEquals(((0x40000L + 0x401) << 12) | 0x008, r.paddr);
    assertEquals(List.of(new Event.TlbFill(0, 3, PML4, VA & ~0xfffL, 0x40401, true, 1)), host.events(Event.TlbFill.class));
    assertEquals(1, mmu.tlb().size());
    assertEquals(0, mmu.hugeTlb().size());
  }

  @Test
  void splitTwoMegabyteEntriesHaveTheirOwnCapacity() {
    Mmu split = new Mmu(host, 4, 4, new HugeTlb(HugeTlb.Mode.SPLIT, 2, 2), false, 2, PML4);
    fillHuge(split, 0, 1, 2);
    fillSmall(split, 4);
    assertEquals(4, split.tlb().size(), "4 KiB entries fill their own 4 ways");
    assertEquals(2, split.hugeTlb().size(), "the third 2 MiB entry evicted the first, and no 4 KiB one");
    assertEquals(0, split.tlb().evictions(), "no 4 KiB entry was evicted");
    assertEquals(1, split.hugeTlb().evictions());
    translate(split, hugeVa(2) + 0x1000, false);
    assertTrue(split.lastHit(), "the latest 2 MiB entries hit");
    translate(split, hugeVa(0), false);
    assertFalse(split.lastHit(), "the oldest was evicted");
  }

  @Test
  void sharedTwoMegabyteEntriesCompeteWithFourKilobyteOnesForTheSameWays() {
    Mmu shared = new Mmu(host, 4, 4, new HugeTlb(HugeTlb.Mode.SHARED, 32, 4), false, 2, PML4);
    assertTrue(shared.hugeTlb() == shared.tlb(), "one TLB");
    fillHuge(shared, 0, 1);
    assertEquals(2, shared.tlb().size());
    fillSmall(shared, 4);
    assertEquals(4, shared.tlb().size(), "four ways in all");
    assertEquals(2, shared.tlb().evictions(), "the 4 KiB fills evicted both 2 MiB entries");
    translate(shared, hugeVa(1), false);
    assertFalse(shared.lastHit(), "the 2 MiB page walks again");
  }

  /** The start of the n-th 2 MiB page from 0x4000_0000, mapped at frame 0x1000 * (n + 1). */
  private static long hugeVa(int n) {
    return 0x4000_0000L + ((long) n << 21);
  }

  private void fillHuge(Mmu m, int... pages) {
    for (int n : pages) {
      long va = hugeVa(n);
      Result r = translate(m, va, false);
      host.walkHuge(va, Pte.make(0x1000L * (n + 1), DONE | Pte.PS));
      assertEquals(0x1000L * (n + 1) << 12, r.paddr);
    }
  }

  /** Fills n 4 KiB entries at 0x10_0000 onwards (another 1 GiB region: their own walks). */
  private void fillSmall(Mmu m, int n) {
    for (int i = 0; i < n; i++) {
      long va = 0x10_0000L + ((long) i << 12);
      Result r = translate(m, va, false);
      host.read(va, PML4, 4, Pte.make(TABLES[0], TABLE));
      host.read(va, TABLES[0], 3, Pte.make(TABLES[1], TABLE));
      host.read(va, TABLES[1], 2, Pte.make(TABLES[2], TABLE));
      host.read(va, TABLES[2], 1, Pte.make(LEAF + i, DONE));
      assertEquals((LEAF + i) << 12, r.paddr);
    }
  }

  private static int slotOf(Tlb t) {
    for (int i = 0; i < t.capacity(); i++) {
      if (t.entryAt(i) != Tlb.MISS) {
        return i;
      }
    }
    throw new AssertionError("empty");
  }

  @Test
  void withoutPcidACr3WriteFlushesTheTlb() {
    translate(VA, false);
    host.walk(Pte.make(LEAF, DONE));
    mmu.writeCr3(0x50);
    assertEquals(0x50, mmu.cr3());
    assertEquals(0, mmu.tlb().size());
    assertEquals(1, mmu.flushes());
    assertEquals(0, mmu.pcidOf(0x50));
    assertEquals(List.of(new Event.TlbFlush(0, 3, "CR3 write")), host.events(Event.TlbFlush.class));
  }

  @Test
  void withPcidEntriesAreTaggedAndSurviveASwitchAndAReloadFlushesThePcid() {
    Mmu tagged = new Mmu(host, 64, 4, true, 2, 0x30);
    tagged.writeCr3(PML4);
    assertEquals(0, tagged.flushes(), "loading another address space flushes nothing");
    Result r = new Result();
    tagged.translate(VA, false, 7, 8, r::translated, r::fault);
    host.walk(Pte.make(LEAF, DONE));
    tagged.writeCr3(0x50);
    assertEquals(1, tagged.tlb().size(), "the first address space's entry stays, tagged");
    assertEquals(0, tagged.flushes());
    tagged.writeCr3(PML4);
    Result hit = new Result();
    tagged.translate(VA, false, 7, 8, hit::translated, hit::fault);
    assertTrue(tagged.lastHit(), "back in the first address space: its entry hits");
    tagged.writeCr3(PML4);
    assertEquals(0, tagged.tlb().size(), "reloading CR3 flushes its PCID");
    assertEquals(List.of(new Event.TlbFlush(2, 3, "CR3 reload (PCID " + tagged.pcidOf(PML4) + ")")), host.events(Event.TlbFlush.class));
  }

  @Test
  void invlpgIsReportedEvenWhenNothingIsCachedAndShootdownPagesCountAsInvlpgs() {
    mmu.invlpg(VA);
    assertEquals(List.of(new Event.Invlpg(0, 3, PML4, VA & ~0xfffL, "invlpg")), host.events(Event.Invlpg.class));
    mmu.invalidate(VA, "shootdown IPI from cpu-1");
    assertEquals(1, host.events(Event.Invlpg.class).size(), "an IPI page with no entry reports nothing");
    assertEquals(2, mmu.invlpgs());
    translate(VA, false);
    host.walk(Pte.make(LEAF, DONE));
    mmu.flushAll("flush IPI from cpu-1");
    assertEquals(0, mmu.tlb().size());
    assertEquals(1, mmu.flushes());
  }
}
