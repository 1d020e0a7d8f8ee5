package cowsim.machine.cpu;

import cowsim.isa.Instruction;
import cowsim.isa.Outcome;
import cowsim.isa.Program;
import cowsim.isa.Reg;
import cowsim.isa.RegisterFile;
import cowsim.isa.Semantics;
import cowsim.machine.cpu.CpuActor.Mode;
import cowsim.machine.cpu.CpuActor.Resume;
import cowsim.machine.interconnect.Latencies;
import cowsim.machine.memory.MemoryBank;
import cowsim.machine.mmu.Mmu;
import cowsim.machine.mmu.VirtualAddress;
import cowsim.machine.observe.Event;
import cowsim.stats.Distribution;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongConsumer;

/**
 * One CPU's user-mode pipeline: fetch, execute with the pure {@link Semantics}, and the memory
 * instructions, each step its own message (translate the load address, load, translate the store
 * address, execute, store). A fault in any step restarts the instruction with its registers
 * untouched. Register-only instructions run {@code batch} at a time, then the CPU sends itself
 * {@link Resume}. It also keeps the current thread's faults without progress (the refault limit)
 * and makes the kernel's copy-to-user store, which goes through the same translation.
 *
 * <p>A plain class: the CPU actor routes {@code Resume} and the memory answers here, and the
 * pipeline traps into the kernel through {@link TrapHandler}.
 */
final class UserPipeline {

  /** What the pipeline needs of the CPU around it. */
  interface Cpu {
    Mode mode();

    void mode(Mode m);

    /** Interrupts taken at an instruction boundary; true when the CPU left user mode. */
    boolean boundary();

    TrapHandler trap();

    /** The thread being run. */
    Context current();

    /**
     * The virtual time from which {@link #boundary} preempts the thread (its time slice ends).
     * Until then, and until the next message arrives, a boundary that took nothing takes nothing.
     */
    long sliceEnd();

    /** A memory instruction was issued (the run's progress counter). */
    void memoryOp();
  }

  private final CpuConfig cfg;
  private final Latencies lat;
  private final Bus bus;
  private final Mmu mmu;
  private final Cpu cpu;

  /** {@link #run}'s loop is on the Java stack (a return to user mode only marks {@link #reentered}). */
  private boolean inUser;
  /** Kernel code returned to user mode while {@link #inUser}: the loop runs another batch. */
  private boolean reentered;
  /** The current thread's faults without progress: the page and how many in a row. */
  private long lastFaultPage = -1;
  private int refaults;
  private long lastVa;

  private long instructions;
  private long memoryOps;
  private long refaultKills;
  private long assertionFailures;
  private final List<String> assertions = new ArrayList<>();
  private final Distribution faultLatency = new Distribution();

  UserPipeline(CpuConfig cfg, Latencies lat, Bus bus, Mmu mmu, Cpu cpu) {
    this.cfg = cfg;
    this.lat = lat;
    this.bus = bus;
    this.mmu = mmu;
    this.cpu = cpu;
  }

  /** Enter user mode and go on executing the current thread. */
  void enter() {
    cpu.mode(Mode.USER);
    run();
  }

  /**
   * User mode, entered or re-entered: from a message (a reply, {@code Resume}) or from kernel code
   * that returns to user mode without waiting for one (a system call such as getpid answers at
   * once). Never recursive: a re-entry while a batch runs further up this CPU's Java stack only
   * marks {@link #reentered}, and that batch's loop goes on once the kernel code has returned,
   * with a fresh batch count. So any number of system calls in a row costs a constant stack
   * depth. After {@code batch} batches within one packet (the first and batch - 1 re-entries)
   * the CPU sends itself {@code Resume}, as after a batch of register-only instructions: virtual
   * time reaches the conductor (and {@code max-cycles}), and other CPUs' messages interleave.
   */
  void run() {
    if (inUser) {
      reentered = true; // the loop below, further up the stack, goes on
      return;
    }
    inUser = true;
    try {
      int reentries = 0;
      do {
        reentered = false;
        if (reentries++ >= cfg.batch()) {
          if (cpu.mode() == Mode.USER) {
            bus.send(bus.self(), 0, new Resume());
          }
          return;
        }
        batch();
      } while (reentered);
    } finally {
      inUser = false;
    }
  }

