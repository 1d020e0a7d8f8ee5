package cowsim.kernel;

import static cowsim.kernel.FakeHardware.hex;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.isa.Reg;
import cowsim.isa.RegisterFile;
import cowsim.machine.mmu.Pte;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** strat9's sys_fork with AddressSpace::clone_cow, and the child's registers (fork.rs). */
class ForkTest {

  private static final long TID = 11;
  private static final long PID = 10;
  private static final Vma CODE = new Vma(0x20_0000L, 0x20_1000L, false);
  private static final Vma DATA = new Vma(0x40_0000L, 0x40_3000L, true);

  private static final long W = DATA.start(); // writable, populated
  private static final long U = DATA.start() + 0x1000; // never touched
  private static final long C = DATA.start() + 0x2000; // already COW from an earlier fork
  private static final long R = CODE.start(); // read-only code, populated

  private static final long W_FLAGS = Pte.P | Pte.US | Pte.RW | Pte.A | Pte.D;
  private static final long W_FORKED = Pte.P | Pte.US | Pte.A | Pte.D | Pte.COW;
  private static final long R_FLAGS = Pte.P | Pte.US | Pte.A;
  private static final long C_FLAGS = Pte.P | Pte.US | Pte.COW;

  private FakeHardware hw;
  private long parentPml4;
  private RegisterFile parentRegs;
  private TaskImage parent;
  private Long result;

  @BeforeEach
  void setUp() {
    hw = new FakeHardware();
    parentPml4 = newPml4ByHand();
    parentRegs = new RegisterFile();
    for (Reg r : Reg.values()) {
      parentRegs.set(r, 0x1000L + r.ordinal());
    }
    parentRegs.rip = 17;
    parentRegs.rflags = 0x246 | RegisterFile.CF;
    parentRegs.fsBase = 0x7000_1000L;
    parent = FakeHardware.task(TID, PID, parentPml4, parentRegs, false);
    hw.setCurrent(parent);
    hw.loadCr3(parentPml4);
    result = null;
  }

  private long newPml4ByHand() {
    long p = hw.takeFrame();
    hw.store.write((p << 12) + 8L * Layout.KERNEL_PML4_SLOT, FakeHardware.KERNEL_SLOT_ENTRY);
    return p;
  }

  private long page(long va, long flags, int refcount) {
    long f = hw.takeFrame();
    hw.store.write(f << 12, 0xABC0_0000L + va); // some content
    hw.mapByHand(parentPml4, va, f, flags);
    hw.refs.set(f, refcount);
    return f;
  }

  private void fork() {
    hw.clearEvents();
    Fork.sysFork(hw, parent, rax -> result = rax);
    assertTrue(result != null, "sys_fork did not complete");
  }

  private KernelState.NewProcess child() {
    assertEquals(1, hw.newProcesses.size(), "one NewProcess request");
    return hw.newProcesses.get(0);
  }

  // ---------------------------------------------------------------- refusals

  @Test
  void kernelThreadGetsEpermAndNothingIsTouched() {
    TaskImage kthread = FakeHardware.task(TID, PID, parentPml4, parentRegs, true);
    hw.vmas(DATA);

    Fork.sysFork(hw, kthread, rax -> result = rax);

    assertEquals(-Errno.EPERM, result);
    assertEquals(List.of(), hw.events, "no memory, no kernel call");
    assertEquals(0, hw.counters.forks);
  }

  @Test
  void taskWithoutUserMappingsGetsEinval() {
    hw.vmas();

    fork();

    assertEquals(-Errno.EINVAL, result);
    assertEquals(List.of("call GetVmas"), hw.events);
    assertEquals(PID, ((KernelState.GetVmas) hw.requests.get(0)).pid());
    assertEquals(0, hw.counters.forks);
  }

  @Test
  void outOfMemoryForTheChildPml4GetsEnomemBeforeAnyPteIsTouched() {
    hw.vmas(CODE, DATA);
    long fw = page(W, W_FLAGS, 1);
    hw.failAllocationsAfter(0);

    fork();

    assertEquals(-Errno.ENOMEM, result);
    assertEquals(List.of("call GetVmas", "alloc -> none"), hw.events);
    assertEquals(Pte.make(fw, W_FLAGS), hw.pte(parentPml4, W));
    assertEquals(List.of(), hw.newProcesses);
  }

  // ---------------------------------------------------------------- clone_cow

