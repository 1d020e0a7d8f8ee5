package cowsim.machine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.isa.Assembler;
import cowsim.isa.Reg;
import cowsim.isa.RegisterFile;
import cowsim.machine.cpu.CpuActor.Mode;
import cowsim.machine.cpu.CpuActor.Resume;
import cowsim.machine.interconnect.Topology;
import cowsim.machine.memory.MemoryBank;
import cowsim.machine.mmu.Mmu;
import cowsim.machine.mmu.PageWalk;
import cowsim.machine.mmu.Pte;
import cowsim.machine.observe.Event;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The user-mode pipeline without a run: batches and their Resume, the steps of a memory
 * instruction, the traps (with the CPU in kernel mode when the kernel is called), the refault
 * limit and a return to user mode from inside a trap.
 */
class UserPipelineTest {

  private static final Topology TOPO = new Topology(1, 1);
  private static final long PML4 = 0x40;
  private static final long[] TABLES = {0x41, 0x42, 0x43};
  private static final long LEAF = 0x50;
  private static final long VA = 0x400008;

  /** The kernel's entries, recorded; {@code returnAtOnce} makes a syscall return to user mode from inside the call. */
  private final class Trap implements TrapHandler {
    final List<String> calls = new ArrayList<>();
    boolean returnAtOnce;
    boolean retryFaults;

    private void record(String c) {
      assertEquals(Mode.KERNEL, cpu.mode, "the kernel is entered in kernel mode: " + c);
      calls.add(c);
    }

    @Override
    public void reschedule() {
      record("reschedule");
    }

    @Override
    public void syscall() {
      record("syscall " + cpu.regs.get(Reg.RAX));
      if (returnAtOnce) {
        pipeline.enter();
      }
    }

    @Override
    public void pageFault(long va, boolean write, boolean present, boolean reserved, Runnable retry) {
      record("pageFault 0x" + Long.toHexString(va) + (write ? " write" : " read") + (present ? " present" : "") + (reserved ? " reserved" : ""));
      if (retryFaults) {
        retry.run();
      }
    }

    @Override
    public void badFetch(long rip) {
      record("badFetch " + rip);
    }

    @Override
    public void programEnd() {
      record("programEnd");
    }

    @Override
    public void assertionFailed(String where) {
      record("assert " + where);
    }

    @Override
    public void fatal(String reason) {
      record("fatal " + reason);
    }

    @Override
    public void killed(long code) {
      record("killed " + code);
    }

    @Override
    public void counters(Map<String, Long> into) {}
  }

  /** The CPU around the pipeline: its mode and thread; no interrupts pending. */
  private final class Cpu implements UserPipeline.Cpu {
    Mode mode = Mode.KERNEL;
    RegisterFile regs = new RegisterFile();
    Context current;
    int boundaries;
    long memoryOps;
    long sliceEnd = Long.MAX_VALUE;

    @Override
    public Mode mode() {
      return mode;
    }

    @Override
    public void mode(Mode m) {
      mode = m;
    }

    @Override
    public boolean boundary() {
      boundaries++;
      if (bus.now >= sliceEnd) {
        mode = Mode.KERNEL;
        trap.reschedule();
        return true;
      }
      return false;
    }

    @Override
    public long sliceEnd() {
      return sliceEnd;
    }

    @Override
    public TrapHandler trap() {
      return trap;
    }

    @Override
    public Context current() {
      return current;
    }

    @Override
    public void memoryOp() {
      memoryOps++;
    }
  }

  private final FakeBus bus = new FakeBus(0, TOPO);
  private final Mmu mmu = new Mmu(bus, 64, 4, false, FakeBus.LAT.tlbHit(), PML4);
  private final Trap trap = new Trap();
  private final Cpu cpu = new Cpu();
  private UserPipeline pipeline = pipeline(4, 10);

  private UserPipeline pipeline(int batch, int maxRefaults) {
    return pipeline(batch, maxRefaults, false);
  }

  private UserPipeline pipeline(int batch, int maxRefaults, boolean stepCountdowns) {
    CpuConfig cfg = new CpuConfig(64, 4, cowsim.machine.mmu.HugeTlb.DEFAULT, batch, 1_000_000, 1_000_000_000, maxRefaults, false, 1, new ShootdownUnit.Config(false, 0, 3), 0, 1_000_000, 0, InjectedFault.EXCEPTION, stepCountdowns);
    return new UserPipeline(cfg, FakeBus.LAT, bus, mmu, cpu);
  }

  private void run(String program) throws Exception {
    cpu.regs.rip = 0;
    cpu.current = new Context(4, 5, "t", cpu.regs, Assembler.assemble(program));
    pipeline.enter();
  }

  /** Answers the walk of {@link #VA} with writable, accessed, dirty entries down to {@link #LEAF}. */
  private void answerWalk() {
    long table = PML4;
    for (int level = 4; level >= 1; level--) {
      MemoryBank.Read r = bus.takeFirst(MemoryBank.Read.class);
      assertEquals(PageWalk.entryAddress(table, VA, level), r.paddr());
      assertEquals(Event.Access.WALK, r.access());
      long next = level == 1 ? LEAF : TABLES[4 - level];
      bus.answer(Pte.make(next, Pte.P | Pte.RW | Pte.US | Pte.A | Pte.D));
      table = next;
    }
  }

