package cowsim.kernel;

import cowsim.isa.AsmException;
import cowsim.isa.Assembler;
import cowsim.isa.Program;
import cowsim.isa.RegisterFile;
import cowsim.machine.interconnect.Latencies;
import cowsim.machine.memory.BuddyAllocator;
import cowsim.machine.memory.FrameStore;
import cowsim.machine.memory.RefcountTable;
import cowsim.machine.mmu.Pte;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.function.LongFunction;
import java.util.function.Predicate;

/**
 * A synchronous, single-CPU machine for testing the kernel paths without actors: every memory,
 * refcount and allocator operation completes at once by calling its continuation, and is
 * recorded in {@link #events} in program order so tests can check the order of PTE, refcount and
 * TLB operations against strat9's fork.rs.
 *
 * <p>Event formats (numbers in hex unless noted):
 *
 * <pre>
 * read 0xPADDR -> 0xVALUE        write 0xPADDR = 0xVALUE
 * readFrame 0xF                  writeFrame 0xF   (zeroFrame 0xF when data is null)
 * refget 0xF -> N                refadd 0xF +1 -> OLD   (N, OLD unsigned decimal)
 * alloc -> 0xF | alloc -> none   free 0xF  (free 0xF BAD:RESULT when the buddy refuses it)
 * alloc order N -> 0xF | none    free 0xF order N (BAD:RESULT)   split 0xF order N (BAD:RESULT)
 * invlpg 0xVA   cr3 <- 0xF   shootdown   call FindVma   copyToUser 0xVA = 0xV
 * switchTo TID   enterUser   retry   idle
 * </pre>
 *
 * Booted like the real machine: frames [0, RESERVED_FRAMES) reserved, and the kernel PML4's slot
 * 511 points at the kernel PDPT.
 */
final class FakeHardware implements Hardware {

  /** What every kernel PML4 slot 511 holds on this machine. */
  static final long KERNEL_SLOT_ENTRY = Pte.make(Layout.KERNEL_PDPT, Pte.P | Pte.RW);

  /** Written into every freshly allocated frame when {@link #dirtyOnAllocate} is on. */
  static final long GARBAGE = 0xDEAD_BEEF_0BAD_F00DL;

  static final Latencies LAT = new Latencies(1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1);

  final FrameStore store;
  final RefcountTable refs;
  final BuddyAllocator buddy;
  final KernelCounters counters = new KernelCounters();
  /** Shootdowns asked for (shootdown_all and targeted ones). */
  int shootdowns;
  final List<String> events = new ArrayList<>();
  final List<String> logs = new ArrayList<>();
  /** Frees the buddy allocator refused (double free, reserved frame...). */
  final List<String> badFrees = new ArrayList<>();
  /** Every NewProcess request the kernel made, in order. */
  final List<KernelState.NewProcess> newProcesses = new ArrayList<>();
  /** Every request the kernel made, in order. */
  final List<KernelState.Request> requests = new ArrayList<>();

  /** Answer to FindVma (the VMA containing the address) and GetVmas. */
  List<Vma> vmas = new ArrayList<>();
  /** Pid answered to NewProcess. */
  long childPid = 42;
  /** Munmap and Mprotect answer the VMAs as the ranges, or this -errno when not 0. */
  long rangeError;
  /** Answer to Mmap (an address or -errno). */
  long mmapAnswer = 0x1000_0000L;
  /** Stale contents in freshly allocated frames, so a missing zeroing shows. */
  boolean dirtyOnAllocate = true;

  private long allocationsLeft = Long.MAX_VALUE;
  private final List<Hook> hooks = new ArrayList<>();
  private long cr3 = Layout.KERNEL_PML4;
  private long now;
  private long tags;
  private RegisterFile regs = new RegisterFile();
  private TaskImage current;
  /** The current task's minor faults (Hardware.minflt), not recorded as events. */
  long minflt;
  /** What the canned Rusage request answers (the process-wide sum). */
  long rusageAnswer;
  /** The bytes each Output request carried, as ISO-8859-1 text, in order. */
  final List<String> outputs = new ArrayList<>();

  private record Hook(Predicate<String> when, Runnable action, boolean once) {}

  FakeHardware() {
    this(1024);
  }

  FakeHardware(long frames) {
    store = new FrameStore(frames);
    refs = new RefcountTable(frames);
    buddy = new BuddyAllocator(frames);
    buddy.reserve(0, Layout.RESERVED_FRAMES);
    store.write((Layout.KERNEL_PML4 << 12) + 8L * Layout.KERNEL_PML4_SLOT, KERNEL_SLOT_ENTRY);
  }