  /** One batch of user instructions, until the CPU leaves user mode or must wait for a message. */
  private void batch() {
    if (cpu.mode() != Mode.USER) {
      return;
    }
    RegisterFile regs = cpu.current().regs();
    Program program = cpu.current().program();
    int n = 0;
    while (true) {
      if (cpu.boundary()) {
        return;
      }
      if (n >= cfg.batch()) {
        bus.send(bus.self(), 0, new Resume());
        return;
      }
      if (!bus.deterministic() && bus.now() > cfg.maxCycles()) {
        cpu.mode(Mode.HALTED);
        bus.limitReached("max-cycles " + cfg.maxCycles());
        return;
      }
      if (regs.rip == program.size()) {
        // ran past its last instruction (or jumped to a label after it): exit_group(0)
        cpu.mode(Mode.KERNEL);
        cpu.trap().programEnd();
        return;
      }
      if (regs.rip < 0 || regs.rip > program.size()) {
        // a ret (or jump) to no instruction: the fetch faults, as at an unmapped address
        bus.spend(lat.faultEntry());
        cpu.mode(Mode.KERNEL);
        cpu.trap().badFetch(regs.rip);
        return;
      }
      Instruction in = program.at((int) regs.rip);
      if (program.touchesMemory((int) regs.rip)) {
        memoryInstruction(in);
        return;
      }
      int counter = program.countdownRegister((int) regs.rip);
      long budget = counter >= 0 && !cfg.stepCountdowns() && cfg.throwAfterInstructions() == 0 ? countdownBudget(n) : 0;
      if (budget > 0) {
        long m = Semantics.countdown(regs, counter, budget);
        instructions += 2 * m;
        bus.spend(2 * m * lat.instruction());
        lastFaultPage = -1;
        n += (int) (2 * m);
        continue;
      }
      Outcome o = Semantics.execute(in, regs, 0);
      retire();
      n++;
      if (!afterExecute(o, in)) {
        return;
      }
    }
  }

  /**
   * How many iterations of a countdown loop ({@code dec}, {@code jne}) at rip can run at once, the
   * dec's own boundary checks having passed with {@code n} instructions of the batch run: as many
   * as would each pass the checks one instruction at a time, within the batch, before the time
   * slice ends (and, in concurrent mode, before max-cycles). Messages arrive only between
   * packets, so nothing else can stop them. 0: not even one whole iteration fits.
   */
  private long countdownBudget(int n) {
    long m = (cfg.batch() - n) / 2;
    long step = lat.instruction();
    if (step > 0) {
      // instruction j of the 2m runs at now + j * step and must start before the slice ends
      long d = cpu.sliceEnd() - bus.now();
      m = Math.min(m, ((d - 1) / step + 1) / 2);
      if (!bus.deterministic()) {
        long e = cfg.maxCycles() - bus.now();
        m = Math.min(m, (e / step + 1) / 2);
      }
    }
    return m;
  }

  private void retire() {
    instructions++;
    if (cfg.throwAfterInstructions() > 0 && bus.cpu() == 0 && instructions == cfg.throwAfterInstructions()) {
      cfg.throwKind().raise("cowsim.debug.throw-after-instructions reached (a simulated simulator bug)");
    }
    bus.spend(lat.instruction());
    lastFaultPage = -1;
  }

  /** After an instruction completed; false when user mode is left. */
  private boolean afterExecute(Outcome o, Instruction in) {
    switch (o.kind()) {
      case CONTINUE:
      case PAUSE:
      case STORE:
        return true;
      case SYSCALL:
        RegisterFile regs = cpu.current().regs();
        bus.spend(lat.syscall());
        regs.set(Reg.RCX, regs.rip);
        regs.set(Reg.R11, regs.rflags);
        cpu.mode(Mode.KERNEL);
        cpu.trap().syscall();
        return false;
      case ASSERT_FAILED:
      default:
        Context t = cpu.current();
        assertionFailures++;
        String where = "cpu-" + bus.cpu() + " pid " + t.pid() + " (" + t.name() + ") line " + in.line() + ": " + o.message();
        assertions.add(where);
        if (bus.observing()) {
          bus.observe(new Event.AssertionFailed(bus.now(), bus.cpu(), t.pid(), t.tid(), where));
        }
        cpu.mode(Mode.KERNEL);
        cpu.trap().assertionFailed(where);
        return false;
    }
  }

  private void memoryInstruction(Instruction in) {
    Mmu.FaultSink onFault = this::userFault;
    RegisterFile regs = cpu.current().regs();
    if (Semantics.needsLoad(in)) {
      long va = Semantics.loadAddress(in, regs);
      translate(va, false, pa -> load(pa, v -> afterLoad(in, v, onFault)), onFault);
    } else {
      afterLoad(in, 0, onFault);
    }
  }

  private void afterLoad(Instruction in, long loaded, Mmu.FaultSink onFault) {
    RegisterFile regs = cpu.current().regs();
    if (Semantics.needsStore(in)) {
      long va = Semantics.storeAddress(in, regs);
      translate(
          va,
          true,
          pa -> {
            Outcome o = Semantics.execute(in, regs, loaded);
            retire();
            store(pa, o.storeValue(), this::run);
          },
          onFault);
    } else {
      Outcome o = Semantics.execute(in, regs, loaded);
      retire();
      if (afterExecute(o, in)) {
        run();
      }
    }
  }

