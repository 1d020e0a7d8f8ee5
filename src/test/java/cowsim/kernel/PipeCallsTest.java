package cowsim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.isa.Constants;
import cowsim.isa.Reg;
import cowsim.isa.RegisterFile;
import cowsim.machine.mmu.Pte;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * pipe2, write, vmsplice, read and close (kernel.PipeCalls), and madvise(MADV_DONTNEED) with its
 * nested-flush check (KernelOnCpu.madvise), at the system call, on a fake CPU.
 */
class PipeCallsTest {

  private static final long TID = 11;
  private static final long PID = 10;
  private static final Vma DATA = new Vma(0x40_0000L, 0x40_8000L, true);
  private static final long FDS = DATA.start();
  private static final long IOV = DATA.start() + 0x100;
  private static final long MEM = DATA.start() + 0x1000;
  private static final long BUF = DATA.start() + 0x2000;
  /** Never touched: no PTE. */
  private static final long UNTOUCHED = DATA.start() + 0x6000;

  private FakeHardware hw;
  private KernelOnCpu kernel;
  private long pml4;

  @BeforeEach
  void setUp() {
    hw = new FakeHardware();
    hw.policy = KernelPolicy.linux();
    pml4 = hw.takeFrame();
    hw.store.write((pml4 << 12) + 8L * Layout.KERNEL_PML4_SLOT, FakeHardware.KERNEL_SLOT_ENTRY);
    hw.setCurrent(FakeHardware.task(TID, PID, pml4, new RegisterFile(), false));
    hw.loadCr3(pml4);
    hw.vmas(DATA);
    for (long va = DATA.start(); va < DATA.start() + 0x3000; va += 4096) {
      long f = hw.takeFrame();
      hw.mapByHand(pml4, va, f, Pte.P | Pte.US | Pte.RW | Pte.A | Pte.D);
      hw.refs.set(f, 1);
      hw.refs.updateAux(f, 1 | Rmap.EXCLUSIVE, 0);
    }
    kernel = new KernelOnCpu(hw);
  }

  private long syscall(long nr, long a0, long a1, long a2) {
    RegisterFile r = hw.regs();
    r.set(Reg.RAX, nr);
    r.set(Reg.RDI, a0);
    r.set(Reg.RSI, a1);
    r.set(Reg.RDX, a2);
    r.set(Reg.R10, 0);
    kernel.syscall();
    return r.get(Reg.RAX);
  }

  private long pte(long va) {
    long[] out = {0};
    PageTables.translate(hw, pml4, va & ~0xfffL, leaf -> out[0] = leaf.entry());
    return out[0];
  }

  private void store(long va, long value) {
    hw.store.write((Pte.frame(pte(va)) << 12) + (va & 0xfff), value);
  }

  private long load(long va) {
    return hw.store.read((Pte.frame(pte(va)) << 12) + (va & 0xfff));
  }

  @Test
  void writeCopiesIntoAPipePageThatReadGivesBackAndFrees() {
    assertEquals(0, syscall(Constants.SYS_pipe2, FDS, 0, 0));
    assertEquals(0x4_0000_0003L, load(FDS), "fds 3 and 4 in one int[2]");
    store(MEM, 41);
    assertEquals(8, syscall(Constants.SYS_write, 4, MEM, 8));
    store(MEM, 42);
    assertEquals(8, syscall(Constants.SYS_read, 3, BUF, 8));
    assertEquals(41, load(BUF), "the bytes as written: write copies");
    assertEquals(1, hw.eventsStartingWith("free").size(), "the pipe page went with its last byte");
    assertEquals(-Errno.EAGAIN, syscall(Constants.SYS_read, 3, BUF, 8), "empty, a writer left: the model's pipes do not block");
    assertEquals(0, syscall(Constants.SYS_close, 4, 0, 0));
    assertEquals(0, syscall(Constants.SYS_read, 3, BUF, 8), "end of file");
  }

  @Test
  void vmspliceLendsThePageAndReadDropsTheReference() {
    assertEquals(0, syscall(Constants.SYS_pipe2, FDS, 0, 0));
    long frame = Pte.frame(pte(MEM));
    store(MEM, 41);
    store(IOV, MEM);
    store(IOV + 8, 4096);
    assertEquals(4096, syscall(Constants.SYS_vmsplice, 4, IOV, 1));
    assertEquals(2, hw.refs.get(frame), "the mapping and the pipe's FOLL_GET reference");
    store(MEM, 42);
    assertEquals(8, syscall(Constants.SYS_read, 3, BUF, 8));
    assertEquals(42, load(BUF), "no copy: the pipe reads the page as it is now");
    assertEquals(2, hw.refs.get(frame), "the buffer still has 4088 bytes");
    assertEquals(4088, syscall(Constants.SYS_read, 3, BUF, 4096));
    assertEquals(1, hw.refs.get(frame), "pipe_buf_release: put_page");
  }

