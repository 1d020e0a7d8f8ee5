package cowsim.kernel;

import cowsim.isa.RegisterFile;
import cowsim.machine.cpu.Context;
import cowsim.machine.cpu.ForwardingCpuServices;
import cowsim.machine.cpu.KernelPort;
import cowsim.machine.interconnect.Latencies;
import cowsim.machine.observe.Event;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;

/**
 * The kernel's per-CPU part (Linux's per-CPU area): what it keeps about the CPU it runs on, the
 * current task, its counters and the TLB generation each PCID was last synced with, and the
 * {@link Hardware} view the kernel code uses, built on the port the CPU offers ({@link
 * KernelPort}). The kernel's own steps on top of the bare port live here: the refcount strat9's
 * allocator leaves in a fresh frame, Linux's generation check when a task is switched in,
 * shootdown_all's target list, and copy-to-user's fault-and-retry.
 */
public final class PerCpu implements Hardware, ForwardingCpuServices {

  private final KernelPort port;
  private final KernelPolicy policy;
  private final int maxRefaults;
  private final KernelCounters counters = new KernelCounters();
  private TaskImage current;
  /** The current task's min_flt, from its TaskImage at switch-in, saved with it at switch-out. */
  private long minflt;
  /** PCID -> {pid, TLB generation} this CPU last synced it with (the generation check). */
  private final Map<Integer, long[]> pcidSeen = new HashMap<>();

  /** @param maxRefaults copy-to-user gives up (-EFAULT) after this many faults on its store */
  public PerCpu(KernelPort port, KernelPolicy policy, int maxRefaults) {
    this.port = port;
    this.policy = policy;
    this.maxRefaults = maxRefaults;
  }

  @Override
  public KernelPort services() {
    return port;
  }

  @Override
  public KernelCounters counters() {
    return counters;
  }

  @Override
  public KernelPolicy policy() {
    return policy;
  }

  // ---- memory and the allocator ----

  /**
   * A block of 2^order frames (a single frame: order 0, {@code allocate(k)}); strat9 of
   * mid-March 2026's allocate_frame also sets the fresh frame's refcount ({@code refcount.on-alloc}),
   * on a block's head.
   */
  @Override
  public void allocate(int order, LongConsumer k) {
    if (policy.refcountOnAlloc() == 0) {
      port.allocate(order, k);
      return;
    }
    port.allocate(
        order,
        f -> {
          if (f < 0) {
            k.accept(f);
          } else {
            port.refSet(f, policy.refcountOnAlloc(), old -> k.accept(f));
          }
        });
  }

  @Override
  public void call(LongFunction<KernelState.Request> make, Consumer<KernelState.Answer> k) {
    port.call(make, r -> k.accept((KernelState.Answer) r)); // the tables answer only with their Answers
  }

  // ---- locks ----

  @Override
  public void lock(long pml4Frame, Runnable k) {
    port.lock(pml4Frame, "the page-table lock", k);
  }

  @Override
  public void unlock(long pml4Frame, Runnable k) {
    port.unlock(pml4Frame, k);
  }

  @Override
  public void mmapLock(long pml4Frame, boolean write, Runnable k) {
    port.rwLock(pml4Frame, write, write ? "the mmap_lock (write)" : "the mmap_lock (read)", k);
  }

  @Override
  public void mmapUnlock(long pml4Frame, boolean write, Runnable k) {
    port.rwUnlock(pml4Frame, write, k);
  }

  // ---- the MMU and shootdowns ----

  /**
   * mov cr3. With PCID and the generation check (Linux's tlb_gen check on switch-in), loading
   * another address space first flushes its PCID when this CPU last ran another address space
   * under it, or an older generation of this one.
   */
  @Override
  public void writeCr3(long pml4Frame) {
    if (policy.pcid() && policy.generationCheck() && current != null && pml4Frame != port.cr3() && pml4Frame != Layout.KERNEL_PML4) {
      int next = port.pcidOf(pml4Frame);
      long[] seen = pcidSeen.get(next);
      if (seen == null || seen[0] != current.pid() || seen[1] < current.tlbGen()) {
        port.flushPcid(next, "switch-in: address space changed since this CPU last ran it");
      }
      pcidSeen.put(next, new long[] {current.pid(), current.tlbGen()});
    }
    port.writeCr3(pml4Frame);
  }

  @Override
  public void shootdownAll(Runnable k) {
    writeCr3(port.cr3()); // reload CR3 locally
    int[] others = new int[port.cpuCount() - 1];
    for (int c = 0, i = 0; c < port.cpuCount(); c++) {
      if (c != port.cpu()) {
        others[i++] = c;
      }
    }
    log("shootdown_all: CR3 reloaded, full-flush IPI to {} CPUs", others.length);
    port.shootdown(others, null, k);
  }

  // ---- the task on this CPU ----

  @Override
  public TaskImage current() {
    return current;
  }

  @Override
  public TaskImage.Refaults refaults() {
    return port.faultPage() < 0 ? TaskImage.Refaults.NONE : new TaskImage.Refaults(port.faultPage(), port.faultCount());
  }

  @Override
  public void switchTo(TaskImage task) {
    current = task;
    minflt = task.minflt();
    // the refault count travels with the task (TaskImage.refaults): neither a switch nor another
    // task's instructions on this CPU reset it, only this task's own progress
    port.switchTo(
        new Context(task.pid(), task.tid(), task.name(), task.regs(), task.program()), task.refaults().page(), task.refaults().count());
    if (task.cr3() != 0 && task.cr3() != port.cr3()) {
      writeCr3(task.cr3());
    }
  }

  @Override
  public void becomeIdle() {
    current = null;
    port.becomeIdle();
  }

  @Override
  public long minflt() {
    return minflt;
  }

  @Override
  public void accountFault() {
    minflt++;
  }

  @Override
  public void copyFromUser(long va, Consumer<Long> k) {
    copyFromUser(va, k, 0);
  }

  /** copy_from_user: a fault is resolved by the fault path (counted as the task's) and the load retried. */
  private void copyFromUser(long va, Consumer<Long> k, int attempt) {
    port.loadFromUser(
        va,
        k::accept,
        (fva, write, present, reserved) -> {
          if (attempt >= maxRefaults) {
            k.accept(null);
            return;
          }
          port.spend(port.lat().faultEntry());
          PageFaultHandler.handle(
              this, current.pid(), fva, write, present || reserved, () -> copyFromUser(va, k, attempt + 1), reason -> k.accept(null));
        });
  }

  @Override
  public void copyToUser(long va, long value, Consumer<Boolean> k) {
    copyToUser(va, value, k, 0);
  }

  private void copyToUser(long va, long value, Consumer<Boolean> k, int attempt) {
    port.storeToUser(
        va,
        value,
        () -> k.accept(true),
        (fva, write, present, reserved) -> {
          if (attempt >= maxRefaults) {
            k.accept(false);
            return;
          }
          port.spend(port.lat().faultEntry());
          // a reserved-bit fault takes the present-fault path for now (P is set with RSVD)
          PageFaultHandler.handle(
              this, current.pid(), fva, write, present || reserved, () -> copyToUser(va, value, k, attempt + 1), reason -> k.accept(false));
        });
  }

}
