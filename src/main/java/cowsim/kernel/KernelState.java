package cowsim.kernel;

import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import cowsim.isa.RegisterFile;
import cowsim.kernel.ProcessTable.Process;
import cowsim.kernel.ProcessTable.State;
import cowsim.kernel.ProcessTable.Task;
import cowsim.machine.cpu.CpuActor;
import cowsim.machine.interconnect.Latencies;
import cowsim.machine.interconnect.Node;
import cowsim.machine.interconnect.NodeMsg;
import cowsim.machine.interconnect.NodeStats;
import cowsim.machine.interconnect.Payload;
import cowsim.machine.interconnect.Reply;
import cowsim.machine.interconnect.RunEvent;
import cowsim.machine.interconnect.Topology;
import cowsim.machine.observe.Event;
import cowsim.stats.Stat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The kernel's shared structures as an actor: the process and task tables ({@link ProcessTable}),
 * each process's VMAs ({@link VmaMap}) and the per-CPU run queues ({@link RunQueues}), plain
 * classes this actor only routes requests to, turning their answers into replies, reschedule and
 * kill IPIs and observed events. In strat9 these sit behind locks in kernel memory; here each request is one message, so a
 * request is one critical section. The code that touches page tables, refcounts and TLBs does
 * not run here: it runs on the CPU that trapped, one memory message per step.
 */
public final class KernelState extends Node<KernelState.Request> {

  /** Requests from the kernel code running on a CPU. Each is answered with the same tag. */
  public sealed interface Request extends Payload.ToKernel
      permits Schedule, Exit, TeardownDone, Wait, FindVma, GetVmas, NewProcess, NewThread, SetCr3,
          Mmap, Munmap, Mprotect, SetAffinity, MmCpus, PipeCreate, PipeRoom, PipePush, PipeRead, PipeClose,
          PipeCloseAll, GupDevice, Madvise, FlushPending, Rusage, Output {}

  /** pipe2: a new pipe's two ends. Answer: {@link Result} with the read end, the write end in {@code extra}. */
  public record PipeCreate(long tag, long pid) implements Request {}

  /** How many buffers write end {@code fd} can take (or -EBADF, -EPIPE). Answer: {@link Result}. */
  public record PipeRoom(long tag, long pid, long fd) implements Request {}

  /** Append buffers to write end {@code fd}'s pipe (room checked before). Answer: {@link Result} 0. */
  public record PipePush(long tag, long pid, long fd, List<Pipes.Buf> bufs) implements Request {}

  /** pipe_read of at most {@code max} bytes. Answer: {@link PipeData} (value: 0 or -errno; the pieces). */
  public record PipeRead(long tag, long pid, long fd, long max) implements Request {}

  /** close. Answer: {@link PipeData} (value 0 or -EBADF; the buffers released when the pipe went). */
  public record PipeClose(long tag, long pid, long fd) implements Request {}

  /** exit_files. Answer: {@link PipeData} with the buffers released. */
  public record PipeCloseAll(long tag, long pid) implements Request {}

  /** What a {@link GupDevice} request does with the gup_test device's files and pins. */
  public enum GupOp {
    /** openat: value the new descriptor */
    OPEN,
    /** value 1 when {@code fd} is the device, 0 another file, -EBADF none */
    KIND,
    /** value 1 when pages are pinned */
    PINNED,
    /** keep {@code bufs} as the pinned pages: value 0, or -EINVAL (pinned already; nothing kept) */
    SET,
    /** released: the pinned pages (kept) */
    GET,
    /** released: the pinned pages, none kept any more (pin_longterm_test_stop) */
    TAKE
  }

  /** The gup_test device's state (mm/gup_test.c). Answer: {@link PipeData}. */
  public record GupDevice(long tag, long pid, long fd, GupOp op, List<Pipes.Buf> bufs) implements Request {}

  /**
   * The CPU gives up its task (tid 0: it had none) and asks what to run. The task goes back to a
   * run queue with its registers, refault count and minor faults. Answer: {@link Run}, {@link
   * Idle} or {@link Teardown}.
   */
  public record Schedule(long tag, int cpu, long tid, RegisterFile regs, TaskImage.Refaults refaults, long minflt) implements Request {}

  /**
   * A thread ends ({@code group}: exit_group, every thread of the process). Answer:
   * {@link Teardown} when it was the process's last thread, else {@link Run} or {@link Idle}.
   * {@code minflt}: its minor faults, added to its process's (__exit_signal: sig->min_flt).
   */
  public record Exit(long tag, int cpu, long tid, long code, boolean group, String killReason, long minflt)
      implements Request {}

