package cowsim.machine.mmu;

import cowsim.machine.observe.Event;
import java.util.function.LongConsumer;

/**
 * One CPU's memory-management unit: its TLB, CR3 with the PCID it tags entries with, and the
 * hardware page walker. The walker reads one paging-structure entry per step, each step a message
 * to memory sent through {@link Host} (its continuation runs when the answer arrives), sets A and
 * D with a locked compare-and-swap of the entry it read, and walks again from CR3 if the entry
 * changed meanwhile. A present entry with reserved bits set (PS in a PML4 entry, a huge page's
 * frame not aligned to its size) is a #PF with P and RSVD set, A/D untouched. A fault drops the
 * faulting address's entry (SDM 4.10.4.1).
 *
 * <p>A walk that ends at a page-directory entry with PS is cached as one 2 MiB entry, in a
 * separate small TLB or in the 4 KiB entries' one ({@link HugeTlb}); a lookup tries the 4 KiB
 * entry first, then the 2 MiB one. invlpg of any address in a 2 MiB page, a fault there, and
 * every flush drop its entry too. A walk into a 1 GiB page caches the 4 KiB slice it used.
 *
 * <p>A plain class: owned by one CPU actor, tested without one. It reports what it does (hits,
 * fills, invalidations, flushes) as {@link Event}s through its host.
 */
public final class Mmu {

  /** Offset bits of a 2 MiB page. */
  private static final long HUGE_OFFSET = (1L << 21) - 1;

  /** What the MMU needs from its CPU: the clock, the way to memory, and the observer. */
  public interface Host {
    int cpu();

    long now();

    void spend(long cycles);

    boolean observing();

    void observe(Event e);

    /** A walk step: read the 8-byte entry at {@code paddr}; {@code k} gets it. */
    void readEntry(long paddr, LongConsumer k);

    /** A walk step: locked compare-and-swap of the entry at {@code paddr}; {@code k} gets the old value. */
    void compareAndSwap(long paddr, long expected, long value, LongConsumer k);
  }

  /**
   * Where a translation that faults goes: the page fault's address and error-code bits. {@code
   * reserved} is the RSVD bit: a present paging-structure entry had reserved bits set ({@code
   * present} is then true too, as on x86).
   */
  @FunctionalInterface
  public interface FaultSink {
    void fault(long va, boolean write, boolean present, boolean reserved);
  }

  private final Host host;
  private final Tlb tlb;
  /** The 2 MiB entries: their own TLB (split), or {@link #tlb} itself (shared). */
  private final Tlb hugeTlb;
  private final boolean pcidEnabled;
  private final long tlbHitCycles;
  private long cr3;
  private int pcid;
  private boolean lastHit;
  private long hits;
  private long misses;
  private long walks;
  private long invlpgs;
  private long flushes;

  /** With the default 2 MiB entries ({@link HugeTlb#DEFAULT}). */
  public Mmu(Host host, int tlbEntries, int tlbWays, boolean pcid, long tlbHitCycles, long cr3) {
    this(host, tlbEntries, tlbWays, HugeTlb.DEFAULT, pcid, tlbHitCycles, cr3);
  }

  /**
   * @param huge where the 2 MiB entries go
   * @param pcid whether CR3 carries a PCID (entries are tagged and survive CR3 writes)
   * @param tlbHitCycles what a translation served by the TLB costs
   * @param cr3 the PML4 frame loaded at power-on
   */
  public Mmu(Host host, int tlbEntries, int tlbWays, HugeTlb huge, boolean pcid, long tlbHitCycles, long cr3) {
    this.host = host;
    this.tlb = new Tlb(tlbEntries, tlbWays);
    this.hugeTlb = huge.split() ? new Tlb(huge.entries(), huge.ways()) : tlb;
    this.pcidEnabled = pcid;
    this.tlbHitCycles = tlbHitCycles;
    this.cr3 = cr3;
  }

  // ---- translation ----