  private void load(long paddr, LongConsumer k) {
    memoryOps++;
    cpu.memoryOp();
    bus.send(bus.bankOf(paddr), lat.memoryAccess(), new MemoryBank.Read(bus.expect(k), paddr, access(false)));
  }

  private void store(long paddr, long value, Runnable k) {
    memoryOps++;
    cpu.memoryOp();
    bus.send(bus.bankOf(paddr), lat.memoryAccess(), new MemoryBank.Write(bus.expect(old -> k.run()), paddr, value, access(false)));
  }

  /**
   * The kernel's store into user memory (copy_to_user), translated for the current thread: the
   * observer sees it as the thread's store, marked as the kernel's. Not a user memory operation.
   */
  void storeForKernel(long va, long value, Runnable done, Mmu.FaultSink onFault) {
    translate(
        va,
        true,
        pa -> bus.send(bus.bankOf(pa), lat.memoryAccess(), new MemoryBank.Write(bus.expect(old -> done.run()), pa, value, access(true))),
        onFault);
  }

  /** The kernel's load from user memory (copy_from_user): {@link #storeForKernel}'s mirror. */
  void loadForKernel(long va, LongConsumer done, Mmu.FaultSink onFault) {
    translate(
        va,
        false,
        pa -> bus.send(bus.bankOf(pa), lat.memoryAccess(), new MemoryBank.Read(bus.expect(done), pa, access(true))),
        onFault);
  }

  /** Who is accessing memory, for the observer (only built when someone observes). */
  private Event.Access access(boolean kernel) {
    if (!bus.observing()) {
      return null;
    }
    Context t = cpu.current();
    return new Event.Access(mmu.cr3(), t.pid(), t.tid(), lastVa, mmu.lastHit(), kernel);
  }

  /** A user-mode access faulted: the kernel's page-fault path runs here, then the retry. */
  private void userFault(long va, boolean write, boolean present, boolean reserved) {
    long entered = bus.now();
    bus.spend(lat.faultEntry());
    cpu.mode(Mode.KERNEL);
    long page = va & ~0xfffL;
    if (page == lastFaultPage) {
      refaults++;
    } else {
      lastFaultPage = page;
      refaults = 1;
    }
    if (refaults > cfg.maxRefaults()) {
      refaultKills++;
      lastFaultPage = -1;
      if (bus.observing()) {
        Context t = cpu.current();
        bus.observe(new Event.Refault(bus.now(), bus.cpu(), t.pid(), t.tid(), va, refaults));
      }
      cpu.trap().fatal("refault loop: " + refaults + " faults on page " + hex(page) + " without progress");
      return;
    }
    cpu.trap().pageFault(va, write, present, reserved, () -> {
      faultLatency.record(bus.now() - entered);
      enter();
    });
  }

  /** Translate a user address for a load or store; faults go to {@code onFault}. */
  private void translate(long va, boolean write, LongConsumer k, Mmu.FaultSink onFault) {
    if (!VirtualAddress.user(va)) {
      onFault.fault(va, write, false, false);
      return;
    }
    if ((va & 7) != 0) {
      cpu.mode(Mode.KERNEL);
      cpu.trap().fatal("misaligned 8-byte access at " + hex(va) + " (cowsim supports aligned qwords only)");
      return;
    }
    lastVa = va;
    Context t = cpu.current();
    mmu.translate(va, write, t.pid(), t.tid(), k, onFault);
  }

  // ---- the current thread's faults without progress, saved and restored with it ----

  /** The page the current thread last faulted on without progress since, or -1. */
  long faultPage() {
    return lastFaultPage;
  }

  int faultCount() {
    return refaults;
  }

  /**
   * A thread is switched in with its own count: neither a switch nor another thread's
   * instructions on this CPU reset it, only its own progress.
   */
  void restoreFaults(long page, int count) {
    lastFaultPage = page;
    refaults = count;
  }

  // ---- counters ----

  long instructions() {
    return instructions;
  }

  long memoryOps() {
    return memoryOps;
  }

  long refaultKills() {
    return refaultKills;
  }

  /** Per user page fault the kernel resolved: cycles from the fault's entry to the retry. */
  Distribution faultLatency() {
    return faultLatency;
  }

  long assertionFailures() {
    return assertionFailures;
  }

  List<String> assertions() {
    return List.copyOf(assertions);
  }

  private static String hex(long v) {
    return "0x" + Long.toHexString(v);
  }
}
