package cowsim.machine.mmu;

/**
 * One CPU's translation lookaside buffer: set-associative, true LRU per set, PCID-tagged, global.
 *
 * <p>An entry caches a 4 KiB translation, keyed by its page number, or a 2 MiB one, keyed by
 * {@link #hugeKey} (the 2 MiB page number with a marker bit no 4 KiB page number has) and holding
 * the page's head frame ({@link #hugeFrame} picks the 4 KiB frame an address uses). The MMU puts
 * the 2 MiB entries in a Tlb of their own or in the same one as the 4 KiB entries ({@link
 * HugeTlb}); a walk into a 1 GiB page caches the 4 KiB slice it needs (see {@link
 * PageWalk#frameOf}). Cached rights are the AND over all walk levels,
 * and the dirty flag records whether D was already set when the entry was filled: a write through an
 * entry whose dirty flag is clear must re-walk, as real hardware does, so D reaches the PTE.
 *
 * <p>A lookup returns the entry packed into a long ({@link #pack}); decode it with the static
 * accessors. Packed entries are never negative, so they can never collide with {@link #MISS}.
 *
 * <p>Not thread-safe: owned by one CPU actor.
 */
public final class Tlb {
  public static final long MISS = -1L;

  /** Frame numbers have 40 bits (52-bit physical addresses). */
  public static final long FRAME_MASK = (1L << 40) - 1;

  /** Marks a 2 MiB entry's key: 4 KiB page numbers have 36 bits, so no key of one has it. */
  private static final long HUGE_KEY = 1L << 62;
  /** 2 MiB page numbers of a 48-bit address space: 27 bits. */
  private static final long HUGE_NUMBER_MASK = (1L << (VirtualAddress.PAGE_NUMBER_BITS - 9)) - 1;

  private static final long WRITABLE = 1L << 40;
  private static final long USER = 1L << 41;
  private static final long DIRTY = 1L << 42;
  private static final long GLOBAL = 1L << 43;
  private static final long NX = 1L << 44;

  private final int ways;
  private final int sets;
  /** sets-1 when sets is a power of two (the usual case), else -1: spares a division per lookup. */
  private final long setMask;
  private final long[] vpns;
  private final int[] pcids;
  private final long[] entries;
  /** Last-use time per slot; 0 marks an empty slot, so the clock starts at 1. */
  private final long[] stamps;

  private long clock;
  private int size;
  private long hits;
  private long misses;
  private long evictions;

  /**
   * @param entries total entries; must be a multiple of ways
   * @param ways entries per set (ways == entries gives a fully associative TLB)
   */
  public Tlb(int entries, int ways) {
    if (entries < 1 || ways < 1 || entries % ways != 0) {
      throw new IllegalArgumentException(
          "need entries >= 1, ways >= 1 and entries % ways == 0: entries=" + entries + " ways=" + ways);
    }
    this.ways = ways;
    this.sets = entries / ways;
    this.setMask = Integer.bitCount(sets) == 1 ? sets - 1 : -1;
    this.vpns = new long[entries];
    this.pcids = new int[entries];
    this.entries = new long[entries];
    this.stamps = new long[entries];
  }

  // ---- packed entry format ----

  /**
   * Packs a translation: bits 39..0 frame, 40 writable, 41 user, 42 dirty, 43 global, 44 nx.
   *
   * @throws IllegalArgumentException if the frame does not fit in 40 bits
   */
  public static long pack(
      long frame, boolean writable, boolean user, boolean dirty, boolean global, boolean nx) {
    if ((frame & ~FRAME_MASK) != 0) {
      throw new IllegalArgumentException("frame out of range: 0x" + Long.toHexString(frame));
    }
    return frame
        | (writable ? WRITABLE : 0)
        | (user ? USER : 0)
        | (dirty ? DIRTY : 0)
        | (global ? GLOBAL : 0)
        | (nx ? NX : 0);
  }

  public static long frame(long entry) {
    return entry & FRAME_MASK;
  }

  public static boolean writable(long entry) {
    return (entry & WRITABLE) != 0;
  }

  public static boolean user(long entry) {
    return (entry & USER) != 0;
  }

  public static boolean dirty(long entry) {
    return (entry & DIRTY) != 0;
  }

  public static boolean global(long entry) {
    return (entry & GLOBAL) != 0;
  }

  public static boolean nx(long entry) {
    return (entry & NX) != 0;
  }

  /** The key of the 2 MiB entry that covers va (never equal to a 4 KiB page number). */
  public static long hugeKey(long va) {
    return ((va >>> 21) & HUGE_NUMBER_MASK) | HUGE_KEY;
  }

  /** Whether a key (as {@link #vpnAt} gives it) is a 2 MiB entry's. */
  public static boolean huge(long key) {
    return (key & HUGE_KEY) != 0;
  }

  /** The 4 KiB frame va uses through a 2 MiB entry: the head frame plus va's 4 KiB page within it. */
  public static long hugeFrame(long entry, long va) {
    return frame(entry) + ((va >>> VirtualAddress.PAGE_SHIFT) & (VirtualAddress.ENTRIES - 1));
  }

  /** Log form, e.g. {@code frame 0x1a3 RW US D}. */
  public static String describe(long entry) {
    if (entry == MISS) return "miss";
    StringBuilder sb = new StringBuilder(40);
    sb.append("frame 0x").append(Long.toHexString(frame(entry)));
    if (writable(entry)) sb.append(" RW");
    if (user(entry)) sb.append(" US");
    if (dirty(entry)) sb.append(" D");
    if (global(entry)) sb.append(" G");
    if (nx(entry)) sb.append(" NX");
    return sb.toString();
  }

  // ---- operations ----

