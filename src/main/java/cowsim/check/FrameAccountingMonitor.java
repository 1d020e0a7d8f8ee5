package cowsim.check;

import static cowsim.check.Shadow.hex;

import cowsim.machine.observe.Event;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The frames' books: {@code double-free} (a free of a frame the oracle's own shadow of the
 * allocator holds as free, or of a kernel frame, whatever the allocator answered), {@code
 * refcount-underflow} (a decrement from 0), and at the end of a quiescent run {@code
 * refcount-mismatch} (a refcount that differs from the number of live PTEs mapping the frame
 * plus the references kernel structures report holding on it, {@code Event.KernelRef}: a pipe
 * buffer's GUP reference (1) or its pipe page's 1, a gup_test pin's GUP_PIN_COUNTING_BIAS)
 * and {@code frame-leak} (allocated, but no live address space, page table or kernel structure
 * holds it). Only processes are holders: an address space fork built but never handed to a
 * process (its out-of-memory path) holds nothing. A 2 MiB block allocated as one (order 9) is
 * counted on its head, one reference per mapping (its PD entry, or each PTE of a split page),
 * and its other 511 frames must read 0.
 */
final class FrameAccountingMonitor implements Monitor {

  /** kernel.Rmap.COUNT: the map count's bits (the check package knows no kernel). */
  private static final long MAP_COUNT = 0xffff_ffffL;

  private final Shadow shadow;
  private final Findings findings;
  /** The map-count bits of each frame's second word, for the frames whose word the run changed. */
  private final Map<Long, Long> mapCounts = new TreeMap<>();

  FrameAccountingMonitor(Shadow shadow, Findings findings) {
    this.shadow = shadow;
    this.findings = findings;
  }

  @Override
  public boolean check(Event e) {
    if (e instanceof Event.AuxChange a) {
      mapCounts.put(a.frame(), a.now() & MAP_COUNT);
      return false;
    }
    if (e instanceof Event.Free f) {
      Long count = f.ok() ? mapCounts.remove(f.frame()) : null;
      if (count != null && count != 0 && f.frame() != shadow.zeroFrame) {
        // free_pages_prepare's free_page_is_bad: "Bad page state ... nonzero mapcount"
        findings.report(ViolationKind.REFCOUNT_MISMATCH, f.cpu(), 0, 0, -1, f.frame(), f.cycle(),
            "cpu-" + f.cpu() + " freed frame " + hex(f.frame()) + " with map count " + (int) (long) count + " (Linux: Bad page state, nonzero mapcount)",
            Findings.key("mapcount-at-free", f.frame(), shadow.seq));
      }
      String why = null;
      if (f.frame() < shadow.reserved) {
        why = "a reserved kernel frame";
      } else if (!shadow.allocated(f.frame())) {
        why = "free in the oracle's shadow of the allocator; the allocator answered " + f.result();
      } else if (!f.ok()) {
        why = "the allocator refused: " + f.result();
      }
      if (why == null) {
        return false;
      }
      return findings.report(ViolationKind.DOUBLE_FREE, f.cpu(), 0, 0, -1, f.frame(), f.cycle(),
          "cpu-" + f.cpu() + " freed frame " + hex(f.frame()) + ", which is not allocated (" + why + ")",
          Findings.key("double-free", f.frame(), shadow.seq));
    }
    if (e instanceof Event.RefChange r && r.old() == 0 && r.delta() < 0) {
      long now = (r.old() + r.delta()) & 0xffff_ffffL;
      return findings.report(ViolationKind.REFCOUNT_UNDERFLOW, r.cpu(), 0, 0, -1, r.frame(), r.cycle(),
          "cpu-" + r.cpu() + " decremented frame " + hex(r.frame()) + "'s refcount from 0; it wrapped to " + now,
          Findings.key("underflow", r.frame(), shadow.seq));
    }
    return false;
  }

  private static boolean holder(Shadow.Space s) {
    return s != null && s.live && !s.gone;
  }

  @Override
  public void finish(Map<Long, Integer> refcounts, long cycle) {
    Map<Long, Integer> mapped = new TreeMap<>();
    Set<Long> reachable = new HashSet<>();
    for (Map.Entry<Long, Set<Shadow.Mapping>> m : shadow.rmap().entrySet()) {
      int n = 0;
      for (Shadow.Mapping map : m.getValue()) {
        if (holder(shadow.spaceById(map.space()))) {
          n++;
        }
      }
      if (n > 0) {
        mapped.put(m.getKey(), n);
        reachable.add(m.getKey());
      }
    }
    for (Map.Entry<Long, Shadow.TableInfo> t : shadow.tableInfo().entrySet()) {
      if (holder(shadow.spaceById(t.getValue().space()))) {
        reachable.add(t.getKey());
      }
    }
    // a 2 MiB block allocated as one keeps its count on the head (Linux's compound page): each
    // mapping of the block holds one reference there, a PD entry for all 512 frames, a PTE of a
    // split page for its frame; the other 511 frames' counts stay 0
    Map<Long, Integer> expected = new TreeMap<>();
    for (Map.Entry<Long, Integer> m : mapped.entrySet()) {
      if (m.getKey() == shadow.zeroFrame) {
        // the shared zero page: its PTEs are special (vm_normal_page is NULL), none holds a
        // reference, so its refcount must stay 0 however many map it
        expected.put(m.getKey(), 0);
        continue;
      }
      long head = shadow.compoundHead(m.getKey());
      if (head < 0) {
        expected.merge(m.getKey(), m.getValue(), Integer::sum);
      } else {
        expected.merge(head, m.getValue(), Integer::sum);
        expected.putIfAbsent(m.getKey(), 0);
      }
    }
    for (long head : new TreeSet<>(expected.keySet())) {
      if (shadow.compoundHead(head) == head) {
        int pmds = shadow.pmdMappings(head);
        expected.merge(head, -511 * pmds, Integer::sum); // a PD entry is 512 slices in the rmap, one reference
      }
    }
    // references kernel structures hold (pipe buffers: vmsplice's FOLL_GET reference, a pipe
    // page's allocation reference; the gup_test device's pins: GUP_PIN_COUNTING_BIAS each) count beside the mappings, and hold the frame
    for (Map.Entry<Long, Integer> r : shadow.kernelRefs().entrySet()) {
      expected.merge(r.getKey(), r.getValue(), Integer::sum);
      reachable.add(r.getKey());
    }
    Set<Long> frames = new TreeSet<>(refcounts.keySet());
    frames.addAll(expected.keySet());
    for (long f : frames) {
      long rc = Integer.toUnsignedLong(refcounts.getOrDefault(f, 0));
      int n = expected.getOrDefault(f, 0);
      if (n == 0 && shadow.tableRole(f)) {
        continue; // a page-table frame: its refcount slot is not used (strat9 may leave the allocator's 1)
      }
      if (rc != n) {
        findings.report(ViolationKind.REFCOUNT_MISMATCH, -1, 0, 0, -1, f, cycle,
            () -> "at the end frame " + hex(f) + " has refcount " + rc + " but " + n + (shadow.compoundHead(f) == f ? " mapping(s) of live processes hold its 2 MiB block" : " PTE(s) of live processes map it") + (shadow.lastOwnerKnown(f) ? " (last owner " + shadow.owner(f) + ")" : ""),
            Findings.key("mismatch", f));
      }
    }
    // the linux paths' map count (kernel.Rmap, bits 0..31 of the second word) must equal the
    // 4 KiB PTEs of live processes mapping the frame; judged for the frames whose word the run
    // changed (strat9 keeps none), not for the zero page or a 2 MiB block's frames (no map count)
    for (Map.Entry<Long, Long> c : mapCounts.entrySet()) {
      long f = c.getKey();
      if (f == shadow.zeroFrame || shadow.compoundHead(f) >= 0 || shadow.tableRole(f) || !shadow.allocated(f)) {
        continue;
      }
      int n = mapped.getOrDefault(f, 0);
      if (c.getValue() != n) {
        findings.report(ViolationKind.REFCOUNT_MISMATCH, -1, 0, 0, -1, f, cycle,
            () -> "at the end frame " + hex(f) + " has map count " + c.getValue() + " but " + n + " PTE(s) of live processes map it"
                + (shadow.lastOwnerKnown(f) ? " (last owner " + shadow.owner(f) + ")" : ""),
            Findings.key("mapcount", f));
      }
    }
    java.util.BitSet allocated = shadow.allocatedFrames();
    for (int f = allocated.nextSetBit(0); f >= 0; f = allocated.nextSetBit(f + 1)) {
      if (f < shadow.reserved || reachable.contains((long) f)) {
        continue;
      }
      int leaked = f;
      findings.report(ViolationKind.FRAME_LEAK, -1, 0, 0, -1, f, cycle,
          () -> "frame " + hex(leaked) + " is still allocated but no live address space, page table or kernel structure holds it (last owner: "
              + (shadow.lastOwnerKnown(leaked) ? shadow.owner(leaked) : "never mapped") + ")",
          Findings.key("leak", f));
    }
  }
}
