package cowsim.kernel;

import cowsim.kernel.KernelPolicy.AckFlag;
import cowsim.kernel.KernelPolicy.CowReuse;
import cowsim.kernel.KernelPolicy.Flush;
import cowsim.kernel.KernelPolicy.HugeCowFault;
import cowsim.kernel.KernelPolicy.MmLock;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.LongFunction;

/**
 * Every kernel policy knob, declared once: its key in a scenario's {@code kernel { ... }} block,
 * its type and allowed values, its value in each {@link Profile}, one line of what it does and
 * what breaks without the linux value.
 *
 * <p>Everything else follows from this table: the scenario reader's keys and validation (and so
 * {@code --set kernel.x=y} and {@code compare --variant x=y}), the profiles, {@link KernelPolicy}
 * (built from these values, read with {@link KernelPolicy#get}) and the README's Policies table
 * (checked row for row by {@code KnobTest}).
 *
 * <p>To add a knob: declare a constant here and add it to {@link #all()} (where it belongs in the
 * README's order), then read it where the kernel takes the step it switches,
 * {@code hw.policy().get(Knob.X)}.
 *
 * @param <T> the value's type in the kernel ({@link Flush}, {@code Boolean}, {@code Integer}, ...)
 */
public final class Knob<T> {

  public static final Knob<Flush> TLB_FORK =
      new Knob<>(
          "tlb.fork",
          Type.of(List.of(Flush.ALL_CPUS_FULL, Flush.MM_CPUS, Flush.LOCAL), f -> f.key),
          Flush.ALL_CPUS_FULL,
          Flush.MM_CPUS,
          "how fork's clone_cow flushes other CPUs: all-cpus-full reloads CR3, sends a full-flush IPI to every other CPU and"
              + " waits (strat9's shootdown_all); mm-cpus IPIs only the CPUs running the address space (mm_cpumask); local"
              + " flushes this CPU only",
          "nothing: all-cpus-full is correct, just IPIs CPUs that have nothing to flush; `local` leaves other threads'"
              + " writable entries on a page the child shares");

  public static final Knob<Flush> TLB_COW_FAULT =
      new Knob<>(
          "tlb.cow-fault",
          pathFlush(),
          Flush.LOCAL,
          Flush.MM_CPUS,
          "who is flushed after a COW fault changed a PTE",
          "other threads keep read-only entries to the old frame and read stale data, or data the other process writes"
              + " after a reuse: `bugs/stale-tlb-after-cow-copy.conf`");

  public static final Knob<Flush> TLB_MUNMAP =
      new Knob<>(
          "tlb.munmap",
          pathFlush(),
          Flush.LOCAL,
          Flush.MM_CPUS,
          "who is flushed after munmap",
          "other threads keep writing a freed frame, which another process may already own:"
              + " `bugs/stale-tlb-after-munmap-reuse.conf`");

  public static final Knob<Flush> TLB_MPROTECT =
      new Knob<>(
          "tlb.mprotect",
          pathFlush(),
          Flush.NONE,
          Flush.MM_CPUS,
          "who is flushed after mprotect",
          "writes go on through writable entries after mprotect(PROT_READ): `bugs/stale-tlb-after-mprotect.conf`");

  public static final Knob<Integer> TLB_FLUSH_CEILING =
      new Knob<>(
          "tlb.flush-ceiling",
          Type.ints(1, 512, "pages"),
          16,
          33,
          "above this many pages a shootdown flushes the whole TLB instead of page by page (strat9's per-CPU shootdown"
              + " mailbox holds 16 entries; Linux's tlb_single_page_flush_ceiling is 33)",
          "(cost only) nothing");

  public static final Knob<Long> TLB_ACK_TIMEOUT_SPINS =
      new Knob<>(
          "tlb.ack-timeout-spins",
          Type.longs(0, Long.MAX_VALUE / 1024, "spins"),
          10_000_000L,
          0L,
          "the shootdown initiator stops waiting for acks after this many spins and goes on; 0 = wait forever",
          "the initiator goes on before remote TLBs are flushed");

  public static final Knob<AckFlag> TLB_ACK_FLAG =
      new Knob<>(
          "tlb.ack-flag",
          Type.of(List.of(AckFlag.SHARED, AckFlag.PER_REQUEST), f -> f.key),
          AckFlag.SHARED,
          AckFlag.PER_REQUEST,
          "how shootdown acks are collected: shared, one ack word per CPU in kernel memory (strat9); per-request, one ack"
              + " message per request to its initiator",
          "concurrent initiators see each other's acks: one goes on before its own flush is done");

