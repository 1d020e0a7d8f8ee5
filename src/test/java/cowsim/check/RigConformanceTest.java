package cowsim.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.machine.observe.Event;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioLoader;
import cowsim.sim.SimResult;
import cowsim.sim.Simulation;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The {@link Rig} against the machine. Each kernel path (process start, fork, COW copy, COW reuse,
 * demand zero, munmap, mprotect, exit's teardown, the shootdown with acks and with a timeout) runs
 * in a small deterministic strat9 scenario whose event stream is recorded; the test then does the
 * same steps on the Rig and requires the same {@link TraceShape}: the same events, of the same
 * kinds, in the same order, with the same operation names and ranges, virtual addresses, values,
 * refcounts and TLB flags, frames compared by role (first appearance), cycles ignored.
 *
 * <p>Windows are cut per CPU between user loads of a read-only marker page R: the program loads
 * R+0, R+8, ... around each path, and the Rig does the same loads, so each window holds exactly one
 * path plus the translations around it. Shootdowns are compared across CPUs
 * ({@link TraceShape#shootdown}).
 *
 * <p>strat9 only: that is the profile the Rig models (no page-table lock, no mmap_lock, no
 * mm_cpumask shootdowns, shared ack words), so linux runs have other shapes by design.
 */
class RigConformanceTest {

  /** A writable data page, populated at start. */
  static final long X = Rig.A;
  /** The marker page: read-only, populated; its loads cut the windows. */
  static final long R = 0x41_0000L;
  /** Demand-zero pages: one next to X (its page table exists), one far away (new tables). */
  static final long D = 0x42_0000L;
  static final long FAR = Rig.FAR;
  /** A 3-page region touched on pages 0 and 2 only, and a 2-page populated one. */
  static final long U = 0x43_0000L;
  static final long P = 0x44_0000L;

  private static String scenario(String name, String kernel, String machine, String regions, String program) {
    return "name = " + name + "\nseed = 1\nmode = deterministic\n"
        + "machine { cpus = 2, memory = 16 MiB" + machine + " }\n"
        + "kernel { profile = strat9" + kernel + " }\n"
        + "processes = [\n  { name = main, cpu = 0, stack = 0,\n    memory = [\n" + regions
        + "      { at = 0x410000, size = 4 KiB, prot = r, populate = true }\n    ],\n"
        + "    program = \"\"\"\n" + program + "\n    \"\"\" }\n]\n"
        + "limits { max-cycles = 20000000 }\n";
  }

  /** The machine's event stream for a scenario text (the run must end with every process exited). */
  static List<Event> record(String text) throws Exception {
    Scenario s = ScenarioLoader.parse(text, "conformance.conf", List.of());
    List<Event> log = Collections.synchronizedList(new ArrayList<>());
    // the Rig models what the oracles judge, not the timeline's events
    SimResult r = new Simulation().withListener(e -> {
      if (!(e instanceof Event.TimelineOnly)) {
        log.add(e);
      }
    }).run(s, null);
    assertEquals(SimResult.Ending.ALL_EXITED, r.ending(), r.endDetail());
    assertTrue(r.assertionFailures().isEmpty(), r.assertionFailures().toString());
    synchronized (log) {
      return List.copyOf(log);
    }
  }

  static Predicate<Event> marker(long offset) {
    return TraceShape.userAccess(R + offset);
  }

  /** cpu's events after the load of R+from, through the load of R+to. */
  static List<Event> window(List<Event> log, int cpu, long from, long to) {
    return TraceShape.between(TraceShape.onCpu(log, cpu), marker(from), marker(to));
  }

  static void assertSameShape(List<Event> machine, List<Event> rig, String what) {
    assertEquals(TraceShape.text(machine), TraceShape.text(rig), what + ": the Rig differs from the machine");
  }

  static void assertHas(List<Event> window, String line) {
    List<String> shape = TraceShape.of(window);
    assertTrue(shape.contains(line), "expected '" + line + "' in:\n" + String.join("\n", shape));
  }

  /** boot as the machine does it: the writable populated pages, then the read-only marker page. */
  static long start(Rig r, long... writable) {
    long cr3 = r.start(0, 1, writable);
    r.demandZero(0, cr3, R, false);
    return cr3;
  }

  // ================================================================== fork, COW copy, COW reuse, exit

  /**
   * main stores into X and forks; it copies X (the child still shares it) and waits. The child
   * (cpu-1) waits a while, then reuses the old frame in place (the parent's copy left it at
   * refcount 1), and exits.
   */
  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class ForkCowExit {
    List<Event> machine;
    List<Event> rig;

    @BeforeAll
    void run() throws Exception {
      machine =
          record(
              scenario(
                  "conformance-fork",
                  "",
                  "",
                  "      { at = 0x400000, size = 4 KiB, prot = rw, populate = true }\n",
                  """
                  mov rbx, 0x400000
                  mov rbp, 0x410000
                  mov qword [rbx], 7
                  mov rcx, [rbp]
                  mov rax, SYS_fork
                  syscall
                  cmp rax, 0
                  je child
                  mov r12, rax
                  mov rcx, [rbp + 8]
                  mov qword [rbx], 8
                  mov rcx, [rbp + 16]
                  mov rax, SYS_wait4
                  mov rdi, r12
                  mov rsi, 0
                  syscall
                  mov rax, SYS_exit_group
                  mov rdi, 0
                  syscall
                child:
                  mov rcx, [rbp + 24]
                  mov r13, 20000
                spin:
                  dec r13
                  jne spin
                  mov rcx, [rbp + 32]
                  mov qword [rbx], 9
                  mov rcx, [rbp + 40]
                  mov rax, SYS_exit
                  mov rdi, 0
                  syscall
                  """));
      Rig r = new Rig(2, 16, 32);
      long p = start(r, X);
      r.store(0, X, 7);
      r.load(0, R);
      long child = r.fork(0, p, 2, X, R);
      r.load(0, R + 8);
      r.userStore(0, X, 8);
      r.load(0, R + 16);
      r.run(1, 2, 2, child);
      r.load(1, R + 24);
      r.load(1, R + 32);
      r.userStore(1, X, 9);
      r.load(1, R + 40);
      r.exit(1, 2, child, X, R);
      rig = r.log;
    }

    @Test
    void processStart() {
      Predicate<Event> firstAccess = e -> e instanceof Event.MemWrite w && w.access() != null && w.access().user();
      List<Event> m = TraceShape.upTo(TraceShape.onCpu(machine, 0), firstAccess);
      assertHas(m, "cpu-0 process-space pid 1 cr3 F0 parent none");
      assertSameShape(m, TraceShape.upTo(TraceShape.onCpu(rig, 0), firstAccess), "process start");
    }

    @Test
    void fork() {
      List<Event> m = window(machine, 0, 0, 8);
      assertHas(m, "cpu-0 begin fork cr3 F0 [0x0, 0x800000000000)");
      assertHas(m, "cpu-0 shootdown done, 0 acks missing");
      assertSameShape(m, window(rig, 0, 0, 8), "fork");
    }

    @Test
    void shootdownOfAnIdleCpu() {
      List<Event> m = TraceShape.shootdown(machine);
      assertHas(m, "cpu-1 tlb-flush (flush IPI from cpu-0)");
      assertSameShape(m, TraceShape.shootdown(rig), "fork's shootdown_all");
    }

    @Test
    void cowCopy() {
      List<Event> m = window(machine, 0, 8, 16);
      assertHas(m, "cpu-0 begin cow fault cr3 F0 [0x400000, 0x401000)");
      assertHas(m, "cpu-0 write-frame F5 copy of F4");
      assertSameShape(m, window(rig, 0, 8, 16), "COW copy");
    }

    @Test
    void cowReuse() {
      List<Event> m = window(machine, 1, 32, 40);
      assertHas(m, "cpu-1 begin cow fault cr3 F0 [0x400000, 0x401000)");
      assertHas(m, "cpu-1 ref-read F4 = 1");
      assertSameShape(m, window(rig, 1, 32, 40), "COW reuse");
    }

    @Test
    void exitTeardown() {
      Predicate<Event> gone = TraceShape.kind(Event.SpaceGone.class);
      List<Event> m = TraceShape.between(TraceShape.onCpu(machine, 1), marker(40), gone);
      assertHas(m, "cpu-1 space-gone pid 2 cr3 F0");
      assertSameShape(m, TraceShape.between(TraceShape.onCpu(rig, 1), marker(40), gone), "exit teardown");
    }
  }

  // ================================================================== demand zero

  /** A store to a page whose page table exists, then a load far away (three new tables). */
  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class DemandZero {
    List<Event> machine;
    List<Event> rig;

    @BeforeAll
    void run() throws Exception {
      machine =
          record(
              scenario(
                  "conformance-demand-zero",
                  "",
                  "",
                  "      { at = 0x420000, size = 4 KiB, prot = rw }\n"
                      + "      { at = 0x7f0000000000, size = 4 KiB, prot = rw }\n",
                  """
                  mov rbp, 0x410000
                  mov rbx, 0x420000
                  mov rdx, 0x7f0000000000
                  mov rcx, [rbp]
                  mov qword [rbx], 5
                  mov rcx, [rbp + 8]
                  mov rax, [rdx]
                  mov rcx, [rbp + 16]
                  mov rax, SYS_exit
                  mov rdi, 0
                  syscall
                  """));
      Rig r = new Rig(2, 16, 32);
      start(r);
      r.load(0, R);
      r.userStore(0, D, 5);
      r.load(0, R + 8);
      assertEquals(0, r.userLoad(0, FAR));
      r.load(0, R + 16);
      rig = r.log;
    }

    @Test
    void storeIntoAnUntouchedPage() {
      List<Event> m = window(machine, 0, 0, 8);
      assertHas(m, "cpu-0 write-frame F4 zero");
      assertSameShape(m, window(rig, 0, 0, 8), "demand zero (store)");
    }

    @Test
    void loadFromAnUntouchedPageWithNoTables() {
      List<Event> m = window(machine, 0, 8, 16);
      assertHas(m, "cpu-0 alloc F2");
      assertSameShape(m, window(rig, 0, 8, 16), "demand zero (load, new tables)");
    }
  }

  // ================================================================== mprotect, munmap

  /**
   * U (3 pages) is touched on pages 0 and 2; P (2 pages) is populated and page 0 is in the TLB.
   * mprotect P read-only, then writable again; munmap the whole of U (strat9 stops at the
   * untouched page 1 and leaks page 2); munmap P's second page.
   */
  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class MprotectMunmap {
    List<Event> machine;
    List<Event> rig;

    @BeforeAll
    void run() throws Exception {
      machine =
          record(
              scenario(
                  "conformance-mprotect-munmap",
                  "",
                  "",
                  "      { at = 0x430000, size = 12 KiB, prot = rw }\n"
                      + "      { at = 0x440000, size = 8 KiB, prot = rw, populate = true }\n",
                  """
                  mov rbp, 0x410000
                  mov rbx, 0x430000
                  mov r14, 0x440000
                  mov rcx, [rbp]
                  mov qword [rbx], 1
                  mov qword [rbx + 0x2000], 3
                  mov rcx, [r14]
                  mov rcx, [rbp + 8]
                  mov rax, SYS_mprotect
                  mov rdi, 0x440000
                  mov rsi, 8192
                  mov rdx, PROT_READ
                  syscall
                  mov rcx, [rbp + 16]
                  mov rax, SYS_mprotect
                  mov rdi, 0x440000
                  mov rsi, 8192
                  mov rdx, 3
                  syscall
                  mov rcx, [rbp + 24]
                  mov rax, SYS_munmap
                  mov rdi, 0x430000
                  mov rsi, 0x3000
                  syscall
                  mov rcx, [rbp + 32]
                  mov rax, SYS_munmap
                  mov rdi, 0x441000
                  mov rsi, 4096
                  syscall
                  mov rcx, [rbp + 40]
                  mov rax, SYS_exit
                  mov rdi, 0
                  syscall
                  """));
      Rig r = new Rig(2, 16, 32);
      start(r, P, P + 4096);
      r.load(0, R);
      r.userStore(0, U, 1);
      r.userStore(0, U + 0x2000, 3);
      r.load(0, P);
      r.load(0, R + 8);
      r.mprotect(0, P, P + 8192, false);
      r.load(0, R + 16);
      r.mprotect(0, P, P + 8192, true);
      r.load(0, R + 24);
      r.munmap(0, U, U + 0x3000, true);
      r.load(0, R + 32);
      r.munmap(0, P + 4096, P + 8192);
      r.load(0, R + 40);
      rig = r.log;
    }

    @Test
    void touchingPages() {
      assertSameShape(window(machine, 0, 0, 8), window(rig, 0, 0, 8), "demand zero of U, P's TLB fill");
    }

    @Test
    void mprotectReadOnly() {
      List<Event> m = window(machine, 0, 8, 16);
      assertHas(m, "cpu-0 begin mprotect cr3 F0 [0x440000, 0x442000)");
      assertSameShape(m, window(rig, 0, 8, 16), "mprotect read-only");
    }

    @Test
    void mprotectWritableAgain() {
      assertSameShape(window(machine, 0, 16, 24), window(rig, 0, 16, 24), "mprotect read-write");
    }

    @Test
    void munmapOfAWholeRegionStopsAtItsFirstUntouchedPage() {
      List<Event> m = window(machine, 0, 24, 32);
      assertHas(m, "kernel unmapped cr3 F0 [0x430000, 0x433000)");
      assertHas(m, "cpu-0 begin munmap cr3 F0 [0x430000, 0x433000)");
      assertSameShape(m, window(rig, 0, 24, 32), "munmap of a whole region");
    }

    @Test
    void munmapOfPartOfARegion() {
      List<Event> m = window(machine, 0, 32, 40);
      assertHas(m, "cpu-0 begin munmap cr3 F0 [0x441000, 0x442000)");
      assertSameShape(m, window(rig, 0, 32, 40), "munmap of one page");
    }
  }

  // ================================================================== shootdowns

  /**
   * main clones a thread (cpu-1) that stores into X+8 and then loads X in a loop; main waits for
   * the store and forks: fork's shootdown_all interrupts the thread in user mode. With
   * {@code timeout}, IPIs are slow and the spin limit is two polls: the shootdown gives up, and
   * the IPI lands later.
   */
  abstract static class ForkNextToAThread {
    List<Event> machine;
    List<Event> rig;

    abstract boolean timeout();

    @BeforeAll
    void run() throws Exception {
      machine =
          record(
              scenario(
                  "conformance-shootdown",
                  timeout() ? ", tlb.ack-timeout-spins = 2" : "",
                  timeout() ? ", latency { ipi = 3000 }" : "",
                  "      { at = 0x400000, size = 4 KiB, prot = rw, populate = true }\n",
                  """
                  mov rbx, 0x400000
                  mov rbp, 0x410000
                  mov rcx, [rbp]
                  mov rax, SYS_clone
                  mov rdi, CLONE_VM
                  mov rsi, 0x700000
                  syscall
                  cmp rax, 0
                  je thread
                wait:
                  mov rax, [rbx + 8]
                  cmp rax, 1
                  jne wait
                  mov rcx, [rbp + 8]
                  mov rax, SYS_fork
                  syscall
                  cmp rax, 0
                  je child
                  mov rcx, [rbp + 16]
                child:
                  mov rax, SYS_exit
                  mov rdi, 0
                  syscall
                thread:
                  mov qword [rbx + 8], 1
                  mov r13, 3000
                loop:
                  mov rax, [rbx]
                  dec r13
                  jne loop
                  mov rax, SYS_exit
                  mov rdi, 0
                  syscall
                  """));
      Rig r = new Rig(2, 16, 32);
      long p = start(r, X);
      r.load(0, R);
      r.run(1, 1, 2, p);
      r.store(1, X + 8, 1);
      r.load(1, X);
      assertEquals(1, r.load(0, X + 8));
      r.load(0, R + 8);
      Rig.Fork fork = r.forkBegin(0, p).clone(X, R);
      if (timeout()) {
        fork.shootdown().end(3);
        r.load(0, R + 16);
        r.flushIpi(1, 0); // the IPI lands after the initiator gave up
      } else {
        fork.shootdownAll().end(3);
        r.load(0, R + 16);
      }
      r.load(1, X);
      rig = r.log;
    }

    @Test
    void shootdownAcrossCpus() {
      List<Event> m = TraceShape.shootdown(machine);
      assertHas(m, "cpu-0 shootdown done, " + (timeout() ? 1 : 0) + " acks missing");
      assertSameShape(m, TraceShape.shootdown(rig), "shootdown");
    }

    @Test
    void forkOnTheInitiator() {
      assertSameShape(window(machine, 0, 8, 16), window(rig, 0, 8, 16), "fork next to a thread");
    }

    /**
     * The thread's events from the flush to its next load of X: the walk again. (Its ack is a
     * posted store that may land after the walk's first read; shootdownAcrossCpus orders it.)
     */
    @Test
    void theInterruptedThreadWalksAgain() {
      Predicate<Event> ipi = e -> e instanceof Event.TlbFlush f && f.why().startsWith("flush IPI");
      Predicate<Event> ack = e -> e instanceof Event.MemWrite w && w.paddr() == Rig.ackWord(1);
      List<Event> m = TraceShape.between(TraceShape.onCpu(machine, 1), ipi, TraceShape.userAccess(X));
      List<Event> g = TraceShape.between(TraceShape.onCpu(rig, 1), ipi, TraceShape.userAccess(X));
      m = m.stream().filter(ack.negate()).toList();
      assertHas(m, "cpu-1 tlb-fill cr3 F0 0x400000 F4 ro");
      assertSameShape(m, g.stream().filter(ack.negate()).toList(), "the target after the IPI");
    }
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class ShootdownAcked extends ForkNextToAThread {
    @Override
    boolean timeout() {
      return false;
    }
  }

  @Nested
  @TestInstance(TestInstance.Lifecycle.PER_CLASS)
  class ShootdownTimedOut extends ForkNextToAThread {
    @Override
    boolean timeout() {
      return true;
    }
  }
}