  // ------------------------------------------------------------------ knobs

  /** The next n allocations succeed, every later one fails (until reset). */
  FakeHardware failAllocationsAfter(long n) {
    allocationsLeft = n;
    return this;
  }

  FakeHardware allocationsNeverFail() {
    allocationsLeft = Long.MAX_VALUE;
    return this;
  }

  /** Runs action (once) right after the first event matching when is recorded. */
  FakeHardware once(Predicate<String> when, Runnable action) {
    hooks.add(new Hook(when, action, true));
    return this;
  }

  /** Runs action after every event matching when. */
  FakeHardware always(Predicate<String> when, Runnable action) {
    hooks.add(new Hook(when, action, false));
    return this;
  }

  FakeHardware vmas(Vma... v) {
    vmas = new ArrayList<>(Arrays.asList(v));
    return this;
  }

  void setRegs(RegisterFile r) {
    regs = r;
  }

  void setCurrent(TaskImage t) {
    current = t;
    if (t != null) {
      regs = t.regs();
      minflt = t.minflt();
    }
  }

  /** Sets CR3 without recording an event (test setup). */
  void loadCr3(long pml4) {
    cr3 = pml4;
  }

  void clearEvents() {
    events.clear();
  }

  /** A user task image running a one-line program. */
  static TaskImage task(long tid, long pid, long cr3, RegisterFile regs, boolean kernelThread) {
    return new TaskImage(
        tid, pid, "t" + tid, cr3, regs, program("nop"), kernelThread, TaskImage.None.INSTANCE, 0, TaskImage.Refaults.NONE);
  }

  static Program program(String source) {
    try {
      return Assembler.assemble(source);
    } catch (AsmException e) {
      throw new AssertionError(e);
    }
  }

  // ------------------------------------------------------------------ setup without events

  /** A zeroed frame straight from the allocator (no event, not counted by the knob). */
  long takeFrame() {
    long f = buddy.allocate(0);
    if (f < 0) {
      throw new IllegalStateException("fake machine out of frames");
    }
    store.zeroFrame(f);
    return f;
  }

  /** Maps va by hand, creating tables with P|RW|US; returns the PTE's physical address. */
  long mapByHand(long pml4, long va, long frame, long flags) {
    long table = pml4;
    for (int level = 4; level > 1; level--) {
      long addr = PageTables.entryAddr(table, va, level);
      long e = store.read(addr);
      if (!Pte.present(e)) {
        long t = takeFrame();
        e = Pte.make(t, PageTables.TABLE_FLAGS);
        store.write(addr, e);
      }
      table = Pte.frame(e);
    }
    long pteAddr = PageTables.entryAddr(table, va, 1);
    store.write(pteAddr, Pte.make(frame, flags));
    return pteAddr;
  }

  /** Physical address of va's level-1 entry, or -1 when a table above it is missing. */
  long pteAddr(long pml4, long va) {
    long table = pml4;
    for (int level = 4; level > 1; level--) {
      long e = store.read(PageTables.entryAddr(table, va, level));
      if (!Pte.present(e) || Pte.huge(e)) {
        return -1;
      }
      table = Pte.frame(e);
    }
    return PageTables.entryAddr(table, va, 1);
  }

  /** va's 4 KiB PTE read straight from memory (0 when a table above it is missing). */
  long pte(long pml4, long va) {
    long a = pteAddr(pml4, va);
    return a < 0 ? 0 : store.read(a);
  }

  long refcount(long frame) {
    return Integer.toUnsignedLong(refs.get(frame));
  }

  // ------------------------------------------------------------------ event helpers

  static String hex(long v) {
    return "0x" + Long.toHexString(v);
  }

  /** Events whose text starts with any of the prefixes, in order. */
  List<String> eventsStartingWith(String... prefixes) {
    List<String> out = new ArrayList<>();
    for (String e : events) {
      for (String p : prefixes) {
        if (e.startsWith(p)) {
          out.add(e);
          break;
        }
      }
    }
    return out;
  }

  int indexOf(String event) {
    return events.indexOf(event);
  }

  /** Oracle reports are kept apart from the operation log, so the order tests stay about memory. */
  public final List<cowsim.machine.observe.Event> reports = new java.util.ArrayList<>();

  /** The kernel's file tables as KernelState keeps them (pipes, the gup_test device). */
  public final Pipes pipes = new Pipes();

  @Override
  public void report(cowsim.machine.observe.Event e) {
    reports.add(e);
  }