  /** The CPU has torn down the address space of a dead process. Answer: Run or Idle. */
  public record TeardownDone(long tag, int cpu, long pid) implements Request {}

  /**
   * wait4: answer {@link Result} (rax; the status in {@code extra}) at once, or block the task
   * and answer Run or Idle; the task later resumes with rax set and a {@link TaskImage.WriteStatus}.
   */
  public record Wait(long tag, int cpu, long tid, RegisterFile regs, long pid, long statusAddr, long minflt)
      implements Request {}

  /** The VMA containing va, or null. Answer: {@link VmaAnswer}. */
  public record FindVma(long tag, long pid, long va) implements Request {}

  /** All VMAs of a process. Answer: {@link VmaList}. */
  public record GetVmas(long tag, long pid) implements Request {}

  /** fork's build_child_task + add_task_with_parent. Answer: {@link Result} with the pid. */
  public record NewProcess(long tag, long parentTid, long cr3, List<Vma> vmas, RegisterFile regs)
      implements Request {}

  /**
   * clone(CLONE_VM): a thread in the caller's process. Answer: {@link Result} with the tid; or,
   * when the caller was killed by its group's exit meanwhile, no thread and the caller ends: Run,
   * Idle or Teardown, as for {@link Exit}.
   */
  public record NewThread(long tag, long parentTid, RegisterFile regs) implements Request {}

  /** The boot path allocated the process's PML4. Answer: {@link Result}. */
  public record SetCr3(long tag, long pid, long cr3) implements Request {}

  /** mmap(anonymous, private). Answer: {@link Result}: address or -errno. */
  public record Mmap(long tag, long pid, long addr, long length, long prot, long flags)
      implements Request {}

  /** munmap: VMAs cut. Answer: {@link VmaList} of the ranges that were mapped (to unmap). */
  public record Munmap(long tag, long pid, long addr, long length) implements Request {}

  /** mprotect: VMAs changed. Answer: {@link VmaList} of the ranges with their new protection. */
  public record Mprotect(long tag, long pid, long addr, long length, long prot) implements Request {}

  /**
   * madvise: nothing changes. Answer: {@link VmaList} of the parts of the range inside VMAs (with
   * 0, or -ENOMEM for a hole, or -EINVAL), or {@link Result} 0 for length 0.
   */
  public record Madvise(long tag, long pid, long addr, long length, long advice) implements Request {}

  /**
   * mm->tlb_flush_pending of the address space {@code cr3} (an atomic_t of the mm in Linux): adds
   * {@code delta} (+1, -1 or 0 to read). Answer: {@link Result} with the new value.
   */
  public record FlushPending(long tag, long cr3, long delta) implements Request {}

  /** sched_setaffinity (simplified: one CPU). Answer: {@link Result}. */
  public record SetAffinity(long tag, long callerTid, long tid, long cpu) implements Request {}

  /**
   * Linux's mm_cpumask: the other CPUs running the address space {@code cr3} now, and, with
   * {@code bump}, a new TLB generation for it (the mm's tlb_gen). Answer: {@link CpuList}.
   */
  public record MmCpus(long tag, int cpu, long cr3, boolean bump) implements Request {}

  /**
   * getrusage(RUSAGE_SELF)'s minor faults: the calling thread's ({@code minflt}, counted on its
   * CPU) plus every other live thread's as saved at its last switch-out plus those of the
   * process's exited threads (kernel/sys.c getrusage: sig->min_flt, then each thread's
   * t->min_flt). Answer: {@link Result}.
   */
  public record Rusage(long tag, long tid, long minflt) implements Request {}

  /**
   * write(fd 1 or 2): the bytes go to the process's output (kept for the run's report). The
   * array is never written after sending. Answer: {@link Result} 0.
   */
  public record Output(long tag, long pid, int fd, byte[] bytes) implements Request {}

  /** What the kernel's tables answer, to the CPU that asked. */
  public sealed interface Answer extends Reply permits CpuList, Run, Idle, Teardown, Result, VmaAnswer, VmaList, PipeData {}

  /** A pipe request's answer: its value, the pieces read, the buffers whose references go. */
  public record PipeData(long tag, long value, List<Pipes.Piece> pieces, List<Pipes.Buf> released) implements Answer {}

