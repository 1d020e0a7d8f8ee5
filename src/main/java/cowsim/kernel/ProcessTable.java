package cowsim.kernel;

import cowsim.isa.Program;
import cowsim.isa.Reg;
import cowsim.isa.RegisterFile;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The process and task tables: pids and tids (one counter, so a process's first thread has its
 * pid), parent and children, thread groups, group exit, zombies, exit codes and wait4's matching,
 * and each address space's mm_cpumask and TLB generation. Pure: no actor and no messages; {@link
 * KernelState} asks it and turns its answers into replies and IPIs. Processes and tasks are kept
 * in pid and tid order (the report's order and wait4's scan).
 */
final class ProcessTable {

  enum State { READY, RUNNING, BLOCKED, DEAD }

  /** A process (a thread group and its address space). */
  static final class Process {
    final long pid;
    long ppid;
    final String name;
    long cr3;
    final VmaMap vmas;
    final List<Long> threads = new ArrayList<>();
    final List<Long> children = new ArrayList<>();
    /** The CPUs running one of its threads now (Linux's mm_cpumask, without laziness). */
    final BitSet runningOn = new BitSet();
    final Program program;
    final boolean kernelThread;
    boolean exiting;
    boolean zombie;
    boolean reaped;
    Integer exitCode;
    long groupCode = -1;
    String killReason;
    int threadsEver;
    /** Minor faults of its exited threads (Linux's signal_struct min_flt). */
    long exitedMinflt;
    /** What it wrote to fd 1 and fd 2, each byte one ISO-8859-1 char, at most OUTPUT_LIMIT. */
    final StringBuilder stdout = new StringBuilder();
    final StringBuilder stderr = new StringBuilder();

    Process(long pid, long ppid, String name, Program program, boolean kernelThread, List<Vma> vmas) {
      this.pid = pid;
      this.ppid = ppid;
      this.name = name;
      this.program = program;
      this.kernelThread = kernelThread;
      this.vmas = new VmaMap(vmas);
    }
  }

  /** A thread. */
  static final class Task {
    final long tid;
    final Process proc;
    RegisterFile regs;
    State state = State.READY;
    int cpu = -1;
    int affinity = -1;
    TaskImage.Action action = TaskImage.None.INSTANCE;
    /** Saved with the registers when it is switched out (a task blocks in wait4 only after its syscall retired: none then). */
    TaskImage.Refaults refaults = TaskImage.Refaults.NONE;
    /** Its minor faults as of its last switch-out (task_struct min_flt; 0 for a new task, as copy_process). */
    long minflt;
    boolean killed;
    long killCode;
    long waitPid;
    long waitAddr;

    Task(long tid, Process proc, RegisterFile regs) {
      this.tid = tid;
      this.proc = proc;
      this.regs = regs;
    }
  }

  private final Map<Long, Process> procs = new TreeMap<>();
  private final Map<Long, Task> tasks = new TreeMap<>();
  private final Map<Long, Process> procByCr3 = new HashMap<>();
  /** Each address space's TLB generation (Linux's mm->context.tlb_gen), by PML4 frame. */
  private final Map<Long, Long> tlbGen = new HashMap<>();
  /** Each address space's count of mmu_gathers in progress (Linux's mm->tlb_flush_pending). */
  private final Map<Long, Long> flushPending = new HashMap<>();
  private long nextId = 1;
  private int alive;
  private long forks;
  private long clones;
  private long exits;

  Process process(long pid) {
    return procs.get(pid);
  }

  Task task(long tid) {
    return tasks.get(tid);
  }

  /** The task, or null when there is none or it has exited (sched_setaffinity's ESRCH). */
  Task liveTask(long tid) {
    Task t = tasks.get(tid);
    return t == null || t.state == State.DEAD ? null : t;
  }

  /** A process of the scenario: its first thread, ready, with the boot action; not queued yet. */
  Task boot(ProcessSetup s) {
    Process p = new Process(nextId++, 0, s.name(), s.program(), s.kernelThread(), s.vmas());
    procs.put(p.pid, p);
    RegisterFile regs = new RegisterFile();
    regs.set(Reg.RSP, VmaMap.stackTopOf(s.vmas()));
    Task t = new Task(p.pid, p, regs);
    t.action = new TaskImage.Boot(s.populate());
    t.affinity = -1;
    p.threads.add(t.tid);
    p.threadsEver = 1;
    tasks.put(t.tid, t);
    alive++;
    return t;
  }

  /** The boot path allocated the process's PML4. */
  Process setCr3(long pid, long cr3) {
    Process p = procs.get(pid);
    p.cr3 = cr3;
    procByCr3.put(cr3, p);
    return p;
  }