  private void record(String e) {
    events.add(e);
    if (hooks.isEmpty()) {
      return;
    }
    List<Runnable> run = new ArrayList<>();
    for (Iterator<Hook> it = hooks.iterator(); it.hasNext(); ) {
      Hook h = it.next();
      if (h.when().test(e)) {
        run.add(h.action());
        if (h.once()) {
          it.remove();
        }
      }
    }
    run.forEach(Runnable::run);
  }

  // ------------------------------------------------------------------ Hardware

  @Override
  public int cpu() {
    return 0;
  }

  @Override
  public int cpuCount() {
    return 1;
  }

  @Override
  public long now() {
    return now;
  }

  @Override
  public Latencies lat() {
    return LAT;
  }

  @Override
  public KernelCounters counters() {
    return counters;
  }

  @Override
  public void read(long paddr, LongConsumer k) {
    long v = store.read(paddr);
    record("read " + hex(paddr) + " -> " + hex(v));
    k.accept(v);
  }

  @Override
  public void write(long paddr, long value, Runnable k) {
    store.write(paddr, value);
    record("write " + hex(paddr) + " = " + hex(value));
    k.run();
  }

  @Override
  public void readFrame(long frame, Consumer<long[]> k) {
    long[] data = store.readFrame(frame);
    record("readFrame " + hex(frame));
    k.accept(data);
  }

  @Override
  public void writeFrame(long frame, long[] data, Runnable k) {
    if (data == null) {
      store.zeroFrame(frame);
      record("zeroFrame " + hex(frame));
    } else {
      store.writeFrame(frame, data);
      record("writeFrame " + hex(frame));
    }
    k.run();
  }

  @Override
  public void refAdd(long frame, int delta, LongConsumer k) {
    long old = Integer.toUnsignedLong(refs.fetchAdd(frame, delta));
    record("refadd " + hex(frame) + " " + (delta >= 0 ? "+" : "") + delta + " -> " + old);
    k.accept(old);
  }

  @Override
  public void refGet(long frame, LongConsumer k) {
    long v = Integer.toUnsignedLong(refs.get(frame));
    record("refget " + hex(frame) + " -> " + v);
    k.accept(v);
  }

  @Override
  public void auxAdd(long frame, long delta, LongConsumer k) {
    long old = refs.fetchAddAux(frame, delta);
    record("auxadd " + hex(frame) + " " + (delta >= 0 ? "+" : "") + delta + " -> " + hex(old));
    k.accept(old);
  }

  @Override
  public void auxGet(long frame, LongConsumer k) {
    long v = refs.aux(frame);
    record("auxget " + hex(frame) + " -> " + hex(v));
    k.accept(v);
  }

  @Override
  public void auxBits(long frame, long set, long clear, LongConsumer k) {
    long old = refs.updateAux(frame, set, clear);
    record("auxbits " + hex(frame) + " +" + hex(set) + " -" + hex(clear) + " -> " + hex(old));
    k.accept(old);
  }

  @Override
  public void allocate(LongConsumer k) {
    long f;
    if (allocationsLeft <= 0) {
      f = -1;
    } else {
      f = buddy.allocate(0);
      if (f >= 0) {
        allocationsLeft--;
        if (dirtyOnAllocate) {
          long[] junk = new long[FrameStore.WORDS_PER_FRAME];
          Arrays.fill(junk, GARBAGE);
          store.writeFrame(f, junk);
        }
      }
    }
    record(f < 0 ? "alloc -> none" : "alloc -> " + hex(f));
    k.accept(f);
  }

  @Override
  public void free(long frame, Runnable k) {
    BuddyAllocator.FreeResult r = buddy.free(frame, 0);
    if (r.ok()) {
      record("free " + hex(frame));
    } else {
      badFrees.add(hex(frame) + " " + r);
      record("free " + hex(frame) + " BAD:" + r);
    }
    k.run();
  }

  @Override
  public void allocate(int order, LongConsumer k) {
    long f;
    if (allocationsLeft <= 0) {
      f = -1;
    } else {
      f = buddy.allocate(order);
      if (f >= 0) {
        allocationsLeft--;
        if (dirtyOnAllocate) {
          long[] junk = new long[FrameStore.WORDS_PER_FRAME];
          Arrays.fill(junk, GARBAGE);
          for (long g = f; g < f + (1L << order); g++) {
            store.writeFrame(g, junk);
          }
        }
      }
    }
    record(f < 0 ? "alloc order " + order + " -> none" : "alloc order " + order + " -> " + hex(f));
    k.accept(f);
  }