  /** CPUs (never mutated). */
  public record CpuList(long tag, int[] cpus) implements Answer {}

  /** Run this task next. */
  public record Run(long tag, TaskImage task) implements Answer {}

  /** Nothing to run: idle until a {@link Reschedule}. */
  public record Idle(long tag) implements Answer {}

  /**
   * Tear down this dead process's address space, then (when {@code files}: it has open
   * descriptors) close them with {@link PipeCloseAll}, then send {@link TeardownDone}.
   */
  public record Teardown(long tag, long pid, long cr3, List<Vma> vmas, boolean files) implements Answer {
    public Teardown(long tag, long pid, long cr3, List<Vma> vmas) {
      this(tag, pid, cr3, vmas, false);
    }
  }

  /** A number (rax), with an optional second value. */
  public record Result(long tag, long value, long extra) implements Answer {}

  /** A VMA or null. */
  public record VmaAnswer(long tag, Vma vma) implements Answer {}

  /**
   * A list of VMAs; {@code error} is 0 or -errno; {@code whole}: every piece was a whole region
   * (munmap of entire VMAs, where strat9's region teardown applies).
   */
  public record VmaList(long tag, long error, List<Vma> vmas, boolean whole) implements Answer {
    public VmaList(long tag, long error, List<Vma> vmas) {
      this(tag, error, vmas, false);
    }
  }

  /** Reschedule IPI to an idle CPU: a task is ready on your queue. */
  public record Reschedule() implements CpuActor.RescheduleIpi {}

  /** Stop this thread (exit_group from a sibling); it exits with {@code code}. */
  public record Kill(long tid, long code) implements CpuActor.KillIpi {}

  private final ProcessTable table = new ProcessTable();
  private final Pipes pipes = new Pipes();

  private PipeData gup(GupDevice g) {
    return gup(pipes, g);
  }

  /** A {@link GupDevice} request's answer from the kernel's file tables (the fake CPU of the tests answers with it too). */
  static PipeData gup(Pipes pipes, GupDevice g) {
    return switch (g.op()) {
      case OPEN -> new PipeData(g.tag(), pipes.openDevice(g.pid()), List.of(), List.of());
      case KIND -> new PipeData(g.tag(), pipes.kind(g.pid(), g.fd()), List.of(), List.of());
      case PINNED -> new PipeData(g.tag(), pipes.pinned() ? 1 : 0, List.of(), List.of());
      case SET -> new PipeData(g.tag(), pipes.setPins(g.bufs()) ? 0 : -Errno.EINVAL, List.of(), List.of());
      case GET -> new PipeData(g.tag(), 0, List.of(), pipes.pins());
      case TAKE -> new PipeData(g.tag(), 0, List.of(), pipes.takePins());
    };
  }
  private final RunQueues<Task> queues;
  private long switches;

  public static Behavior<NodeMsg> create(
      int id, List<ProcessSetup> setup, Topology topo, Latencies lat, String logDir) {
    return Behaviors.setup(ctx -> new KernelState(ctx, id, setup, topo, lat, logDir));
  }

  private KernelState(
      ActorContext<NodeMsg> ctx,
      int id,
      List<ProcessSetup> setup,
      Topology topo,
      Latencies lat,
      String logDir) {
    super(ctx, id, topo, lat, logDir, Request.class);
    queues = new RunQueues<>(topo.cpus());
    for (ProcessSetup s : setup) {
      Task t = table.boot(s);
      int cpu = s.cpu() >= 0 ? s.cpu() : queues.leastLoaded();
      t.cpu = cpu;
      queues.add(t, cpu);
    }
  }

  @Override
  protected String loggerSuffix() {
    return "kernel";
  }