  public static final Knob<Boolean> TLB_FREE_AFTER_FLUSH =
      new Knob<>(
          "tlb.free-after-flush",
          Type.flag(),
          false,
          true,
          "drop a frame's refcount only after every remote flush is acknowledged (Linux's mmu_gather); false decrements"
              + " before any remote flush",
          "a frame is freed and reused while another CPU still maps it");

  public static final Knob<Boolean> TLB_GENERATION_CHECK =
      new Knob<>(
          "tlb.generation-check",
          Type.flag(),
          false,
          true,
          "with pcid: on switch-in, flush the address space's entries if it changed since this CPU last ran it (Linux's"
              + " tlb_gen)",
          "with `pcid = true`: stale tagged entries survive a switch back: `bugs/pcid-without-generation-check.conf`");

  public static final Knob<Integer> REFCOUNT_ON_ALLOC =
      new Knob<>(
          "refcount.on-alloc",
          Type.ints(0, 1, "refcount"),
          0,
          0,
          "the refcount the allocator leaves in a fresh frame, which mapping then increments (0: the late-March 2026"
              + " fork.rs era, in which its frame_inc_ref(new_frame) is right)",
          "`1` (strat9 of mid-March 2026): fresh pages start at 2, the reuse path is never taken, private pages leak:"
              + " `bugs/double-count-leak.conf`");

  public static final Knob<Boolean> COW_FAULT_LOCK =
      new Knob<>(
          "cow-fault.lock",
          Type.of(List.of("none", "page-table"), List.of(false, true)),
          false,
          true,
          "page-table: the COW fault takes the page table's lock (an atomic lock word in simulated memory) and rechecks"
              + " the PTE under it, as Linux; demand paging, munmap, mprotect and fork's per-page step take it too",
          "two threads fault on one COW page and both copy: lost writes, leaks, a double decrement; a sibling's fork"
              + " races the refcount == 1 check");

  public static final Knob<Boolean> FORK_CHILD_FS_BASE =
      new Knob<>(
          "fork.child-fs-base",
          Type.of(List.of("zero", "inherit"), List.of(false, true)),
          false,
          true,
          "the fork child's FS base: 0 (strat9) or the parent's (Linux)",
          "the child loses its TLS: `bugs/fs-base-after-fork.conf`");

  public static final Knob<Boolean> FORK_ROLLBACK =
      new Knob<>(
          "fork.rollback",
          Type.of(List.of("restore-and-decrement", "teardown-only"), List.of(false, true)),
          false,
          true,
          "when clone_cow runs out of memory: restore the parent's PTEs and decrement each page, then the child's"
              + " teardown decrements again (strat9); or leave the parent's PTEs copy-on-write and let the child's"
              + " teardown drop the references once (Linux)",
          "clone_cow out of memory decrements twice: `bugs/fork-rollback-double-decrement.conf`");

  public static final Knob<Boolean> FAULT_PRESENT_PAGE =
      new Knob<>(
          "fault.present-page",
          Type.of(List.of("retry", "kill"), List.of(false, true)),
          false,
          true,
          "a fault on a present page whose PTE forbids the access: retry counts it as handled and re-faults (strat9);"
              + " kill sends SIGSEGV (Linux; a spurious fault is still retried)",
          "a write to a read-only page re-faults forever: `violations/refault-loop-readonly.conf`");

  public static final Knob<Boolean> MUNMAP_STOP_AT_UNTOUCHED =
      new Knob<>(
          "munmap.stop-at-untouched",
          Type.flag(),
          true,
          false,
          "unmapping a whole region stops at its first never-touched page (strat9's leak)",
          "the rest of the region leaks: `bugs/region-teardown-leak.conf`");

  public static final Knob<Boolean> PCID =
      new Knob<>(
          "pcid",
          Type.flag(),
          false,
          false,
          "(hardware) TLB entries are tagged by address space and survive CR3 writes",
          "nothing: both profiles leave it off; on, it needs `tlb.generation-check`");

  public static final Knob<MmLock> MM_LOCK =
      new Knob<>(
          "mm-lock",
          Type.of(List.of(MmLock.NONE, MmLock.RW), l -> l.key),
          MmLock.NONE,
          MmLock.RW,
          "the address-space lock: none (strat9: nothing keeps page faults out of fork, munmap or mprotect) or rw, Linux's"
              + " mmap_lock: a reader-writer lock per address space in simulated memory; fork (over the whole clone, its"
              + " flush included), mmap, munmap, mprotect and exit's teardown write, page faults read",
          "a sibling's COW fault runs inside fork's window: it copies a page fork already write-protected while a third"
              + " thread still stores into the old frame through its writable TLB entry, so that store is lost (`stress"
              + " --threads-per-process 4` under linux with `mm-lock = none`)");

