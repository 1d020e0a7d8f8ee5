package cowsim.machine.cpu;

import cowsim.isa.RegisterFile;
import cowsim.machine.cpu.CpuActor.Mode;
import cowsim.machine.interconnect.Latencies;
import cowsim.machine.interconnect.Payload;
import cowsim.machine.interconnect.Reply;
import cowsim.machine.memory.FrameAllocator;
import cowsim.machine.memory.MemoryBank;
import cowsim.machine.mmu.Mmu;
import cowsim.machine.observe.Event;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;

/**
 * One CPU in kernel mode: the services of its {@link KernelPort}. Each memory, allocator and
 * kernel-table operation is one request message whose answer runs the continuation; the lock
 * operations spin, one atomic try per message, taking IPIs between tries. The thread operations
 * (switch, idle, return to user mode) belong to the CPU and are passed on to it.
 *
 * <p>A plain class: the CPU actor routes the answers to its requests here through {@link Bus}.
 */
final class KernelMode implements KernelPort {

  /** What kernel mode needs of the CPU around it. */
  interface Cpu {
    Mode mode();

    void mode(Mode m);

    /** The thread being run, or null when idle. */
    Context current();

    void switchTo(Context thread, long faultPage, int faultCount);

    void becomeIdle();
  }

  private final CpuConfig cfg;
  private final Latencies lat;
  private final Bus bus;
  private final Mmu mmu;
  private final ShootdownUnit shootdown;
  private final UserPipeline user;
  private final Cpu cpu;

  private long lastReadFrame = -1;
  private long[] lastReadData;
  /** When the current lock spin began (-1: not spinning). */
  private long spinSince = -1;
  private long spinPause;
  private long lockWaitCycles;
  private long lockups;
  private long rwUnlocks;

  KernelMode(CpuConfig cfg, Latencies lat, Bus bus, Mmu mmu, ShootdownUnit shootdown, UserPipeline user, Cpu cpu) {
    this.cfg = cfg;
    this.lat = lat;
    this.bus = bus;
    this.mmu = mmu;
    this.shootdown = shootdown;
    this.user = user;
    this.cpu = cpu;
  }

  @Override
  public int cpu() {
    return bus.cpu();
  }

  @Override
  public int cpuCount() {
    return bus.topology().cpus();
  }

  @Override
  public long now() {
    return bus.now();
  }

  @Override
  public void spend(long cycles) {
    bus.spend(cycles);
  }

  @Override
  public Latencies lat() {
    return lat;
  }

  // ---- physical memory and the allocator ----

  @Override
  public void read(long paddr, LongConsumer k) {
    bus.send(bus.bankOf(paddr), lat.memoryAccess(), new MemoryBank.Read(bus.expect(k), paddr, null));
  }

  @Override
  public void write(long paddr, long value, Runnable k) {
    bus.send(bus.bankOf(paddr), lat.memoryAccess(), new MemoryBank.Write(bus.expect(old -> k.run()), paddr, value, null));
  }

  @Override
  public void readFrame(long frame, Consumer<long[]> k) {
    bus.send(
        bus.topology().toBankOf(frame),
        lat.memoryAccess(),
        new MemoryBank.ReadFrame(
            bus.expectReply(
                r -> {
                  long[] data = ((MemoryBank.FrameData) r).data();
                  lastReadFrame = frame;
                  lastReadData = data;
                  k.accept(data);
                }),
            frame));
  }

  @Override
  public void writeFrame(long frame, long[] data, Runnable k) {
    // a copy writes back the array a readFrame returned: name its source for the observer
    long source = data != null && data == lastReadData ? lastReadFrame : -1;
    bus.send(bus.topology().toBankOf(frame), lat.memoryAccess(), new MemoryBank.WriteFrame(bus.expect(v -> k.run()), frame, data, source));
  }

  @Override
  public void refAdd(long frame, int delta, LongConsumer k) {
    bus.send(bus.topology().toBankOf(frame), lat.memoryAccess(), new MemoryBank.RefAdd(bus.expect(k), frame, delta));
  }

  @Override
  public void refGet(long frame, LongConsumer k) {
    bus.send(bus.topology().toBankOf(frame), lat.memoryAccess(), new MemoryBank.RefGet(bus.expect(k), frame));
  }