  @Override
  protected void handle(int src, Request payload) {
    if (payload instanceof Schedule s) {
      onSchedule(src, s);
    } else if (payload instanceof Exit e) {
      onExit(src, e);
    } else if (payload instanceof TeardownDone t) {
      onTeardownDone(src, t);
    } else if (payload instanceof Wait w) {
      onWait(src, w);
    } else if (payload instanceof FindVma f) {
      reply(src, new VmaAnswer(f.tag(), findVma(table.process(f.pid()), f.va())));
    } else if (payload instanceof GetVmas g) {
      reply(src, new VmaList(g.tag(), 0, table.process(g.pid()).vmas.list()));
    } else if (payload instanceof NewProcess n) {
      onNewProcess(src, n);
    } else if (payload instanceof NewThread n) {
      onNewThread(src, n);
    } else if (payload instanceof SetCr3 s) {
      table.setCr3(s.pid(), s.cr3());
      observe(new Event.ProcessSpace(now, src, s.pid(), s.cr3(), -1));
      reply(src, new Result(s.tag(), 0, 0));
    } else if (payload instanceof Mmap m) {
      reply(src, new Result(m.tag(), mmap(table.process(m.pid()), m), 0));
    } else if (payload instanceof Munmap m) {
      reply(src, munmap(table.process(m.pid()), m));
    } else if (payload instanceof Mprotect m) {
      reply(src, mprotect(table.process(m.pid()), m));
    } else if (payload instanceof Madvise m) {
      reply(src, madvise(table.process(m.pid()), m));
    } else if (payload instanceof FlushPending f) {
      reply(src, new Result(f.tag(), table.flushPending(f.cr3(), f.delta()), 0));
    } else if (payload instanceof MmCpus m) {
      reply(src, new CpuList(m.tag(), table.mmCpus(m.cpu(), m.cr3(), m.bump())));
    } else if (payload instanceof SetAffinity a) {
      reply(src, new Result(a.tag(), setAffinity(a), 0));
    } else if (payload instanceof PipeCreate c) {
      long[] fds = pipes.create(c.pid());
      reply(src, new Result(c.tag(), fds[0], fds[1]));
    } else if (payload instanceof PipeRoom r) {
      reply(src, new Result(r.tag(), pipes.room(r.pid(), r.fd()), 0));
    } else if (payload instanceof PipePush p) {
      pipes.push(p.pid(), p.fd(), p.bufs());
      reply(src, new Result(p.tag(), 0, 0));
    } else if (payload instanceof PipeRead r) {
      long[] err = new long[1];
      List<Pipes.Piece> pieces = pipes.read(r.pid(), r.fd(), r.max(), err);
      reply(src, new PipeData(r.tag(), err[0], pieces, List.of()));
    } else if (payload instanceof PipeClose c) {
      long[] err = new long[1];
      List<Pipes.Buf> gone = pipes.close(c.pid(), c.fd(), err);
      reply(src, new PipeData(c.tag(), err[0], List.of(), gone));
    } else if (payload instanceof PipeCloseAll c) {
      reply(src, new PipeData(c.tag(), 0, List.of(), pipes.closeAll(c.pid())));
    } else if (payload instanceof GupDevice g) {
      reply(src, gup(g));
    } else if (payload instanceof Rusage u) {
      reply(src, new Result(u.tag(), table.rusageSelf(table.task(u.tid()), u.minflt()), 0));
    } else if (payload instanceof Output o) {
      table.output(table.process(o.pid()), o.fd(), o.bytes());
      reply(src, new Result(o.tag(), 0, 0));
    } else {
      throw new IllegalStateException("kernel got " + payload);
    }
  }

  private void reply(int cpu, Answer a) {
    send(topo.toCpu(cpu), lat.kernelCall(), a);
  }

  // ---------------------------------------------------------------- scheduling

  /** The CPU now runs this task (0: nothing); keeps each process's set of CPUs (mm_cpumask). */
  private void setRunning(int cpu, long tid) {
    table.switched(cpu, queues.setRunning(cpu, tid), tid);
  }

  /** Queues t (on its affinity CPU, else on cpu) and wakes that CPU when it is idle. */
  private void enqueue(Task t, int cpu) {
    RunQueues.Queued q = queues.enqueue(t, t.affinity, cpu);
    t.state = State.READY;
    t.cpu = q.cpu();
    if (q.wake()) {
      send(topo.toCpu(q.cpu()), lat.ipi(), new Reschedule());
    }
  }

  private void onSchedule(int cpu, Schedule s) {
    if (s.tid() != 0) {
      Task t = table.task(s.tid());
      t.regs = s.regs();
      t.refaults = s.refaults();
      t.minflt = s.minflt();
      setRunning(cpu, 0);
      if (t.killed) {
        // killed by a sibling's exit_group while it ran: it ends now instead of requeueing.
        finishThread(cpu, s.tag(), t, t.killCode, false, null);
        return;
      }
      enqueue(t, cpu);
    }
    dispatch(cpu, s.tag());
  }