  public static final Knob<HugeCowFault> HUGE_COW_FAULT =
      new Knob<>(
          "huge.cow-fault",
          Type.of(List.of(HugeCowFault.REFAULT, HugeCowFault.SPLIT, HugeCowFault.COPY), h -> h.key),
          HugeCowFault.REFAULT,
          HugeCowFault.SPLIT,
          "a write fault on a copy-on-write 2 MiB page: refault (strat9: handle_cow_fault refuses a huge page, the"
              + " generic handler counts the present page as handled, the task faults again until `refault-loop` stops"
              + " it), split (Linux's do_huge_pmd_wp_page: a sole owner gets the huge entry back writable, a shared page is"
              + " split into 512 read-only COW PTEs and the fault goes on as a 4 KiB COW fault) or copy (older Linux: a"
              + " new 2 MiB block, all of it copied)",
          "a write to a huge page shared by fork never completes: `bugs/huge-page-cow-refault.conf`");

  public static final Knob<Boolean> HUGE_UNMAP =
      new Knob<>(
          "huge.unmap",
          Type.of(List.of("head-4k", "block"), List.of(false, true)),
          false,
          true,
          "what unmapping a 2 MiB page gives back: head-4k (strat9: frame_dec_ref on the head frame, freed as one 4 KiB"
              + " frame; a munmap or mprotect of part of the page leaves it as it is) or block (Linux: the whole 2 MiB"
              + " block, or each 4 KiB frame of a split one; part of a page is split first, as __split_huge_pmd)",
          "511 frames of every 2 MiB page leak at munmap and exit: `bugs/huge-page-teardown-leak.conf`");

  public static final Knob<Boolean> RMAP_MAPCOUNT =
      new Knob<>(
          "rmap.mapcount",
          Type.flag(),
          false,
          true,
          "keep a map count per frame beside its refcount (Linux's _mapcount, in the frame's second metadata word): +1"
              + " where Linux calls folio_add_new_anon_rmap (demand fault, COW copy) or dups the rmap at fork"
              + " (copy_present_pte), -1 at page_remove_rmap (munmap, exit, the COW copy's old page); strat9 has none",
          "nothing reads it unless `cow.reuse` is `mapcount` or `anon-exclusive` (which keep it whatever this says)");

  public static final Knob<CowReuse> COW_REUSE =
      new Knob<>(
          "cow.reuse",
          Type.of(List.of(CowReuse.MAPCOUNT, CowReuse.REFCOUNT, CowReuse.ANON_EXCLUSIVE), r -> r.key),
          CowReuse.REFCOUNT,
          CowReuse.ANON_EXCLUSIVE,
          java.util.Map.of(Profile.LINUX_5_7, CowReuse.MAPCOUNT, Profile.LINUX_5_9, CowReuse.REFCOUNT, Profile.LINUX_4_12, CowReuse.MAPCOUNT),
          "when a write fault on a COW page reuses it in place: mapcount (before 5.8: the map count is 1, pins and"
              + " other references ignored), refcount (5.9, \"mm: do_wp_page() simplification\": the refcount is 1;"
              + " strat9's test too) or anon-exclusive (5.19+, \"mm: COW fixes part 2\": the page's AnonExclusive bit,"
              + " set on a fresh anonymous page, cleared when fork shares it, or refcount 1; fork copies a pinned"
              + " exclusive page instead of sharing it, and a pin of a shared page unshares it first)",
          "`mapcount`: a child that vmsplice()d a page and unmapped it reads the parent's later writes through the pipe"
              + " (CVE-2020-29374): `linux-selftests/vmsplice-unmap-in-child.conf` under `linux-5.7`");

  public static final Knob<Boolean> FAULT_READ_UNTOUCHED =
      new Knob<>(
          "fault.read-untouched",
          Type.of(List.of("allocate", "zero-page"), List.of(false, true)),
          false,
          true,
          "a read fault on an untouched 4 KiB page: allocate a zeroed frame (strat9) or map the shared zero page read-only"
              + " without a reference (Linux's do_anonymous_page), which the first write replaces by a fresh zeroed frame"
              + " (wp_page_copy); 2 MiB regions still allocate (no huge zero page)",
          "(cost only) every page a program only reads costs a frame and the first write no fault:"
              + " `zero-page-read-then-write.conf` pins both counts");

