package cowsim.machine.mmu;

/**
 * The per-step arithmetic of an x86-64 4-level page walk (CR0.WP=1, no SMEP/SMAP, no PKEYs).
 *
 * <p>The walk itself belongs to the CPU actor, which reads one entry per memory message. A typical
 * loop, with levels 4 = PML4, 3 = PDPT, 2 = PD, 1 = PT:
 *
 * <pre>{@code
 * long rights = PageWalk.INITIAL_RIGHTS;
 * long table = cr3Frame;
 * for (int level = 4; ; level--) {
 *   long e = read(PageWalk.entryAddress(table, va, level));
 *   if (!Pte.present(e)) fault(PageWalk.errorCode(false, write, user, fetch));
 *   if (PageWalk.reserved(e, level)) fault(PageWalk.errorCode(true, write, user, fetch) | PageWalk.PF_RSVD);
 *   rights = PageWalk.combineRights(rights, e);
 *   boolean leaf = PageWalk.isLeaf(e, level);
 *   int code = leaf ? PageWalk.checkAccess(rights, write, user, fetch) : 0;
 *   if (code != 0) fault(code);                        // A/D untouched on a faulting access
 *   long bits = PageWalk.adBitsToSet(e, leaf, write);
 *   if (bits != 0) fetchOr(PageWalk.entryAddress(table, va, level), bits);
 *   if (leaf) { frame = PageWalk.frameOf(e, level, va); break; }
 *   table = Pte.frame(e);
 * }
 * }</pre>
 *
 * <p>Rights are carried as a pseudo-entry holding only RW, US and NX, so no object is allocated.
 */
public final class PageWalk {
  public static final int PML4 = 4;
  public static final int PDPT = 3;
  public static final int PD = 2;
  public static final int PT = 1;

  /** Start value for {@link #combineRights}: writable and user until some level says otherwise. */
  public static final long INITIAL_RIGHTS = Pte.RW | Pte.US;

  /** #PF error code: set for a protection violation, clear for a not-present entry. */
  public static final int PF_PRESENT = 1;
  public static final int PF_WRITE = 1 << 1;
  public static final int PF_USER = 1 << 2;
  public static final int PF_RSVD = 1 << 3;
  public static final int PF_FETCH = 1 << 4;

  private static final long RIGHTS_MASK = Pte.RW | Pte.US;

  private PageWalk() {}

  /** Physical address of the 8-byte entry for va in the table held by tableFrame. */
  public static long entryAddress(long tableFrame, long va, int level) {
    return (tableFrame << VirtualAddress.PAGE_SHIFT) + ((long) VirtualAddress.index(va, level) << 3);
  }

  /** Whether a present entry ends the walk: always at PT, at PD/PDPT when PS is set (2 MiB / 1 GiB). */
  public static boolean isLeaf(long entry, int level) {
    return level == PT || ((level == PD || level == PDPT) && Pte.huge(entry));
  }

  /**
   * Whether a present entry has reserved bits set: PS in a PML4 entry, or address bits below the
   * page alignment of a huge page (bit 12 is PAT there, so it is allowed).
   */
  public static boolean reserved(long entry, int level) {
    if (level == PML4) return Pte.huge(entry);
    if ((level == PD || level == PDPT) && Pte.huge(entry)) {
      long lowBits = Pte.ADDR_MASK & (pageSize(level) - 1) & ~(1L << 12);
      return (entry & lowBits) != 0;
    }
    return false;
  }

  /** RW and US are ANDed across levels, NX is ORed. */
  public static long combineRights(long rights, long entry) {
    return (rights & entry & RIGHTS_MASK) | ((rights | entry) & Pte.NX);
  }

  /**
   * Rights for a complete walk given the entries read; entries below the leaf are ignored (pass 0).
   * All given entries are assumed present.
   */
  public static long effectiveRights(long pml4e, long pdpte, long pde, long pte) {
    long r = combineRights(combineRights(INITIAL_RIGHTS, pml4e), pdpte);
    if (Pte.huge(pdpte)) return r;
    r = combineRights(r, pde);
    if (Pte.huge(pde)) return r;
    return combineRights(r, pte);
  }

  /** Level at which a walk through these (present) entries stops: 3 for 1 GiB, 2 for 2 MiB, else 1. */
  public static int leafLevel(long pdpte, long pde) {
    if (Pte.huge(pdpte)) return PDPT;
    if (Pte.huge(pde)) return PD;
    return PT;
  }

  public static long pageSize(int leafLevel) {
    return 1L << VirtualAddress.levelShift(leafLevel);
  }

  /** The 4 KiB frame backing va, given the leaf entry and its level (picks the slice of a huge page). */
  public static long frameOf(long leafEntry, int leafLevel, long va) {
    long mask = pageSize(leafLevel) - 1;
    long base = leafEntry & Pte.ADDR_MASK & ~mask;
    return (base | (va & mask)) >>> VirtualAddress.PAGE_SHIFT;
  }

  /**
   * Bits the walker must OR into this entry: A at every level it passes through, D only at the leaf
   * and only for a write; 0 when nothing needs writing (saving a memory message).
   */
  public static long adBitsToSet(long entry, boolean leaf, boolean write) {
    long want = (leaf && write) ? (Pte.A | Pte.D) : Pte.A;
    return want & ~entry;
  }

  /**
   * Checks an access against the combined rights of a present translation.
   *
   * @return 0 if allowed, else the #PF error code (PF_PRESENT set)
   */
  public static int checkAccess(long rights, boolean write, boolean user, boolean fetch) {
    boolean ok =
        (!user || (rights & Pte.US) != 0)
            && (!write || (rights & Pte.RW) != 0)
            && (!fetch || (rights & Pte.NX) == 0);
    return ok ? 0 : errorCode(true, write, user, fetch);
  }

  /** Assembles a #PF error code. */
  public static int errorCode(boolean present, boolean write, boolean user, boolean fetch) {
    return (present ? PF_PRESENT : 0)
        | (write ? PF_WRITE : 0)
        | (user ? PF_USER : 0)
        | (fetch ? PF_FETCH : 0);
  }

  /** Log form of a #PF error code, e.g. {@code protection write user}. */
  public static String describeErrorCode(int code) {
    StringBuilder sb = new StringBuilder(32);
    sb.append((code & PF_PRESENT) != 0 ? "protection" : "not-present");
    sb.append((code & PF_WRITE) != 0 ? " write" : " read");
    sb.append((code & PF_USER) != 0 ? " user" : " supervisor");
    if ((code & PF_RSVD) != 0) sb.append(" reserved-bit");
    if ((code & PF_FETCH) != 0) sb.append(" fetch");
    return sb.toString();
  }
}
