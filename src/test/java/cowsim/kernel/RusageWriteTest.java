package cowsim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.isa.Constants;
import cowsim.isa.Reg;
import cowsim.isa.RegisterFile;
import cowsim.kernel.ProcessTable.Task;
import cowsim.machine.mmu.Pte;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * getrusage's minor-fault accounting (mm_account_fault) and its copy-out, and write to fd 1 and 2
 * (copy_from_user, then the kernel's tables), on the fake machine; the process-wide sums in the
 * ProcessTable without actors.
 */
class RusageWriteTest {

  private static final long TID = 11;
  private static final long PID = 10;
  private static final Vma DATA = new Vma(0x40_0000L, 0x40_4000L, true);
  private static final long BUF = DATA.start();

  private FakeHardware hw;
  private KernelOnCpu kernel;
  private long pml4;
  private long bufFrame;
  private String killed;
  private int retries;

  @BeforeEach
  void setUp() {
    hw = new FakeHardware();
    hw.policy = KernelPolicy.builder(Profile.LINUX).build();
    pml4 = hw.takeFrame();
    hw.store.write((pml4 << 12) + 8L * Layout.KERNEL_PML4_SLOT, FakeHardware.KERNEL_SLOT_ENTRY);
    hw.setCurrent(FakeHardware.task(TID, PID, pml4, new RegisterFile(), false));
    hw.loadCr3(pml4);
    hw.vmas(DATA);
    bufFrame = hw.takeFrame();
    hw.mapByHand(pml4, BUF, bufFrame, Pte.P | Pte.US | Pte.RW | Pte.A | Pte.D);
    hw.refs.set(bufFrame, 1);
    kernel = new KernelOnCpu(hw);
    killed = null;
    retries = 0;
  }

  private void fault(long va, boolean write, boolean present) {
    PageFaultHandler.handle(hw, PID, va, write, present, () -> retries++, reason -> killed = reason);
  }

  private long syscall(long nr, long a0, long a1, long a2) {
    RegisterFile r = hw.regs();
    r.set(Reg.RAX, nr);
    r.set(Reg.RDI, a0);
    r.set(Reg.RSI, a1);
    r.set(Reg.RDX, a2);
    kernel.syscall();
    return r.get(Reg.RAX);
  }

  private long word(long offset) {
    return hw.store.read((bufFrame << 12) + offset);
  }

  @Test
  void everyHandledFaultCountsAndAFaultThatKillsDoesNot() {
    fault(DATA.start() + 0x1000, true, false); // demand zero
    assertEquals(1, hw.minflt());
    fault(DATA.start() + 0x1000, true, false); // the page is there now: found done, still counted
    assertEquals(2, hw.minflt());
    assertEquals(2, retries);
    fault(0x90_0000L, false, false); // outside every VMA: bad_area, SIGSEGV
    assertTrue(killed.contains("outside every VMA"), killed);
    assertEquals(2, hw.minflt(), "a fault that kills the task is not accounted");
  }

  @Test
  void rusageThreadWritesTheWholeStructWithMinfltAt64AndZerosElsewhere() {
    for (int i = 0; i < 18; i++) {
      hw.store.write((bufFrame << 12) + 8L * i, -1); // garbage the call must overwrite
    }
    hw.minflt = 7;
    assertEquals(0, syscall(Constants.SYS_getrusage, Constants.RUSAGE_THREAD, BUF, 0));
    for (int i = 0; i < 18; i++) {
      assertEquals(8 * i == 64 ? 7 : 0, word(8L * i), "word at offset " + 8 * i);
    }
    assertEquals(18, hw.eventsStartingWith("copyToUser").size(), "144 bytes, 8 at a time");
    assertTrue(hw.requests.stream().noneMatch(r -> r instanceof KernelState.Rusage), "RUSAGE_THREAD needs no table");
  }

  @Test
  void rusageSelfAsksTheTablesWithTheCallersOwnCount() {
    hw.minflt = 3;
    hw.rusageAnswer = 12;
    assertEquals(0, syscall(Constants.SYS_getrusage, Constants.RUSAGE_SELF, BUF, 0));
    KernelState.Rusage q = (KernelState.Rusage) hw.requests.get(hw.requests.size() - 1);
    assertEquals(TID, q.tid());
    assertEquals(3, q.minflt());
    assertEquals(12, word(64));
    assertEquals(0, word(72), "ru_majflt");
  }

  @Test
  void rusageRefusesOtherWhoAndAnUnwritableBuffer() {
    assertEquals(-Errno.EINVAL, syscall(Constants.SYS_getrusage, -1, BUF, 0), "RUSAGE_CHILDREN is not modelled");
    assertEquals(-Errno.EINVAL, syscall(Constants.SYS_getrusage, 2, BUF, 0));
    assertEquals(-Errno.EFAULT, syscall(Constants.SYS_getrusage, Constants.RUSAGE_THREAD, 0x90_0000L, 0));
  }

  @Test
  void writeToStdoutCopiesTheBytesFromUnalignedBuffersLittleEndian() {
    hw.store.write(bufFrame << 12, 0x6f6c6c6568000000L); // bytes 3..7: "hello"
    hw.store.write((bufFrame << 12) + 8, 0x0a21L); // "!\n"
    assertEquals(7, syscall(Constants.SYS_write, 1, BUF + 3, 7));
    assertEquals(List.of("1:hello!\n"), hw.outputs);
    assertEquals(2, hw.eventsStartingWith("copyFromUser").size(), "the two aligned words covering the bytes");
    assertEquals(2, syscall(Constants.SYS_write, 2, BUF + 8, 2));
    assertEquals("2:!\n", hw.outputs.get(1));
  }

  @Test
  void writeOfNothingOtherFdsAndBadBuffers() {
    assertEquals(0, syscall(Constants.SYS_write, 1, BUF, 0));
    assertEquals(-Errno.EBADF, syscall(Constants.SYS_write, 3, BUF, 8));
    assertEquals(-Errno.EBADF, syscall(Constants.SYS_write, 0, BUF, 8));
    assertEquals(-Errno.EINVAL, syscall(Constants.SYS_write, 1, BUF, -1));
    assertEquals(-Errno.EFAULT, syscall(Constants.SYS_write, 1, 0x90_0000L, 8));
    assertTrue(hw.outputs.isEmpty(), "nothing written: " + hw.outputs);
  }

  // ---- the tables' side ----

  private static final List<Vma> LAYOUT = List.of(new Vma(Layout.STACK_TOP - 0x2000, Layout.STACK_TOP, true));

  @Test
  void rusageSelfSumsLiveThreadsAndExitedOnesAndAForkChildStartsAtZero() {
    ProcessTable table = new ProcessTable();
    Task main = table.boot(new ProcessSetup("p", -1, LAYOUT, List.of(), null, false));
    Task sibling = table.cloneThread(main, new RegisterFile());
    Task gone = table.cloneThread(main, new RegisterFile());
    sibling.minflt = 5;
    gone.minflt = 2;
    table.endThread(gone, 0, false, null);
    assertEquals(5 + 2 + 4, table.rusageSelf(main, 4), "own (from its CPU) + live sibling + exited thread");
    Task child = table.fork(main, 0x99, List.of(), new RegisterFile());
    assertEquals(0, child.minflt);
    assertEquals(1, table.rusageSelf(child, 1));
    ProcessInfo info = table.processInfos().get(0);
    assertEquals(2 + 5, info.minflt(), "the report: exited plus live as saved");
  }

  @Test
  void outputIsKeptPerFdUpToTheLimit() {
    ProcessTable table = new ProcessTable();
    Task main = table.boot(new ProcessSetup("p", -1, LAYOUT, List.of(), null, false));
    table.output(main.proc, 1, new byte[] {'a', (byte) 0xff});
    table.output(main.proc, 2, new byte[] {'e'});
    table.output(main.proc, 1, new byte[ProcessTable.OUTPUT_LIMIT]);
    ProcessInfo info = table.processInfos().get(0);
    assertEquals(ProcessTable.OUTPUT_LIMIT, info.stdout().length());
    assertEquals("a\u00ff", info.stdout().substring(0, 2), "a byte is one ISO-8859-1 char");
    assertEquals("e", info.stderr());
  }
}
