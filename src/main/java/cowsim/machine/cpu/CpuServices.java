package cowsim.machine.cpu;

import cowsim.isa.RegisterFile;
import cowsim.machine.interconnect.Latencies;
import cowsim.machine.observe.Event;
import java.util.function.Consumer;
import java.util.function.LongConsumer;

/**
 * The CPU services kernel code uses, declared once: the machine's {@link KernelPort} and the
 * kernel's own view of its CPU ({@code cowsim.kernel.Hardware}) both extend it. Every
 * physical-memory operation is one message and completes later through its continuation.
 */
public interface CpuServices {

  int cpu();

  int cpuCount();

  /** Virtual time on this CPU, in cycles. */
  long now();

  Latencies lat();

  void read(long paddr, LongConsumer k);

  /** Store 8 bytes; k runs when the store is done. */
  void write(long paddr, long value, Runnable k);

  void readFrame(long frame, Consumer<long[]> k);

  /** Write a whole frame; null zeroes it. */
  void writeFrame(long frame, long[] data, Runnable k);

  /** Refcount fetch_add; k gets the old value (unsigned 32-bit). */
  void refAdd(long frame, int delta, LongConsumer k);

  /** Refcount load (unsigned 32-bit). */
  void refGet(long frame, LongConsumer k);

  /** The frame's second metadata word, fetch_add; k gets the old value. */
  void auxAdd(long frame, long delta, LongConsumer k);

  /** The frame's second metadata word, load. */
  void auxGet(long frame, LongConsumer k);

  /** The frame's second metadata word: set then clear bits, atomically; k gets the old value. */
  void auxBits(long frame, long set, long clear, LongConsumer k);

  /** One 4 KiB frame from the allocator (a block of order 0); k gets -1 when out of memory. */
  default void allocate(LongConsumer k) {
    allocate(0, k);
  }

  /** Gives a 4 KiB frame back (a block of order 0). */
  default void free(long frame, Runnable k) {
    free(frame, 0, k);
  }

  /**
   * A block of 2^order frames from the allocator, aligned to its size (order 9: a 2 MiB page);
   * k gets its head frame, or -1 when out of memory. One message, as {@link #allocate(LongConsumer)}.
   */
  void allocate(int order, LongConsumer k);

  /** Return the block of 2^order frames headed by {@code frame}; k runs when the allocator has answered. */
  void free(long frame, int order, Runnable k);

  /**
   * Linux's split_page: the allocated block of 2^order frames headed by {@code frame} becomes
   * 2^order single frames, each freed on its own afterwards ({@link #free(long, Runnable)}). k
   * runs when the allocator has answered; a refused split (no allocated block of that order
   * there) changes nothing and is reported to the observer.
   */
  void split(long frame, int order, Runnable k);

  /** invlpg: drops one page's entry from this CPU's TLB only. */
  void invlpg(long va);

  /** mov cr3: load an address space (without PCID the non-global TLB entries go). */
  void writeCr3(long pml4Frame);

  long cr3();

  /**
   * Shootdown IPIs to {@code targets} (never this CPU): invalidate {@code pages}, or everything
   * when null; k runs when they have acknowledged or the spin limit ran out.
   */
  void shootdown(int[] targets, long[] pages, Runnable k);

  /** The current thread's user registers (the syscall frame while in a syscall); null when idle. */
  RegisterFile regs();

  /** Return to user mode and go on executing the current thread. */
  void enterUser();

  /** No thread: load the kernel's CR3 and wait for a reschedule IPI. */
  void becomeIdle();

  /** Whether INFO lines go anywhere (callers skip building log arguments otherwise). */
  boolean logEnabled();

  /** Log at INFO in this CPU's log, stamped with the cycle and the current pid/tid. */
  void log(String format, Object... args);

  /** Report a fact to the observer (no effect on the simulation). */
  void report(Event e);

  /** Whether the run records a timeline (its events are built for it alone); true unless known otherwise. */
  default boolean timeline() {
    return true;
  }
}