  /**
   * Translate a user address for a load or store: a TLB hit (a write through a clean entry walks
   * again, so D reaches the PTE), or a walk from CR3. {@code k} gets the physical address;
   * faults go to {@code onFault}. {@code pid} and {@code tid} name the accessing thread for the
   * observer.
   */
  public void translate(long va, boolean write, long pid, long tid, LongConsumer k, FaultSink onFault) {
    lastHit = false;
    long e = tlb.touch(VirtualAddress.pageNumber(va), pcid);
    long frame;
    if (e != Tlb.MISS) {
      frame = Tlb.frame(e);
    } else {
      e = hugeTlb.touch(Tlb.hugeKey(va), pcid);
      frame = e == Tlb.MISS ? -1 : Tlb.hugeFrame(e, va);
    }
    if (e != Tlb.MISS) {
      hits++;
      if (write && !Tlb.writable(e)) {
        drop(va, "page fault");
        onFault.fault(va, true, true, false);
        return;
      }
      if (!write || Tlb.dirty(e)) {
        host.spend(tlbHitCycles);
        lastHit = true;
        if (host.observing()) {
          host.observe(new Event.TlbUse(host.now(), host.cpu(), cr3, pid, tid, va, frame, write));
        }
        k.accept((frame << 12) | (va & 0xfff));
        return;
      }
      // a write through a clean entry: walk again to set D
    } else {
      misses++;
    }
    walks++;
    walk(cr3, va, PageWalk.PML4, PageWalk.INITIAL_RIGHTS, write, k, onFault);
  }

  /** Whether the latest translation was served by the TLB (false while it walks, and after a fault). */
  public boolean lastHit() {
    return lastHit;
  }

  private void walk(long table, long va, int level, long rights, boolean write, LongConsumer k, FaultSink onFault) {
    long addr = PageWalk.entryAddress(table, va, level);
    host.readEntry(
        addr,
        e -> {
          if (!Pte.present(e)) {
            drop(va, "page fault");
            onFault.fault(va, write, false, false);
            return;
          }
          if (PageWalk.reserved(e, level)) {
            // #PF with P and RSVD: the walk stops here, before any A/D update
            drop(va, "page fault");
            onFault.fault(va, write, true, true);
            return;
          }
          long r = rights & (e | ~(Pte.RW | Pte.US));
          boolean leaf = level == PageWalk.PT || (level <= PageWalk.PDPT && Pte.huge(e));
          if (!leaf) {
            walk(Pte.frame(e), va, level - 1, r, write, k, onFault);
            return;
          }
          if ((r & Pte.US) == 0 || (write && (r & Pte.RW) == 0)) {
            drop(va, "page fault");
            onFault.fault(va, write, true, false);
            return;
          }
          long frame = PageWalk.frameOf(e, level, va);
          boolean huge = level == PageWalk.PD;
          long bits = Pte.A | (write ? Pte.D : 0);
          if ((e & bits) == bits) {
            fill(va, frame, huge, r, write || Pte.dirty(e), k);
            return;
          }
          // locked cmpxchg of the entry it read; if it changed meanwhile, walk again
          host.compareAndSwap(
              addr,
              e,
              e | bits,
              old -> {
                if (old != e) {
                  walk(cr3, va, PageWalk.PML4, PageWalk.INITIAL_RIGHTS, write, k, onFault);
                } else {
                  fill(va, frame, huge, r, write || Pte.dirty(e), k);
                }
              });
        });
  }

  /**
   * Caches the walk's translation: a 4 KiB entry, or, for a 2 MiB page ({@code huge}), one entry
   * holding its head frame. {@code frame} is the 4 KiB frame va uses either way.
   */
  private void fill(long va, long frame, boolean huge, long rights, boolean dirty, LongConsumer k) {
    boolean writable = (rights & Pte.RW) != 0;
    if (huge) {
      long head = frame & ~(long) (VirtualAddress.ENTRIES - 1);
      hugeTlb.insert(Tlb.hugeKey(va), pcid, head, writable, true, dirty, false);
      if (host.observing()) {
        host.observe(new Event.TlbFill(host.now(), host.cpu(), cr3, va & ~HUGE_OFFSET, head, writable, VirtualAddress.ENTRIES));
      }
    } else {
      tlb.insert(VirtualAddress.pageNumber(va), pcid, frame, writable, true, dirty, false);
      if (host.observing()) {
        host.observe(new Event.TlbFill(host.now(), host.cpu(), cr3, va & ~0xfffL, frame, writable, 1));
      }
    }
    k.accept((frame << 12) | (va & 0xfff));
  }