  @Override
  public void auxAdd(long frame, long delta, LongConsumer k) {
    bus.send(bus.topology().toBankOf(frame), lat.memoryAccess(), new MemoryBank.AuxAdd(bus.expect(k), frame, delta));
  }

  @Override
  public void auxGet(long frame, LongConsumer k) {
    bus.send(bus.topology().toBankOf(frame), lat.memoryAccess(), new MemoryBank.AuxGet(bus.expect(k), frame));
  }

  @Override
  public void auxBits(long frame, long set, long clear, LongConsumer k) {
    bus.send(bus.topology().toBankOf(frame), lat.memoryAccess(), new MemoryBank.AuxBits(bus.expect(k), frame, set, clear));
  }

  @Override
  public void refSet(long frame, int value, LongConsumer k) {
    bus.send(bus.topology().toBankOf(frame), lat.memoryAccess(), new MemoryBank.RefSet(bus.expect(k), frame, value));
  }



  @Override
  public void allocate(int order, LongConsumer k) {
    bus.send(bus.topology().toAllocator(), lat.allocator(), new FrameAllocator.Allocate(bus.expect(k), order));
  }

  @Override
  public void free(long frame, int order, Runnable k) {
    bus.send(bus.topology().toAllocator(), lat.allocator(), new FrameAllocator.Free(bus.expect(v -> k.run()), frame, order));
  }

  @Override
  public void split(long frame, int order, Runnable k) {
    bus.send(bus.topology().toAllocator(), lat.allocator(), new FrameAllocator.Split(bus.expect(v -> k.run()), frame, order));
  }

  @Override
  public void call(LongFunction<? extends Payload.ToKernel> request, Consumer<Reply> k) {
    bus.send(bus.topology().toKernel(), lat.kernelCall(), request.apply(bus.expectReply(k)));
  }

  // ---- locks ----

  @Override
  public void lock(long frame, String what, Runnable k) {
    acquire(what, frame, false, tag -> new MemoryBank.Lock(tag, frame), k);
  }

  @Override
  public void unlock(long frame, Runnable k) {
    bus.send(bus.topology().toBankOf(frame), lat.memoryAccess(), new MemoryBank.Unlock(bus.expect(v -> k.run()), frame));
  }

  @Override
  public void rwLock(long frame, boolean write, String what, Runnable k) {
    acquire(what, frame, true, tag -> new MemoryBank.RwTryLock(tag, frame, write), k);
  }

  @Override
  public void rwUnlock(long frame, boolean write, Runnable k) {
    if (bus.cpu() == 0 && cfg.leakMmapLockAfter() > 0 && ++rwUnlocks == cfg.leakMmapLockAfter()) {
      // test hook (cowsim.debug.leak-mmap-lock-after): this release is forgotten
      bus.warn("test hook: mmap_lock of frame {} not released", hex(frame));
      k.run();
      return;
    }
    bus.send(bus.topology().toBankOf(frame), lat.memoryAccess(), new MemoryBank.RwUnlock(bus.expect(v -> k.run()), frame, write));
  }

  /**
   * A kernel lock's spin loop: one atomic try per message until it is granted. Interrupts stay on
   * (spin_lock, not spin_lock_irq): the IPIs that wait for a boundary are taken between tries, or
   * two CPUs each waiting for the other's ack deadlock. A spin longer than
   * {@code limits.lockup-cycles} is a soft lockup (Linux's watchdog, kernel/watchdog.c): reported
   * as a deadlock, and this CPU halts (it still acks IPIs) with its task unfinished.
   *
   * @param backoff double the pause between tries up to {@code lock-backoff} (a sleeping lock in
   *     Linux, the mmap_lock); otherwise spin at a constant {@code lock-spin}
   */
  private void acquire(String what, long frame, boolean backoff, LongFunction<MemoryBank.Request> attempt, Runnable k) {
    bus.send(
        bus.topology().toBankOf(frame),
        lat.memoryAccess(),
        attempt.apply(
            bus.expect(
                busy -> {
                  if (busy == 0) {
                    if (spinSince >= 0) {
                      lockWaitCycles += bus.now() - spinSince;
                      spinSince = -1;
                      if (bus.timeline()) {
                        bus.observe(new Event.SpinEnd(bus.now(), bus.cpu(), what));
                      }
                    }
                    k.run();
                    return;
                  }
                  if (spinSince < 0) {
                    spinSince = bus.now();
                    spinPause = lat.lockSpin();
                    if (bus.timeline()) {
                      bus.observe(new Event.SpinBegin(bus.now(), bus.cpu(), what));
                    }
                  }
                  shootdown.takeDeferred();
                  bus.spend(spinPause);
                  if (backoff) {
                    spinPause = Math.min(2 * spinPause, Math.max(lat.lockSpin(), lat.lockBackoff()));
                  }
                  if (bus.now() - spinSince > cfg.lockupCycles()) {
                    lockup(what, frame);
                    return;
                  }
                  acquire(what, frame, backoff, attempt, k);
                })));
  }

