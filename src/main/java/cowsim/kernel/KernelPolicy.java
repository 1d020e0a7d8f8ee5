package cowsim.kernel;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.StringJoiner;

/**
 * The kernel's memory-management policies: strat9's choices, Linux's, or any mix. Every knob, its
 * values and each profile's value are declared once in {@link Knob}; a policy holds one value per
 * knob, starting from a {@link Profile}'s and changed with a {@link Builder}.
 *
 * <p>The kernel reads a knob with {@link #get(Knob)}; the accessors below name the knobs of the
 * kernel paths written before the registry, and each is only {@code get} of its knob.
 *
 * <p>{@link #mistake()} is not a knob: a deliberate kernel mistake switched on
 * ({@code kernel.mistake}; test equipment for {@code mutants}, never part of a profile), or
 * {@link Mistake#NONE}.
 */
public final class KernelPolicy {
  private final Profile profile;
  private final Map<Knob<?>, Object> values;
  private final Mistake mistake;

  private KernelPolicy(Profile profile, Map<Knob<?>, Object> values, Mistake mistake) {
    this.profile = profile;
    this.values = Map.copyOf(values);
    this.mistake = Objects.requireNonNull(mistake, "mistake");
  }

  /** A policy starting from this profile's values. */
  public static Builder builder(Profile profile) {
    return new Builder(profile);
  }

  /** The profile's policy as it is. */
  public static KernelPolicy of(Profile profile) {
    return builder(profile).build();
  }

  /** The strat9 profile, for code and tests without a scenario. */
  public static KernelPolicy strat9() {
    return of(Profile.STRAT9);
  }

  /** The linux profile, for code and tests without a scenario. */
  public static KernelPolicy linux() {
    return of(Profile.LINUX);
  }

  /** A builder starting from this policy: its profile, its values and its mistake. */
  public Builder toBuilder() {
    Builder b = new Builder(profile);
    b.values.putAll(values);
    b.mistake = mistake;
    return b;
  }

  /** The same policy with this mistake switched on (or {@link Mistake#NONE}). */
  public KernelPolicy withMistake(Mistake m) {
    return new KernelPolicy(profile, values, m);
  }

  /** The knob's value. */
  @SuppressWarnings("unchecked") // the builder stores only values of the knob's type
  public <T> T get(Knob<T> knob) {
    return (T) values.get(knob);
  }

  /** The name of the profile this policy started from. */
  public String profile() {
    return profile.key;
  }

  public Mistake mistake() {
    return mistake;
  }

  /** Whether the kernel keeps the frames' map counts and AnonExclusive bits (the second metadata word). */
  public boolean keepsMapcount() {
    return get(Knob.RMAP_MAPCOUNT) || get(Knob.COW_REUSE) != CowReuse.REFCOUNT;
  }

  /** How fork's clone_cow flushes other CPUs ({@link Knob#TLB_FORK}). */
  public Flush forkFlush() {
    return get(Knob.TLB_FORK);
  }

  /** Who is flushed after a COW fault changes a PTE ({@link Knob#TLB_COW_FAULT}). */
  public Flush cowFaultFlush() {
    return get(Knob.TLB_COW_FAULT);
  }

  /** Who is flushed after munmap ({@link Knob#TLB_MUNMAP}). */
  public Flush munmapFlush() {
    return get(Knob.TLB_MUNMAP);
  }

  /** Who is flushed after mprotect ({@link Knob#TLB_MPROTECT}). */
  public Flush mprotectFlush() {
    return get(Knob.TLB_MPROTECT);
  }

  /** Above this many pages a shootdown flushes the whole TLB ({@link Knob#TLB_FLUSH_CEILING}). */
  public int flushCeiling() {
    return get(Knob.TLB_FLUSH_CEILING);
  }

  /** The initiator gives up waiting for acks after this many spins, 0 never ({@link Knob#TLB_ACK_TIMEOUT_SPINS}). */
  public long ackTimeoutSpins() {
    return get(Knob.TLB_ACK_TIMEOUT_SPINS);
  }

  /** How acks are collected ({@link Knob#TLB_ACK_FLAG}). */
  public AckFlag ackFlag() {
    return get(Knob.TLB_ACK_FLAG);
  }

  /** Drop refcounts only after every remote flush is acknowledged ({@link Knob#TLB_FREE_AFTER_FLUSH}). */
  public boolean freeAfterFlush() {
    return get(Knob.TLB_FREE_AFTER_FLUSH);
  }

  /** The refcount the allocator leaves in a fresh frame ({@link Knob#REFCOUNT_ON_ALLOC}). */
  public int refcountOnAlloc() {
    return get(Knob.REFCOUNT_ON_ALLOC);
  }

  /** PTE updates take the page table's lock and recheck ({@link Knob#COW_FAULT_LOCK}). */
  public boolean cowLock() {
    return get(Knob.COW_FAULT_LOCK);
  }

  /** The fork child keeps the parent's FS base ({@link Knob#FORK_CHILD_FS_BASE}). */
  public boolean childFsBaseInherit() {
    return get(Knob.FORK_CHILD_FS_BASE);
  }

  /** A failed clone_cow leaves the rollback to the child's teardown ({@link Knob#FORK_ROLLBACK}). */
  public boolean forkRollbackTeardownOnly() {
    return get(Knob.FORK_ROLLBACK);
  }