  private void dispatch(int cpu, long tag) {
    Task next = queues.next(cpu);
    if (next == null) {
      setRunning(cpu, 0);
      reply(cpu, new Idle(tag));
      return;
    }
    next.state = State.RUNNING;
    next.cpu = cpu;
    setRunning(cpu, next.tid);
    switches++;
    TaskImage.Action action = next.action;
    next.action = TaskImage.None.INSTANCE;
    Process p = next.proc;
    reply(cpu, new Run(tag, new TaskImage(next.tid, p.pid, p.name, p.cr3, next.regs.copy(), p.program, p.kernelThread, action, table.tlbGen(p.cr3), next.refaults, next.minflt)));
  }

  // ---------------------------------------------------------------- exit and wait

  /**
   * exit (do_exit) or exit_group and a kill (do_group_exit). A group exit follows Linux's
   * do_group_exit: the first one wins (SIGNAL_GROUP_EXIT set: a later exit_group, fault or
   * failed assert of the same process takes its code, and its own code and kill reason are
   * dropped), and zap_other_threads stops every other thread: a queued or blocked one is gone at
   * once, a running one gets a {@link Kill} (the kill IPI) and stops at its next instruction
   * boundary or kernel entry (Schedule, Wait, NewThread). The address space is torn down once,
   * when the last thread is gone (finishThread).
   */
  private void onExit(int cpu, Exit e) {
    Task t = table.task(e.tid());
    t.minflt = e.minflt();
    setRunning(cpu, 0);
    Process p = t.proc;
    long code = e.code() & 0xff; // do_exit / do_group_exit keep (code & 0xff) << 8
    String killReason = e.killReason();
    if (e.group()) {
      if (!table.startGroupExit(p, code)) {
        // do_group_exit: SIGNAL_GROUP_EXIT already set: exit_code = sig->group_exit_code
        code = p.groupCode;
        killReason = null;
      } else {
        for (Task o : table.zapOtherThreads(t, code, queues)) {
          send(topo.toCpu(o.cpu), lat.ipi(), new Kill(o.tid, code));
        }
      }
    }
    finishThread(cpu, e.tag(), t, code, e.group(), killReason);
  }

  private void finishThread(int cpu, long tag, Task t, long code, boolean group, String killReason) {
    Process p = t.proc;
    boolean last = table.endThread(t, code, group, killReason);
    info("tid {} (pid {} {}) exits with {}{}", t.tid, p.pid, p.name, code, killReason == null ? "" : " (" + killReason + ")");
    if (!last) {
      dispatch(cpu, tag);
      return;
    }
    // the last thread: the address space goes.
    reply(cpu, new Teardown(tag, p.pid, p.cr3, p.vmas.list(), pipes.hasFiles(p.pid)));
  }

  private void onTeardownDone(int cpu, TeardownDone d) {
    Process p = table.process(d.pid());
    Task waiter = table.teardownDone(d.pid());
    observe(new Event.SpaceGone(now, cpu, p.pid, p.cr3));
    if (waiter != null) {
      enqueue(waiter, waiter.cpu);
    }
    if (table.alive() == 0) {
      info("every process has exited");
      wiring.runner().tell(new RunEvent.AllExited(now));
    }
    dispatch(cpu, d.tag());
  }

  private void onWait(int cpu, Wait w) {
    Task t = table.task(w.tid());
    t.minflt = w.minflt();
    if (t.killed) {
      setRunning(cpu, 0);
      finishThread(cpu, w.tag(), t, t.killCode, false, null);
      return;
    }
    long found = table.wait(t, w.pid());
    if (found != 0) {
      reply(cpu, new Result(w.tag(), found, found < 0 ? 0 : ProcessTable.status(table.process(found))));
      return;
    }
    table.block(t, w.regs(), w.pid(), w.statusAddr());
    setRunning(cpu, 0);
    info("tid {} waits for {}", t.tid, w.pid() == -1 ? "any child" : "pid " + w.pid());
    dispatch(cpu, w.tag());
  }

  // ---------------------------------------------------------------- fork and clone

  private void onNewProcess(int cpu, NewProcess n) {
    Task parentTask = table.task(n.parentTid());
    Process parent = parentTask.proc;
    Task t = table.fork(parentTask, n.cr3(), n.vmas(), n.regs());
    Process child = t.proc;
    pipes.fork(parent.pid, child.pid);
    observe(new Event.ProcessSpace(now, cpu, child.pid, child.cr3, parent.cr3));
    int target = queues.leastLoaded();
    info("fork: pid {} ({}) -> child pid {} on cpu-{}", parent.pid, parent.name, child.pid, target);
    enqueue(t, target);
    reply(cpu, new Result(n.tag(), child.pid, 0));
  }

