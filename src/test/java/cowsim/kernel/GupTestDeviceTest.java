package cowsim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.isa.Constants;
import cowsim.isa.Reg;
import cowsim.isa.RegisterFile;
import cowsim.machine.mmu.Pte;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** openat and ioctl of /sys/kernel/debug/gup_test (kernel.GupTestDevice), at the system call, on a fake CPU. */
class GupTestDeviceTest {

  private static final long TID = 11;
  private static final long PID = 10;
  private static final Vma DATA = new Vma(0x40_0000L, 0x40_8000L, true);
  /** Scratch: the path, the args, the READ target's address. */
  private static final long SCRATCH = DATA.start();
  private static final long ARGS = SCRATCH + 0x100;
  private static final long TARGET = SCRATCH + 0x200;
  /** The page pinned. */
  private static final long MEM = DATA.start() + 0x1000;
  /** Where READ copies it to. */
  private static final long TMP = DATA.start() + 0x2000;

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
    for (long va = DATA.start(); va < DATA.end(); va += 4096) {
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

  private void store(long va, long value) {
    long[] frame = {0};
    PageTables.translate(hw, pml4, va & ~0xfffL, leaf -> frame[0] = Pte.frame(leaf.entry()));
    hw.store.write((frame[0] << 12) + (va & 0xfff), value);
  }

  private long load(long va) {
    long[] frame = {0};
    PageTables.translate(hw, pml4, va & ~0xfffL, leaf -> frame[0] = Pte.frame(leaf.entry()));
    return hw.store.read((frame[0] << 12) + (va & 0xfff));
  }

  private long frameOf(long va) {
    long[] frame = {0};
    PageTables.translate(hw, pml4, va & ~0xfffL, leaf -> frame[0] = Pte.frame(leaf.entry()));
    return frame[0];
  }

  private void path(long at, String p) {
    byte[] b = (p + "\0").getBytes(StandardCharsets.ISO_8859_1);
    for (int i = 0; i < b.length; i += 8) {
      long v = 0;
      for (int j = 0; j < 8 && i + j < b.length; j++) {
        v |= (b[i + j] & 0xffL) << (8 * j);
      }
      store(at + i, v);
    }
  }

  private long open() {
    path(SCRATCH, "/sys/kernel/debug/gup_test");
    return syscall(Constants.SYS_openat, Constants.AT_FDCWD, SCRATCH, Constants.O_RDWR);
  }

  private long start(long fd, long addr, long size, long flags) {
    store(ARGS, addr);
    store(ARGS + 8, size);
    store(ARGS + 16, flags);
    return syscall(Constants.SYS_ioctl, fd, Constants.PIN_LONGTERM_TEST_START, ARGS);
  }

  @Test
  void openFindsOnlyTheDevice() {
    assertEquals(3, open(), "the lowest free descriptor");
    path(SCRATCH, "/etc/passwd");
    assertEquals(-Errno.ENOENT, syscall(Constants.SYS_openat, Constants.AT_FDCWD, SCRATCH, Constants.O_RDWR));
    assertEquals(-Errno.EFAULT, syscall(Constants.SYS_openat, Constants.AT_FDCWD, 0x90_0000L, Constants.O_RDWR));
    path(SCRATCH, "xyz/sys/kernel/debug/gup_test");
    assertEquals(4, syscall(Constants.SYS_openat, Constants.AT_FDCWD, SCRATCH + 3, Constants.O_RDWR), "an unaligned path is read too");
  }

  @Test
  void aPinReadsBackWhatThePinnerWroteAndStopUnpins() {
    long fd = open();
    long pinned = frameOf(MEM);
    assertEquals(0, start(fd, MEM, 4096, Constants.PIN_LONGTERM_TEST_FLAG_USE_WRITE));
    assertEquals(1 + Rmap.GUP_PIN_COUNTING_BIAS, hw.refs.get(pinned));
    assertEquals(-Errno.EINVAL, start(fd, MEM, 4096, 0), "pinned already");
    store(MEM, 0x1234);
    store(MEM + 4088, 0x5678);
    store(TARGET, TMP);
    assertEquals(0, syscall(Constants.SYS_ioctl, fd, Constants.PIN_LONGTERM_TEST_READ, TARGET));
    assertEquals(0x1234, load(TMP));
    assertEquals(0x5678, load(TMP + 4088));
    assertEquals(0, syscall(Constants.SYS_ioctl, fd, Constants.PIN_LONGTERM_TEST_STOP, 0));
    assertEquals(1, hw.refs.get(pinned), "unpin_user_pages");
    assertEquals(-Errno.EINVAL, syscall(Constants.SYS_ioctl, fd, Constants.PIN_LONGTERM_TEST_READ, TARGET), "nothing pinned");
    assertEquals(0, syscall(Constants.SYS_ioctl, fd, Constants.PIN_LONGTERM_TEST_STOP, 0), "STOP with nothing pinned");
  }

  @Test
  void closingTheDeviceUnpins() {
    long fd = open();
    long pinned = frameOf(MEM);
    assertEquals(0, start(fd, MEM, 8192, 0));
    assertEquals(1 + Rmap.GUP_PIN_COUNTING_BIAS, hw.refs.get(pinned));
    assertEquals(1 + Rmap.GUP_PIN_COUNTING_BIAS, hw.refs.get(frameOf(MEM + 4096)), "every page of the range");
    assertEquals(0, syscall(Constants.SYS_close, fd, 0, 0));
    assertEquals(1, hw.refs.get(pinned), "gup_test_release: pin_longterm_test_stop");
    assertEquals(1, hw.refs.get(frameOf(MEM + 4096)));
  }

  @Test
  void badArgumentsAreRefused() {
    long fd = open();
    assertEquals(-Errno.EINVAL, start(fd, MEM + 8, 4096, 0), "address not page-aligned");
    assertEquals(-Errno.EINVAL, start(fd, MEM, 100, 0), "size not page-aligned");
    assertEquals(-Errno.EINVAL, start(fd, MEM, 0, 0), "nothing to pin");
    assertEquals(-Errno.EINVAL, start(fd, MEM, 4096, 4), "unknown flag");
    assertEquals(-Errno.EFAULT, syscall(Constants.SYS_ioctl, fd, Constants.PIN_LONGTERM_TEST_START, 0x90_0000L), "args not readable");
    assertEquals(-Errno.EFAULT, start(fd, 0x90_0000L, 4096, 0), "a page outside every VMA");
    assertEquals(-Errno.EINVAL, syscall(Constants.SYS_ioctl, fd, 0x1234, 0), "unknown command");
    assertEquals(-Errno.EBADF, syscall(Constants.SYS_ioctl, 9, Constants.PIN_LONGTERM_TEST_STOP, 0), "not open");
    assertEquals(-Errno.EINVAL, syscall(Constants.SYS_write, fd, TMP, 8), "the device has no write");
    assertEquals(-Errno.EINVAL, syscall(Constants.SYS_read, fd, TMP, 8), "nor read");
  }

  @Test
  void aPipeHasNoSuchIoctl() {
    assertEquals(0, syscall(Constants.SYS_pipe2, SCRATCH, 0, 0));
    assertEquals(-Errno.ENOTTY, syscall(Constants.SYS_ioctl, 3, Constants.PIN_LONGTERM_TEST_STOP, 0));
    assertEquals(-Errno.EBADF, syscall(Constants.SYS_vmsplice, open(), ARGS, 1), "vmsplice needs a pipe");
    assertTrue(hw.pipes.hasFiles(PID));
  }
}