  /** fork's build_child_task + add_task_with_parent: the child's only thread, not queued yet. */
  Task fork(Task parentTask, long cr3, List<Vma> vmas, RegisterFile regs) {
    Process parent = parentTask.proc;
    Process child = new Process(nextId++, parent.pid, parent.name, parent.program, parent.kernelThread, vmas);
    child.cr3 = cr3;
    procByCr3.put(child.cr3, child);
    child.vmas.setMmapHint(parent.vmas.mmapHint());
    procs.put(child.pid, child);
    parent.children.add(child.pid);
    Task t = new Task(child.pid, child, regs);
    child.threads.add(t.tid);
    child.threadsEver = 1;
    tasks.put(t.tid, t);
    alive++;
    forks++;
    return t;
  }

  /** clone(CLONE_VM): a new thread in the caller's process, not queued yet. */
  Task cloneThread(Task parentTask, RegisterFile regs) {
    Process p = parentTask.proc;
    Task t = new Task(nextId++, p, regs);
    p.threads.add(t.tid);
    p.threadsEver++;
    tasks.put(t.tid, t);
    clones++;
    return t;
  }

  // ---------------------------------------------------------------- mm_cpumask and tlb_gen

  /** A CPU switched from task {@code oldTid} to {@code newTid} (0: none): the mm_cpumasks follow. */
  void switched(int cpu, long oldTid, long newTid) {
    if (oldTid != 0) {
      tasks.get(oldTid).proc.runningOn.clear(cpu);
    }
    if (newTid != 0) {
      tasks.get(newTid).proc.runningOn.set(cpu);
    }
  }

  /**
   * The CPUs other than {@code cpu} running the address space {@code cr3} now, after, with
   * {@code bump}, a new TLB generation for it.
   */
  int[] mmCpus(int cpu, long cr3, boolean bump) {
    if (bump) {
      tlbGen.merge(cr3, 1L, Long::sum);
    }
    Process p = procByCr3.get(cr3);
    if (p == null) {
      return new int[0];
    }
    BitSet on = (BitSet) p.runningOn.clone();
    if (cpu >= 0) {
      on.clear(cpu);
    }
    return on.stream().toArray();
  }

  long tlbGen(long cr3) {
    return tlbGen.getOrDefault(cr3, 0L);
  }

  /**
   * mm->tlb_flush_pending of the address space {@code cr3}: adds {@code delta}
   * (inc_tlb_flush_pending +1, dec_tlb_flush_pending -1, a read 0) and gives the new value.
   */
  long flushPending(long cr3, long delta) {
    long now = flushPending.getOrDefault(cr3, 0L) + delta;
    if (now == 0) {
      flushPending.remove(cr3);
    } else {
      flushPending.put(cr3, now);
    }
    return now;
  }

  // ---------------------------------------------------------------- exit and wait

  /**
   * exit_group's SIGNAL_GROUP_EXIT: true and the group's code is {@code code} when this is the
   * first; false when the group is exiting already (its code is {@code groupCode}).
   */
  boolean startGroupExit(Process p, long code) {
    if (p.groupCode >= 0) {
      return false;
    }
    p.groupCode = code;
    return true;
  }

  /**
   * zap_other_threads: every other live thread of t's process is killed with {@code code}; a
   * queued one leaves its queue and is gone, a blocked one is gone; returns the running ones, in
   * tid-list order (each is to get a kill IPI).
   */
  List<Task> zapOtherThreads(Task t, long code, RunQueues<Task> queues) {
    List<Task> running = new ArrayList<>();
    for (Long other : List.copyOf(t.proc.threads)) {
      Task o = tasks.get(other);
      if (o == t || o.state == State.DEAD) {
        continue;
      }
      o.killed = true;
      o.killCode = code;
      if (o.state == State.READY) {
        queues.remove(o, o.cpu);
        retire(o);
      } else if (o.state == State.BLOCKED) {
        retire(o);
      } else if (o.state == State.RUNNING) {
        running.add(o);
      }
    }
    return running;
  }

  /** A thread is gone without running again (it was queued or blocked). */
  private void retire(Task o) {
    o.state = State.DEAD;
    o.proc.threads.remove(o.tid);
    exits++;
  }

  /**
   * A thread ends with {@code code}; returns whether it was its process's last, whose exit code
   * (8 bits, as wait4 reports it; the group's unless this was the group exit itself) is then set
   * and whose address space is to be torn down.
   */
  boolean endThread(Task t, long code, boolean group, String killReason) {
    Process p = t.proc;
    t.state = State.DEAD;
    p.threads.remove(t.tid);
    p.exitedMinflt += t.minflt; // __exit_signal: sig->min_flt += tsk->min_flt
    exits++;
    if (killReason != null && p.killReason == null) {
      p.killReason = killReason;
    }
    if (!p.threads.isEmpty()) {
      return false;
    }
    long exitCode = p.groupCode >= 0 && !group ? p.groupCode : code;
    p.exitCode = (int) (exitCode & 0xff);
    p.exiting = true;
    return true;
  }

