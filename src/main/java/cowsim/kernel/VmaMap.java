package cowsim.kernel;

import java.util.ArrayList;
import java.util.List;

/**
 * One process's VMAs (sorted by start, never overlapping) and its mmap hint: find, insert, the
 * cut of munmap, the split and retag of mprotect and mmap's free-area search. Pure: no actor, no
 * messages; the argument checks and the range arithmetic are {@link VmaCalls}'s, this class owns
 * the list they work on. The kernel's tables ({@link KernelState}) keep one per process.
 */
final class VmaMap {

  private final List<Vma> vmas = new ArrayList<>();
  private long mmapHint = VmaCalls.MMAP_BASE;

  /** An empty map with the mmap hint at {@link VmaCalls#MMAP_BASE}. */
  VmaMap() {}

  /** A map of these areas (sorted, not overlapping: a process's boot layout or fork's copy). */
  VmaMap(List<Vma> initial) {
    vmas.addAll(initial);
  }

  /** The VMA containing va, or null. */
  Vma find(long va) {
    return VmaCalls.find(vmas, va);
  }

  /** A copy of the areas, in order. */
  List<Vma> list() {
    return List.copyOf(vmas);
  }

  int size() {
    return vmas.size();
  }

  /** Inserts an area in start order (the caller has checked it overlaps none). */
  void insert(Vma v) {
    if (VmaCalls.overlaps(vmas, v.start(), v.end())) {
      throw new IllegalArgumentException(v + " overlaps " + vmas);
    }
    VmaCalls.insertSorted(vmas, v);
  }

  /** Where mmap without an address looks first (fork's child inherits it). */
  long mmapHint() {
    return mmapHint;
  }

  void setMmapHint(long hint) {
    mmapHint = hint;
  }

  /** mmap: the address or -errno ({@link VmaCalls#mmap}); the hint moves as Linux's does. */
  long mmap(long addr, long length, long prot, long flags) {
    VmaCalls.Mapped r = VmaCalls.mmap(vmas, mmapHint, addr, length, prot, flags);
    mmapHint = r.hint();
    return r.result();
  }

  /** munmap: the pieces cut out, or an error ({@link VmaCalls#munmap}). */
  VmaCalls.Cut munmap(long addr, long length) {
    return VmaCalls.munmap(vmas, addr, length);
  }

  /** mprotect: the pieces re-created with the new protection, or an error ({@link VmaCalls#mprotect}). */
  VmaCalls.Cut mprotect(long addr, long length, long prot) {
    return VmaCalls.mprotect(vmas, addr, length, prot);
  }

  /** madvise: the parts of the range in VMAs, and 0 or -errno ({@link VmaCalls#madvise}); nothing changes. */
  VmaCalls.Cut madvise(long addr, long length, long advice) {
    return VmaCalls.madvise(vmas, addr, length, advice);
  }

  /** The address space is gone. */
  void clear() {
    vmas.clear();
  }

  /** The initial stack pointer: the top of the stack area (the highest VMA), 0 without one. */
  static long stackTopOf(List<Vma> vmas) {
    long top = 0;
    for (Vma v : vmas) {
      if (v.end() == Layout.STACK_TOP) {
        top = v.end();
      }
    }
    return top;
  }

  @Override
  public String toString() {
    return vmas.toString();
  }
}
