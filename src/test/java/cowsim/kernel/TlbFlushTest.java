package cowsim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The flush policies after a kernel path changed PTEs, and the flush ceiling. */
class TlbFlushTest {

  private static final long CR3 = 0x20;

  private static FakeHardware machine(KernelPolicy p) {
    FakeHardware hw = new FakeHardware();
    hw.policy = p;
    hw.loadCr3(CR3);
    hw.mmCpus = new int[] {1, 3};
    return hw;
  }

  private static long[] pages(int n) {
    return LongStream.range(0, n).map(i -> 0x400000 + i * 4096).toArray();
  }

  @Test
  void mmCpusBelowTheCeilingInvalidatesPageByPageHereAndThere() {
    FakeHardware hw = machine(KernelPolicy.linux());
    boolean[] done = new boolean[1];
    TlbFlush.after(hw, KernelPolicy.Flush.MM_CPUS, CR3, pages(33), () -> done[0] = true);
    assertTrue(done[0]);
    assertEquals(33, hw.eventsStartingWith("invlpg").size());
    assertEquals(List.of("shootdown [1, 3] 33 pages"), hw.eventsStartingWith("shootdown"));
    assertTrue(hw.eventsStartingWith("cr3").isEmpty());
  }

  @Test
  void aboveTheCeilingItFlushesEverything() {
    FakeHardware hw = machine(KernelPolicy.linux());
    TlbFlush.after(hw, KernelPolicy.Flush.MM_CPUS, CR3, pages(34), () -> {});
    assertTrue(hw.eventsStartingWith("invlpg").isEmpty());
    assertEquals(1, hw.eventsStartingWith("cr3 <- ").size(), "a local CR3 reload");
    assertEquals(List.of("shootdown [1, 3] full"), hw.eventsStartingWith("shootdown"));
  }

  @Test
  void strat9sCeilingIsItsSixteenEntryMailbox() {
    FakeHardware hw = machine(KernelPolicy.strat9());
    TlbFlush.after(hw, KernelPolicy.Flush.LOCAL, CR3, pages(16), () -> {});
    assertEquals(16, hw.eventsStartingWith("invlpg").size());
    hw.clearEvents();
    TlbFlush.after(hw, KernelPolicy.Flush.LOCAL, CR3, pages(17), () -> {});
    assertEquals(1, hw.eventsStartingWith("cr3 <- ").size());
  }

  @Test
  void localNeverSendsAnIpiAndNoneDoesNothing() {
    FakeHardware hw = machine(KernelPolicy.strat9());
    TlbFlush.after(hw, KernelPolicy.Flush.LOCAL, CR3, pages(2), () -> {});
    assertTrue(hw.eventsStartingWith("shootdown", "call").isEmpty());
    hw.clearEvents();
    TlbFlush.after(hw, KernelPolicy.Flush.NONE, CR3, pages(2), () -> {});
    assertTrue(hw.events.isEmpty(), hw.events.toString());
  }

  @Test
  void allCpusFullIsStrat9sShootdownAll() {
    FakeHardware hw = machine(KernelPolicy.strat9());
    TlbFlush.after(hw, KernelPolicy.Flush.ALL_CPUS_FULL, CR3, null, () -> {});
    assertEquals(List.of("shootdown"), hw.eventsStartingWith("shootdown"));
    assertTrue(hw.eventsStartingWith("call").isEmpty(), "no mm_cpumask query");
  }

  @Test
  void aCpuNotRunningTheAddressSpaceInvalidatesNothingLocally() {
    FakeHardware hw = machine(KernelPolicy.linux());
    hw.loadCr3(0x99);
    TlbFlush.after(hw, KernelPolicy.Flush.MM_CPUS, CR3, pages(3), () -> {});
    assertTrue(hw.eventsStartingWith("invlpg", "cr3").isEmpty());
    assertEquals(1, hw.eventsStartingWith("shootdown").size());
  }
}