  @Override
  public void free(long frame, int order, Runnable k) {
    BuddyAllocator.FreeResult r = buddy.free(frame, order);
    if (r.ok()) {
      record("free " + hex(frame) + " order " + order);
    } else {
      badFrees.add(hex(frame) + " " + r);
      record("free " + hex(frame) + " order " + order + " BAD:" + r);
    }
    k.run();
  }

  @Override
  public void split(long frame, int order, Runnable k) {
    BuddyAllocator.FreeResult r = buddy.split(frame, order);
    record("split " + hex(frame) + " order " + order + (r.ok() ? "" : " BAD:" + r));
    k.run();
  }

  @Override
  public void call(LongFunction<KernelState.Request> make, Consumer<KernelState.Answer> k) {
    long tag = ++tags;
    KernelState.Request req = make.apply(tag);
    requests.add(req);
    record("call " + req.getClass().getSimpleName());
    KernelState.Answer answer;
    if (req instanceof KernelState.FindVma f) {
      Vma found = null;
      for (Vma v : vmas) {
        if (v.contains(f.va())) {
          found = v;
        }
      }
      answer = new KernelState.VmaAnswer(tag, found);
    } else if (req instanceof KernelState.GetVmas) {
      answer = new KernelState.VmaList(tag, 0, List.copyOf(vmas));
    } else if (req instanceof KernelState.NewProcess np) {
      newProcesses.add(np);
      answer = new KernelState.Result(tag, childPid, 0);
    } else if (req instanceof KernelState.SetCr3) {
      answer = new KernelState.Result(tag, 0, 0);
    } else if (req instanceof KernelState.MmCpus) {
      answer = new KernelState.CpuList(tag, mmCpus.clone());
    } else if (req instanceof KernelState.Munmap || req instanceof KernelState.Mprotect) {
      answer = new KernelState.VmaList(tag, rangeError, rangeError == 0 ? List.copyOf(vmas) : List.of());
    } else if (req instanceof KernelState.PipeCreate c) {
      long[] fds = pipes.create(c.pid());
      answer = new KernelState.Result(tag, fds[0], fds[1]);
    } else if (req instanceof KernelState.PipeRoom r) {
      answer = new KernelState.Result(tag, pipes.room(r.pid(), r.fd()), 0); // -EBADF while no pipe is open
    } else if (req instanceof KernelState.PipePush p) {
      pipes.push(p.pid(), p.fd(), p.bufs());
      answer = new KernelState.Result(tag, 0, 0);
    } else if (req instanceof KernelState.PipeRead r) {
      long[] err = new long[1];
      List<Pipes.Piece> pieces = pipes.read(r.pid(), r.fd(), r.max(), err);
      answer = new KernelState.PipeData(tag, err[0], pieces, List.of());
    } else if (req instanceof KernelState.PipeClose c) {
      long[] err = new long[1];
      List<Pipes.Buf> gone = pipes.close(c.pid(), c.fd(), err);
      answer = new KernelState.PipeData(tag, err[0], List.of(), gone);
    } else if (req instanceof KernelState.GupDevice g) {
      answer = KernelState.gup(pipes, g);
    } else if (req instanceof KernelState.Mmap) {
      answer = new KernelState.Result(tag, mmapAnswer, 0);
    } else if (req instanceof KernelState.Madvise m) {
      // the VMAs' pieces inside the range (KernelState's VmaCalls.madvise without its checks)
      long end = m.addr() + VmaCalls.pageAlign(m.length());
      List<Vma> pieces = new ArrayList<>();
      for (Vma v : vmas) {
        long a = Math.max(v.start(), m.addr());
        long b = Math.min(v.end(), end);
        if (a < b) {
          pieces.add(new Vma(a, b, v.writable(), v.huge()));
        }
      }
      answer = new KernelState.VmaList(tag, 0, pieces);
    } else if (req instanceof KernelState.FlushPending f) {
      flushPending += f.delta();
      answer = new KernelState.Result(tag, flushPending, 0);
    } else if (req instanceof KernelState.Rusage) {
      answer = new KernelState.Result(tag, rusageAnswer, 0);
    } else if (req instanceof KernelState.Output o) {
      outputs.add(o.fd() + ":" + new String(o.bytes(), java.nio.charset.StandardCharsets.ISO_8859_1));
      answer = new KernelState.Result(tag, 0, 0);
    } else {
      throw new UnsupportedOperationException("FakeHardware has no canned answer for " + req);
    }
    k.accept(answer);
  }