  @Test
  void registerOnlyInstructionsRunABatchThenTheCpuResumesItself() throws Exception {
    run("loop: add rax, 1\n jmp loop");
    assertEquals(Mode.USER, cpu.mode);
    assertEquals(4, pipeline.instructions());
    assertEquals(2, cpu.regs.get(Reg.RAX));
    assertEquals(4 * FakeBus.LAT.instruction(), bus.now);
    FakeBus.Sent resume = bus.takeFirst();
    assertEquals(new Resume(), resume.payload());
    assertEquals(0, resume.dst());
    assertEquals(0, resume.latency());
    assertEquals(5, cpu.boundaries, "a boundary before each instruction and before the Resume");
    pipeline.run(); // the Resume arrives
    assertEquals(8, pipeline.instructions());
  }

  /**
   * A delay loop ({@code dec rcx; jne}) run many iterations at a time stops where stepping it
   * stops: the same Resumes at the same virtual times, the same registers and instruction count
   * at each, and a time slice that ends inside the loop preempts at the same instruction. Each
   * line of the result is one packet's end.
   */
  @Test
  void aCountdownLoopRunsAtOnceWhereSteppingWouldRunItAndStopsWhereSteppingStops() throws Exception {
    String program = "mov rcx, 200\n mov rdx, 3\nwait: dec rcx\n jne wait\n add rax, 1\n dec rdx\n jne again\n jmp end\nagain: mov rcx, 7\n jmp wait\nend: nop";
    for (int batch : new int[] {1, 2, 3, 4, 7, 64}) {
      for (long slice : new long[] {Long.MAX_VALUE, 1, 2, 57, 58, 200, 401, 402}) {
        List<String> stepped = packets(program, batch, slice, true);
        List<String> fast = packets(program, batch, slice, false);
        assertEquals(stepped, fast, "batch " + batch + ", slice ending at " + slice);
      }
    }
  }

  /** Runs {@code program} packet by packet (each Resume delivered) until it leaves user mode. */
  private List<String> packets(String program, int batch, long slice, boolean step) throws Exception {
    bus.sent.clear();
    bus.now = 0;
    trap.calls.clear();
    cpu.mode = Mode.KERNEL;
    cpu.regs = new RegisterFile();
    cpu.sliceEnd = slice;
    pipeline = pipeline(batch, 10, step);
    List<String> out = new ArrayList<>();
    run(program);
    while (true) {
      out.add(bus.now + " " + pipeline.instructions() + " " + cpu.regs + " " + trap.calls + " " + bus.sent);
      if (cpu.mode != Mode.USER || bus.sent.isEmpty()) {
        return out;
      }
      assertEquals(new Resume(), bus.takeFirst().payload());
      pipeline.run();
    }
  }

  @Test
  void syscallClobbersRcxAndR11AndTrapsInKernelMode() throws Exception {
    cpu.regs.rflags = 0x202;
    run("mov rax, 39\n syscall\n nop");
    assertEquals(List.of("syscall 39"), trap.calls);
    assertEquals(2, cpu.regs.get(Reg.RCX), "the return rip");
    assertEquals(0x202, cpu.regs.get(Reg.R11));
    assertEquals(2 * FakeBus.LAT.instruction() + FakeBus.LAT.syscall(), bus.now);
    assertTrue(bus.sent.isEmpty());
  }

  @Test
  void aLoadIsATranslationThenOneReadAndTheInstructionRetiresOnTheAnswer() throws Exception {
    run("mov rbx, " + VA + "\n mov rax, [rbx]\n add rax, 1");
    assertEquals(1, pipeline.instructions(), "the load waits for its translation");
    answerWalk();
    MemoryBank.Read load = bus.takeFirst(MemoryBank.Read.class);
    assertEquals((LEAF << 12) | (VA & 0xfff), load.paddr());
    assertEquals(new Event.Access(PML4, 4, 5, VA, false, false), load.access(), "the thread's access, translated by a walk");
    assertEquals(1, cpu.memoryOps);
    bus.answer(41);
    assertEquals(42, cpu.regs.get(Reg.RAX));
    assertEquals(List.of("programEnd"), trap.calls, "then it runs on, past the end");
  }

  @Test
  void aStoreRetiresWhenTranslatedAndTheNextInstructionWaitsForTheWrite() throws Exception {
    run("mov rbx, " + VA + "\n mov rax, 7\n mov [rbx], rax\n mov rcx, 1");
    answerWalk();
    MemoryBank.Write w = bus.takeFirst(MemoryBank.Write.class);
    assertEquals(7, w.value());
    assertEquals(3, pipeline.instructions(), "retired before its write is answered");
    assertEquals(0, cpu.regs.get(Reg.RCX));
    bus.answer(0);
    assertEquals(1, cpu.regs.get(Reg.RCX));
    // a second store to the page hits the TLB: no walk
    cpu.regs.rip = 2;
    pipeline.enter();
    MemoryBank.Write again = bus.takeFirst(MemoryBank.Write.class);
    assertTrue(again.access().tlbHit());
  }

