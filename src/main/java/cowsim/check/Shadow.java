package cowsim.check;

import cowsim.machine.mmu.Pte;
import cowsim.machine.mmu.VirtualAddress;
import cowsim.machine.observe.Event;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The oracles' shadow of the machine, rebuilt from the events alone: what the allocator has
 * handed out (and each frame's generation), every page table (from the kernel's PTE writes into
 * frames it knows are tables), the reverse map frame to PTEs, the kernel operations in progress
 * and which of them changed which page, what each CPU's TLB entries were filled with, who last
 * wrote each physical word, and the value each address space should read back at each address.
 *
 * <p>The shadow judges nothing: the monitors read it before an event is applied, then {@link
 * #apply} moves it on. Pure: no actors, no clocks.
 */
final class Shadow {

  /**
   * A leaf mapping: address space and page. Address spaces are numbered as they are created, so
   * a PML4 frame freed and reused for a new address space does not merge the two.
   */
  record Mapping(long space, long va) {}

  record TableInfo(int level, long space, long vaBase) {}

  /** A kernel operation in progress on a range of an address space, on one CPU. */
  static final class Op {
    final long id;
    final int cpu;
    final long space;
    final String what;
    final long start;
    final long end;
    boolean open = true;
    /** The event number at which this operation last completed (or gave up on) a shootdown; -1: never. */
    long flushedAt = -1;

    Op(long id, int cpu, long space, String what, long start, long end) {
      this.id = id;
      this.cpu = cpu;
      this.space = space;
      this.what = what;
      this.start = start;
      this.end = end;
    }

    boolean covers(long space, long va) {
      return this.space == space && va >= start && va < end;
    }
  }

  /**
   * A PTE change that can make a TLB entry stale (present to absent, another frame, writable to
   * read-only), and the operation that made it (null: none was in progress on that CPU).
   */
  record Change(long seq, Op op) {}

  /** Changes kept per page; an entry older than all of them is judged without tolerance. */
  private static final int CHANGES_KEPT = 16;

  /** The values an address space should read back from one page (shared copy-on-write with forks). */
  static final class PageValues {
    final long[] v;
    int sharers = 1;

    PageValues(long[] v) {
      this.v = v;
    }
  }

  /** An address space: its PML4 frame, its process, its lineage and what it should read back. */
  static final class Space {
    final long id;
    final long cr3;
    long pid;
    long parent = -1;
    /** The address space whose fork is building this one, until it becomes a process. */
    long forkParent = -1;
    long born = -1;
    /** It became a process (boot, or the end of fork); a half-built fork child is not live. */
    boolean live;
    boolean gone;
    /**
     * The value last stored at each address, by page. What is not here reads as zero: fresh
     * anonymous memory is zero, and a fork child starts with its parent's values, page by page
     * as fork maps them.
     */
    HashMap<Long, PageValues> values = new HashMap<>();

    Space(long id, long cr3) {
      this.id = id;
      this.cr3 = cr3;
    }

    long expected(long va) {
      PageValues p = values.get(va >>> 12);
      return p == null ? 0 : p.v[(int) ((va & 0xfff) >>> 3)];
    }

    void store(long va, long value) {
      long vpn = va >>> 12;
      PageValues p = values.get(vpn);
      if (p == null) {
        if (value == 0) {
          return;
        }
        p = new PageValues(new long[512]);
        values.put(vpn, p);
      } else if (p.sharers > 1) {
        p.sharers--;
        p = new PageValues(p.v.clone());
        values.put(vpn, p);
      }
      p.v[(int) ((va & 0xfff) >>> 3)] = value;
    }

    /** Take the page's values from another space (fork's child mapping the parent's frame). */
    void inherit(long va, Space from) {
      long vpn = va >>> 12;
      drop(vpn);
      PageValues p = from.values.get(vpn);
      if (p != null) {
        p.sharers++;
        values.put(vpn, p);
      }
    }

    void drop(long vpn) {
      PageValues p = values.remove(vpn);
      if (p != null) {
        p.sharers--;
      }
    }

    void dropRange(long start, long end) {
      Iterator<Map.Entry<Long, PageValues>> it = values.entrySet().iterator();
      while (it.hasNext()) {
        Map.Entry<Long, PageValues> e = it.next();
        long va = e.getKey() << 12;
        if (va >= start && va < end) {
          e.getValue().sharers--;
          it.remove();
        }
      }
    }
  }

  /** What a TLB hit looked like, waiting for its memory access to complete. */
  record Pending(long cr3, long va, long frame, String stale, String reused, boolean tolerated) {}

  /** A TLB entry: CPU, address space (its tag with PCID), page. */
  private record TlbKey(int cpu, long cr3, long vpn) {}

  /** What a TLB entry was filled with, and when. */
  private record Fill(long frame, int generation, long seq) {}

  /** What a 2 MiB TLB entry was filled with: its head and each frame's generation then, and when. */
  private record HugeFill(long head, int[] gens, long seq) {}

  /** A 2 MiB TLB entry's key: its 2 MiB page number, tagged so it never equals a 4 KiB one. */
  private static long hugeKey(long va) {
    return (va >>> 21) | (1L << 62);
  }

  final long reserved;
  /** The kernel's shared zero page (a reserved frame), or -1. */
  final long zeroFrame;
  final History history;
  long seq;

  private final BitSet allocated = new BitSet();
  /** each frame's generation (how often it was allocated), by frame number, below GENERATION_ARRAY */
  private int[] generation = new int[0];
  /** frames numbered from here on (beyond 256 GiB of memory) keep theirs in farGeneration */
  private static final long GENERATION_ARRAY = 1L << 26;
  private final HashMap<Long, Integer> farGeneration = new HashMap<>();
  /** Who last mapped each frame: {space id, virtual address}, rendered only when reported. */
  private final HashMap<Long, long[]> lastOwner = new HashMap<>();
  private final HashMap<Long, long[]> tables = new HashMap<>();
  private final HashMap<Long, TableInfo> tableInfo = new HashMap<>();
  /** Frames linked as page tables and not freed since (their refcount slot means nothing). */
  private final Set<Long> tableRole = new HashSet<>();
  private final HashMap<Long, Set<Mapping>> rmap = new HashMap<>();
  /** The current address space of each PML4 frame. */
  private final HashMap<Long, Space> spaces = new HashMap<>();
  /** the space {@link #space} returned last (the map's entry for its cr3), or null */
  private Space lastSpace;
  /** Every address space ever, by id. */
  private final HashMap<Long, Space> spaceById = new HashMap<>();
  /**
   * The address space of each live process, by pid. The kernel reports a teardown (SpaceGone)
   * after the teardown freed the PML4, so by then that frame may be a fork child's: the pid, not
   * the frame, says whose space went.
   */
  private final HashMap<Long, Space> spaceOfPid = new HashMap<>();
  private long nextSpace = 1;
  private long nextOp = 1;
  /** Open operations per CPU, innermost last. */
  private final HashMap<Integer, ArrayDeque<Op>> ops = new HashMap<>();
  private final HashMap<Mapping, ArrayDeque<Change>> changes = new HashMap<>();
  /** The event at which an madvise covering the page last returned ({@link #promiseFlushed}). */
  private final HashMap<Mapping, Long> promised = new HashMap<>();
  /** Per frame: the space that last stored each word (512 slots), then the event number (512). */
  private final HashMap<Long, long[]> writers = new HashMap<>();
  private final HashMap<Integer, long[]> copySnapshot = new HashMap<>();
  private final HashMap<TlbKey, Fill> tlbFills = new HashMap<>();
  private final HashMap<TlbKey, HugeFill> hugeFills = new HashMap<>();
  /** Heads of 2 MiB blocks allocated as one (order 9) and not freed since. */
  private final Set<Long> compound = new HashSet<>();
  /** The 2 MiB mappings: (space, 2 MiB-aligned va) -> head frame. */
  private final HashMap<Mapping, Long> pmds = new HashMap<>();
  private final HashMap<Integer, Pending> pending = new HashMap<>();

  Shadow(long reservedFrames, History history) {
    this(reservedFrames, -1, history);
  }

  Shadow(long reservedFrames, long zeroFrame, History history) {
    this.reserved = reservedFrames;
    this.zeroFrame = zeroFrame;
    this.history = history;
  }

  // ================================================================== queries for the monitors

  boolean allocated(long frame) {
    return frame >= 0 && frame < Integer.MAX_VALUE && allocated.get((int) frame);
  }

  int generation(long frame) {
    if (frame >= 0 && frame < generation.length) {
      return generation[(int) frame];
    }
    return frame < GENERATION_ARRAY ? 0 : farGeneration.getOrDefault(frame, 0);
  }

  private void newGeneration(long frame) {
    if (frame >= GENERATION_ARRAY) {
      farGeneration.merge(frame, 1, Integer::sum);
      return;
    }
    if (frame >= generation.length) {
      generation = java.util.Arrays.copyOf(generation, (int) Math.min(GENERATION_ARRAY, Math.max(frame + 1, 2L * generation.length)));
    }
    generation[(int) frame]++;
  }

  /** A frame the kernel owns: reserved at boot (kernel tables, ack words) or a live page table. */
  String kernelRole(long frame) {
    if (frame < reserved) {
      return "a reserved kernel frame (kernel page tables, shootdown ack words)";
    }
    TableInfo t = tableInfo.get(frame);
    if (t != null && tableRole.contains(frame)) {
      return "a level-" + t.level() + " page table of pid " + spaceById.get(t.space()).pid;
    }
    return null;
  }

  boolean tableRole(long frame) {
    return tableRole.contains(frame);
  }

  Space space(long cr3) {
    if (lastSpace != null && lastSpace.cr3 == cr3) {
      return lastSpace; // nearly every access asks for the space of the one before it
    }
    Space s = spaces.get(cr3);
    if (s == null) {
      return newSpace(cr3);
    }
    lastSpace = s;
    return s;
  }

  Space spaceById(long id) {
    return spaceById.get(id);
  }

  Iterable<Space> allSpaces() {
    return spaceById.values();
  }

  /** The TLB hit waiting for its access on this CPU, or null. */
  Pending pending(int cpu) {
    return pending.get(cpu);
  }

  long[] writers(long frame) {
    return writers.get(frame);
  }

  /** References kernel structures hold on frames (pins, pipe pages): frame -> sum of deltas. */
  private final Map<Long, Integer> kernelRefs = new java.util.TreeMap<>();
  /** The address spaces holding a pin on each frame, one entry per pin. */
  private final Map<Long, java.util.List<Long>> pinners = new java.util.HashMap<>();

  Map<Long, Integer> kernelRefs() {
    return kernelRefs;
  }

  /** The ids of the address spaces whose pins hold this frame (empty: none). */
  java.util.List<Long> pinners(long frame) {
    return pinners.getOrDefault(frame, java.util.List.of());
  }

  private void onKernelRef(Event.KernelRef r) {
    kernelRefs.merge(r.frame(), r.delta(), Integer::sum);
    if (kernelRefs.get(r.frame()) == 0) {
      kernelRefs.remove(r.frame());
    }
    if (r.cr3() != 0) {
      java.util.List<Long> l = pinners.computeIfAbsent(r.data(), f -> new java.util.ArrayList<>());
      Space sp = space(r.cr3());
      if (r.delta() > 0) {
        l.add(sp == null ? -1L : sp.id);
      } else if (!l.isEmpty()) {
        l.remove(sp != null && l.contains(sp.id) ? (Object) sp.id : (Object) l.get(0));
      }
      if (l.isEmpty()) {
        pinners.remove(r.data());
      }
    }
  }

  Map<Long, Set<Mapping>> rmap() {
    return rmap;
  }

  Map<Long, TableInfo> tableInfo() {
    return tableInfo;
  }

  BitSet allocatedFrames() {
    return allocated;
  }

  boolean lastOwnerKnown(long frame) {
    return lastOwner.containsKey(frame);
  }

  String owner(long frame) {
    long[] o = lastOwner.get(frame);
    return "pid " + spaceById.get(o[0]).pid + " at " + hex(o[1]);
  }

  /** The lowest-numbered other live address space that maps the frame, or null. */
  Mapping otherLiveMapping(long frame, long space) {
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

  /** The leaf PTE for va in the shadow tables (0 when not mapped). */
  long walk(long cr3, long va) {
    long table = cr3;
    for (int level = 4; level >= 1; level--) {
      long[] t = tables.get(table);
      if (t == null) {
        return 0;
      }
      long e = t[VirtualAddress.index(va, level)];
      if (!Pte.present(e) || level == 1) {
        return e;
      }
      if (Pte.huge(e)) {
        return level == 2 ? slice(e, VirtualAddress.index(va, 1)) : e;
      }
      table = Pte.frame(e);
    }
    return 0;
  }

  /** The PD entry for va in the shadow tables (0 when a level above it is absent or huge). */
  long pdEntry(long cr3, long va) {
    long table = cr3;
    for (int level = 4; level >= 2; level--) {
      long[] t = tables.get(table);
      if (t == null) {
        return 0;
      }
      long e = t[VirtualAddress.index(va, level)];
      if (level == 2) {
        return e;
      }
      if (!Pte.present(e) || Pte.huge(e)) {
        return 0;
      }
      table = Pte.frame(e);
    }
    return 0;
  }

  /**
   * The 4 KiB view of slice {@code i} of a PD entry: for a 2 MiB leaf, a PTE of frame head + i with
   * the leaf's flags (PS cleared); 0 for anything else (absent, or a page-table pointer).
   */
  static long slice(long pde, int i) {
    if (!Pte.present(pde) || !Pte.huge(pde)) {
      return 0;
    }
    return Pte.make(Pte.frame(pde) + i, Pte.flags(pde) & ~Pte.PS);
  }

  /** The head of the 2 MiB block (allocated as one, not freed since) holding the frame, or -1. */
  long compoundHead(long frame) {
    long head = frame & ~511L;
    return compound.contains(head) ? head : -1;
  }

  /** Live 2 MiB mappings (PD entries) of the block at {@code head}. */
  int pmdMappings(long head) {
    int n = 0;
    for (Map.Entry<Mapping, Long> m : pmds.entrySet()) {
      Space s = spaceById.get(m.getKey().space());
      if (m.getValue() == head && s != null && s.live && !s.gone) {
        n++;
      }
    }
    return n;
  }

  /**
   * The event number at which the two address spaces stopped sharing memory (the first fork on
   * the path between them), or -1 when they never shared any.
   */
  long split(long x, long w) {
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

  // ================================================================== the tolerance rule

  /**
   * Whether a stale TLB entry filled at event {@code fillSeq} is still the kernel's business: the
   * first PTE change after the fill that made it stale was made by an operation that is still in
   * progress and has not completed (or given up on) a shootdown since. Anything else is a
   * violation when the entry is used.
   */
  private boolean tolerated(long space, long va, long fillSeq) {
    Mapping m = new Mapping(space, va & ~0xfffL);
    ArrayDeque<Change> list = changes.get(m);
    if (list == null) {
      return false;
    }
    long promise = promised.getOrDefault(m, -1L);
    for (Change c : list) {
      if (c.seq() > fillSeq) {
        return c.op() != null && c.op().open && c.op().flushedAt < c.seq() && promise < c.seq();
      }
    }
    return false;
  }

  /**
   * An madvise(MADV_DONTNEED) covering these pages returned: its caller may rely on every CPU's
   * entry for them being gone (what Linux's mm_tlb_flush_nested exists to guarantee, even when
   * another thread's madvise cleared the PTEs and its flush is still pending), so from now on a
   * stale entry of a page changed before is no longer the business of the operation still open.
   */
  private void promiseFlushed(long space, long start, long end) {
    for (Mapping m : changes.keySet()) {
      if (m.space() == space && Long.compareUnsigned(m.va(), start) >= 0 && Long.compareUnsigned(m.va(), end) < 0) {
        promised.put(m, seq);
      }
    }
  }

  /**
   * When a TLB entry's contents were read. The walker reads the leaf PTE a few messages before it
   * fills the entry, so an entry can be stale at birth: a PTE change landed between the read and
   * the fill. Such an entry dates from just before the latest change of its page.
   */
  private long filledAt(Event.TlbFill f) {
    long pte = walk(f.cr3(), f.va());
    boolean stale = !Pte.present(pte) || Pte.frame(pte) != f.frame() || (f.writable() && !Pte.writable(pte));
    if (!stale) {
      return seq;
    }
    ArrayDeque<Change> list = changes.get(new Mapping(space(f.cr3()).id, f.va() & ~0xfffL));
    return list == null || list.isEmpty() ? seq : list.getLast().seq() - 1;
  }

  /** The innermost operation open on this CPU that covers the page, or null. */
  private Op opOf(int cpu, long space, long va) {
    ArrayDeque<Op> open = ops.get(cpu);
    if (open == null) {
      return null;
    }
    Iterator<Op> it = open.descendingIterator();
    while (it.hasNext()) {
      Op o = it.next();
      if (o.covers(space, va)) {
        return o;
      }
    }
    return null;
  }

  /** The fork in progress on this CPU, or null. */
  private Op forkOn(int cpu) {
    ArrayDeque<Op> open = ops.get(cpu);
    if (open == null) {
      return null;
    }
    for (Op o : open) {
      if (o.what.equals("fork")) {
        return o;
      }
    }
    return null;
  }

  // ================================================================== applying events

  /**
   * History lines a violation about this very event should show (a refcount change, a free):
   * recorded before the monitors judge it.
   */
  void before(Event e) {
    if (e instanceof Event.RefChange r) {
      long now = (r.old() + r.delta()) & 0xffff_ffffL;
      history.add(seq, r.frame(), null, r.cycle(), r.cpu(), "memory", () -> "refcount " + r.old() + " -> " + now + " (cpu-" + r.cpu() + ")");
    } else if (e instanceof Event.Free f) {
      history.add(seq, f.frame(), null, f.cycle(), f.cpu(), "allocator", () -> f.ok() ? "freed by cpu-" + f.cpu() : "free refused: " + f.result());
    }
  }

  void apply(Event e) {
    if (e instanceof Event.KernelRef r) {
      onKernelRef(r);
    } else if (e instanceof Event.MemRead r) {
      Event.Access a = r.access();
      if (a != null && a.user() && a.tlbHit()) {
        pending.remove(r.cpu());
      }
    } else if (e instanceof Event.MemWrite w) {
      onWrite(w);
    } else if (e instanceof Event.TlbUse u) {
      onTlbUse(u);
    } else if (e instanceof Event.TlbFill f) {
      if (f.pages() > 1) {
        int[] gens = new int[(int) f.pages()];
        for (int i = 0; i < gens.length; i++) {
          gens[i] = generation(f.frame() + i);
        }
        hugeFills.put(new TlbKey(f.cpu(), f.cr3(), hugeKey(f.va())), new HugeFill(f.frame(), gens, filledAt(f)));
      } else {
        tlbFills.put(new TlbKey(f.cpu(), f.cr3(), VirtualAddress.pageNumber(f.va())), new Fill(f.frame(), generation(f.frame()), filledAt(f)));
      }
      line(f.frame(), new Mapping(space(f.cr3()).id, f.va()), f.cycle(), f.cpu(), () -> "cached in cpu-" + f.cpu() + "'s TLB (" + (f.writable() ? "writable" : "read-only") + ")");
    } else if (e instanceof Event.MemCas c) {
      if (c.old() == c.expected()) {
        tableWrite(c.cycle(), c.cpu(), c.paddr(), c.value());
      }
    } else if (e instanceof Event.FrameRead r) {
      long[] w = writers.get(r.frame());
      copySnapshot.put(r.cpu(), w == null ? null : w.clone());
      forkCopyRead(r.cpu(), r.frame());
    } else if (e instanceof Event.FrameWrite w) {
      onFrameWrite(w);
    } else if (e instanceof Event.Alloc a) {
      long n = 1L << a.order();
      for (long fr = a.frame(); fr < a.frame() + n && a.frame() >= 0; fr++) {
        if (fr < Integer.MAX_VALUE) {
          allocated.set((int) fr);
        }
        newGeneration(fr);
        writers.remove(fr);
        forgetTable(fr);
      }
      if (a.order() > 0 && a.frame() >= 0) {
        compound.add(a.frame());
      }
      history.add(seq, a.frame(), null, a.cycle(), a.cpu(), "allocator", () -> "allocated for cpu-" + a.cpu() + (a.order() > 0 ? " (" + n + " frames)" : ""));
    } else if (e instanceof Event.Free f) {
      if (f.ok() && f.frame() >= reserved && f.frame() < Integer.MAX_VALUE) {
        for (long fr = f.frame(); fr < f.frame() + (1L << f.order()); fr++) {
          allocated.clear((int) fr);
          forgetTable(fr);
        }
        // a head freed with a smaller order than it was allocated with (strat9 frees one 4 KiB
        // frame): the rest of the block stays allocated, as plain frames
        compound.remove(f.frame());
      }
    } else if (e instanceof Event.Invlpg i) {
      line(-1, new Mapping(space(i.cr3()).id, i.va()), i.cycle(), i.cpu(), () -> "invalidated locally on cpu-" + i.cpu() + " (" + i.why() + ")");
    } else if (e instanceof Event.TlbFlush f) {
      global(f.cycle(), f.cpu(), () -> "TLB flushed on cpu-" + f.cpu() + " (" + f.why() + ")");
    } else if (e instanceof Event.IpiSent i) {
      global(i.cycle(), i.cpu(), () -> "flush IPI " + i.request() + " sent to cpu-" + i.target());
    } else if (e instanceof Event.ShootdownDone d) {
      ArrayDeque<Op> open = ops.get(d.cpu());
      if (open != null) {
        open.forEach(o -> o.flushedAt = seq);
      }
      global(d.cycle(), d.cpu(), () -> "shootdown " + d.request() + " on cpu-" + d.cpu() + (d.missing() == 0 ? " acknowledged by every target" : " given up with " + d.missing() + " ack(s) missing"));
    } else if (e instanceof Event.RootCreated r) {
      Space fresh = newSpace(r.cr3());
      Op fork = forkOn(r.cpu());
      fresh.forkParent = fork == null ? -1 : fork.space;
      tableInfo.put(r.cr3(), new TableInfo(4, fresh.id, 0));
      tableRole.add(r.cr3());
      tables.put(r.cr3(), new long[512]);
    } else if (e instanceof Event.OpBegin o) {
      Space s = space(o.cr3());
      ops.computeIfAbsent(o.cpu(), c -> new ArrayDeque<>()).addLast(new Op(nextOp++, o.cpu(), s.id, o.what(), o.start(), o.end()));
      global(o.cycle(), o.cpu(), () -> o.what() + " begins on cpu-" + o.cpu() + " (pid " + s.pid + ")");
    } else if (e instanceof Event.OpEnd o) {
      onOpEnd(o);
    } else if (e instanceof Event.ProcessSpace p) {
      Space s = space(p.cr3());
      s.pid = p.pid();
      s.live = true;
      s.born = seq; // the split point with the parent
      s.parent = p.parentCr3() >= 0 ? space(p.parentCr3()).id : -1;
      s.forkParent = -1;
      spaceOfPid.put(p.pid(), s);
    } else if (e instanceof Event.SpaceGone g) {
      Space s = spaceOfPid.remove(g.pid());
      if (s == null) {
        s = space(g.cr3());
      }
      s.live = false;
      s.gone = true;
      s.dropRange(0, Long.MAX_VALUE);
    } else if (e instanceof Event.Unmapped u) {
      Space sp = space(u.cr3());
      global(u.cycle(), u.cpu(), () -> "munmap cut [" + hex(u.start()) + ", " + hex(u.end()) + ") from pid " + sp.pid + "'s VMAs");
    }
  }

  private void onOpEnd(Event.OpEnd o) {
    Space sp = space(o.cr3());
    ArrayDeque<Op> open = ops.get(o.cpu());
    if (open != null) {
      Iterator<Op> it = open.descendingIterator();
      while (it.hasNext()) {
        Op op = it.next();
        if (op.space == sp.id && op.what.equals(o.what()) && op.start == o.start() && op.end == o.end()) {
          op.open = false;
          it.remove();
          break;
        }
      }
    }
    if (o.what().equals("madvise")) {
      promiseFlushed(sp.id, o.start(), o.end());
    }
    if (o.what().equals("munmap")) {
      // the range is gone: stores that landed through not-yet-flushed entries went with it, and
      // a later mmap there starts from zero
      sp.dropRange(o.start(), o.end());
    }
    global(o.cycle(), o.cpu(), () -> o.what() + " ends on cpu-" + o.cpu() + " (pid " + sp.pid + ")");
  }

  private void onTlbUse(Event.TlbUse u) {
    String stale = null;
    String reused = null;
    Fill fill = tlbFills.get(new TlbKey(u.cpu(), u.cr3(), VirtualAddress.pageNumber(u.va())));
    // (no lookup, and no key allocated, in a run that never filled a 2 MiB entry)
    HugeFill huge = hugeFills.isEmpty() ? null : hugeFills.get(new TlbKey(u.cpu(), u.cr3(), hugeKey(u.va())));
    boolean viaHuge = huge != null && (fill == null || huge.seq() > fill.seq());
    if (viaHuge) {
      // the latest fill for this address was a 2 MiB entry (a walk fills one only when neither
      // array holds the address): the use went through it; judge it as its 4 KiB slice
      int i = VirtualAddress.index(u.va(), 1);
      fill = new Fill(huge.head() + i, huge.gens()[i], huge.seq());
    }
    if (fill != null && fill.frame() == u.frame() && fill.generation() != generation(u.frame())) {
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
    } else if (viaHuge && !isHuge(pdEntry(u.cr3(), u.va()))) {
      // the same frame, but the page size changed under the entry: Linux's split flushes the
      // huge translation before it returns (pmdp_invalidate), and x86 leaves a TLB holding both
      // sizes for one address undefined (SDM 4.10.2.3)
      stale = "its 2 MiB page was split into 4 KiB PTEs, but cpu-" + u.cpu() + " still uses the 2 MiB TLB entry";
    }
    boolean tolerated = stale != null && tolerated(s.id, u.va(), fill == null ? -1 : fill.seq());
    if (stale != null || reused != null) {
      pending.put(u.cpu(), new Pending(u.cr3(), u.va(), u.frame(), tolerated ? null : stale, reused, tolerated));
    } else {
      pending.remove(u.cpu());
    }
  }

  private void onWrite(Event.MemWrite w) {
    long frame = w.paddr() >>> 12;
    Event.Access a = w.access();
    int slot = (int) ((w.paddr() & 0xfff) >>> 3);
    if (a == null || !a.user()) {
      long[] ws = writers.get(frame);
      if (ws != null) {
        ws[slot] = -1;
      }
      tableWrite(w.cycle(), w.cpu(), w.paddr(), w.value());
      return;
    }
    if (a.tlbHit()) {
      pending.remove(w.cpu());
    }
    long va = a.va();
    Space s = space(a.cr3());
    s.store(va, w.value());
    // a store fork has not yet flushed away lands in a frame its half-built child already maps:
    // it happened before the fork, so the child reads it back too
    Set<Mapping> maps = rmap.get(frame);
    if (maps != null) {
      for (Mapping m : maps) {
        Space o = spaceById.get(m.space());
        if (o != s && o != null && !o.live && !o.gone && o.forkParent == s.id && m.va() == (va & ~0xfffL)) {
          o.store(va, w.value());
        }
      }
    }
    long[] ws = writers.computeIfAbsent(frame, f -> newWriters());
    ws[slot] = s.id;
    ws[512 + slot] = seq;
  }

  /**
   * A page copy fork makes for its child (copy_present_page): the parent's space, the page, and
   * its values when the copy read the frame (null: zeros).
   */
  private record ForkCopy(long frame, long space, long vpn, long[] values) {}

  /** The fork copy a CPU is reading, until its frame write lands. */
  private final Map<Integer, ForkCopy> forkCopyReads = new HashMap<>();

  /** Frames written as fork copies, until the child maps them. */
  private final Map<Long, ForkCopy> forkCopies = new HashMap<>();

  /**
   * A frame read that may be fork's copy of a page: the frame is mapped once, by an address
   * space whose fork is building a child (only then is the snapshot taken).
   */
  private void forkCopyRead(int cpu, long frame) {
    forkCopyReads.remove(cpu);
    Set<Mapping> m = rmap.get(frame);
    if (m == null || m.size() != 1) {
      return;
    }
    Mapping only = m.iterator().next();
    boolean forking = false;
    for (Space sp : spaceById.values()) {
      if (!sp.live && !sp.gone && sp.forkParent == only.space()) {
        forking = true;
        break;
      }
    }
    if (!forking) {
      return;
    }
    PageValues v = spaceById.get(only.space()).values.get(only.va() >>> 12);
    forkCopyReads.put(cpu, new ForkCopy(frame, only.space(), only.va() >>> 12, v == null ? null : v.v.clone()));
  }

  private void onFrameWrite(Event.FrameWrite w) {
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
    ForkCopy fc = forkCopyReads.remove(w.cpu());
    if (fc != null && fc.frame() == w.source()) {
      forkCopies.put(w.frame(), fc);
    } else {
      forkCopies.remove(w.frame());
    }
    if (w.source() < 0) {
      writers.remove(w.frame());
      copySnapshot.remove(w.cpu());
      return;
    }
    long[] snap = copySnapshot.remove(w.cpu());
    if (snap == null) {
      writers.remove(w.frame());
    } else {
      writers.put(w.frame(), snap);
    }
    String what = "copied frame " + hex(w.source()) + " to frame " + hex(w.frame()) + " on cpu-" + w.cpu();
    history.add(seq, w.frame(), null, w.cycle(), w.cpu(), "memory", () -> what);
    history.add(seq, w.source(), null, w.cycle(), w.cpu(), "memory", () -> what);
  }

  private void tableWrite(long cycle, int cpu, long paddr, long value) {
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
      if (info.level() == 2 && (isHuge(before) || isHuge(after))) {
        // a 2 MiB leaf is 512 4 KiB mappings to the monitors: each slice changes as a PTE would
        Mapping pm = new Mapping(info.space(), va);
        if (isHuge(after)) {
          pmds.put(pm, Pte.frame(after));
        } else {
          pmds.remove(pm);
        }
        for (int i = 0; i < 512; i++) {
          long b = slice(before, i);
          long a = slice(after, i);
          if (b != a) {
            leafChanged(cycle, cpu, info, va + ((long) i << 12), b, a);
          }
        }
      }
      if (Pte.present(after) && !Pte.huge(after)) {
        long child = Pte.frame(after);
        tableInfo.put(child, new TableInfo(info.level() - 1, info.space(), va));
        tableRole.add(child);
        tables.computeIfAbsent(child, f -> new long[512]);
      }
      return;
    }
    leafChanged(cycle, cpu, info, va, before, after);
  }

  private static boolean isHuge(long pde) {
    return Pte.present(pde) && Pte.huge(pde);
  }

  /** A 4 KiB mapping of {@code va} changed from {@code before} to {@code after} (PTEs, or slices of a 2 MiB leaf). */
  private void leafChanged(long cycle, int cpu, TableInfo info, long va, long before, long after) {
    Mapping m = new Mapping(info.space(), va);
    Space owner = spaceById.get(info.space());
    boolean wasMapped = Pte.present(before);
    boolean isMapped = Pte.present(after);
    boolean otherFrame = wasMapped && isMapped && Pte.frame(before) != Pte.frame(after);
    if (wasMapped && (!isMapped || otherFrame || (Pte.writable(before) && !Pte.writable(after)))) {
      ArrayDeque<Change> list = changes.computeIfAbsent(m, k -> new ArrayDeque<>());
      Op op = opOf(cpu, info.space(), va);
      list.addLast(new Change(seq, op));
      if (!isMapped && op != null && op.what.equals("madvise") && owner != null) {
        // MADV_DONTNEED zapped the page: from this PTE clear on, a fresh access faults in a zeroed
        // page, so the address space reads 0 there (a store through a stale entry meanwhile is lost)
        owner.dropRange(va, va + 4096);
      }
      if (list.size() > CHANGES_KEPT) {
        list.removeFirst();
      }
    }
    if (wasMapped && (!isMapped || otherFrame)) {
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
      if ((!wasMapped || otherFrame) && owner != null && !owner.live && owner.forkParent >= 0) {
        // fork maps the parent's frame in its child: the child reads back what the parent would
        Space parent = spaceById.get(owner.forkParent);
        ForkCopy fc = parent == null ? null : forkCopies.remove(Pte.frame(after));
        if (parent != null && Pte.frame(walk(parent.cr3, va)) == Pte.frame(after)) {
          owner.inherit(va, parent);
        } else if (fc != null && fc.space() == parent.id && fc.vpn() == va >>> 12) {
          // copy_present_page: fork gave the child a copy of the parent's (pinned) page, which
          // reads back what the parent's page held when it was copied
          owner.drop(va >>> 12);
          if (fc.values() != null) {
            owner.values.put(va >>> 12, new PageValues(fc.values()));
          }
        }
      }
    }
    if (isMapped && wasMapped && !otherFrame && (before & ~(Pte.A | Pte.D)) == (after & ~(Pte.A | Pte.D))) {
      return; // accessed/dirty bits only
    }
    Supplier<String> what = () -> {
      long pid = owner.pid; // rendered when shown: a fork child's pid is known by then
      if (!isMapped) {
        return "unmapped from pid " + pid + " at " + hex(va);
      } else if (!wasMapped || otherFrame) {
        return "mapped in pid " + pid + " at " + hex(va) + " (" + flags(after) + ")";
      } else if (Pte.writable(before) && !Pte.writable(after) && Pte.cow(after)) {
        return "COW-marked in pid " + pid + " at " + hex(va) + " (read-only, bit 9)";
      }
      return "PTE of pid " + pid + " at " + hex(va) + " now " + flags(after);
    };
    long frame = isMapped ? Pte.frame(after) : Pte.frame(before);
    line(frame, m, cycle, cpu, what);
    if (otherFrame) {
      line(Pte.frame(before), null, cycle, cpu, () -> "unmapped from pid " + owner.pid + " at " + hex(va));
    }
  }

  private void forgetTable(long frame) {
    tables.remove(frame);
    tableInfo.remove(frame);
    tableRole.remove(frame);
  }

  private Space newSpace(long cr3) {
    Space s = new Space(nextSpace++, cr3);
    spaces.put(cr3, s);
    lastSpace = s; // the only writer of spaces: the cache stays the map's entry for its cr3
    spaceById.put(s.id, s);
    return s;
  }

  // ================================================================== history helpers

  /** A history line from a CPU about a frame and/or a page. */
  void line(long frame, Mapping page, long cycle, int cpu, Supplier<String> what) {
    history.add(seq, frame, page, cycle, cpu, "cpu-" + cpu, what);
  }

  private void global(long cycle, int cpu, Supplier<String> what) {
    history.global(seq, cycle, cpu, "cpu-" + cpu, what);
  }

  private static String flags(long pte) {
    String d = Pte.describe(pte);
    int i = d.indexOf(' ', d.indexOf(' ') + 1);
    return "frame 0x" + Long.toHexString(Pte.frame(pte)) + (i < 0 ? "" : d.substring(i));
  }

  private static long[] newWriters() {
    long[] w = new long[1024];
    java.util.Arrays.fill(w, 0, 512, -1L);
    return w;
  }

  static String hex(long v) {
    return "0x" + Long.toHexString(v);
  }
}
