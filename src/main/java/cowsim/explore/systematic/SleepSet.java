package cowsim.explore.systematic;

import java.util.ArrayList;
import java.util.List;

/**
 * Sleep sets (Godefroid, 1996), made sound under the preemption bound.
 *
 * <p>Classic rule. At a choice point the alternatives are explored in order (the run's own choice
 * first); a packet explored before an alternative {@code a}, or asleep at the point, goes to sleep
 * in {@code a}'s subtree if it commutes with {@code a} ({@link Independence}); along a run a
 * packet stays asleep across each delivery it commutes with and wakes at the first it does not;
 * an asleep packet is never chosen as an alternative, and once a run delivers an asleep packet
 * (the default may) nothing after it is branched on: every such schedule is equivalent to one in
 * the subtree where the packet was explored first.
 *
 * <p>Under a preemption bound that equivalent schedule may cost more preemptions than the one
 * skipped and lie beyond the bound (Coons, Musuvathi, McKinley, OOPSLA'13: the bound adds
 * dependences). The fix, in one sentence: <b>a packet sleeps across a delivery, or is put to
 * sleep for an alternative, only if the two also have the same owner</b> (the CPU a packet counts
 * for, {@link SystematicScheduler}); swapping two adjacent deliveries with one owner changes no
 * step's preemption count (both orders start from one state with one running CPU and end with the
 * same running CPU, and the second of them is never a preemption), so the schedule the sleep set
 * relies on, reached by such swaps, costs exactly as much as the one it skips. Alternatives beyond
 * the bound are not explored, so they are not put to sleep for later ones.
 *
 * <p>What this leaves: two packets with one owner CPU both touch that CPU (it is the receiver of
 * one and the receiver or sender of the other), so they never commute; only packets between
 * non-CPU actors (memory banks, the allocator, the kernel; owner -1) can sleep. This is why bound-
 * aware sleep sets prune little here ({@code SystematicSearchTest}, BENCHMARKS.md): in this model
 * the bound's dependences are almost all of them. Not combined with the prefix table: caching
 * with sleep sets needs the sleep set stored with each cached prefix (a cached prefix covers a new
 * one only if its sleep set was no larger), not built.
 */
final class SleepSet {

  /** A packet asleep: its identity, ends and owner. */
  record Sleeper(long id, int src, int dst, int owner) {}

  static final Sleeper[] NONE = new Sleeper[0];

  private SleepSet() {}

  /**
   * Whether packets may sleep across each other: they commute and (bound-aware) have one owner.
   * Without {@code boundAware}, Godefroid's classic rule: sound only when the bound does not bind
   * (no alternative beyond it), used by the test that checks the sleep-set bookkeeping itself.
   */
  static boolean mayCross(int src1, int dst1, int owner1, int src2, int dst2, int owner2, boolean boundAware) {
    return (owner1 == owner2 || !boundAware) && Independence.independent(src1, dst1, src2, dst2);
  }

  /** The packets of {@code sleeping} that stay asleep across delivering {@code st}'s packet {@code a}. */
  static List<Sleeper> across(List<Sleeper> sleeping, SystematicScheduler.Step st, int a, boolean boundAware) {
    List<Sleeper> out = new ArrayList<>(sleeping.size());
    for (Sleeper z : sleeping) {
      if (z.id() != st.ids()[a] && mayCross(z.src(), z.dst(), z.owner(), st.srcs()[a], st.dsts()[a], st.owners()[a], boundAware)) {
        out.add(z);
      }
    }
    return out;
  }

  /** Whether the packet {@code id} is asleep. */
  static boolean asleep(List<Sleeper> sleeping, long id) {
    for (Sleeper z : sleeping) {
      if (z.id() == id) {
        return true;
      }
    }
    return false;
  }

  /** {@code st}'s packet {@code a} as a sleeper. */
  static Sleeper of(SystematicScheduler.Step st, int a) {
    return new Sleeper(st.ids()[a], st.srcs()[a], st.dsts()[a], st.owners()[a]);
  }
}
