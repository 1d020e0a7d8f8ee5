package cowsim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import cowsim.isa.RegisterFile;
import cowsim.machine.cpu.Context;
import cowsim.machine.cpu.KernelPort;
import cowsim.machine.interconnect.Latencies;
import cowsim.machine.interconnect.Payload;
import cowsim.machine.interconnect.Reply;
import cowsim.machine.mmu.Mmu;
import cowsim.machine.observe.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;

/**
 * The kernel's steps on top of the CPU's bare port, without a run: the refcount a fresh frame
 * gets, the generation check on switch-in, shootdown_all's targets, and copy-to-user's retry.
 */
class PerCpuTest {

  /** A CPU's port that answers at once and records what the kernel asked of it. */
  private static final class Port implements KernelPort {
    final List<String> calls = new ArrayList<>();
    long cr3 = Layout.KERNEL_PML4;
    long now;
    long nextFrame = 0x20;
    int storeFaults;

    @Override
    public int cpu() {
      return 1;
    }

    @Override
    public int cpuCount() {
      return 4;
    }

    @Override
    public long now() {
      return now;
    }

    @Override
    public void spend(long cycles) {
      now += cycles;
    }

    @Override
    public Latencies lat() {
      return FakeHardware.LAT;
    }

    @Override
    public void read(long paddr, LongConsumer k) {
      k.accept(0);
    }

    @Override
    public void write(long paddr, long value, Runnable k) {
      k.run();
    }

    @Override
    public void readFrame(long frame, Consumer<long[]> k) {
      k.accept(new long[512]);
    }

    @Override
    public void writeFrame(long frame, long[] data, Runnable k) {
      k.run();
    }

    @Override
    public void refAdd(long frame, int delta, LongConsumer k) {
      k.accept(0);
    }

    @Override
    public void refGet(long frame, LongConsumer k) {
      k.accept(0);
    }

    @Override
    public void auxAdd(long frame, long delta, LongConsumer k) {
      k.accept(0);
    }

    @Override
    public void auxGet(long frame, LongConsumer k) {
      k.accept(0);
    }

    @Override
    public void auxBits(long frame, long set, long clear, LongConsumer k) {
      k.accept(0);
    }

    @Override
    public void refSet(long frame, int value, LongConsumer k) {
      calls.add("refSet 0x" + Long.toHexString(frame) + " = " + value);
      k.accept(0);
    }

    @Override
    public void allocate(int order, LongConsumer k) {
      calls.add("allocate order " + order);
      k.accept(nextFrame);
    }

    @Override
    public void free(long frame, int order, Runnable k) {
      calls.add("free 0x" + Long.toHexString(frame) + " order " + order);
      k.run();
    }

    @Override
    public void split(long frame, int order, Runnable k) {
      calls.add("split 0x" + Long.toHexString(frame) + " order " + order);
      k.run();
    }

    @Override
    public void call(LongFunction<? extends Payload.ToKernel> request, Consumer<Reply> k) {
      calls.add("call " + request.apply(1).getClass().getSimpleName());
    }

    @Override
    public void lock(long frame, String what, Runnable k) {
      calls.add("lock " + what);
      k.run();
    }

    @Override
    public void unlock(long frame, Runnable k) {
      k.run();
    }

    @Override
    public void rwLock(long frame, boolean write, String what, Runnable k) {
      calls.add("rwLock " + what);
      k.run();
    }

    @Override
    public void rwUnlock(long frame, boolean write, Runnable k) {
      k.run();
    }

    @Override
    public void invlpg(long va) {}

    @Override
    public void writeCr3(long pml4Frame) {
      calls.add("cr3 <- 0x" + Long.toHexString(pml4Frame));
      cr3 = pml4Frame;
    }

    @Override
    public long cr3() {
      return cr3;
    }

    @Override
    public int pcidOf(long pml4Frame) {
      return (int) pml4Frame;
    }

    @Override
    public void flushPcid(int pcid, String why) {
      calls.add("flushPcid " + pcid);
    }

    @Override
    public void shootdown(int[] targets, long[] pages, Runnable k) {
      calls.add("shootdown " + java.util.Arrays.toString(targets) + (pages == null ? " full" : ""));
      k.run();
    }

    @Override
    public RegisterFile regs() {
      return null;
    }

    @Override
    public void switchTo(Context thread, long faultPage, int faultCount) {
      calls.add("switchTo " + thread.tid() + " faults " + faultPage + "/" + faultCount);
    }

    @Override
    public long faultPage() {
      return -1;
    }

    @Override
    public int faultCount() {
      return 0;
    }

    @Override
    public void enterUser() {
      calls.add("enterUser");
    }

    @Override
    public void becomeIdle() {
      calls.add("idle");
    }

    @Override
    public void storeToUser(long va, long value, Runnable done, Mmu.FaultSink onFault) {
      calls.add("storeToUser");
      if (storeFaults-- > 0) {
        onFault.fault(va, true, true, false);
      } else {
        done.run();
      }
    }

    @Override
    public void loadFromUser(long va, java.util.function.LongConsumer done, Mmu.FaultSink onFault) {
      calls.add("loadFromUser");
      done.accept(0);
    }

    @Override
    public void report(Event e) {}

    @Override
    public boolean logEnabled() {
      return false;
    }

    @Override
    public void log(String format, Object... args) {}
  }