  @Test
  void cloneCowSharesEveryPresentPageAndWriteProtectsTheWritableOnes() {
    hw.vmas(CODE, DATA);
    long fr = page(R, R_FLAGS, 1);
    long fw = page(W, W_FLAGS, 1);
    long fc = page(C, C_FLAGS, 2);

    fork();

    assertEquals(42, result, "the parent gets the child's pid");
    KernelState.NewProcess np = child();
    long childPml4 = np.cr3();
    assertEquals(TID, np.parentTid());
    assertEquals(List.of(CODE, DATA), np.vmas());

    // writable page: RO + COW in both, same frame, same flags
    assertEquals(Pte.make(fw, W_FORKED), hw.pte(parentPml4, W));
    assertEquals(Pte.make(fw, W_FORKED), hw.pte(childPml4, W));
    // read-only page: shared as it is, no COW
    assertEquals(Pte.make(fr, R_FLAGS), hw.pte(parentPml4, R));
    assertEquals(Pte.make(fr, R_FLAGS), hw.pte(childPml4, R));
    // already COW: stays COW in both
    assertEquals(Pte.make(fc, C_FLAGS), hw.pte(parentPml4, C));
    assertEquals(Pte.make(fc, C_FLAGS), hw.pte(childPml4, C));
    // untouched: the child only inherits the VMA
    assertEquals(0, hw.pte(parentPml4, U));
    assertEquals(0, hw.pte(childPml4, U));

    assertEquals(2, hw.refcount(fw));
    assertEquals(2, hw.refcount(fr));
    assertEquals(3, hw.refcount(fc));

    // the kernel half is the kernel's: PML4 slot 511 copied from the kernel PML4
    assertEquals(
        FakeHardware.KERNEL_SLOT_ENTRY,
        hw.store.read((childPml4 << 12) + 8L * Layout.KERNEL_PML4_SLOT));
    assertEquals(
        FakeHardware.KERNEL_SLOT_ENTRY,
        hw.store.read((parentPml4 << 12) + 8L * Layout.KERNEL_PML4_SLOT),
        "the parent's kernel half untouched");

    assertEquals(1, hw.counters.forks);
    assertEquals(1, hw.shootdowns);
    assertEquals(List.of(), hw.badFrees);
  }

  @Test
  void cloneCowOrdersParentWriteProtectChildMapIncrementThenOneShootdownAfterTheLoop() {
    hw.vmas(CODE, DATA);
    long fr = page(R, R_FLAGS, 1);
    long fw = page(W, W_FLAGS, 1);
    long wAddr = hw.pteAddr(parentPml4, W);

    fork();

    long childPml4 = child().cr3();
    long childW = hw.pteAddr(childPml4, W);
    long childR = hw.pteAddr(childPml4, R);
    List<String> effects = hw.eventsStartingWith("write", "refadd", "invlpg", "shootdown", "call NewProcess");
    // table links written while map_to builds the child's tables are checked apart
    List<String> tableLinks = effects.stream().filter(ForkTest::isTableLink).toList();
    assertEquals(4, tableLinks.size(), "PDPT, PD, and one PT each for 0x200000 and 0x400000: " + tableLinks);
    assertEquals(
        List.of(
            "write " + hex((childPml4 << 12) + 8L * Layout.KERNEL_PML4_SLOT) + " = " + hex(FakeHardware.KERNEL_SLOT_ENTRY),
            "write " + hex(childR) + " = " + hex(Pte.make(fr, R_FLAGS)),
            "refadd " + hex(fr) + " +1 -> 1",
            "write " + hex(wAddr) + " = " + hex(Pte.make(fw, W_FORKED)), // parent loses RW, gains bit 9
            "write " + hex(childW) + " = " + hex(Pte.make(fw, W_FORKED)), // child: same frame, flags
            "refadd " + hex(fw) + " +1 -> 1",
            "shootdown", // shootdown_all() after the loop
            "call NewProcess"),
        effects.stream().filter(e -> !isTableLink(e)).toList());
    assertTrue(hw.eventsStartingWith("invlpg").isEmpty(), "clone_cow flushes only by shootdown_all");
  }

  private static boolean isTableLink(String event) {
    if (!event.startsWith("write ")) {
      return false;
    }
    long value = Long.parseUnsignedLong(event.substring(event.indexOf(" = 0x") + 5), 16);
    return value != 0 && Pte.flags(value) == PageTables.TABLE_FLAGS;
  }

