package cowsim.kernel;

import static cowsim.kernel.FakeHardware.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.isa.Constants;
import cowsim.isa.Reg;
import cowsim.isa.RegisterFile;
import cowsim.machine.mmu.Pte;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * mm-lock = rw: which paths take the address space's mmap_lock, in which mode, around what, and
 * that every way out releases it (FakeHardware throws on an unbalanced lock).
 */
class MmapLockTest {

  private static final long TID = 11;
  private static final long PID = 10;
  private static final Vma DATA = new Vma(0x40_0000L, 0x40_2000L, true);

  private FakeHardware hw;
  private long pml4;
  private Long result;

  @BeforeEach
  void setUp() {
    hw = new FakeHardware();
    hw.policy = KernelPolicy.builder(Profile.STRAT9).set(Knob.MM_LOCK, KernelPolicy.MmLock.RW).build();
    pml4 = hw.takeFrame();
    hw.store.write((pml4 << 12) + 8L * Layout.KERNEL_PML4_SLOT, FakeHardware.KERNEL_SLOT_ENTRY);
    hw.setCurrent(FakeHardware.task(TID, PID, pml4, new RegisterFile(), false));
    hw.loadCr3(pml4);
    hw.vmas(DATA);
    long f = hw.takeFrame();
    hw.mapByHand(pml4, DATA.start(), f, Pte.P | Pte.US | Pte.RW | Pte.A | Pte.D);
    hw.refs.set(f, 1);
    result = null;
  }

  private List<String> lockEvents() {
    return hw.eventsStartingWith("mmap_");
  }

  private void assertReleased() {
    assertTrue(hw.mmapLocks.isEmpty(), "every mmap_lock released: " + hw.mmapLocks);
  }

  @Test
  void forkHoldsItForWritingFromTheVmaListToTheFlushAndDropsItBeforeTheChildIsMade() {
    Fork.sysFork(hw, hw.current(), rax -> result = rax);
    assertEquals(42L, result);
    String lock = "mmap_lock write " + hex(pml4);
    String unlock = "mmap_unlock write " + hex(pml4);
    assertEquals(List.of(lock, unlock), lockEvents());
    assertTrue(hw.indexOf(lock) < hw.indexOf("call GetVmas"), hw.events.toString());
    int flush = hw.events.lastIndexOf("shootdown");
    assertTrue(flush > 0 && flush < hw.indexOf(unlock), "the final flush is inside: " + hw.events);
    assertTrue(hw.indexOf(unlock) < hw.indexOf("call NewProcess"), hw.events.toString());
    assertReleased();
  }

  @Test
  void forkReleasesItOnEveryErrorReturn() {
    hw.vmas();
    Fork.sysFork(hw, hw.current(), rax -> result = rax);
    assertEquals(-Errno.EINVAL, result);
    assertReleased();

    hw.vmas(DATA).failAllocationsAfter(2); // the child's PML4 and one table, then out of memory
    Fork.sysFork(hw, hw.current(), rax -> result = rax);
    assertEquals(-Errno.ENOMEM, result);
    assertReleased();
  }

  @Test
  void aPageFaultTakesItForReadingAndReleasesItWhetherRetriedOrKilled() {
    boolean[] retried = new boolean[1];
    PageFaultHandler.handle(hw, PID, DATA.start() + 0x1000, true, false, () -> retried[0] = true, r -> {});
    assertTrue(retried[0], "demand-zeroed and retried");
    assertEquals(List.of("mmap_lock read " + hex(pml4), "mmap_unlock read " + hex(pml4)), lockEvents());
    assertReleased();

    hw.clearEvents();
    String[] killed = new String[1];
    PageFaultHandler.handle(hw, PID, 0x90_0000L, false, false, () -> {}, r -> killed[0] = r);
    assertTrue(killed[0].contains("outside every VMA"), killed[0]);
    assertEquals(List.of("mmap_lock read " + hex(pml4), "mmap_unlock read " + hex(pml4)), lockEvents());
    int unlock = hw.indexOf("mmap_unlock read " + hex(pml4));
    assertTrue(unlock > hw.indexOf("call FindVma"), "the VMA is looked up under the lock (lock_mm_and_find_vma)");
    assertReleased();
  }

  @Test
  void munmapMprotectAndMmapTakeItForWritingAndReleaseItOnAnError() {
    KernelOnCpu k = new KernelOnCpu(hw);
    for (long nr : new long[] {Constants.SYS_munmap, Constants.SYS_mprotect, Constants.SYS_mmap}) {
      for (long err : new long[] {0, -Errno.EINVAL}) {
        hw.clearEvents();
        hw.rangeError = err;
        RegisterFile r = hw.regs();
        r.set(Reg.RAX, nr);
        r.set(Reg.RDI, DATA.start());
        r.set(Reg.RSI, 0x1000);
        r.set(Reg.RDX, 1);
        r.set(Reg.R10, 0x22);
        k.syscall();
        assertEquals(List.of("mmap_lock write " + hex(pml4), "mmap_unlock write " + hex(pml4)), lockEvents(), "syscall " + nr);
        assertTrue(hw.indexOf("mmap_unlock write " + hex(pml4)) < hw.events.lastIndexOf("enterUser"), "released before returning");
        assertReleased();
      }
    }
  }

  @Test
  void teardownTakesItForWritingAndFreesThePml4AfterTheUnlock() {
    AddressSpaces.teardown(hw, pml4, List.of(DATA), () -> {});
    String unlock = "mmap_unlock write " + hex(pml4);
    assertEquals(List.of("mmap_lock write " + hex(pml4), unlock), lockEvents());
    assertTrue(hw.indexOf(unlock) < hw.indexOf("free " + hex(pml4)), hw.events.toString());
    assertReleased();
  }

  @Test
  void strat9TakesNone() {
    hw.policy = KernelPolicy.strat9();
    Fork.sysFork(hw, hw.current(), rax -> result = rax);
    PageFaultHandler.handle(hw, PID, DATA.start() + 0x1000, true, false, () -> {}, r -> {});
    AddressSpaces.teardown(hw, pml4, List.of(DATA), () -> {});
    assertTrue(lockEvents().isEmpty(), lockEvents().toString());
  }
}
