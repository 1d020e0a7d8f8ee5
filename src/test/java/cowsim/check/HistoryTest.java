package cowsim.check;

import static cowsim.check.Rig.A;
import static cowsim.check.Rig.B;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** A violation's history: the events that touched its frame or page, oldest first, at most historyDepth. */
class HistoryTest {

  private static List<String> whats(Violation v) {
    return v.history().stream().map(Violation.HistoryEntry::what).collect(Collectors.toList());
  }

  private static int indexOf(List<String> whats, String part) {
    for (int i = 0; i < whats.size(); i++) {
      if (whats.get(i).contains(part)) {
        return i;
      }
    }
    return -1;
  }

  private static void assertOrdered(Violation v) {
    long last = Long.MIN_VALUE;
    for (Violation.HistoryEntry e : v.history()) {
      assertTrue(e.cycle() >= last, "history not oldest first: " + whats(v));
      last = e.cycle();
    }
  }

  /** strat9's double decrement, seen from the use-after-free it causes. */
  @Test
  void useAfterFreeHistoryTellsTheDoubleDecrement() {
    Rig r = new Rig(4, 32, 32);
    long p = r.start(0, 1, A);
    long f = r.frameOf(p, A);
    r.store(0, A, 1);
    long oldPte = r.pte(p, A);
    Rig.Fork fk = r.forkBegin(0, p).clonePage(A);
    r.setPte(0, p, A, oldPte); // rollback
    r.decRef(0, f);
    r.shootdownAll(0);
    r.unmapPages(0, fk.child, A);
    r.freeTables(0, fk.child);
    fk.endOp();
    r.load(0, A + 8); // the parent still maps the freed frame
    Violation v = r.assertOnly("use-after-free");
    List<String> w = whats(v);
    int alloc = indexOf(w, "allocated for cpu-0");
    int inc = indexOf(w, "refcount 1 -> 2");
    int marked = indexOf(w, "COW-marked in pid 1 at 0x400000");
    int dec1 = indexOf(w, "refcount 2 -> 1");
    int dec2 = indexOf(w, "refcount 1 -> 0");
    int freed = indexOf(w, "freed by cpu-0");
    assertTrue(alloc >= 0 && marked > alloc && inc > marked && dec1 > inc && dec2 > dec1 && freed > dec2, w.toString());
    assertTrue(indexOf(w, "unmapped from pid 0") > dec1, "the child's unmap: " + w);
    assertOrdered(v);
    assertEquals("allocator", v.history().get(freed).actor());
    assertEquals("memory", v.history().get(dec2).actor());
  }

  @Test
  void historyIsCutToTheConfiguredDepthKeepingTheNewest() {
    Rig r = new Rig(4, 5, 32);
    long f = r.alloc(0);
    for (int i = 0; i < 10; i++) {
      r.refAdd(0, f, 1);
    }
    r.refAdd(0, f, -1); // 10 -> 9
    r.free(0, f);
    r.free(0, f);
    Violation v = r.assertOnly("double-free");
    List<String> w = whats(v);
    assertEquals(5, w.size(), w.toString());
    assertTrue(w.get(4).startsWith("free refused"), w.toString());
    assertTrue(w.get(3).startsWith("freed by cpu-0"), w.toString());
    assertTrue(w.get(2).startsWith("refcount 10 -> 9"), w.toString());
    assertTrue(w.get(1).startsWith("refcount 9 -> 10"), w.toString());
    assertTrue(w.get(0).startsWith("refcount 8 -> 9"), w.toString());
  }

  @Test
  void cowIsolationHistoryShowsTheCopy() {
    Rig r = new Rig(4, 64, 32);
    long p = r.start(0, 1, A, B);
    r.run(1, 1, 11, p);
    r.store(1, A, 1);
    long child = r.forkBegin(0, p).clone(A, B).shootdown(2, 3).end(2);
    long shared = r.frameOf(child, A);
    r.run(2, 2, 2, child);
    r.store(1, A + 8, 77); // through cpu-1's stale writable entry, into the shared frame
    r.userStore(2, A + 16, 3); // the child's copy of the damaged frame
    long copy = r.frameOf(child, A);
    r.load(2, A + 8);
    assertEquals(1, r.of("cow-isolation").size(), Rig.describe(r.violations()));
    Violation v = r.of("cow-isolation").get(0);
    List<String> w = whats(v);
    String copied = "copied frame " + Rig.hex(shared) + " to frame " + Rig.hex(copy) + " on cpu-2";
    assertTrue(indexOf(w, copied) >= 0, w.toString());
    assertTrue(indexOf(w, "refcount 0 -> 1 (cpu-2)") > indexOf(w, copied), w.toString());
    assertTrue(indexOf(w, "mapped in pid 2 at 0x400000 (frame " + Rig.hex(copy)) > indexOf(w, copied), w.toString());
    assertOrdered(v);
  }

