package cowsim.kernel;

import cowsim.isa.Constants;
import java.util.ArrayList;
import java.util.List;

/**
 * The VMA side of mmap, munmap and mprotect, as plain functions over a process's VMA list (sorted
 * by start, never overlapping): the argument checks with Linux's answers on x86-64 with 4-level
 * paging, and the bookkeeping of the areas. The kernel's tables ({@link KernelState}) call them
 * under one request each; the page work runs afterwards on the CPU that asked.
 *
 * <p>Every check names the Linux function it follows. Lengths and addresses are unsigned there,
 * so they are compared unsigned here: a negative length is a huge one. Both profiles answer this
 * way (the reference notes do not describe strat9's checks). Nothing here is proportional to an
 * area's size: VMAs are ranges, and each call is linear in the number of VMAs.
 */
public final class VmaCalls {

  /**
   * TASK_SIZE_MAX on x86-64 with 4-level paging: the user half less its last page (the guard
   * page, never mapped). No mapping may end above it.
   */
  public static final long TASK_SIZE = 0x0000_7fff_ffff_f000L;

  /** Where mmap without an address starts looking (the model's mmap base). */
  public static final long MMAP_BASE = 0x0000_1000_0000_0000L;

  /** The mmap area ends below the largest stack a scenario may ask for. */
  public static final long MMAP_END = Layout.STACK_TOP - Layout.MAX_STACK;

  /** The model never maps page 0 (its mmap_min_addr). */
  public static final long MMAP_MIN_ADDR = 4096;

  private static final long PAGE = 4096;
  private static final long PROT_WRITE = 2;
  /** PROT_READ | PROT_WRITE | PROT_EXEC | PROT_SEM: what x86's arch_validate_prot accepts. */
  private static final long PROT_VALID = 0x1 | 0x2 | 0x4 | 0x8;
  private static final long PROT_GROWSDOWN = 0x0100_0000L;
  private static final long PROT_GROWSUP = 0x0200_0000L;
  private static final long MAP_PRIVATE = 0x02;
  private static final long MAP_FIXED = 0x10;
  private static final long MAP_ANONYMOUS = 0x20;
  private static final long MAP_HUGETLB = Constants.MAP_HUGETLB;
  private static final long HUGE = Vma.HUGE_PAGE;

  private VmaCalls() {}

  /** What mmap did: the address or -errno, and the process's mmap hint afterwards. */
  public record Mapped(long result, long hint) {}

  /**
   * The pieces of VMAs a call covers (what the CPU unmaps or re-protects), or an error.
   *
   * @param error 0 or -errno
   * @param pieces the ranges cut out (munmap) or re-created with the new protection (mprotect);
   *     null when there is nothing to do (mprotect of length 0)
   * @param whole munmap: every piece was a whole VMA (strat9's region teardown applies)
   */
  public record Cut(long error, List<Vma> pieces, boolean whole) {
    static Cut failed(long errno) {
      return new Cut(errno, List.of(), false);
    }
  }

  /** PAGE_ALIGN: round up to a page, wrapping to 0 past 2^64 - 4096 as the unsigned C does. */
  static long pageAlign(long length) {
    return (length + PAGE - 1) & -PAGE;
  }