  /**
   * Translates a virtual page number for an address space; counts a hit or miss and, on a hit, makes
   * the entry most recently used. Global entries match every pcid.
   *
   * @return the packed entry, or {@link #MISS}
   */
  public long lookup(long vpn, int pcid) {
    int slot = find(vpn, pcid);
    if (slot < 0) {
      misses++;
      return MISS;
    }
    hits++;
    stamps[slot] = ++clock;
    return entries[slot];
  }

  /**
   * Like lookup but counts nothing: makes a hit most recently used. For an MMU that looks up more
   * than one page size for one access and counts the access once.
   */
  public long touch(long vpn, int pcid) {
    int slot = find(vpn, pcid);
    if (slot < 0) {
      return MISS;
    }
    stamps[slot] = ++clock;
    return entries[slot];
  }

  /** Like lookup but without touching counters or LRU order: for checkers and logs. */
  public long probe(long vpn, int pcid) {
    int slot = find(vpn, pcid);
    return slot < 0 ? MISS : entries[slot];
  }

  /** Inserts with nx clear; see {@link #insert(long, int, long, boolean, boolean, boolean, boolean, boolean)}. */
  public void insert(
      long vpn, int pcid, long frame, boolean writable, boolean user, boolean dirty, boolean global) {
    insert(vpn, pcid, frame, writable, user, dirty, global, false);
  }

  /**
   * Caches a translation as most recently used. Any entry a lookup(vpn, pcid) could hit afterwards is
   * replaced (same vpn and same pcid, or same vpn where either side is global), so a vpn never has two
   * live translations for one address space. Otherwise an empty way is used, else the set's LRU entry
   * is evicted.
   */
  public void insert(
      long vpn,
      int pcid,
      long frame,
      boolean writable,
      boolean user,
      boolean dirty,
      boolean global,
      boolean nx) {
    long packed = pack(frame, writable, user, dirty, global, nx);
    int base = setBase(vpn);
    int end = base + ways;
    int target = -1;
    for (int i = base; i < end; i++) {
      if (stamps[i] != 0
          && vpns[i] == vpn
          && (global || pcids[i] == pcid || (entries[i] & GLOBAL) != 0)) {
        if (target < 0) {
          target = i;
        } else {
          stamps[i] = 0;
          size--;
        }
      }
    }
    if (target < 0) {
      target = base;
      long oldest = Long.MAX_VALUE;
      for (int i = base; i < end; i++) {
        if (stamps[i] == 0) {
          target = i;
          oldest = 0;
          break;
        }
        if (stamps[i] < oldest) {
          oldest = stamps[i];
          target = i;
        }
      }
      if (oldest != 0) {
        evictions++;
      } else {
        size++;
      }
    }
    vpns[target] = vpn;
    pcids[target] = pcid;
    entries[target] = packed;
    stamps[target] = ++clock;
  }

  /**
   * invlpg: drops every entry for this vpn whatever its pcid, global ones included.
   *
   * @return whether anything was dropped
   */
  public boolean invalidate(long vpn) {
    int base = setBase(vpn);
    int end = base + ways;
    boolean dropped = false;
    for (int i = base; i < end; i++) {
      if (stamps[i] != 0 && vpns[i] == vpn) {
        stamps[i] = 0;
        size--;
        dropped = true;
      }
    }
    return dropped;
  }

  /** CR3 write with PCID off (or INVPCID all-contexts-except-global): drops all non-global entries. */
  public void flushNonGlobal() {
    for (int i = 0; i < stamps.length; i++) {
      if (stamps[i] != 0 && (entries[i] & GLOBAL) == 0) {
        stamps[i] = 0;
        size--;
      }
    }
  }

  /** CR4.PGE toggle or INVPCID all-contexts-including-global: drops everything. */
  public void flushAll() {
    java.util.Arrays.fill(stamps, 0L);
    size = 0;
  }

  /**
   * CR3 write with PCID on and bit 63 clear, or INVPCID single-context: drops the non-global entries
   * tagged with this pcid (globals survive, as on hardware).
   */
  public void flushPcid(int pcid) {
    for (int i = 0; i < stamps.length; i++) {
      if (stamps[i] != 0 && pcids[i] == pcid && (entries[i] & GLOBAL) == 0) {
        stamps[i] = 0;
        size--;
      }
    }
  }

  // ---- inspection ----

  public int size() {
    return size;
  }

  public int capacity() {
    return stamps.length;
  }

  public int ways() {
    return ways;
  }

  public int sets() {
    return sets;
  }

  public long hits() {
    return hits;
  }

  public long misses() {
    return misses;
  }

  /** Valid entries displaced by an insert into a full set (replacing the same translation is not one). */
  public long evictions() {
    return evictions;
  }

  /**
   * The packed entry in a slot (0..capacity-1), or MISS if empty. With vpnAt/pcidAt this lets a
   * checker scan for stale translations without allocating.
   */
  public long entryAt(int slot) {
    return stamps[slot] == 0 ? MISS : entries[slot];
  }

  /** Meaningful only when entryAt(slot) != MISS. */
  public long vpnAt(int slot) {
    return vpns[slot];
  }

  /** Meaningful only when entryAt(slot) != MISS. */
  public int pcidAt(int slot) {
    return pcids[slot];
  }

  private int find(long vpn, int pcid) {
    int base = setBase(vpn);
    int end = base + ways;
    for (int i = base; i < end; i++) {
      if (stamps[i] != 0
          && vpns[i] == vpn
          && (pcids[i] == pcid || (entries[i] & GLOBAL) != 0)) {
        return i;
      }
    }
    return -1;
  }

  private int setBase(long vpn) {
    long set = setMask >= 0 ? vpn & setMask : Long.remainderUnsigned(vpn, sets);
    return (int) set * ways;
  }
}