  private void onNewThread(int cpu, NewThread n) {
    Task parentTask = table.task(n.parentTid());
    Process p = parentTask.proc;
    if (parentTask.killed) {
      // copy_process: a fatal signal pending (the group is exiting) and no thread is added; the
      // caller stops here, at its kernel entry, instead of returning to user mode
      setRunning(cpu, 0);
      finishThread(cpu, n.tag(), parentTask, parentTask.killCode, false, null);
      return;
    }
    Task t = table.cloneThread(parentTask, n.regs());
    int target = queues.leastLoaded();
    info("clone: pid {} new thread tid {} on cpu-{}", p.pid, t.tid, target);
    enqueue(t, target);
    reply(cpu, new Result(n.tag(), t.tid, 0));
  }

  private long setAffinity(SetAffinity a) {
    long tid = a.tid() == 0 ? a.callerTid() : a.tid();
    Task t = table.liveTask(tid);
    if (t == null) {
      return -Errno.ESRCH;
    }
    if (!queues.isCpu(a.cpu())) {
      return -Errno.EINVAL;
    }
    t.affinity = (int) a.cpu();
    if (t.state == State.READY && t.cpu != t.affinity) {
      queues.remove(t, t.cpu);
      enqueue(t, t.affinity);
    }
    return 0;
  }

  // ---------------------------------------------------------------- VMAs

  private static Vma findVma(Process p, long va) {
    return p == null ? null : p.vmas.find(va);
  }

  private long mmap(Process p, Mmap m) {
    long r = p.vmas.mmap(m.addr(), m.length(), m.prot(), m.flags());
    if (r >= 0) {
      info("mmap pid {}: {}", p.pid, findVma(p, r));
    }
    return r;
  }

  private VmaList munmap(Process p, Munmap m) {
    VmaCalls.Cut c = p.vmas.munmap(m.addr(), m.length());
    if (c.error() != 0) {
      return new VmaList(m.tag(), c.error(), List.of());
    }
    for (Vma v : c.pieces()) {
      observe(new Event.Unmapped(now, -1, p.cr3, v.start(), v.end()));
    }
    info("munmap pid {}: [{}, {}) cut {}", p.pid, hex(m.addr()), hex(m.addr() + VmaCalls.pageAlign(m.length())), c.pieces());
    return new VmaList(m.tag(), 0, c.pieces(), c.whole());
  }

  /** A VmaList, or a Result of 0 when there is nothing to do (length 0). */
  private Answer mprotect(Process p, Mprotect m) {
    VmaCalls.Cut c = p.vmas.mprotect(m.addr(), m.length(), m.prot());
    if (c.error() != 0) {
      return new VmaList(m.tag(), c.error(), List.of());
    }
    if (c.pieces() == null) {
      return new Result(m.tag(), 0, 0); // do_mprotect_pkey: length 0 returns 0 at once
    }
    long end = m.addr() + VmaCalls.pageAlign(m.length());
    info("mprotect pid {}: [{}, {}) -> {}", p.pid, hex(m.addr()), hex(end), (m.prot() & 2) != 0 ? "rw" : "r");
    return new VmaList(m.tag(), 0, c.pieces());
  }

  /** A VmaList (possibly with an error and still some parts), or a Result of 0 (length 0). */
  private Answer madvise(Process p, Madvise m) {
    VmaCalls.Cut c = p.vmas.madvise(m.addr(), m.length(), m.advice());
    if (c.pieces() == null) {
      return new Result(m.tag(), 0, 0);
    }
    return new VmaList(m.tag(), c.error(), c.pieces());
  }

  private static String hex(long v) {
    return "0x" + Long.toHexString(v);
  }

  // ---------------------------------------------------------------- report

  @Override
  protected NodeStats stats() {
    Map<String, Long> c = new LinkedHashMap<>();
    c.put(Stat.FORKS.key, table.forks());
    c.put(Stat.THREADS.key, table.clones());
    c.put(Stat.EXITS.key, table.exits());
    c.put(Stat.SCHEDULER_DISPATCHES.key, switches);
    return new NodeStats(id, c, new KernelDetail(table.processInfos(), table.alive(), table.liveTasks()), now);
  }

  /** End-of-run view of the kernel. */
  public record KernelDetail(List<ProcessInfo> processes, int aliveProcesses, List<String> liveTasks) {}
}