  public static final Knob<Boolean> TLB_FLUSH_UNCHANGED =
      new Knob<>(
          "tlb.flush-unchanged",
          Type.of(List.of("always", "never"), List.of(true, false)),
          true,
          false,
          "munmap, mprotect and madvise shoot down the range even when no present PTE changed (always), or only when one"
              + " was cleared or lost a permission (never: Linux's mmu_gather flushes only when tlb->end > tlb->start,"
              + " change_pte_range only when pte_needs_flush)",
          "(cost only) IPIs for ranges nobody touched: `mprotect-untouched-no-ipi.conf` pins 0");

  public static final Knob<Boolean> TLB_NESTED_FLUSH =
      new Knob<>(
          "tlb.nested-flush",
          Type.of(List.of("off", "on"), List.of(false, true)),
          false,
          true,
          java.util.Map.of(Profile.LINUX_4_12, false),
          "madvise(MADV_DONTNEED)'s mmu_gather counts itself in the address space's tlb_flush_pending and, when another"
              + " one is pending too (mm_tlb_flush_nested), flushes its whole range at tlb_finish_mmu even if it cleared"
              + " nothing (Linux 4.13; off in profile linux-4.12)",
          "two threads madvise one range: the one that finds the PTEs already clear returns before the other's flush,"
              + " and its caller's next write is not seen through a third CPU's stale entry:"
              + " `real-bugs/madvise-dontneed-nested-flush.conf`");

  private static final List<Knob<?>> ALL =
      List.of(
          TLB_FORK,
          TLB_COW_FAULT,
          TLB_MUNMAP,
          TLB_MPROTECT,
          TLB_FLUSH_CEILING,
          TLB_ACK_TIMEOUT_SPINS,
          TLB_ACK_FLAG,
          TLB_FREE_AFTER_FLUSH,
          TLB_GENERATION_CHECK,
          REFCOUNT_ON_ALLOC,
          COW_FAULT_LOCK,
          FORK_CHILD_FS_BASE,
          FORK_ROLLBACK,
          FAULT_PRESENT_PAGE,
          MUNMAP_STOP_AT_UNTOUCHED,
          PCID,
          MM_LOCK,
          HUGE_COW_FAULT,
          HUGE_UNMAP,
          RMAP_MAPCOUNT,
          COW_REUSE,
          FAULT_READ_UNTOUCHED,
          TLB_FLUSH_UNCHANGED,
          TLB_NESTED_FLUSH);

  /** The key in a scenario's {@code kernel} block, dotted: {@code tlb.cow-fault}. */
  public final String key;

  /** What the value may be and how a scenario writes it. */
  public final Type<T> type;

  private final T strat9;
  private final T linux;
  /** The values of variant profiles ({@link Profile#base} linux) that differ from linux's. */
  private final java.util.Map<Profile, T> variants;

  /** One line: what the knob switches. */
  public final String doc;

  /** One line: what goes wrong when the knob does not have its linux value. */
  public final String breaks;

  private Knob(String key, Type<T> type, T strat9, T linux, String doc, String breaks) {
    this(key, type, strat9, linux, java.util.Map.of(), doc, breaks);
  }

  private Knob(String key, Type<T> type, T strat9, T linux, java.util.Map<Profile, T> variants, String doc, String breaks) {
    this.key = Objects.requireNonNull(key, "key");
    this.type = Objects.requireNonNull(type, "type");
    this.strat9 = checked(type, strat9, key, "strat9");
    this.linux = checked(type, linux, key, "linux");
    for (java.util.Map.Entry<Profile, T> v : variants.entrySet()) {
      if (v.getKey().base == null) {
        throw new IllegalArgumentException(key + ": " + v.getKey() + " is no variant profile");
      }
      checked(type, v.getValue(), key, v.getKey().key);
    }
    this.variants = java.util.Map.copyOf(variants);
    this.doc = Objects.requireNonNull(doc, "doc");
    this.breaks = Objects.requireNonNull(breaks, "breaks");
  }

  private static <T> T checked(Type<T> type, T value, String key, String profile) {
    if (value == null || !type.allows(value)) {
      throw new IllegalArgumentException(key + ": " + profile + "'s value " + value + " is not one of " + type.values());
    }
    return value;
  }

  /** Every knob, in the README's order (which is also the order the reader checks them in). */
  public static List<Knob<?>> all() {
    return ALL;
  }

  /** The knob with this dotted key, if there is one. */
  public static Optional<Knob<?>> of(String key) {
    return ALL.stream().filter(k -> k.key.equals(key)).findFirst();
  }