  /**
   * The address space of a dead process is gone: it is a zombie, its zombie children are reaped
   * (orphans), and it is reaped at once without a live parent. Returns the parent's thread that
   * was blocked in a wait4 this child matches, reaped and given its result (not queued yet), or
   * null.
   */
  Task teardownDone(long pid) {
    Process p = procs.get(pid);
    p.vmas.clear();
    procByCr3.remove(p.cr3, p);
    tlbGen.remove(p.cr3);
    p.zombie = true;
    alive--;
    for (Long c : p.children) {
      Process child = procs.get(c);
      // orphaned: reaped when it exits (the report keeps the parent's pid)
      if (child.zombie) {
        child.reaped = true;
      }
    }
    Process parent = procs.get(p.ppid);
    if (parent == null || parent.zombie) {
      p.reaped = true;
      return null;
    }
    return wakeWaiter(parent, p);
  }

  private Task wakeWaiter(Process parent, Process child) {
    for (Long tid : parent.threads) {
      Task w = tasks.get(tid);
      if (w.state == State.BLOCKED && (w.waitPid == -1 || w.waitPid == child.pid)) {
        reap(parent, child);
        w.regs.set(Reg.RAX, child.pid);
        if (w.waitAddr != 0) {
          w.action = new TaskImage.WriteStatus(w.waitAddr, status(child));
        }
        return w;
      }
    }
    return null;
  }

  /** wait4 collected the zombie: it leaves its parent's list (which wait4 scans). */
  private static void reap(Process parent, Process child) {
    child.reaped = true;
    parent.children.remove(child.pid);
  }

  /**
   * wait4's status word of an exited process, as wait_task_zombie gives it: {@code (code & 0xff)
   * << 8} after an exit, the signal number ({@code WTERMSIG}) after a kill (the report's exit code
   * is then the shell's 128 + signal).
   */
  static long status(Process p) {
    Signal sig = p.killReason != null ? Signal.ofExitCode(p.exitCode) : null;
    return sig != null ? sig.number : (p.exitCode & 0xffL) << 8;
  }

  /**
   * wait4(pid) by t (-1: any child): -ECHILD without a matching unreaped child; the pid of the
   * first matching zombie, reaped; or 0: t is to block ({@link #block}).
   */
  long wait(Task t, long pid) {
    Process p = t.proc;
    Process found = null;
    boolean any = false;
    for (Long c : p.children) {
      Process child = procs.get(c);
      if (child.reaped || (pid != -1 && child.pid != pid)) {
        continue;
      }
      any = true;
      if (child.zombie) {
        found = child;
        break;
      }
    }
    if (!any) {
      return -Errno.ECHILD;
    }
    if (found != null) {
      reap(p, found);
      return found.pid;
    }
    return 0;
  }

  /** t blocks in wait4 until a matching child's teardown wakes it. */
  void block(Task t, RegisterFile regs, long pid, long statusAddr) {
    t.regs = regs;
    t.state = State.BLOCKED;
    t.waitPid = pid;
    t.waitAddr = statusAddr;
  }

  // ---------------------------------------------------------------- report

  int alive() {
    return alive;
  }

  long forks() {
    return forks;
  }

  long clones() {
    return clones;
  }

  long exits() {
    return exits;
  }

  List<ProcessInfo> processInfos() {
    List<ProcessInfo> list = new ArrayList<>();
    for (Process p : procs.values()) {
      long minflt = p.exitedMinflt;
      for (long tid : p.threads) {
        minflt += tasks.get(tid).minflt;
      }
      list.add(new ProcessInfo(
          p.pid, p.ppid, p.name, p.exitCode, p.killReason != null, p.killReason, p.threadsEver, minflt, p.stdout.toString(), p.stderr.toString()));
    }
    return list;
  }

  /** The most a process's output keeps per fd (1 MiB); later bytes are dropped, as into /dev/null. */
  static final int OUTPUT_LIMIT = 1 << 20;

  /**
   * getrusage(RUSAGE_SELF)'s ru_minflt (kernel/sys.c getrusage): the exited threads' sum plus
   * each live thread's count, the caller's being {@code own} (its CPU's, newer than the table's).
   */
  long rusageSelf(Task caller, long own) {
    Process p = caller.proc;
    long sum = p.exitedMinflt;
    for (long tid : p.threads) {
      sum += tid == caller.tid ? own : tasks.get(tid).minflt;
    }
    return sum;
  }

  /** write(1 or 2, ...): the bytes are kept as the process's output, up to OUTPUT_LIMIT. */
  void output(Process p, int fd, byte[] bytes) {
    StringBuilder out = fd == 2 ? p.stderr : p.stdout;
    for (int i = 0; i < bytes.length && out.length() < OUTPUT_LIMIT; i++) {
      out.append((char) (bytes[i] & 0xff));
    }
  }

  List<String> liveTasks() {
    List<String> out = new ArrayList<>();
    for (Task t : tasks.values()) {
      if (t.state != State.DEAD) {
        out.add("tid " + t.tid + " (pid " + t.proc.pid + " " + t.proc.name + ") " + t.state.name().toLowerCase() + " on cpu-" + t.cpu
            + (t.state == State.BLOCKED ? " in wait4(" + t.waitPid + ")" : ""));
      }
    }
    return out;
  }
}