  /**
   * mmap(addr, length, prot, flags) of anonymous private memory, with the process's mmap hint.
   *
   * <ul>
   *   <li>The model maps anonymous private memory only: without MAP_ANONYMOUS or MAP_PRIVATE, or
   *       with any flag but those, MAP_FIXED and MAP_HUGETLB, -EINVAL (checked first).
   *   <li>do_mmap: length 0 is -EINVAL; a length whose PAGE_ALIGN overflows is -ENOMEM
   *       ("Careful about overflows.."). Without MAP_FIXED the address is a hint, rounded down to
   *       a page (round_hint_to_min).
   *   <li>__get_unmapped_area: a length above TASK_SIZE is -ENOMEM; then the place
   *       (arch_get_unmapped_area): MAP_FIXED takes the address as it is; a hint is taken if the
   *       mapping fits there below TASK_SIZE without overlapping one, else the model's search
   *       (first fit upwards from the mmap hint, below {@link #MMAP_END}; none: -ENOMEM). Then
   *       a place ending above TASK_SIZE is -ENOMEM, an address not page-aligned -EINVAL, and
   *       one in page 0 -EPERM (security_mmap_addr against mmap_min_addr).
   *   <li>The model does not replace mappings: MAP_FIXED over an existing VMA is -EINVAL (Linux
   *       would unmap what was there first).
   *   <li>MAP_HUGETLB maps 2 MiB pages (a {@link Vma#huge() huge} VMA; the default huge page size,
   *       no MAP_HUGE_* size bits), and the place follows hugetlb_get_unmapped_area (which
   *       __get_unmapped_area calls for a hugetlb mapping, after its own TASK_SIZE check). The
   *       length is first rounded up to 2 MiB, as ksys_mmap_pgoff does for an anonymous
   *       MAP_HUGETLB mapping (len = ALIGN(len, huge_page_size(hs)); a length that wraps to 0 is
   *       then do_mmap's -EINVAL); a MAP_FIXED address that is not a multiple of 2 MiB is -EINVAL
   *       (prepare_hugepage_range); a hint is rounded up to 2 MiB (ALIGN(addr,
   *       huge_page_size)) and the search starts at the mmap hint rounded up to 2 MiB, so it
   *       only returns 2 MiB-aligned places.
   * </ul>
   *
   * On success the VMA is inserted in {@code vmas}.
   */
  public static Mapped mmap(List<Vma> vmas, long hint, long addr, long length, long prot, long flags) {
    if ((flags & MAP_ANONYMOUS) == 0 || (flags & MAP_PRIVATE) == 0
        || (flags & ~(MAP_ANONYMOUS | MAP_PRIVATE | MAP_FIXED | MAP_HUGETLB)) != 0) {
      return new Mapped(-Errno.EINVAL, hint);
    }
    boolean huge = (flags & MAP_HUGETLB) != 0;
    if (huge) {
      length = (length + HUGE - 1) & -HUGE; // ksys_mmap_pgoff: ALIGN(len, huge_page_size(hs))
    }
    // do_mmap
    if (length == 0) {
      return new Mapped(-Errno.EINVAL, hint);
    }
    boolean fixed = (flags & MAP_FIXED) != 0;
    if (!fixed) {
      addr &= -PAGE; // round_hint_to_min
    }
    long len = pageAlign(length);
    if (len == 0) {
      return new Mapped(-Errno.ENOMEM, hint); // PAGE_ALIGN overflowed
    }
    // __get_unmapped_area
    if (Long.compareUnsigned(len, TASK_SIZE) > 0) {
      return new Mapped(-Errno.ENOMEM, hint);
    }
    if (huge) {
      // hugetlb_get_unmapped_area
      if (fixed && (addr & (HUGE - 1)) != 0) {
        return new Mapped(-Errno.EINVAL, hint); // prepare_hugepage_range
      }
      if (!fixed) {
        addr = (addr + HUGE - 1) & -HUGE; // ALIGN(addr, huge_page_size); wraps to 0, no hint
      }
    }
    long start;
    long newHint = hint;
    if (fixed) {
      start = addr; // arch_get_unmapped_area: MAP_FIXED is taken as it is
    } else if (addr != 0 && Long.compareUnsigned(addr, TASK_SIZE - len) <= 0 && !overlaps(vmas, addr, addr + len)) {
      start = addr;
    } else {
      start = pick(vmas, huge ? (hint + HUGE - 1) & -HUGE : hint, len);
      if (start < 0) {
        return new Mapped(-Errno.ENOMEM, hint);
      }
      newHint = start + len;
    }
    if (Long.compareUnsigned(start, TASK_SIZE - len) > 0) {
      return new Mapped(-Errno.ENOMEM, hint);
    }
    if ((start & (PAGE - 1)) != 0) {
      return new Mapped(-Errno.EINVAL, hint);
    }
    if (start < MMAP_MIN_ADDR) {
      return new Mapped(-Errno.EPERM, hint); // security_mmap_addr
    }
    if (overlaps(vmas, start, start + len)) {
      return new Mapped(-Errno.EINVAL, hint); // MAP_FIXED over a mapping: the model does not replace it
    }
    insertSorted(vmas, new Vma(start, start + len, (prot & PROT_WRITE) != 0, huge));
    return new Mapped(start, newHint);
  }