  private void lockup(String what, long frame) {
    long spun = bus.now() - spinSince;
    lockWaitCycles += spun;
    spinSince = -1;
    cpu.mode(Mode.HALTED);
    lockups++;
    bus.warn("soft lockup: spun {} cycles on {} of frame {}; this CPU halts", spun, what, hex(frame));
    if (bus.timeline()) {
      bus.observe(new Event.SpinEnd(bus.now(), bus.cpu(), what));
    }
    if (bus.observing()) {
      Context t = cpu.current();
      bus.observe(new Event.Lockup(bus.now(), bus.cpu(), t == null ? 0 : t.pid(), t == null ? 0 : t.tid(), what, spun));
    }
    if (!bus.deterministic()) {
      // concurrent mode ends on AllExited only, which this task will never reach
      bus.limitReached("soft lockup on cpu-" + bus.cpu() + ": " + spun + " cycles on " + what);
    }
  }

  // ---- the MMU ----

  @Override
  public void invlpg(long va) {
    mmu.invlpg(va);
    if (bus.infoEnabled()) {
      bus.info("invlpg {}: invalidated on this CPU only", hex(va & ~0xfffL));
    }
  }

  @Override
  public void writeCr3(long pml4Frame) {
    mmu.writeCr3(pml4Frame);
  }

  @Override
  public long cr3() {
    return mmu.cr3();
  }

  @Override
  public int pcidOf(long pml4Frame) {
    return mmu.pcidOf(pml4Frame);
  }

  @Override
  public void flushPcid(int pcid, String why) {
    mmu.flushPcid(pcid, why);
  }

  @Override
  public void shootdown(int[] targets, long[] pages, Runnable k) {
    shootdown.start(targets, pages, k);
  }

  // ---- the thread ----

  @Override
  public RegisterFile regs() {
    Context t = cpu.current();
    return t == null ? null : t.regs();
  }

  @Override
  public void switchTo(Context thread, long faultPage, int faultCount) {
    cpu.switchTo(thread, faultPage, faultCount);
  }

  @Override
  public long faultPage() {
    return user.faultPage();
  }

  @Override
  public int faultCount() {
    return user.faultCount();
  }

  @Override
  public void enterUser() {
    user.enter();
  }

  @Override
  public void becomeIdle() {
    cpu.becomeIdle();
  }

  @Override
  public void storeToUser(long va, long value, Runnable done, Mmu.FaultSink onFault) {
    user.storeForKernel(va, value, done, onFault);
  }

  @Override
  public void loadFromUser(long va, java.util.function.LongConsumer done, Mmu.FaultSink onFault) {
    user.loadForKernel(va, done, onFault);
  }

  @Override
  public void report(Event e) {
    bus.observe(e);
  }

  @Override
  public boolean timeline() {
    return bus.timeline();
  }

  @Override
  public boolean logEnabled() {
    return bus.infoEnabled();
  }

  @Override
  public void log(String format, Object... args) {
    bus.info(format, args);
  }

  // ---- counters ----

  long lockWaitCycles() {
    return lockWaitCycles;
  }

  long lockups() {
    return lockups;
  }

  private static String hex(long v) {
    return "0x" + Long.toHexString(v);
  }
}
