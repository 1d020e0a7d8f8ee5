package cowsim.machine.memory;

import akka.actor.typed.Behavior;
import akka.actor.typed.javadsl.ActorContext;
import akka.actor.typed.javadsl.Behaviors;
import cowsim.machine.interconnect.Latencies;
import cowsim.machine.interconnect.NodeMsg;
import cowsim.machine.interconnect.NodeStats;
import cowsim.machine.interconnect.Node;
import cowsim.machine.interconnect.Payload;
import cowsim.machine.interconnect.Reply;
import cowsim.machine.interconnect.Topology;
import cowsim.machine.observe.Event;
import cowsim.stats.Stat;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One bank of physical memory: the contents and per-frame metadata (strat9's 32-bit refcounts)
 * of the frames it owns. Frames are interleaved across banks (frame f lives in bank f % banks).
 * Every access is one message, and an atomic read-modify-write is one message, so other CPUs'
 * steps interleave between any two accesses exactly as on real hardware.
 */
public final class MemoryBank extends Node<MemoryBank.Request> {

  /** Requests a bank serves; every one is answered to its sender. */
  public sealed interface Request extends Payload.ToMemory
      permits Read, Write, CompareAndSwap, ReadFrame, WriteFrame, RefAdd, RefGet, RefSet, AuxAdd, AuxGet, AuxBits, Lock, Unlock, RwTryLock, RwUnlock {
    /** The requester's tag, echoed in the answer (negative: a posted store, no answer). */
    long tag();

    /** The frame the request touches. */
    long frame();
  }

  /** Load 8 bytes ({@code access}: who, for the oracles; null for the kernel). Answer: {@link Value}. */
  public record Read(long tag, long paddr, Event.Access access) implements Request {
    @Override
    public long frame() {
      return paddr >>> 12;
    }
  }

  /** Store 8 bytes. Answer: {@link Value} with the old value (none for a posted store, tag < 0). */
  public record Write(long tag, long paddr, long value, Event.Access access) implements Request {
    @Override
    public long frame() {
      return paddr >>> 12;
    }
  }

  /** Atomic compare-and-swap. Answer: {@link Value} with the old value. */
  public record CompareAndSwap(long tag, long paddr, long expected, long value) implements Request {
    @Override
    public long frame() {
      return paddr >>> 12;
    }
  }

  /** Read a whole 4 KiB frame. Answer: {@link FrameData}. */
  public record ReadFrame(long tag, long frame) implements Request {}

  /**
   * Write a whole frame; {@code data == null} zeroes it. {@code source}: the frame the data was
   * read from (-1 when zeroing), for the oracles. Answer: {@link Value} 0.
   */
  public record WriteFrame(long tag, long frame, long[] data, long source) implements Request {}

  /** Refcount fetch_add (negative delta: fetch_sub), 32-bit wrap-around. Answer: old value. */
  public record RefAdd(long tag, long frame, int delta) implements Request {}

  /** Refcount load. Answer: {@link Value}. */
  public record RefGet(long tag, long frame) implements Request {}

  /** Refcount store (strat9's allocator setting a fresh frame's count). Answer: old value. */
  public record RefSet(long tag, long frame, int value) implements Request {}

  /**
   * The frame's second metadata word (a counter and flag bits whose meaning is the kernel's):
   * atomic fetch_add. Answer: {@link Value} with the old value.
   */
  public record AuxAdd(long tag, long frame, long delta) implements Request {}

  /** The second metadata word's load. Answer: {@link Value}. */
  public record AuxGet(long tag, long frame) implements Request {}

  /** The second metadata word: set the bits {@code set}, clear the bits {@code clear}, atomically. Answer: old value. */
  public record AuxBits(long tag, long frame, long set, long clear) implements Request {}

  /**
   * Try to take the lock bit in a frame's metadata (test-and-set). Answer: {@link Value} 0 when
   * taken, 1 when it was held.
   */
  public record Lock(long tag, long frame) implements Request {}

  /** Release the lock bit. Answer: {@link Value} 0. */
  public record Unlock(long tag, long frame) implements Request {}

  /**
   * One try at the reader-writer lock in a frame's metadata (Linux's mmap_lock, an
   * rw_semaphore), one atomic step. Waiters are served in order, as an rw_semaphore's wait list:
   * a try that cannot be granted queues the requesting CPU (once); a queued writer is granted at
   * the head of the queue when nobody holds the lock, a queued reader when no writer holds it and
   * only readers are ahead of it. A try with nobody queued is granted when compatible. So no
   * waiter is starved, neither a fork by a stream of page faults nor a fault by a stream of
   * forks. Answer: {@link Value} 0 when taken, 1 when busy.
   */
  public record RwTryLock(long tag, long frame, boolean write) implements Request {}

  /** Release the reader-writer lock taken with {@link RwTryLock} (same {@code write}). Answer: {@link Value} 0. */
  public record RwUnlock(long tag, long frame, boolean write) implements Request {}

  /** What a bank answers, to the CPU that asked. */
  public sealed interface Answer extends Reply permits Value, FrameData {}

  /** An 8-byte answer. */
  public record Value(long tag, long value) implements Answer {}

  /** A frame's contents (never mutated after sending). */
  public record FrameData(long tag, long[] data) implements Answer {}

  /** The page-table lock: bit 0 of a frame's metadata flags. */
  private static final byte LOCK_BIT = 1;

  /** Reader-writer lock word: a writer holds it (RWSEM_WRITER_LOCKED). */
  static final long RW_WRITER = 1;
  /** Reader-writer lock word: one reader (RWSEM_READER_BIAS). */
  static final long RW_READER = 256;

  /** A frame's reader-writer lock: the count word and the CPUs waiting, in order. */
  private static final class RwSem {
    long word;
    final java.util.ArrayList<long[]> waiters = new java.util.ArrayList<>(); // {cpu, write ? 1 : 0}
  }

  private final int banks;
  /**
   * The reader-writer lock of the frames that have one (an address space's PML4 frame): sparse,
   * as few frames are PML4s; absent means free with nobody waiting.
   */
  private final java.util.HashMap<Long, RwSem> rwSems = new java.util.HashMap<>();
  private final FrameStore store;
  private final RefcountTable refcounts;
  private long reads;
  private long writes;
  private long atomics;
  private long frameOps;

  /**
   * @param firmware 8-byte words (physical address to value) present at power-on, such as the
   *     kernel's own page tables; each bank keeps the ones it owns
   */
  public static Behavior<NodeMsg> create(
      int id, int bankIndex, long totalFrames, Map<Long, Long> firmware, Topology topo, Latencies lat, String logDir) {
    return Behaviors.setup(
        ctx -> new MemoryBank(ctx, id, bankIndex, totalFrames, firmware, topo, lat, logDir));
  }

  private MemoryBank(
      ActorContext<NodeMsg> ctx,
      int id,
      int bankIndex,
      long totalFrames,
      Map<Long, Long> firmware,
      Topology topo,
      Latencies lat,
      String logDir) {
    super(ctx, id, topo, lat, logDir, Request.class);
    this.banks = topo.banks();
    long mine = (totalFrames - bankIndex + banks - 1) / banks;
    this.store = new FrameStore(mine);
    this.refcounts = new RefcountTable(mine);
    firmware.forEach(
        (paddr, value) -> {
          if (topo.bankOfFrame(paddr >>> 12) == id) {
            store.write(local(paddr), value);
          }
        });
  }

  @Override
  protected String loggerSuffix() {
    return "memory";
  }

  private long local(long paddr) {
    long frame = paddr >>> 12;
    return ((frame / banks) << 12) | (paddr & 0xfff);
  }

  private long localFrame(long frame) {
    return frame / banks;
  }

  @Override
  protected void handle(int src, Request payload) {
    if (!backed(payload)) {
      unbacked(src, payload);
      return;
    }
    if (payload instanceof Read r) {
      reads++;
      long v = store.read(local(r.paddr()));
      if (observing()) {
        observe(new Event.MemRead(now, src, r.paddr(), v, r.access()));
      }
      reply(src, new Value(r.tag(), v));
    } else if (payload instanceof Write w) {
      writes++;
      long a = local(w.paddr());
      long old = store.read(a);
      store.write(a, w.value());
      if (observing()) {
        observe(new Event.MemWrite(now, src, w.paddr(), w.value(), old, w.access()));
      }
      if (w.tag() >= 0) {
        reply(src, new Value(w.tag(), old)); // a negative tag is a posted store: no answer
      }
    } else if (payload instanceof CompareAndSwap c) {
      atomics++;
      long old = store.compareAndSwap(local(c.paddr()), c.expected(), c.value());
      if (observing()) {
        observe(new Event.MemCas(now, src, c.paddr(), c.expected(), c.value(), old));
      }
      reply(src, new Value(c.tag(), old));
    } else if (payload instanceof ReadFrame r) {
      frameOps++;
      if (observing()) {
        observe(new Event.FrameRead(now, src, r.frame()));
      }
      send(topo.toCpu(src), lat.memoryReply() + lat.frameCopy(), new FrameData(r.tag(), store.readFrame(localFrame(r.frame()))));
    } else if (payload instanceof WriteFrame w) {
      frameOps++;
      if (w.data() == null) {
        store.zeroFrame(localFrame(w.frame()));
      } else {
        store.writeFrame(localFrame(w.frame()), w.data());
      }
      if (observing()) {
        observe(new Event.FrameWrite(now, src, w.frame(), w.data() == null ? -1 : w.source()));
      }
      send(topo.toCpu(src), lat.memoryReply() + lat.frameCopy(), new Value(w.tag(), 0));
    } else if (payload instanceof RefAdd r) {
      atomics++;
      int old = refcounts.fetchAdd(localFrame(r.frame()), r.delta());
      if (infoEnabled()) {
        info("cpu-{} refcount frame 0x{}: {} -> {}", src, Long.toHexString(r.frame()), Integer.toUnsignedString(old), Integer.toUnsignedString(old + r.delta()));
      }
      if (observing()) {
        observe(new Event.RefChange(now, src, r.frame(), Integer.toUnsignedLong(old), r.delta()));
      }
      reply(src, new Value(r.tag(), Integer.toUnsignedLong(old)));
    } else if (payload instanceof RefGet r) {
      atomics++;
      long v = Integer.toUnsignedLong(refcounts.get(localFrame(r.frame())));
      if (observing()) {
        observe(new Event.RefRead(now, src, r.frame(), v));
      }
      reply(src, new Value(r.tag(), v));
    } else if (payload instanceof RefSet r) {
      atomics++;
      int old = refcounts.get(localFrame(r.frame()));
      refcounts.set(localFrame(r.frame()), r.value());
      if (infoEnabled()) {
        info("cpu-{} refcount frame 0x{}: {} -> {} (set)", src, Long.toHexString(r.frame()), Integer.toUnsignedString(old), r.value());
      }
      if (observing()) {
        observe(new Event.RefChange(now, src, r.frame(), Integer.toUnsignedLong(old), r.value() - old));
      }
      reply(src, new Value(r.tag(), Integer.toUnsignedLong(old)));
    } else if (payload instanceof AuxAdd a) {
      atomics++;
      long old = refcounts.fetchAddAux(localFrame(a.frame()), a.delta());
      if (observing()) {
        observe(new Event.AuxChange(now, src, a.frame(), old, old + a.delta()));
      }
      reply(src, new Value(a.tag(), old));
    } else if (payload instanceof AuxGet a) {
      atomics++;
      reply(src, new Value(a.tag(), refcounts.aux(localFrame(a.frame()))));
    } else if (payload instanceof AuxBits a) {
      atomics++;
      long old = refcounts.updateAux(localFrame(a.frame()), a.set(), a.clear());
      if (observing()) {
        observe(new Event.AuxChange(now, src, a.frame(), old, (old | a.set()) & ~a.clear()));
      }
      reply(src, new Value(a.tag(), old));
    } else if (payload instanceof Lock l) {
      atomics++;
      byte old = refcounts.orFlags(localFrame(l.frame()), LOCK_BIT);
      reply(src, new Value(l.tag(), (old & LOCK_BIT) != 0 ? 1 : 0));
    } else if (payload instanceof Unlock u) {
      atomics++;
      refcounts.clearFlags(localFrame(u.frame()), LOCK_BIT);
      reply(src, new Value(u.tag(), 0));
    } else if (payload instanceof RwTryLock l) {
      atomics++;
      reply(src, new Value(l.tag(), rwTryLock(src, l.frame(), l.write()) ? 0 : 1));
    } else if (payload instanceof RwUnlock u) {
      atomics++;
      rwUnlock(u.frame(), u.write());
      reply(src, new Value(u.tag(), 0));
    } else {
      throw new IllegalStateException("memory bank got " + payload);
    }
  }

  private boolean rwTryLock(int cpu, long frame, boolean write) {
    RwSem sem = rwSems.computeIfAbsent(frame, f -> new RwSem());
    boolean free = write ? sem.word == 0 : (sem.word & RW_WRITER) == 0;
    int at = -1;
    boolean onlyReadersAhead = true;
    for (int i = 0; i < sem.waiters.size(); i++) {
      if (sem.waiters.get(i)[0] == cpu) {
        at = i;
        break;
      }
      onlyReadersAhead &= sem.waiters.get(i)[1] == 0;
    }
    boolean turn = at < 0 ? sem.waiters.isEmpty() : (write ? at == 0 : onlyReadersAhead);
    if (free && turn) {
      if (at >= 0) {
        sem.waiters.remove(at);
      }
      sem.word = write ? RW_WRITER : sem.word + RW_READER;
      return true;
    }
    if (at < 0) {
      sem.waiters.add(new long[] {cpu, write ? 1 : 0});
    }
    return false;
  }

  private void rwUnlock(long frame, boolean write) {
    RwSem sem = rwSems.get(frame);
    long w = sem == null ? 0 : sem.word;
    boolean held = write ? (w & RW_WRITER) != 0 : w >= RW_READER;
    if (!held) {
      // releasing a lock that is not held in that mode is a bug of the simulated kernel, not of
      // the simulator: the word is left as it is, and the run goes on
      warn("cpu released the reader-writer lock of frame 0x{} ({}) that it did not hold", Long.toHexString(frame), write ? "write" : "read");
      return;
    }
    sem.word = write ? w & ~RW_WRITER : w - RW_READER;
    if (sem.word == 0 && sem.waiters.isEmpty()) {
      rwSems.remove(frame);
    }
  }

  /** Whether the request's address is inside physical memory. */
  private boolean backed(Request req) {
    return req.frame() >= 0 && localFrame(req.frame()) < store.totalFrames();
  }

  /**
   * An address beyond physical memory (a PTE a corrupted page table points anywhere): like
   * unbacked physical memory on a PC, reads return all ones and writes go nowhere. It is a
   * fault of the simulated kernel, not of the simulator, so the run goes on.
   */
  private void unbacked(int src, Request req) {
    warn("cpu-{} accessed physical memory beyond the machine's end: {}", src, req.getClass().getSimpleName());
    if (observing()) {
      long paddr = req instanceof Read r ? r.paddr() : req instanceof Write w ? w.paddr() : req instanceof CompareAndSwap c ? c.paddr() : req.frame() << 12;
      Event.Access access = req instanceof Read r ? r.access() : req instanceof Write w ? w.access() : null;
      String what = req instanceof Read ? "a load" : req instanceof Write ? "a store" : req instanceof CompareAndSwap ? "the page walker's A/D update" : "a " + req.getClass().getSimpleName() + " request";
      observe(new Event.WildAccess(now, src, paddr, what, access));
    }
    if (req.tag() < 0) {
      return; // a posted store
    }
    if (req instanceof ReadFrame) {
      long[] ones = new long[512];
      java.util.Arrays.fill(ones, -1L);
      send(topo.toCpu(src), lat.memoryReply(), new FrameData(req.tag(), ones));
    } else {
      reply(src, new Value(req.tag(), req instanceof Lock || req instanceof RwTryLock ? 0 : -1L));
    }
  }

  private void reply(int cpu, Answer a) {
    send(topo.toCpu(cpu), lat.memoryReply(), a);
  }

  /** End-of-run view of this bank, for the report and the checkers. */
  public record BankDetail(int bank, Map<Long, Integer> nonZeroRefcounts, long populatedFrames) {}

  @Override
  protected NodeStats stats() {
    Map<String, Long> c = new LinkedHashMap<>();
    c.put(Stat.MEMORY_READS.key, reads);
    c.put(Stat.MEMORY_WRITES.key, writes);
    c.put(Stat.MEMORY_ATOMICS.key, atomics);
    c.put(Stat.MEMORY_FRAME_OPS.key, frameOps);
    Map<Long, Integer> rc = new LinkedHashMap<>();
    int bankIndex = id - topo.cpus();
    for (long lf = 0, n = refcounts.writtenFrames(); lf < n; lf++) {
      int v = refcounts.get(lf);
      if (v != 0) {
        rc.put(lf * banks + bankIndex, v);
      }
    }
    return new NodeStats(id, c, new BankDetail(bankIndex, rc, store.populatedFrames()), now);
  }
}
