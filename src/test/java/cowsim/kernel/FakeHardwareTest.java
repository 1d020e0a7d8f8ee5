package cowsim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.isa.RegisterFile;
import cowsim.machine.mmu.Pte;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The test machine itself: booted state, knobs, canned kernel answers. */
class FakeHardwareTest {

  @Test
  void bootsWithReservedFramesAndTheKernelPml4Slot() {
    FakeHardware hw = new FakeHardware(256);

    assertEquals(Layout.RESERVED_FRAMES, hw.buddy.reservedFrames());
    assertEquals(256 - Layout.RESERVED_FRAMES, hw.buddy.freeFrames());
    assertTrue(hw.buddy.isReserved(Layout.KERNEL_PML4));
    assertTrue(hw.buddy.isReserved(Layout.KERNEL_PDPT));
    assertEquals(
        Pte.make(Layout.KERNEL_PDPT, Pte.P | Pte.RW),
        hw.store.read((Layout.KERNEL_PML4 << 12) + 8L * Layout.KERNEL_PML4_SLOT));
    assertEquals(Layout.KERNEL_PML4, hw.cr3());
  }

  @Test
  void allocationFailsAfterTheConfiguredNumberOfSuccesses() {
    FakeHardware hw = new FakeHardware().failAllocationsAfter(2);
    long[] got = new long[3];

    for (int i = 0; i < 3; i++) {
      int j = i;
      hw.allocate(f -> got[j] = f);
    }

    assertTrue(got[0] >= Layout.RESERVED_FRAMES && got[1] >= Layout.RESERVED_FRAMES);
    assertEquals(-1, got[2]);
    assertEquals("alloc -> none", hw.events.get(2));
    assertEquals(FakeHardware.GARBAGE, hw.store.read(got[0] << 12), "fresh frames hold stale data");
  }

  @Test
  void oneShotHookRunsOnceAfterTheMatchingEvent() {
    FakeHardware hw = new FakeHardware();
    long f = hw.takeFrame();
    int[] runs = {0};
    hw.once(e -> e.startsWith("refget"), () -> runs[0]++);

    hw.refGet(f, v -> {});
    hw.refGet(f, v -> {});

    assertEquals(1, runs[0]);
  }

  @Test
  void freeOfAFrameNotAllocatedIsRecordedAsBad() {
    FakeHardware hw = new FakeHardware();

    hw.free(Layout.KERNEL_PDPT, () -> {});

    assertEquals(List.of("0x2 RESERVED"), hw.badFrees);
  }

  @Test
  void kernelCallsGetCannedAnswers() {
    FakeHardware hw = new FakeHardware().vmas(new Vma(0x1000, 0x3000, true));
    Object[] got = new Object[3];

    hw.call(tag -> new KernelState.FindVma(tag, 1, 0x2008), a -> got[0] = a);
    hw.call(tag -> new KernelState.FindVma(tag, 1, 0x3000), a -> got[1] = a);
    hw.call(tag -> new KernelState.NewProcess(tag, 1, 99, List.of(), new RegisterFile()), a -> got[2] = a);

    assertEquals(new Vma(0x1000, 0x3000, true), ((KernelState.VmaAnswer) got[0]).vma());
    assertNull(((KernelState.VmaAnswer) got[1]).vma());
    assertEquals(42, ((KernelState.Result) got[2]).value());
    assertEquals(99, hw.newProcesses.get(0).cr3());
    assertEquals(List.of("call FindVma", "call FindVma", "call NewProcess"), hw.events);
    assertThrows(
        UnsupportedOperationException.class,
        () -> hw.call(tag -> new KernelState.SetAffinity(tag, 1, 0, 0), a -> {}));
  }

  @Test
  void copyToUserWritesThroughAWritableMappingOnly() {
    FakeHardware hw = new FakeHardware();
    long pml4 = hw.takeFrame();
    long rw = hw.takeFrame();
    long ro = hw.takeFrame();
    hw.mapByHand(pml4, 0x1000, rw, Pte.P | Pte.US | Pte.RW);
    hw.mapByHand(pml4, 0x2000, ro, Pte.P | Pte.US);
    hw.loadCr3(pml4);
    Boolean[] ok = new Boolean[3];

    hw.copyToUser(0x1010, 77, r -> ok[0] = r);
    hw.copyToUser(0x2010, 77, r -> ok[1] = r);
    hw.copyToUser(0x5000, 77, r -> ok[2] = r);

    assertTrue(ok[0]);
    assertEquals(77, hw.store.read((rw << 12) + 0x10));
    assertFalse(ok[1]);
    assertEquals(0, hw.store.read((ro << 12) + 0x10));
    assertFalse(ok[2]);
  }

  @Test
  void taskSwitchAndReturnAreOnlyRecorded() {
    FakeHardware hw = new FakeHardware();
    TaskImage t = FakeHardware.task(5, 4, 0, new RegisterFile(), false);

    hw.switchTo(t);
    hw.enterUser();
    hw.becomeIdle();

    assertSame(t.regs(), hw.regs());
    assertNull(hw.current());
    assertEquals(1, t.program().size());
    assertEquals(List.of("switchTo 5", "enterUser", "idle"), hw.events);
  }
}