  @Test
  void childRegistersAreTheParentsFrameWithRaxZeroAndFsBaseZero() {
    hw.vmas(DATA);
    page(W, W_FLAGS, 1);
    RegisterFile before = parentRegs.copy();

    fork();

    RegisterFile c = child().regs();
    assertNotSame(parentRegs, c);
    for (Reg r : Reg.values()) {
      long want = r == Reg.RAX ? 0 : before.get(r);
      assertEquals(want, c.get(r), r.toString());
    }
    assertEquals(before.get(Reg.RSP), c.get(Reg.RSP), "same user rsp");
    assertEquals(before.rip, c.rip, "resumes at the same rip");
    assertEquals(before.rflags, c.rflags);
    assertEquals(before.cs, c.cs);
    assertEquals(before.ss, c.ss);
    assertEquals(0, c.fsBase, "strat9: the child's FS base is 0 (Linux copies it)");
    assertEquals(before, parentRegs, "the parent's frame is not modified");
  }

  @Test
  void childContextCopiesEverythingButRaxAndFsBase() {
    RegisterFile p = parentRegs.copy();

    RegisterFile c = Fork.childContext(p);

    RegisterFile want = p.copy();
    want.set(Reg.RAX, 0);
    want.fsBase = 0;
    assertEquals(want, c);
    assertEquals(0x1000L, p.get(Reg.RAX), "input untouched");
  }

  /**
   * Out of memory partway through clone_cow. The reference (strat9-kernel.md, "Address-space clone
   * for fork"): "On error: restores the parent's flags and decrements each processed page; the
   * child's teardown then decrements again (a double decrement)." The model has no seed-era
   * double count (a mapped page starts at 1, not 2), so here the double decrement takes each
   * processed page 1 -> 2 -> 1 -> 0 and frees it while the parent still maps it writable.
   */
  @Test
  void outOfMemoryMidCloneRestoresParentFlagsAndDecrementsTwice() {
    Vma far = new Vma(0x4000_0000L, 0x4000_1000L, true); // PDPT slot 1: needs its own PD and PT
    Vma data = new Vma(0x40_0000L, 0x40_2000L, true);
    hw.vmas(data, far);
    long a0 = page(0x40_0000L, W_FLAGS, 1);
    long a1 = page(0x40_1000L, W_FLAGS, 1);
    long b0 = page(0x4000_0000L, W_FLAGS, 1);
    long freeBefore = hw.buddy.freeFrames();
    // child PML4, then PDPT, PD, PT for 0x400000; the PD for 0x40000000 fails
    hw.failAllocationsAfter(4);

    fork();

    assertEquals(-Errno.ENOMEM, result);
    assertEquals(List.of(), hw.newProcesses);
    assertEquals(0, hw.counters.forks);
    // the parent's flags are restored, including the page whose child mapping failed
    assertEquals(Pte.make(a0, W_FLAGS), hw.pte(parentPml4, 0x40_0000L));
    assertEquals(Pte.make(a1, W_FLAGS), hw.pte(parentPml4, 0x40_1000L));
    assertEquals(Pte.make(b0, W_FLAGS), hw.pte(parentPml4, 0x4000_0000L));
    // double decrement: rollback 2 -> 1, child teardown 1 -> 0 and free
    assertEquals(0, hw.refcount(a0));
    assertEquals(0, hw.refcount(a1));
    assertEquals(1, hw.refcount(b0), "its child mapping failed: never incremented, never decremented");
    assertEquals(
        List.of("refadd " + hex(a0) + " +1 -> 1", "refadd " + hex(a1) + " +1 -> 1",
            "refadd " + hex(a0) + " -1 -> 2", "refadd " + hex(a1) + " -1 -> 2",
            "refadd " + hex(a0) + " -1 -> 1", "refadd " + hex(a1) + " -1 -> 1"),
        hw.eventsStartingWith("refadd"));
    assertTrue(hw.buddy.isFree(a0), "freed while the parent still maps it");
    assertTrue(hw.buddy.isFree(a1), "freed while the parent still maps it");
    // the child's four table frames come back, plus the two data frames
    assertEquals(freeBefore + 2, hw.buddy.freeFrames());
    assertEquals(List.of(), hw.badFrees);
    // one shootdown for the rollback, before the child's teardown starts
    assertEquals(1, hw.shootdowns);
    int shoot = hw.indexOf("shootdown");
    int firstRollbackDec = hw.indexOf("refadd " + hex(a0) + " -1 -> 2");
    int firstTeardownDec = hw.indexOf("refadd " + hex(a0) + " -1 -> 1");
    assertTrue(firstRollbackDec < shoot && shoot < firstTeardownDec, hw.events.toString());
  }
}