  @Override
  public void invlpg(long va) {
    record("invlpg " + hex(va));
  }

  @Override
  public void writeCr3(long pml4Frame) {
    cr3 = pml4Frame;
    record("cr3 <- " + hex(pml4Frame));
  }

  @Override
  public long cr3() {
    return cr3;
  }

  @Override
  public void shootdownAll(Runnable k) {
    shootdowns++;
    record("shootdown");
    k.run();
  }

  @Override
  public boolean logEnabled() {
    return false;
  }

  /** What MmCpus answers: the other CPUs running the address space. */
  int[] mmCpus = new int[0];

  /** mm->tlb_flush_pending as FlushPending requests change it (a test sets it to fake another batch). */
  long flushPending;

  /** The policies the kernel code sees (strat9 unless a test says otherwise). */
  KernelPolicy policy = KernelPolicy.strat9();

  @Override
  public KernelPolicy policy() {
    return policy;
  }

  @Override
  public void shootdown(int[] targets, long[] pages, Runnable k) {
    shootdowns++;
    record("shootdown " + java.util.Arrays.toString(targets) + (pages == null ? " full" : " " + pages.length + " pages"));
    k.run();
  }

  @Override
  public void lock(long frame, Runnable k) {
    record("lock " + hex(frame));
    k.run();
  }

  @Override
  public void unlock(long frame, Runnable k) {
    record("unlock " + hex(frame));
    k.run();
  }

  /** mmap_lock holders by PML4 frame: -1 a writer, n > 0 readers (a synchronous machine never contends). */
  final java.util.Map<Long, Integer> mmapLocks = new java.util.HashMap<>();

  @Override
  public void mmapLock(long frame, boolean write, Runnable k) {
    record("mmap_lock " + (write ? "write " : "read ") + hex(frame));
    int held = mmapLocks.getOrDefault(frame, 0);
    if (held != 0 && (write || held < 0)) {
      throw new IllegalStateException("mmap_lock of " + hex(frame) + " taken (" + (write ? "write" : "read") + ") while held: " + held);
    }
    mmapLocks.put(frame, write ? -1 : held + 1);
    k.run();
  }

  @Override
  public void mmapUnlock(long frame, boolean write, Runnable k) {
    record("mmap_unlock " + (write ? "write " : "read ") + hex(frame));
    int held = mmapLocks.getOrDefault(frame, 0);
    if (write ? held != -1 : held <= 0) {
      throw new IllegalStateException("mmap_lock of " + hex(frame) + " released (" + (write ? "write" : "read") + ") but held: " + held);
    }
    if (write || held == 1) {
      mmapLocks.remove(frame);
    } else {
      mmapLocks.put(frame, held - 1);
    }
    k.run();
  }

  @Override
  public RegisterFile regs() {
    return regs;
  }

  @Override
  public TaskImage current() {
    return current;
  }

  @Override
  public TaskImage.Refaults refaults() {
    return TaskImage.Refaults.NONE;
  }

  @Override
  public void switchTo(TaskImage task) {
    current = task;
    regs = task.regs();
    minflt = task.minflt();
    record("switchTo " + task.tid());
  }

  @Override
  public void enterUser() {
    record("enterUser");
  }

  @Override
  public void becomeIdle() {
    current = null;
    record("idle");
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
    record("copyFromUser " + hex(va));
    PageTables.translate(
        this,
        cr3,
        va & ~0xfffL,
        leaf -> {
          if (!leaf.mapped4k()) {
            k.accept(null);
            return;
          }
          read((Pte.frame(leaf.entry()) << 12) + (va & 0xff8L), v -> k.accept(v));
        });
  }

  @Override
  public void copyToUser(long va, long value, Consumer<Boolean> k) {
    record("copyToUser " + hex(va) + " = " + hex(value));
    PageTables.translate(
        this,
        cr3,
        va & ~0xfffL,
        leaf -> {
          if (!leaf.mapped4k() || !Pte.writable(leaf.entry())) {
            k.accept(false);
            return;
          }
          write((Pte.frame(leaf.entry()) << 12) + (va & 0xff8L), value, () -> k.accept(true));
        });
  }

  @Override
  public void log(String format, Object... args) {
    StringBuilder sb = new StringBuilder();
    int a = 0;
    int i = 0;
    while (i < format.length()) {
      if (format.startsWith("{}", i) && a < args.length) {
        sb.append(args[a++]);
        i += 2;
      } else {
        sb.append(format.charAt(i++));
      }
    }
    logs.add(sb.toString());
  }
}