  /** This knob's value in the profile. */
  public T valueIn(Profile profile) {
    return switch (profile) {
      case STRAT9 -> strat9;
      case LINUX -> linux;
      default -> variants.containsKey(profile) ? variants.get(profile) : valueIn(profile.base);
    };
  }

  /** Whether a variant profile declares its own value for this knob (one differing from its base's). */
  public boolean differsIn(Profile profile) {
    return profile.base != null && !valueIn(profile).equals(valueIn(profile.base));
  }

  /** The key's parts: {@code [tlb, cow-fault]}. */
  public List<String> path() {
    return List.of(key.split("\\."));
  }

  @Override
  public String toString() {
    return key;
  }

  private static Type<Flush> pathFlush() {
    return Type.of(List.of(Flush.LOCAL, Flush.MM_CPUS, Flush.NONE), f -> f.key);
  }

  /**
   * Where a knob's value is read from (the scenario reader: a key of a {@code kernel} section),
   * reporting a wrong value as its own error {@code X}.
   */
  public interface Source<X extends Exception> {
    /** One of these words. */
    String choice(List<String> words) throws X;

    /** true or false. */
    boolean bool() throws X;

    /** An integer in [min, max]. */
    long integer(long min, long max) throws X;
  }

  /** What a knob's value may be, and how a scenario writes it. */
  public sealed interface Type<T> permits Choice, Flag, Range {

    /** Reads the value from a scenario; a value this type does not allow is the source's error. */
    <X extends Exception> T read(Source<X> in) throws X;

    /** Whether the value is one this type allows. */
    boolean allows(T value);

    /** The value as a scenario writes it: {@code mm-cpus}, {@code true}, {@code 16}. */
    String word(T value);

    /** The allowed values, as the README's table lists them. */
    String values();

    /** One of these values, written as {@code word} says. */
    static <T> Type<T> of(List<T> values, Function<T, String> word) {
      return new Choice<>(values.stream().map(word).toList(), values);
    }

    /** One of these words, each standing for the value at the same place. */
    static <T> Type<T> of(List<String> words, List<T> values) {
      return new Choice<>(words, values);
    }

    /** true or false. */
    static Type<Boolean> flag() {
      return new Flag();
    }

    /** An integer in [min, max], counting {@code unit}. */
    static Type<Integer> ints(int min, int max, String unit) {
      return new Range<>(min, max, unit, n -> (int) n);
    }

    /** A long in [min, max], counting {@code unit}. */
    static Type<Long> longs(long min, long max, String unit) {
      return new Range<>(min, max, unit, n -> n);
    }
  }

  /** One of a list of words, each standing for a value. */
  public record Choice<T>(List<String> words, List<T> choices) implements Type<T> {
    public Choice {
      words = List.copyOf(words);
      choices = List.copyOf(choices);
      if (words.size() != choices.size() || words.stream().distinct().count() != words.size()) {
        throw new IllegalArgumentException("one distinct word per value: " + words + " for " + choices);
      }
    }

    @Override
    public <X extends Exception> T read(Source<X> in) throws X {
      return choices.get(words.indexOf(in.choice(words)));
    }

    @Override
    public boolean allows(T value) {
      return choices.contains(value);
    }

    @Override
    public String word(T value) {
      return words.get(choices.indexOf(value));
    }

    @Override
    public String values() {
      return String.join(" | ", words.stream().map(w -> "`" + w + "`").toList());
    }
  }

  /** A boolean, written true or false. */
  public record Flag() implements Type<Boolean> {
    @Override
    public <X extends Exception> Boolean read(Source<X> in) throws X {
      return in.bool();
    }

    @Override
    public boolean allows(Boolean value) {
      return true;
    }

    @Override
    public String word(Boolean value) {
      return value.toString();
    }

    @Override
    public String values() {
      return "boolean";
    }
  }

  /** An integer in [min, max] of some unit. */
  public record Range<T extends Number>(long min, long max, String unit, LongFunction<T> box) implements Type<T> {
    /** Above this, the README says "or more" instead of a number nobody will reach. */
    private static final long FAR = 1L << 40;

    public Range {
      if (min > max) {
        throw new IllegalArgumentException(min + " > " + max);
      }
    }

    @Override
    public <X extends Exception> T read(Source<X> in) throws X {
      return box.apply(in.integer(min, max));
    }

    @Override
    public boolean allows(T value) {
      return value.longValue() >= min && value.longValue() <= max;
    }

    @Override
    public String word(T value) {
      return Long.toString(value.longValue());
    }

    @Override
    public String values() {
      return unit + " (" + (max >= FAR ? min + " or more" : min + ".." + max) + ")";
    }
  }
}
