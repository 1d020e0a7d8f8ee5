package cowsim.kernel;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * The per-CPU run queues: one FIFO of ready tasks per CPU, the task each CPU runs (by tid, 0 for
 * none) and which CPUs went idle. Pure: no actor; {@link KernelState} sends the reschedule IPI
 * when {@link #enqueue} says the target was idle.
 *
 * <p>The policy: a task goes to its affinity CPU when it has one, else to the CPU it is given
 * (its last CPU when it wakes or yields; the least loaded CPU when it is new); each CPU runs its
 * own queue in FIFO order and never steals; a task moves to another queue only when its affinity
 * changes while it waits ({@link #remove} then {@link #enqueue}).
 *
 * @param <T> the task (compared by identity)
 */
final class RunQueues<T> {

  /** Where {@link #enqueue} put a task, and whether that CPU was idle (it needs a reschedule IPI). */
  record Queued(int cpu, boolean wake) {}

  private final List<ArrayDeque<T>> queues = new ArrayList<>();
  private final long[] running;
  private final boolean[] idle;

  RunQueues(int cpus) {
    running = new long[cpus];
    idle = new boolean[cpus];
    for (int i = 0; i < cpus; i++) {
      queues.add(new ArrayDeque<>());
    }
  }

  int cpus() {
    return queues.size();
  }

  /** Whether sched_setaffinity may name this CPU. */
  boolean isCpu(long cpu) {
    return cpu >= 0 && cpu < queues.size();
  }

  /** Queued and running tasks of a CPU. */
  int load(int cpu) {
    return queues.get(cpu).size() + (running[cpu] != 0 ? 1 : 0);
  }

  /** The CPU with the smallest load, the lowest-numbered of equals. */
  int leastLoaded() {
    int best = 0;
    for (int c = 1; c < queues.size(); c++) {
      if (load(c) < load(best)) {
        best = c;
      }
    }
    return best;
  }

  /** Appends t to this CPU's queue as it is (boot: no affinity, no idle CPU yet). */
  void add(T t, int cpu) {
    queues.get(cpu).add(t);
  }

  /**
   * Appends t to its affinity CPU's queue ({@code affinity} >= 0), else to {@code cpu}'s; an idle
   * target is no longer idle and is to be woken.
   */
  Queued enqueue(T t, int affinity, int cpu) {
    int target = affinity >= 0 ? affinity : cpu;
    queues.get(target).add(t);
    boolean wake = idle[target];
    if (wake) {
      idle[target] = false;
    }
    return new Queued(target, wake);
  }

  /** Takes t out of this CPU's queue (a killed or migrating task); whether it was there. */
  boolean remove(T t, int cpu) {
    return queues.get(cpu).remove(t);
  }

  /**
   * pick-next: the head of this CPU's queue, and the CPU is busy; or null, and the CPU is idle
   * until an {@link #enqueue} onto it.
   */
  T next(int cpu) {
    T t = queues.get(cpu).poll();
    idle[cpu] = t == null;
    return t;
  }

  boolean idle(int cpu) {
    return idle[cpu];
  }

  /** The CPU now runs this task (0: nothing); returns the tid it ran before (0: nothing). */
  long setRunning(int cpu, long tid) {
    long old = running[cpu];
    running[cpu] = tid;
    return old;
  }

  long running(int cpu) {
    return running[cpu];
  }

  int queued(int cpu) {
    return queues.get(cpu).size();
  }
}