  /**
   * The model's search for a free place of {@code len} bytes: the first one at {@code from} plus a
   * multiple of {@code len} that overlaps no VMA and ends by {@link #MMAP_END}, or -1. Each step
   * jumps past the VMA in the way (the first multiple after its end), so the search is linear in
   * the number of VMAs, not in their sizes.
   */
  static long pick(List<Vma> vmas, long from, long len) {
    long start = from;
    while (true) {
      if (start > MMAP_END - len) {
        return -1;
      }
      Vma inTheWay = null;
      for (Vma v : vmas) {
        if (start < v.end() && v.start() < start + len && (inTheWay == null || v.end() > inTheWay.end())) {
          inTheWay = v;
        }
      }
      if (inTheWay == null) {
        return start;
      }
      long steps = (inTheWay.end() - start + len - 1) / len;
      start += steps * len;
    }
  }

  /**
   * munmap(addr, length), as do_vmi_munmap checks it: an address not page-aligned or above
   * TASK_SIZE, or a length reaching past TASK_SIZE, is -EINVAL, and so is a length that rounds to
   * nothing (0). Otherwise [addr, addr + PAGE_ALIGN(length)) is cut out of the VMAs (a range
   * holding none is no error).
   */
  public static Cut munmap(List<Vma> vmas, long addr, long length) {
    if ((addr & (PAGE - 1)) != 0
        || Long.compareUnsigned(addr, TASK_SIZE) > 0
        || Long.compareUnsigned(length, TASK_SIZE - addr) > 0) {
      return Cut.failed(-Errno.EINVAL);
    }
    long end = addr + pageAlign(length);
    if (end == addr) {
      return Cut.failed(-Errno.EINVAL);
    }
    boolean whole = true;
    for (Vma v : vmas) {
      if (v.start() < end && addr < v.end() && (v.start() < addr || v.end() > end)) {
        whole = false;
      }
    }
    List<Vma> cut = cut(vmas, addr, end, null);
    return new Cut(0, cut, whole && !cut.isEmpty());
  }

  /**
   * mprotect(addr, length, prot), as do_mprotect_pkey checks it: PROT_GROWSDOWN with PROT_GROWSUP,
   * or an address not page-aligned, is -EINVAL; length 0 does nothing and returns 0; a range whose
   * end wraps is -ENOMEM; a prot bit x86's arch_validate_prot does not know is -EINVAL; a hole in
   * the range (or a range past TASK_SIZE, where no VMA is) is -ENOMEM. Otherwise the range's VMAs
   * get the new protection (only PROT_WRITE matters to the model).
   */
  public static Cut mprotect(List<Vma> vmas, long addr, long length, long prot) {
    if ((prot & (PROT_GROWSDOWN | PROT_GROWSUP)) == (PROT_GROWSDOWN | PROT_GROWSUP)) {
      return Cut.failed(-Errno.EINVAL);
    }
    prot &= ~(PROT_GROWSDOWN | PROT_GROWSUP);
    if ((addr & (PAGE - 1)) != 0) {
      return Cut.failed(-Errno.EINVAL);
    }
    if (length == 0) {
      return new Cut(0, null, false);
    }
    long end = addr + pageAlign(length);
    if (Long.compareUnsigned(end, addr) <= 0) {
      return Cut.failed(-Errno.ENOMEM);
    }
    if ((prot & ~PROT_VALID) != 0) {
      return Cut.failed(-Errno.EINVAL);
    }
    if (Long.compareUnsigned(end, TASK_SIZE) > 0) {
      return Cut.failed(-Errno.ENOMEM); // no VMA reaches there
    }
    for (long a = addr; a < end; ) {
      Vma v = find(vmas, a);
      if (v == null) {
        return Cut.failed(-Errno.ENOMEM);
      }
      a = v.end();
    }
    return new Cut(0, cut(vmas, addr, end, (prot & PROT_WRITE) != 0), false);
  }

  /** madvise advice the model knows: MADV_NORMAL, MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED (no-ops), MADV_DONTNEED. */
  public static final long MADV_NORMAL = 0;

  public static final long MADV_WILLNEED = 3;
  public static final long MADV_DONTNEED = 4;