  // ---- invalidation ----

  /** A fault drops the faulting address's entries here, 4 KiB and 2 MiB (not counted as an invlpg). */
  public void drop(long va, String why) {
    if (invalidateBoth(va)) {
      if (host.observing()) {
        host.observe(new Event.Invlpg(host.now(), host.cpu(), cr3, va & ~0xfffL, why));
      }
    }
  }

  /**
   * The invlpg instruction: drops one page's entry from this TLB only, and the 2 MiB entry of any
   * page that contains va.
   */
  public void invlpg(long va) {
    invlpgs++;
    invalidateBoth(va);
    if (host.observing()) {
      host.observe(new Event.Invlpg(host.now(), host.cpu(), cr3, va & ~0xfffL, "invlpg"));
    }
  }

  /** One page of a shootdown IPI: drops its entry, counted as an invlpg. */
  public void invalidate(long va, String why) {
    drop(va, why);
    invlpgs++;
  }

  /** Everything, global entries too (a full-flush IPI). */
  public void flushAll(String why) {
    tlb.flushAll();
    if (hugeTlb != tlb) {
      hugeTlb.flushAll();
    }
    if (host.observing()) {
      host.observe(new Event.TlbFlush(host.now(), host.cpu(), why));
    }
    flushes++;
  }

  /**
   * mov cr3: without PCID the non-global entries go; with PCID they stay, tagged, and reloading
   * the CR3 already loaded flushes its PCID.
   */
  public void writeCr3(long pml4Frame) {
    if (!pcidEnabled) {
      cr3 = pml4Frame;
      tlb.flushNonGlobal();
      if (hugeTlb != tlb) {
        hugeTlb.flushNonGlobal();
      }
      flushes++;
      if (host.observing()) {
        host.observe(new Event.TlbFlush(host.now(), host.cpu(), "CR3 write"));
      }
      return;
    }
    int next = pcidOf(pml4Frame);
    if (pml4Frame == cr3) {
      flushPcid(next, "CR3 reload");
    }
    cr3 = pml4Frame;
    pcid = next;
  }

  /** Drops every entry tagged with PCID {@code p} (INVPCID single-context). */
  public void flushPcid(int p, String why) {
    tlb.flushPcid(p);
    if (hugeTlb != tlb) {
      hugeTlb.flushPcid(p);
    }
    flushes++;
    if (host.observing()) {
      host.observe(new Event.TlbFlush(host.now(), host.cpu(), why + " (PCID " + p + ")"));
    }
  }

  /** The PCID of an address space: 12 bits, from its PML4 frame (0 when PCID is off). */
  public int pcidOf(long pml4Frame) {
    return pcidEnabled ? (int) (pml4Frame % 4095) + 1 : 0;
  }

  public boolean pcidEnabled() {
    return pcidEnabled;
  }

  public long cr3() {
    return cr3;
  }

  /** Drops va's 4 KiB entry and the 2 MiB entry covering va; whether either was there. */
  private boolean invalidateBoth(long va) {
    boolean small = tlb.invalidate(VirtualAddress.pageNumber(va));
    boolean huge = hugeTlb.invalidate(Tlb.hugeKey(va));
    return small || huge;
  }

  // ---- counters ----

  /** The 4 KiB entries (and, shared, the 2 MiB ones). */
  public Tlb tlb() {
    return tlb;
  }

  /** The 2 MiB entries: their own TLB when split, the same as {@link #tlb()} when shared. */
  public Tlb hugeTlb() {
    return hugeTlb;
  }

  /** Translations served by a TLB entry, 4 KiB or 2 MiB (a write through a clean or read-only one included). */
  public long hits() {
    return hits;
  }

  /** Translations that found no entry of either size and walked. */
  public long misses() {
    return misses;
  }

  /** Walks started by translations (a walk restarted after a failed compare-and-swap is not counted again). */
  public long walks() {
    return walks;
  }

  /** invlpg instructions and pages of shootdown IPIs. */
  public long invlpgs() {
    return invlpgs;
  }

  /** Whole-TLB flushes: CR3 writes, PCID flushes and full-flush IPIs. */
  public long flushes() {
    return flushes;
  }
}