  @Test
  void staleTlbHistoryShowsTheLocalInvalidationAndTheStore() {
    Rig r = new Rig(4, 64, 32);
    long p = r.start(0, 1, A, B);
    r.run(1, 1, 11, p);
    r.store(1, A, 1);
    r.forkBegin(0, p).clone(A, B).shootdown(2, 3).end(2);
    r.store(1, A, 5);
    Violation v = r.assertOnly("stale-tlb");
    List<String> w = whats(v);
    int marked = indexOf(w, "COW-marked in pid 1 at 0x400000 (read-only, bit 9)");
    int childMap = indexOf(w, "mapped in pid 2 at 0x400000"); // rendered when shown: the child's pid
    int inc = indexOf(w, "refcount 1 -> 2");
    int ipi = indexOf(w, "flush IPI 1 sent to cpu-1");
    int store = indexOf(w, "store of 5 through a stale TLB entry");
    assertTrue(marked >= 0 && childMap > marked && inc > childMap && ipi > inc && store == w.size() - 1, w.toString());
    assertTrue(indexOf(w, "fork begins on cpu-0") >= 0, w.toString());
    assertOrdered(v);
  }

  @Test
  void otherFramesEventsStayOut() {
    Rig r = new Rig(4, 64, 32);
    long p = r.start(0, 1, A, B);
    long fa = r.frameOf(p, A);
    long fb = r.frameOf(p, B);
    r.refAdd(0, fb, 1);
    r.refAdd(0, fb, -1);
    r.free(0, fa);
    r.free(0, fa);
    Violation v = r.assertOnly("double-free");
    List<String> w = whats(v);
    assertFalse(w.stream().anyMatch(s -> s.contains(Rig.hex(fb))), w.toString());
    // fb's refcount changes happened before fa's last event but are not fa's
    assertEquals(w.stream().filter(s -> s.startsWith("refcount")).count(), 1, w.toString());
  }

  @Test
  void historyEntriesCarryCycleCpuAndActor() {
    Rig r = new Rig();
    long f = r.alloc(3);
    long at = r.cycle;
    r.refAdd(2, f, -1);
    Violation v = r.assertOnly("refcount-underflow");
    Violation.HistoryEntry last = v.history().get(v.history().size() - 1);
    assertEquals(at, last.cycle());
    assertEquals(2, last.cpu());
    assertEquals("memory", last.actor());
    assertEquals("refcount 0 -> 4294967295 (cpu-2)", last.what());
    Violation.HistoryEntry first = v.history().get(0);
    assertEquals("allocated for cpu-3", first.what());
    assertEquals("allocator", first.actor());
  }

  /**
   * Every process uses the same user addresses. A use-after-free in pid 1 at 0x400000 must tell
   * pid 1's story, not the story of pid 2's unrelated page at the same address.
   */
  @Test
  void useAfterFreeHistoryLeavesOtherProcessesPagesOut() {
    Rig r = new Rig(4, 8, 32);
    long p = r.start(0, 1, A);
    r.run(1, 1, 11, p);
    r.start(2, 2, A);
    r.store(1, A, 1);
    r.munmap(0, A, A + 4096); // pid 1's frame is freed; cpu-1 keeps its entry
    for (int i = 0; i < 3; i++) { // pid 2 unmaps and re-faults its own page at the same address
      r.munmap(2, A, A + 4096);
      r.userStore(2, A, i);
    }
    r.load(1, A);
    Violation v = r.assertOnly("use-after-free");
    List<String> w = whats(v);
    assertFalse(w.stream().anyMatch(s -> s.contains("pid 2") || s.contains("cpu-2")), w.toString());
    assertTrue(indexOf(w, "freed by cpu-0") >= 0, w.toString());
  }
}