  @Test
  void theEndOfTheProgramEndsItAndARipOutsideIsAFetchFault() throws Exception {
    run("nop");
    assertEquals(List.of("programEnd"), trap.calls);
    trap.calls.clear();
    cpu.regs.rip = -3;
    long before = bus.now;
    pipeline.enter();
    assertEquals(List.of("badFetch -3"), trap.calls);
    assertEquals(before + FakeBus.LAT.faultEntry(), bus.now);
  }

  @Test
  void faultsOnOnePageWithoutProgressStopTheThreadAfterTheLimit() throws Exception {
    pipeline = pipeline(4, 3);
    trap.retryFaults = true;
    run("mov rbx, " + VA + "\n mov rax, [rbx]");
    for (int i = 0; i < 4; i++) {
      bus.takeFirst(MemoryBank.Read.class);
      bus.answer(0); // the PML4 entry is missing: a fault, and the kernel retries at once
    }
    assertEquals(
        List.of(
            "pageFault 0x400008 read", "pageFault 0x400008 read", "pageFault 0x400008 read",
            "fatal refault loop: 4 faults on page 0x400000 without progress"),
        trap.calls);
    assertEquals(1, pipeline.refaultKills());
    assertEquals(List.of(new Event.Refault(bus.now, 0, 4, 5, VA, 4)), bus.events(Event.Refault.class));
    assertEquals(-1, pipeline.faultPage(), "forgotten once the thread is stopped");
  }

  @Test
  void aReservedBitFaultReachesTheKernelWithPresentAndReservedSet() throws Exception {
    run("mov rbx, " + VA + "\n mov rax, [rbx]");
    bus.takeFirst(MemoryBank.Read.class);
    bus.answer(Pte.make(TABLES[0], Pte.P | Pte.RW | Pte.US | Pte.A | Pte.PS)); // PS in a PML4 entry
    assertEquals(List.of("pageFault 0x400008 read present reserved"), trap.calls);
    assertTrue(bus.sent.isEmpty(), "the walk stops at the PML4 entry");
  }

  @Test
  void theFaultCountTravelsWithTheThreadAndARetiredInstructionResetsIt() throws Exception {
    run("mov rbx, " + VA + "\n mov rax, [rbx]");
    bus.takeFirst(MemoryBank.Read.class);
    bus.answer(0);
    assertEquals(VA & ~0xfffL, pipeline.faultPage());
    assertEquals(1, pipeline.faultCount());
    pipeline.restoreFaults(VA & ~0xfffL, 5); // switched in with its saved count
    cpu.regs.rip = 1;
    pipeline.enter();
    bus.takeFirst(MemoryBank.Read.class);
    bus.answer(0);
    assertEquals(6, pipeline.faultCount());
    cpu.regs.rip = 0;
    pipeline.enter(); // mov rbx retires, then mov rax faults again
    bus.takeFirst(MemoryBank.Read.class);
    bus.answer(0);
    assertEquals(1, pipeline.faultCount(), "after progress, a new count");
  }

  @Test
  void aMisalignedAccessIsFatalAndANonUserAddressFaults() throws Exception {
    run("mov rbx, " + (VA + 4) + "\n mov rax, [rbx]");
    assertEquals(List.of("fatal misaligned 8-byte access at 0x40000c (cowsim supports aligned qwords only)"), trap.calls);
    assertTrue(bus.sent.isEmpty(), "no walk");
    trap.calls.clear();
    run("mov rbx, 0xffff800000000000\n mov rax, [rbx]");
    assertEquals(List.of("pageFault 0xffff800000000000 read"), trap.calls);
    assertTrue(bus.sent.isEmpty());
  }

  @Test
  void aReturnToUserModeFromInsideASyscallDoesNotNestAndTheCpuResumesAfterBatchReturns() throws Exception {
    trap.returnAtOnce = true;
    run("mov rax, 39\n loop: syscall\n jmp loop");
    long syscalls = trap.calls.stream().filter(c -> c.startsWith("syscall")).count();
    assertEquals(4, syscalls, "one per batch: the first and batch - 1 re-entries");
    assertEquals(new Resume(), bus.takeFirst().payload());
    assertEquals(Mode.USER, cpu.mode);
    assertTrue(bus.sent.isEmpty());
  }

  @Test
  void theKernelsStoreIsTheThreadsStoreMarkedAsTheKernels() throws Exception {
    cpu.current = new Context(4, 5, "t", cpu.regs, Assembler.assemble("nop"));
    int[] done = {0};
    pipeline.storeForKernel(VA, 0x100, () -> done[0]++, (va, write, present, reserved) -> trap.calls.add("fault"));
    answerWalk();
    MemoryBank.Write w = bus.takeFirst(MemoryBank.Write.class);
    assertEquals(new Event.Access(PML4, 4, 5, VA, false, true), w.access());
    assertEquals(0, cpu.memoryOps, "not a user memory operation");
    bus.answer(0);
    assertEquals(1, done[0]);
    assertFalse(trap.calls.contains("fault"));
  }
}