  @Test
  void closingThePipeReleasesWhatItHeld() {
    assertEquals(0, syscall(Constants.SYS_pipe2, FDS, 0, 0));
    long frame = Pte.frame(pte(MEM));
    store(IOV, MEM);
    store(IOV + 8, 4096);
    assertEquals(4096, syscall(Constants.SYS_vmsplice, 4, IOV, 1));
    assertEquals(0, syscall(Constants.SYS_close, 3, 0, 0));
    assertEquals(2, hw.refs.get(frame), "the write end keeps the pipe");
    assertEquals(0, syscall(Constants.SYS_close, 4, 0, 0));
    assertEquals(1, hw.refs.get(frame), "the last end released the buffer");
    assertEquals(-Errno.EBADF, syscall(Constants.SYS_close, 4, 0, 0));
  }

  @Test
  void badPipeArgumentsAreRefused() {
    assertEquals(-Errno.EINVAL, syscall(Constants.SYS_pipe2, FDS, 0x1, 0), "unknown flag");
    assertEquals(-Errno.EFAULT, syscall(Constants.SYS_pipe2, 0x90_0000L, 0, 0));
    assertEquals(0, syscall(Constants.SYS_pipe2, FDS, 0, 0), "the failed pipe2 closed both ends: 3 and 4 again");
    assertEquals(0x4_0000_0003L, load(FDS));
    assertEquals(-Errno.EBADF, syscall(Constants.SYS_write, 3, MEM, 8), "the read end");
    assertEquals(-Errno.EINVAL, syscall(Constants.SYS_write, 4, MEM + 4, 8), "the model's 8-byte alignment");
    assertEquals(-Errno.EINVAL, syscall(Constants.SYS_vmsplice, 4, IOV, 2), "the model takes one iovec");
    assertEquals(0, syscall(Constants.SYS_vmsplice, 4, IOV, 0));
  }

  @Test
  void dontneedZapsAMappedPageAndFlushesIt() {
    long frame = Pte.frame(pte(MEM));
    hw.clearEvents();
    assertEquals(0, syscall(Constants.SYS_madvise, MEM, 4096, Constants.MADV_DONTNEED));
    assertFalse(Pte.present(pte(MEM)), "zap_page_range");
    assertEquals(0, hw.refs.get(frame));
    assertEquals(1, hw.eventsStartingWith("free").size());
    assertFalse(hw.eventsStartingWith("invlpg").isEmpty(), "the cleared PTE is flushed");
    assertEquals(0, hw.flushPending, "inc_tlb_flush_pending and dec_tlb_flush_pending pair up");
  }

  @Test
  void dontneedOfUntouchedPagesFlushesNothingUnlessAnotherBatchIsPending() {
    hw.clearEvents();
    assertEquals(0, syscall(Constants.SYS_madvise, UNTOUCHED, 4096, Constants.MADV_DONTNEED));
    assertEquals(List.of(), flushes(), "no present PTE changed");

    hw.flushPending = 1; // another thread's madvise is between its zap and its flush
    hw.clearEvents();
    assertEquals(0, syscall(Constants.SYS_madvise, UNTOUCHED, 4096, Constants.MADV_DONTNEED));
    assertFalse(flushes().isEmpty(), "mm_tlb_flush_nested: flush although this walk cleared nothing");
    assertEquals(1, hw.flushPending);

    hw.policy = KernelPolicy.linux().toBuilder().mistake(Mistake.MADVISE_NO_NESTED_FLUSH).build();
    hw.clearEvents();
    assertEquals(0, syscall(Constants.SYS_madvise, UNTOUCHED, 4096, Constants.MADV_DONTNEED));
    assertEquals(List.of(), flushes(), "the mistake skips the check");
  }

  @Test
  void before413ThereIsNoPendingCount() {
    hw.policy = KernelPolicy.of(Profile.LINUX_4_12);
    hw.flushPending = 1;
    hw.clearEvents();
    assertEquals(0, syscall(Constants.SYS_madvise, UNTOUCHED, 4096, Constants.MADV_DONTNEED));
    assertEquals(List.of(), hw.eventsStartingWith("call FlushPending"), "tlb.nested-flush = off: no tlb_flush_pending");
    assertEquals(List.of(), flushes());
  }

  private List<String> flushes() {
    return hw.eventsStartingWith("invlpg", "shootdown", "writeCr3", "flush");
  }
}
