package cowsim.check;

import cowsim.machine.mmu.Pte;
import cowsim.machine.mmu.VirtualAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The correctness oracles: a shadow of what the machine should be, fed with every event in
 * delivery order, that says when memory management went wrong even if no program read the
 * damaged value. It keeps the allocator's view (free, allocated, generation of each frame), a
 * shadow of every page table (from the kernel's PTE writes), the reverse map frame to PTEs, the
 * value each address space last stored at each address, who last wrote each physical word, and
 * what each CPU's TLB entries were filled with. Pure: no actors, no clocks.
 */
public final class Oracle {

  /**
   * A leaf mapping: address space and page. Address spaces are numbered as they are created, so
   * a PML4 frame freed and reused for a new address space does not merge the two.
   */
  record Mapping(long space, long va) {}

  private record TableInfo(int level, long space, long vaBase) {}

  /** A kernel operation in progress on a range of an address space. */
  private record Op(String what, long start, long end) {}

  /** An address space: its PML4 frame, its process, its lineage and what it last stored. */
  private static final class Space {
    final long id;
    final long cr3;
    long pid;
    long parent = -1;
    long born = -1;
    boolean live;
    boolean gone;
    final List<Op> ops = new ArrayList<>();
    final List<long[]> unmapping = new ArrayList<>();
    /**
     * The value last stored at each address. A fork child starts empty: what it inherited is
     * whatever its frames held at the split, which sibling threads may legitimately have changed
     * in fork's window, so only the child's own stores are checked for lost writes.
     */
    HashMap<Long, Long> values = new HashMap<>();

    Space(long id, long cr3) {
      this.id = id;
      this.cr3 = cr3;
    }

    boolean opCovers(long va) {
      for (Op o : ops) {
        if (va >= o.start() && va < o.end()) {
          return true;
        }
      }
      return false;
    }
  }

  /** What a TLB hit looked like, waiting for its memory access to complete. */
  private record Pending(long cr3, long va, long frame, String stale, String reused, boolean tolerated) {}

  private final long reserved;
  private final int historyDepth;
  private final int maxPerKind;
  private long seq;

  private final BitSet allocated = new BitSet();
  private final HashMap<Long, Integer> generation = new HashMap<>();
  /** Who last mapped each frame: {space id, virtual address}, rendered only when reported. */
  private final HashMap<Long, long[]> lastOwner = new HashMap<>();
  private final HashMap<Long, long[]> tables = new HashMap<>();
  private final HashMap<Long, TableInfo> tableInfo = new HashMap<>();
  /** Frames whose latest use was as a page table (their refcount slot means nothing). */
  private final Set<Long> tableRole = new HashSet<>();
  private final HashMap<Long, Set<Mapping>> rmap = new HashMap<>();
  /** The current address space of each PML4 frame. */
  private final HashMap<Long, Space> spaces = new HashMap<>();
  /** Every address space ever, by id. */
  private final HashMap<Long, Space> spaceById = new HashMap<>();
  private long nextSpace = 1;
  private final HashMap<Long, long[]> writers = new HashMap<>();
  private final HashMap<Integer, long[]> copySnapshot = new HashMap<>();
  private final HashMap<TlbKey, Long> tlbFills = new HashMap<>();
  private final HashMap<Integer, Pending> pending = new HashMap<>();

  private final HashMap<Long, ArrayDeque<Entry>> frameHistory = new HashMap<>();
  private final HashMap<Mapping, ArrayDeque<Entry>> pageHistory = new HashMap<>();
  private final ArrayDeque<Entry> globalHistory = new ArrayDeque<>();

  private final List<Violation> violations = new ArrayList<>();
  private final Map<String, Integer> counts = new TreeMap<>();
  private final Set<String> seen = new HashSet<>();

  /** A history line; its text is built only when a violation shows it. */
  private record Entry(long seq, long cycle, int cpu, String actor, java.util.function.Supplier<String> what) {
    Violation.HistoryEntry entry() {
      return new Violation.HistoryEntry(cycle, cpu, actor, what.get());
    }
  }

  /**
   * @param reservedFrames frames [0, reservedFrames) belong to the kernel and are never free
   * @param historyDepth events kept in each violation's history
   * @param maxPerKind violations of one kind listed in full (the rest are counted)
   */
  public Oracle(long reservedFrames, int historyDepth, int maxPerKind) {
    this.reserved = reservedFrames;
    this.historyDepth = historyDepth;
    this.maxPerKind = maxPerKind;
  }

  public List<Violation> violations() {
    return List.copyOf(violations);
  }

  /** How many of each kind were found (listed or not). */
  public Map<String, Integer> counts() {
    return Map.copyOf(counts);
  }

  // ================================================================== events

  public void observe(Event e) {
    seq++;
    if (e instanceof Event.MemRead r) {
      onRead(r);
    } else if (e instanceof Event.MemWrite w) {
      onWrite(w);
    } else if (e instanceof Event.TlbUse u) {
      onTlbUse(u);
    } else if (e instanceof Event.TlbFill f) {
      tlbFills.put(new TlbKey(f.cpu(), f.cr3(), VirtualAddress.pageNumber(f.va())), ((long) gen(f.frame()) << 40) | f.frame());
      history(f.frame(), new Mapping(space(f.cr3()).id, f.va()), f.cycle(), f.cpu(), "cpu-" + f.cpu(), () -> "cached in cpu-" + f.cpu() + "'s TLB (" + (f.writable() ? "writable" : "read-only") + ")");
    } else if (e instanceof Event.MemCas c) {
      touch(c.cycle(), c.cpu(), c.paddr() >>> 12, "the page walker's A/D update", -1, 0, 0, null);
      if (c.old() == c.expected()) {
        tableWrite(c.cycle(), c.cpu(), c.paddr(), c.value(), c.old(), false);
      }
    } else if (e instanceof Event.FrameRead r) {
      touch(r.cycle(), r.cpu(), r.frame(), "a frame read", -1, 0, 0, null);
      long[] w = writers.get(r.frame());
      copySnapshot.put(r.cpu(), w == null ? null : w.clone());
    } else if (e instanceof Event.FrameWrite w) {
      onFrameWrite(w);
    } else if (e instanceof Event.RefChange r) {
      onRefChange(r);
    } else if (e instanceof Event.RefRead r) {
      touch(r.cycle(), r.cpu(), r.frame(), "a refcount read", -1, 0, 0, null);
    } else if (e instanceof Event.Alloc a) {
      allocated.set((int) a.frame());
      generation.merge(a.frame(), 1, Integer::sum);
      writers.remove(a.frame());
      forgetTable(a.frame());
      history(a.frame(), null, a.cycle(), a.cpu(), "allocator", () -> "allocated for cpu-" + a.cpu());
    } else if (e instanceof Event.Free f) {
      onFree(f);
    } else if (e instanceof Event.Invlpg i) {
      history(-1, new Mapping(space(i.cr3()).id, i.va()), i.cycle(), i.cpu(), "cpu-" + i.cpu(), () -> "invalidated locally on cpu-" + i.cpu() + " (" + i.why() + ")");
    } else if (e instanceof Event.TlbFlush f) {
      global(f.cycle(), f.cpu(), "cpu-" + f.cpu(), () -> "TLB flushed on cpu-" + f.cpu() + " (" + f.why() + ")");
    } else if (e instanceof Event.IpiSent i) {
      global(i.cycle(), i.cpu(), "cpu-" + i.cpu(), () -> "flush IPI " + i.request() + " sent to cpu-" + i.target());
    } else if (e instanceof Event.Refault r) {
      report("refault-loop", r.cpu(), r.pid(), r.tid(), r.va(), -1, r.cycle(),
          "pid " + r.pid() + " faulted " + r.faults() + " times on page " + hex(r.va() & ~0xfffL) + " without making progress; the task was stopped", key("refault", r.pid(), r.va()));
    } else if (e instanceof Event.Lockup l) {
      deadlock(l.cycle(), l.detail());
    } else if (e instanceof Event.AssertionFailed a) {
      report("assertion", a.cpu(), a.pid(), a.tid(), -1, -1, a.cycle(), a.message(), key("assert", seq));
    } else if (e instanceof Event.RootCreated r) {
      Space fresh = newSpace(r.cr3());
      tableInfo.put(r.cr3(), new TableInfo(4, fresh.id, 0));
      tableRole.add(r.cr3());
      tables.put(r.cr3(), new long[512]);
    } else if (e instanceof Event.OpBegin o) {
      space(o.cr3()).ops.add(new Op(o.what(), o.start(), o.end()));
      global(o.cycle(), o.cpu(), "cpu-" + o.cpu(), () -> o.what() + " begins on cpu-" + o.cpu() + " (pid " + space(o.cr3()).pid + ")");
    } else if (e instanceof Event.OpEnd o) {
      Space sp = space(o.cr3());
      sp.ops.remove(new Op(o.what(), o.start(), o.end()));
      if (o.what().equals("munmap")) {
        // stores that landed between the VMA cut and the PTE clear went with the pages
        for (long[] r : sp.unmapping) {
          sp.values.keySet().removeIf(va -> va >= r[0] && va < r[1]);
        }
        sp.unmapping.clear();
      }
      global(o.cycle(), o.cpu(), "cpu-" + o.cpu(), () -> o.what() + " ends on cpu-" + o.cpu() + " (pid " + space(o.cr3()).pid + ")");
    } else if (e instanceof Event.ProcessSpace p) {
      onProcessSpace(p);
    } else if (e instanceof Event.SpaceGone g) {
      Space s = space(g.cr3());
      s.live = false;
      s.gone = true;
      s.values = new HashMap<>();
    } else if (e instanceof Event.Unmapped u) {
      Space sp = space(u.cr3());
      sp.values.keySet().removeIf(va -> va >= u.start() && va < u.end());
      sp.unmapping.add(new long[] {u.start(), u.end()});
    }
  }

  private void onProcessSpace(Event.ProcessSpace p) {
    Space s = space(p.cr3());
    s.pid = p.pid();
    s.live = true;
    s.born = seq; // the split point with the parent
    s.parent = p.parentCr3() >= 0 ? space(p.parentCr3()).id : -1;

  }

  /** The current address space with this PML4 frame. */
  private Space space(long cr3) {
    Space s = spaces.get(cr3);
    return s != null ? s : newSpace(cr3);
  }

  private Space newSpace(long cr3) {
    Space s = new Space(nextSpace++, cr3);
    spaces.put(cr3, s);
    spaceById.put(s.id, s);
    return s;
  }

  // ================================================================== accesses

  private void onTlbUse(Event.TlbUse u) {
    String stale = null;
    String reused = null;
    Long fill = tlbFills.get(new TlbKey(u.cpu(), u.cr3(), VirtualAddress.pageNumber(u.va())));
    if (fill != null && (fill & 0xff_ffff_ffffL) == u.frame() && (int) (fill >>> 40) != gen(u.frame())) {
      reused = "went through cpu-" + u.cpu() + "'s TLB entry for " + hex(u.va() & ~0xfffL) + ", filled before frame " + hex(u.frame()) + " was freed and reallocated";
    }
    Space s = space(u.cr3());
    long pte = walk(u.cr3(), u.va());
    if (!Pte.present(pte)) {
      stale = "the PTE is no longer present";
    } else if (Pte.frame(pte) != u.frame()) {
      stale = "the PTE now maps frame " + hex(Pte.frame(pte)) + ", the TLB entry frame " + hex(u.frame());
    } else if (u.write() && !Pte.writable(pte)) {
      stale = "the PTE is now read-only" + (Pte.cow(pte) ? " (copy-on-write)" : "") + " but the TLB entry is writable";
    }
    // while the kernel is changing this page (fork's window, a COW fault, munmap, mprotect) a
    // stale entry is its business: it may still flush before it is done
    boolean tolerated = stale != null && s.opCovers(u.va());
    if (stale != null || reused != null) {
      pending.put(u.cpu(), new Pending(u.cr3(), u.va(), u.frame(), tolerated ? null : stale, reused, tolerated));
    } else {
      pending.remove(u.cpu());
    }
  }

  private void onRead(Event.MemRead r) {
    long frame = r.paddr() >>> 12;
    Event.Access a = r.access();
    if (a == null || !a.user()) {
      touch(r.cycle(), r.cpu(), frame, a == null ? "a kernel read" : "a page-walk read", -1, 0, 0, null);
      return;
    }
    Pending p = a.tlbHit() ? pending.remove(r.cpu()) : null;
    Space s = space(a.cr3());
    long va = a.va();
    Mapping page = new Mapping(s.id, va & ~0xfffL);
    if (touch(r.cycle(), r.cpu(), frame, "a load by pid " + a.pid() + " at " + hex(va), va, a.pid(), a.tid(), page)) {
      return;
    }
    if (p != null && p.reused() != null) {
      report("use-after-free", r.cpu(), a.pid(), a.tid(), va, frame, r.cycle(), "a load by pid " + a.pid() + " " + p.reused(), key("uaf-tlb", r.cpu(), va & ~0xfffL, frame), frame, page);
      return;
    }
    Long expected = s.values.get(va);
    if (expected == null && s.parent < 0) {
      expected = 0L; // never stored: demand-zero
    }
    long[] w = writers.get(frame);
    int slot = (int) ((r.paddr() & 0xfff) >>> 3);
    if (w != null && w[slot] >= 0 && w[slot] != s.id && w[512 + slot] > split(s.id, w[slot])) {
      Space other = spaceById.get(w[slot]);
      boolean related = split(s.id, w[slot]) >= 0;
      report("cow-isolation", r.cpu(), a.pid(), a.tid(), va, frame, r.cycle(),
          "pid " + a.pid() + " loaded " + r.value() + " from " + hex(va) + ", a value pid " + other.pid
              + (related ? " stored after the two were split by fork" : " (an unrelated address space) stored"),
          key("cow-read", s.id, va & ~0xfffL, frame), frame, page);
      return;
    }
    if (p != null && p.tolerated()) {
      return; // a stale entry while the kernel is still at work on this page
    }
    if (expected == null) {
      return; // inherited at fork and not stored since: nothing to compare with
    }
    if (p != null && p.stale() != null && r.value() != expected) {
      long last = expected;
      history(frame, page, r.cycle(), r.cpu(), "cpu-" + r.cpu(), () -> "load through a stale TLB entry returned " + r.value() + ", last store was " + last);
      report("stale-tlb", r.cpu(), a.pid(), a.tid(), va, frame, r.cycle(),
          "pid " + a.pid() + " loaded " + r.value() + " from " + hex(va) + " through cpu-" + r.cpu() + "'s stale TLB entry (" + p.stale() + "); its last store there was " + expected,
          key("stale-tlb", s.id, va & ~0xfffL, frame), frame, page);
      return;
    }
    if (r.value() != expected) {
      report("stale-read", r.cpu(), a.pid(), a.tid(), va, frame, r.cycle(),
          "pid " + a.pid() + " loaded " + r.value() + " from " + hex(va) + " (frame " + hex(frame) + ") but its last store there was " + expected + ": a write was lost",
          key("stale-read", s.id, va & ~0xfffL), frame, page);
    }
  }

  private void onWrite(Event.MemWrite w) {
    long frame = w.paddr() >>> 12;
    Event.Access a = w.access();
    if (a == null || !a.user()) {
      touch(w.cycle(), w.cpu(), frame, "a kernel write", -1, 0, 0, null);
      long[] ws = writers.get(frame);
      if (ws != null) {
        ws[(int) ((w.paddr() & 0xfff) >>> 3)] = -1;
      }
      tableWrite(w.cycle(), w.cpu(), w.paddr(), w.value(), w.old(), true);
      return;
    }
    Pending p = a.tlbHit() ? pending.remove(w.cpu()) : null;
    long va = a.va();
    Space s = space(a.cr3());
    Mapping page = new Mapping(s.id, va & ~0xfffL);
    s.values.put(va, w.value());
    long[] ws = writers.computeIfAbsent(frame, f -> newWriters());
    int slot = (int) ((w.paddr() & 0xfff) >>> 3);
    ws[slot] = s.id;
    ws[512 + slot] = seq;
    if (touch(w.cycle(), w.cpu(), frame, "a store by pid " + a.pid() + " at " + hex(va), va, a.pid(), a.tid(), page)) {
      return;
    }
    if (p != null && p.reused() != null) {
      history(frame, page, w.cycle(), w.cpu(), "cpu-" + w.cpu(), () -> "store of " + w.value() + " by pid " + a.pid() + " through a TLB entry older than the frame's reuse");
      report("use-after-free", w.cpu(), a.pid(), a.tid(), va, frame, w.cycle(), "a store by pid " + a.pid() + " " + p.reused(), key("uaf-tlb", w.cpu(), va & ~0xfffL, frame), frame, page);
      return;
    }
    if (p != null && p.stale() != null) {
      history(frame, page, w.cycle(), w.cpu(), "cpu-" + w.cpu(), () -> "store of " + w.value() + " through a stale TLB entry");
      report("stale-tlb", w.cpu(), a.pid(), a.tid(), va, frame, w.cycle(),
          "pid " + a.pid() + " stored " + w.value() + " at " + hex(va) + " into frame " + hex(frame) + " through cpu-" + w.cpu() + "'s stale TLB entry: " + p.stale(),
          key("stale-tlb", s.id, va & ~0xfffL, frame), frame, page);
      return;
    }
    // a writable private page is never mapped by another live address space: a store into a
    // frame another one maps breaks copy-on-write isolation, whatever the storer's PTE says
    if (!s.opCovers(va)) {
      Mapping other = otherLiveMapping(frame, s.id);
      if (other != null) {
        long pte = walk(a.cr3(), va);
        report("cow-isolation", w.cpu(), a.pid(), a.tid(), va, frame, w.cycle(),
            "pid " + a.pid() + " stored " + w.value() + " at " + hex(va) + " into frame " + hex(frame) + ", which pid " + spaceById.get(other.space()).pid
                + " also maps (its own PTE: " + Pte.describe(pte) + ")",
            key("cow-write", s.id, va & ~0xfffL, frame), frame, page);
      }
    }
  }

  private Mapping otherLiveMapping(long frame, long space) {
    Set<Mapping> maps = rmap.get(frame);
    if (maps == null) {
      return null;
    }
    Mapping best = null;
    for (Mapping m : maps) {
      Space s = spaceById.get(m.space());
      if (m.space() != space && s != null && s.live && !s.gone && (best == null || m.space() < best.space())) {
        best = m;
      }
    }
    return best;
  }

  private void onFrameWrite(Event.FrameWrite w) {
    if (touch(w.cycle(), w.cpu(), w.frame(), w.source() < 0 ? "zeroing" : "a copy into it", -1, 0, 0, null)) {
      return;
    }
    long[] t = tables.get(w.frame());
    if (t != null) {
      TableInfo info = tableInfo.get(w.frame());
      for (int i = 0; i < 512; i++) {
        if (t[i] != 0) {
          long old = t[i];
          t[i] = 0;
          entryChanged(w.cycle(), w.cpu(), info, i, old, 0);
        }
      }
    }
    if (w.source() < 0) {
      writers.remove(w.frame());
      return;
    }
    long[] snap = copySnapshot.remove(w.cpu());
    if (snap == null) {
      writers.remove(w.frame());
    } else {
      writers.put(w.frame(), snap);
    }
    String what = "copied frame " + hex(w.source()) + " to frame " + hex(w.frame()) + " on cpu-" + w.cpu();
    history(w.frame(), null, w.cycle(), w.cpu(), "memory", () -> what);
    history(w.source(), null, w.cycle(), w.cpu(), "memory", () -> what);
  }

  private void onRefChange(Event.RefChange r) {
    long now = (r.old() + r.delta()) & 0xffff_ffffL;
    history(r.frame(), null, r.cycle(), r.cpu(), "memory", () -> "refcount " + r.old() + " -> " + now + " (cpu-" + r.cpu() + ")");
    touch(r.cycle(), r.cpu(), r.frame(), "a refcount update", -1, 0, 0, null);
    if (r.old() == 0 && r.delta() < 0) {
      report("refcount-underflow", r.cpu(), 0, 0, -1, r.frame(), r.cycle(),
          "cpu-" + r.cpu() + " decremented frame " + hex(r.frame()) + "'s refcount from 0; it wrapped to " + now,
          key("underflow", r.frame(), seq), r.frame(), null);
    }
  }

  private void onFree(Event.Free f) {
    if (!f.ok()) {
      history(f.frame(), null, f.cycle(), f.cpu(), "allocator", () -> "free refused: " + f.result());
      report("double-free", f.cpu(), 0, 0, -1, f.frame(), f.cycle(),
          "cpu-" + f.cpu() + " freed frame " + hex(f.frame()) + ", which is not allocated (" + f.result() + ")",
          key("double-free", f.frame(), seq), f.frame(), null);
      return;
    }
    allocated.clear((int) f.frame());
    forgetTable(f.frame());
    history(f.frame(), null, f.cycle(), f.cpu(), "allocator", () -> "freed by cpu-" + f.cpu());
  }

  /**
   * A use of a frame; reports use-after-free when the frame is free. True when it reported.
   *
   * @param page the accessing address space's page, for the history, or null
   */
  private boolean touch(long cycle, int cpu, long frame, String what, long va, long pid, long tid, Mapping page) {
    if (frame < reserved || allocated.get((int) frame)) {
      return false;
    }
    report("use-after-free", cpu, pid, tid, va, frame, cycle,
        what + " on cpu-" + cpu + " touched frame " + hex(frame) + ", which is free in the allocator",
        key("uaf", frame, generation.getOrDefault(frame, 0)), frame, page);
    return true;
  }

  // ================================================================== shadow page tables

  private void tableWrite(long cycle, int cpu, long paddr, long value, long old, boolean plain) {
    long frame = paddr >>> 12;
    long[] t = tables.get(frame);
    if (t == null) {
      return;
    }
    int index = (int) ((paddr & 0xfff) >>> 3);
    long before = t[index];
    t[index] = value;
    if (before != value) {
      entryChanged(cycle, cpu, tableInfo.get(frame), index, before, value);
    }
  }

  private void entryChanged(long cycle, int cpu, TableInfo info, int index, long before, long after) {
    if (info.level() == 4 && index >= 256) {
      return; // the kernel half: shared, never a user mapping
    }
    long va = info.vaBase() | ((long) index << VirtualAddress.levelShift(info.level()));
    if (info.level() > 1) {
      if (Pte.present(after) && !Pte.huge(after)) {
        long child = Pte.frame(after);
        tableInfo.put(child, new TableInfo(info.level() - 1, info.space(), va));
        tableRole.add(child);
        tables.computeIfAbsent(child, f -> new long[512]);
      }
      return;
    }
    Mapping m = new Mapping(info.space(), va);
    boolean wasMapped = Pte.present(before);
    boolean isMapped = Pte.present(after);
    if (wasMapped && (!isMapped || Pte.frame(before) != Pte.frame(after))) {
      Set<Mapping> set = rmap.get(Pte.frame(before));
      if (set != null) {
        set.remove(m);
        if (set.isEmpty()) {
          rmap.remove(Pte.frame(before));
        }
      }
    }
    if (isMapped) {
      tableRole.remove(Pte.frame(after));
      rmap.computeIfAbsent(Pte.frame(after), f -> new HashSet<>()).add(m);
      lastOwner.put(Pte.frame(after), new long[] {info.space(), va});
    }
    if (isMapped && wasMapped && Pte.frame(before) == Pte.frame(after)
        && (before & ~(Pte.A | Pte.D)) == (after & ~(Pte.A | Pte.D))) {
      return; // accessed/dirty bits only
    }
    Space owner = spaceById.get(info.space());
    java.util.function.Supplier<String> what = () -> {
      long pid = owner.pid; // rendered when shown: a fork child's pid is known by then
      if (!isMapped) {
        return "unmapped from pid " + pid + " at " + hex(va);
      } else if (!wasMapped || Pte.frame(before) != Pte.frame(after)) {
        return "mapped in pid " + pid + " at " + hex(va) + " (" + flags(after) + ")";
      } else if (Pte.writable(before) && !Pte.writable(after) && Pte.cow(after)) {
        return "COW-marked in pid " + pid + " at " + hex(va) + " (read-only, bit 9)";
      }
      return "PTE of pid " + pid + " at " + hex(va) + " now " + flags(after);
    };
    long frame = isMapped ? Pte.frame(after) : Pte.frame(before);
    history(frame, m, cycle, cpu, "cpu-" + cpu, what);
    if (wasMapped && isMapped && Pte.frame(before) != Pte.frame(after)) {
      history(Pte.frame(before), null, cycle, cpu, "cpu-" + cpu, () -> "unmapped from pid " + owner.pid + " at " + hex(va));
    }
  }

  private static String flags(long pte) {
    String d = Pte.describe(pte);
    int i = d.indexOf(' ', d.indexOf(' ') + 1);
    return "frame 0x" + Long.toHexString(Pte.frame(pte)) + (i < 0 ? "" : d.substring(i));
  }

  private void forgetTable(long frame) {
    tables.remove(frame);
    tableInfo.remove(frame);
  }

  /** The leaf PTE for va in the shadow tables (0 when not mapped). */
  long walk(long cr3, long va) {
    long table = cr3;
    for (int level = 4; level >= 1; level--) {
      long[] t = tables.get(table);
      if (t == null) {
        return 0;
      }
      long e = t[VirtualAddress.index(va, level)];
      if (!Pte.present(e) || level == 1 || Pte.huge(e)) {
        return e;
      }
      table = Pte.frame(e);
    }
    return 0;
  }

  // ================================================================== fork lineage

  /**
   * The event number at which the two address spaces stopped sharing memory (the first fork on
   * the path between them), or -1 when they never shared any.
   */
  private long split(long x, long w) {
    Map<Long, Long> wAncestors = new HashMap<>(); // ancestor -> born of the child below it
    long below = Long.MAX_VALUE;
    for (Space s = spaceById.get(w); s != null; s = s.parent < 0 ? null : spaceById.get(s.parent)) {
      wAncestors.put(s.id, below);
      below = s.born;
    }
    below = Long.MAX_VALUE;
    for (Space s = spaceById.get(x); s != null; s = s.parent < 0 ? null : spaceById.get(s.parent)) {
      Long wb = wAncestors.get(s.id);
      if (wb != null) {
        return Math.min(below, wb);
      }
      below = s.born;
    }
    return -1;
  }

  // ================================================================== end of run

  /**
   * End-of-run checks on a quiescent machine: refcounts against the PTEs that map each frame,
   * and frames still allocated that nothing holds.
   *
   * @param refcounts every frame's non-zero refcount, from the memory banks
   * @param cycle the end of the run
   */
  public void finish(Map<Long, Integer> refcounts, long cycle) {
    Map<Long, Integer> mapped = new TreeMap<>();
    Set<Long> reachable = new HashSet<>();
    for (Map.Entry<Long, Set<Mapping>> m : rmap.entrySet()) {
      int n = 0;
      for (Mapping map : m.getValue()) {
        Space s = spaceById.get(map.space());
        if (s != null && !s.gone) {
          n++;
        }
      }
      if (n > 0) {
        mapped.put(m.getKey(), n);
        reachable.add(m.getKey());
      }
    }
    for (Map.Entry<Long, TableInfo> t : tableInfo.entrySet()) {
      Space s = spaceById.get(t.getValue().space());
      if (s != null && !s.gone) {
        reachable.add(t.getKey());
      }
    }
    Set<Long> frames = new java.util.TreeSet<>(refcounts.keySet());
    frames.addAll(mapped.keySet());
    for (long f : frames) {
      long rc = Integer.toUnsignedLong(refcounts.getOrDefault(f, 0));
      int n = mapped.getOrDefault(f, 0);
      if (n == 0 && tableRole.contains(f)) {
        continue; // a page-table frame: its refcount slot is not used (strat9 may leave the allocator's 1)
      }
      if (rc != n) {
        report("refcount-mismatch", -1, 0, 0, -1, f, cycle,
            "at the end frame " + hex(f) + " has refcount " + rc + " but " + n + " PTE(s) map it" + (lastOwner.containsKey(f) ? " (last owner " + owner(f) + ")" : ""),
            key("mismatch", f), f, null);
      }
    }
    for (int f = allocated.nextSetBit(0); f >= 0; f = allocated.nextSetBit(f + 1)) {
      if (f < reserved || reachable.contains((long) f)) {
        continue;
      }
      report("frame-leak", -1, 0, 0, -1, f, cycle,
          "frame " + hex(f) + " is still allocated but no live address space, page table or kernel structure holds it (last owner: "
              + (lastOwner.containsKey((long) f) ? owner(f) : "never mapped") + ")",
          key("leak", f), (long) f, null);
    }
  }

  private String owner(long frame) {
    long[] o = lastOwner.get(frame);
    return "pid " + spaceById.get(o[0]).pid + " at " + hex(o[1]);
  }

  /** The run deadlocked: no CPU can make progress while tasks are unfinished. */
  public void deadlock(long cycle, String detail) {
    report("deadlock", -1, 0, 0, -1, -1, cycle, detail, key("deadlock"));
  }

  // ================================================================== reporting and histories

  private static String key(Object... parts) {
    return java.util.Arrays.toString(parts);
  }

  private void report(String kind, int cpu, long pid, long tid, long va, long frame, long cycle, String detail, String dedup) {
    report(kind, cpu, pid, tid, va, frame, cycle, detail, dedup, frame, null);
  }

  private void report(
      String kind, int cpu, long pid, long tid, long va, long frame, long cycle, String detail, String dedup, long historyFrame, Mapping page) {
    if (!seen.add(kind + dedup)) {
      return;
    }
    int n = counts.merge(kind, 1, Integer::sum);
    cowsim.stress.Live.VIOLATIONS.increment(); // progress display only
    if (n > maxPerKind) {
      return;
    }
    violations.add(new Violation(kind, cpu, pid, tid, va, frame, cycle, detail, historyOf(historyFrame, page)));
  }

  private List<Violation.HistoryEntry> historyOf(long frame, Mapping page) {
    List<Entry> all = new ArrayList<>();
    if (frame >= 0 && frameHistory.containsKey(frame)) {
      all.addAll(frameHistory.get(frame));
    }
    if (page != null) {
      for (Map.Entry<Mapping, ArrayDeque<Entry>> p : pageHistory.entrySet()) {
        if (p.getKey().va() == page.va() && (page.space() < 0 || p.getKey().space() == page.space())) {
          all.addAll(p.getValue());
        }
      }
    }
    // shootdowns and flushes elsewhere matter only while this frame or page was in play
    long from = all.isEmpty() ? Long.MAX_VALUE : all.stream().mapToLong(Entry::seq).min().getAsLong();
    long to = all.isEmpty() ? Long.MIN_VALUE : all.stream().mapToLong(Entry::seq).max().getAsLong();
    Set<Integer> cpus = new HashSet<>();
    all.forEach(en -> cpus.add(en.cpu()));
    for (Entry g : globalHistory) {
      if (g.seq() >= from && g.seq() <= to && cpus.contains(g.cpu())) {
        all.add(g);
      }
    }
    LinkedHashMap<Long, Entry> unique = new LinkedHashMap<>();
    all.stream().sorted(Comparator.comparingLong(Entry::seq)).forEach(en -> unique.putIfAbsent(en.seq(), en));
    List<Violation.HistoryEntry> out = new ArrayList<>();
    List<Entry> sorted = new ArrayList<>(unique.values());
    for (Entry en : sorted.subList(Math.max(0, sorted.size() - historyDepth), sorted.size())) {
      out.add(en.entry());
    }
    return out;
  }

  private void history(long frame, Mapping page, long cycle, int cpu, String actor, java.util.function.Supplier<String> what) {
    Entry en = new Entry(seq, cycle, cpu, actor, what);
    if (frame >= 0) {
      push(frameHistory.computeIfAbsent(frame, f -> new ArrayDeque<>()), en);
    }
    if (page != null) {
      push(pageHistory.computeIfAbsent(page, p -> new ArrayDeque<>()), en);
    }
  }

  private void global(long cycle, int cpu, String actor, java.util.function.Supplier<String> what) {
    push(globalHistory, new Entry(seq, cycle, cpu, actor, what));
  }

  private void push(ArrayDeque<Entry> ring, Entry e) {
    ring.addLast(e);
    while (ring.size() > historyDepth * 4) {
      ring.removeFirst();
    }
  }

  // ================================================================== small helpers

  private int gen(long frame) {
    return generation.getOrDefault(frame, 0);
  }

  /** A TLB entry: CPU, address space (its tag with PCID), page. */
  private record TlbKey(int cpu, long cr3, long vpn) {}

  private static long[] newWriters() {
    long[] w = new long[1024];
    java.util.Arrays.fill(w, 0, 512, -1L);
    return w;
  }

  private static String hex(long v) {
    return "0x" + Long.toHexString(v);
  }
}