  /**
   * madvise(addr, length, advice) as do_madvise checks it: advice other than MADV_NORMAL,
   * MADV_RANDOM, MADV_SEQUENTIAL, MADV_WILLNEED and MADV_DONTNEED is -EINVAL here (the model has
   * none of the others: files, swap, KSM, THP hints); an address not page-aligned, a length that
   * PAGE_ALIGN wraps to 0, or a range whose end wraps, -EINVAL; length 0 does nothing and returns 0
   * (pieces null); then madvise_walk_vmas: the parts of the range inside VMAs, in order, and
   * -ENOMEM when part of it (or all) lies in no VMA, the parts that do being advised all the same.
   * MADV_DONTNEED on a 2 MiB (hugetlb) VMA is -EINVAL (madvise_dontneed_free_valid_vma before
   * 5.18 refused VM_HUGETLB) and ends the walk there. No VMA is changed.
   */
  public static Cut madvise(List<Vma> vmas, long addr, long length, long advice) {
    if (advice < MADV_NORMAL || advice > MADV_DONTNEED) {
      return Cut.failed(-Errno.EINVAL);
    }
    if ((addr & (PAGE - 1)) != 0) {
      return Cut.failed(-Errno.EINVAL);
    }
    long len = pageAlign(length);
    if (length != 0 && len == 0) {
      return Cut.failed(-Errno.EINVAL);
    }
    long end = addr + len;
    if (Long.compareUnsigned(end, addr) < 0) {
      return Cut.failed(-Errno.EINVAL);
    }
    if (end == addr) {
      return new Cut(0, null, false);
    }
    List<Vma> pieces = new ArrayList<>();
    long covered = 0;
    for (Vma v : vmas) {
      long s = Math.max(v.start(), addr);
      long e = Math.min(v.end(), end);
      if (Long.compareUnsigned(s, e) >= 0) {
        continue;
      }
      if (advice == MADV_DONTNEED && v.huge()) {
        return new Cut(-Errno.EINVAL, List.copyOf(pieces), false);
      }
      pieces.add(new Vma(s, e, v.writable(), v.huge()));
      covered += e - s;
    }
    return new Cut(covered == len ? 0 : -Errno.ENOMEM, List.copyOf(pieces), false);
  }

  /** The VMA containing va, or null. */
  public static Vma find(List<Vma> vmas, long va) {
    for (Vma v : vmas) {
      if (v.contains(va)) {
        return v;
      }
    }
    return null;
  }

  static boolean overlaps(List<Vma> vmas, long start, long end) {
    for (Vma v : vmas) {
      if (start < v.end() && v.start() < end) {
        return true;
      }
    }
    return false;
  }

  static void insertSorted(List<Vma> vmas, Vma v) {
    int i = 0;
    while (i < vmas.size() && vmas.get(i).start() < v.start()) {
      i++;
    }
    vmas.add(i, v);
  }

  /**
   * Removes [start, end) from the VMAs (newProt null) or re-creates it with the new protection;
   * returns the affected pieces (with the new protection when changed). Every piece keeps its
   * VMA's {@link Vma#huge()}, wherever the cut falls. Nothing is merged: a piece stays its own VMA
   * beside a neighbour of the same protection (so a huge VMA never joins a 4 KiB one).
   */
  static List<Vma> cut(List<Vma> vmas, long start, long end, Boolean newProt) {
    List<Vma> affected = new ArrayList<>();
    List<Vma> result = new ArrayList<>();
    for (Vma v : vmas) {
      if (v.end() <= start || v.start() >= end) {
        result.add(v);
        continue;
      }
      long s = Math.max(v.start(), start);
      long e = Math.min(v.end(), end);
      if (v.start() < s) {
        result.add(new Vma(v.start(), s, v.writable(), v.huge()));
      }
      Vma middle = new Vma(s, e, newProt == null ? v.writable() : newProt, v.huge());
      affected.add(middle);
      if (newProt != null) {
        result.add(middle);
      }
      if (e < v.end()) {
        result.add(new Vma(e, v.end(), v.writable(), v.huge()));
      }
    }
    vmas.clear();
    vmas.addAll(result);
    return affected;
  }
}