  /** A fault on a present page the PTE forbids kills ({@link Knob#FAULT_PRESENT_PAGE}). */
  public boolean killOnPresentPage() {
    return get(Knob.FAULT_PRESENT_PAGE);
  }

  /** Unmapping a whole region stops at its first never-touched page ({@link Knob#MUNMAP_STOP_AT_UNTOUCHED}). */
  public boolean stopAtUntouched() {
    return get(Knob.MUNMAP_STOP_AT_UNTOUCHED);
  }

  /** TLB entries are tagged by address space and survive CR3 writes ({@link Knob#PCID}). */
  public boolean pcid() {
    return get(Knob.PCID);
  }

  /** With PCID, flush a changed address space's entries on switch-in ({@link Knob#TLB_GENERATION_CHECK}). */
  public boolean generationCheck() {
    return get(Knob.TLB_GENERATION_CHECK);
  }

  /** The address-space lock ({@link Knob#MM_LOCK}). */
  public MmLock mmLock() {
    return get(Knob.MM_LOCK);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KernelPolicy p && p.profile == profile && p.values.equals(values) && p.mistake == mistake;
  }

  @Override
  public int hashCode() {
    return Objects.hash(profile, values, mistake);
  }

  /** {@code KernelPolicy[strat9: tlb.fork=all-cpus-full, ..., mistake=none]}. */
  @Override
  public String toString() {
    StringJoiner j = new StringJoiner(", ", "KernelPolicy[" + profile + ": ", "]");
    for (Knob<?> k : Knob.all()) {
      j.add(k.key + "=" + word(k));
    }
    return j.add("mistake=" + mistake.key).toString();
  }

  private <T> String word(Knob<T> k) {
    return k.type.word(get(k));
  }

  /** A policy in the making: a profile's values, then any knob changed. */
  public static final class Builder {
    private final Profile profile;
    private final Map<Knob<?>, Object> values = new LinkedHashMap<>();
    private Mistake mistake = Mistake.NONE;

    private Builder(Profile profile) {
      this.profile = Objects.requireNonNull(profile, "profile");
      for (Knob<?> k : Knob.all()) {
        values.put(k, k.valueIn(profile));
      }
    }

    /** This knob set to this value, which its type must allow. */
    public <T> Builder set(Knob<T> knob, T value) {
      Objects.requireNonNull(value, knob.key);
      if (!knob.type.allows(value)) {
        throw new IllegalArgumentException(knob.key + " must be " + knob.type.values() + ", got " + value);
      }
      values.put(knob, value);
      return this;
    }

    /** This mistake switched on ({@link Mistake#NONE}: none, the default). */
    public Builder mistake(Mistake m) {
      mistake = Objects.requireNonNull(m, "mistake");
      return this;
    }

    public KernelPolicy build() {
      return new KernelPolicy(profile, values, mistake);
    }
  }

  /** Who a kernel path flushes after changing PTEs. */
  public enum Flush {
    /** strat9's shootdown_all: reload CR3 here, full-flush IPI to every other CPU, wait for acks. */
    ALL_CPUS_FULL("all-cpus-full"),
    /** Linux: invalidate here and IPI only the CPUs running the address space (mm_cpumask). */
    MM_CPUS("mm-cpus"),
    /** invlpg (or a CR3 reload) on this CPU only. */
    LOCAL("local"),
    /** nothing at all. */
    NONE("none");

    public final String key;

    Flush(String key) {
      this.key = key;
    }
  }

  /** How shootdown acks are collected. */
  public enum AckFlag {
    /** strat9: one ack flag word per CPU in kernel memory; concurrent initiators share it. */
    SHARED("shared"),
    /** one ack per request, to its initiator. */
    PER_REQUEST("per-request");

    public final String key;

    AckFlag(String key) {
      this.key = key;
    }
  }

  /** A write fault on a copy-on-write 2 MiB page (knob {@code huge.cow-fault}). */
  public enum HugeCowFault {
    /** strat9: refused by handle_cow_fault, counted as handled, faulted again. */
    REFAULT("refault"),
    /** Linux since 5.8: reuse a sole owner's page, else split the PMD and fault at 4 KiB. */
    SPLIT("split"),
    /** older Linux: copy the whole 2 MiB into a new block. */
    COPY("copy");

    public final String key;

    HugeCowFault(String key) {
      this.key = key;
    }
  }

  /** When a COW fault reuses the page in place (knob {@code cow.reuse}), the three Linux eras. */
  public enum CowReuse {
    /** before 5.8: the map count is 1 (reuse_swap_page / page_mapcount); pins are not seen. */
    MAPCOUNT("mapcount"),
    /** 5.9 ("mm: do_wp_page() simplification") and strat9: the refcount is 1. */
    REFCOUNT("refcount"),
    /** 5.19+: PageAnonExclusive, or refcount 1 (wp_can_reuse_anon_folio), which sets it. */
    ANON_EXCLUSIVE("anon-exclusive");

    public final String key;

    CowReuse(String key) {
      this.key = key;
    }
  }

  /** The address-space lock (knob {@code mm-lock}). */
  public enum MmLock {
    /** strat9: nothing keeps page faults out of fork, munmap or mprotect. */
    NONE("none"),
    /**
     * Linux's mmap_lock: a reader-writer semaphore per address space. Writers (fork, mmap, munmap,
     * mprotect, exit's teardown) exclude everyone; page faults share it as readers.
     */
    RW("rw");

    public final String key;

    MmLock(String key) {
      this.key = key;
    }
  }
}