  private final Port port = new Port();

  private static KernelPolicy policy(boolean pcid, boolean generationCheck, int refcountOnAlloc) {
    return KernelPolicy.builder(Profile.STRAT9)
        .set(Knob.REFCOUNT_ON_ALLOC, refcountOnAlloc)
        .set(Knob.PCID, pcid)
        .set(Knob.TLB_GENERATION_CHECK, generationCheck)
        .build();
  }

  private static TaskImage task(long tid, long pid, long cr3, long tlbGen) {
    return new TaskImage(tid, pid, "t", cr3, new RegisterFile(), null, false, TaskImage.None.INSTANCE, tlbGen, TaskImage.Refaults.NONE);
  }

  @Test
  void aFreshFrameGetsTheRefcountTheAllocatorLeavesInIt() {
    long[] got = {0};
    new PerCpu(port, policy(false, false, 1), 10).allocate(f -> got[0] = f);
    assertEquals(List.of("allocate order 0", "refSet 0x20 = 1"), port.calls, "strat9 of mid-March 2026: allocate_frame sets it to 1");
    assertEquals(0x20, got[0], "the frame, once its count is set");
    port.calls.clear();
    new PerCpu(port, policy(false, false, 0), 10).allocate(f -> got[0] = f);
    assertEquals(List.of("allocate order 0"), port.calls);
    port.nextFrame = -1;
    port.calls.clear();
    new PerCpu(port, policy(false, false, 1), 10).allocate(f -> got[0] = f);
    assertEquals(List.of("allocate order 0"), port.calls, "out of memory: nothing to set");
    assertEquals(-1, got[0]);
  }

  @Test
  void withTheGenerationCheckASwitchInFlushesAPcidLastSyncedWithAnotherSpaceOrAnOlderGeneration() {
    PerCpu cpu = new PerCpu(port, policy(true, true, 0), 10);
    cpu.switchTo(task(5, 4, 0x40, 1));
    assertEquals(List.of("switchTo 5 faults -1/0", "flushPcid 64", "cr3 <- 0x40"), port.calls, "never synced on this CPU");
    port.calls.clear();
    cpu.writeCr3(Layout.KERNEL_PML4);
    cpu.switchTo(task(5, 4, 0x40, 1));
    assertEquals(List.of("cr3 <- 0x1", "switchTo 5 faults -1/0", "cr3 <- 0x40"), port.calls, "the same generation: kept");
    port.calls.clear();
    cpu.writeCr3(Layout.KERNEL_PML4);
    cpu.switchTo(task(5, 4, 0x40, 2));
    assertEquals(List.of("cr3 <- 0x1", "switchTo 5 faults -1/0", "flushPcid 64", "cr3 <- 0x40"), port.calls, "a newer generation");
    port.calls.clear();
    cpu.writeCr3(0x40);
    assertEquals(List.of("cr3 <- 0x40"), port.calls, "a reload is the hardware's flush, not a switch-in");

    port.calls.clear();
    PerCpu unchecked = new PerCpu(port, policy(true, false, 0), 10);
    port.cr3 = Layout.KERNEL_PML4;
    unchecked.switchTo(task(5, 4, 0x40, 9));
    assertEquals(List.of("switchTo 5 faults -1/0", "cr3 <- 0x40"), port.calls, "strat9: no check");
  }

  @Test
  void shootdownAllReloadsCr3HereAndInterruptsEveryOtherCpu() {
    PerCpu cpu = new PerCpu(port, policy(false, false, 0), 10);
    cpu.shootdownAll(() -> port.calls.add("done"));
    assertEquals(List.of("cr3 <- 0x1", "shootdown [0, 2, 3] full", "done"), port.calls);
  }

  @Test
  void copyToUserResolvesFaultsAndRetriesUpToTheLimit() {
    PerCpu cpu = new PerCpu(port, policy(false, false, 0), 2);
    cpu.switchTo(task(5, 4, 0, 0));
    Boolean[] ok = {null};
    port.storeFaults = 5; // a page the fault handler never makes writable
    port.calls.clear();
    cpu.copyToUser(0x400010, 7, r -> ok[0] = r);
    assertNull(ok[0], "waiting for the fault handler's VMA lookup");
    assertEquals(List.of("storeToUser", "call FindVma"), port.calls, "the generic fault path asks the kernel's tables");
    assertEquals(FakeHardware.LAT.faultEntry(), port.now, "the fault's entry costs cycles");

    PerCpu limited = new PerCpu(port, policy(false, false, 0), 0);
    limited.switchTo(task(5, 4, 0, 0));
    port.calls.clear();
    limited.copyToUser(0x400010, 7, r -> ok[0] = r);
    assertEquals(false, ok[0], "no retries left: -EFAULT");
    port.storeFaults = 0;
    limited.copyToUser(0x400010, 7, r -> ok[0] = r);
    assertEquals(true, ok[0]);
  }

  @Test
  void theKernelNamesItsLocks() {
    PerCpu cpu = new PerCpu(port, policy(false, false, 0), 10);
    cpu.lock(0x40, () -> {});
    cpu.mmapLock(0x40, true, () -> {});
    cpu.mmapLock(0x40, false, () -> {});
    assertEquals(List.of("lock the page-table lock", "rwLock the mmap_lock (write)", "rwLock the mmap_lock (read)"), port.calls);
  }
}
