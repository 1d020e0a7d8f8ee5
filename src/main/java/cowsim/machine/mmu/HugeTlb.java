package cowsim.machine.mmu;

import java.util.List;

/**
 * Where a CPU's TLB keeps its 2 MiB entries: in a small array of their own, as Intel's split
 * structure does (first-level DTLBs have a separate 32-entry, 4-way array for 2 MiB/4 MiB pages),
 * or in the same sets as the 4 KiB entries (a shared STLB).
 *
 * @param mode split or shared
 * @param entries 2 MiB entries of the split array (a multiple of ways; unused when shared)
 * @param ways associativity of the split array (unused when shared)
 */
public record HugeTlb(Mode mode, int entries, int ways) {

  /** The two organisations, by the words the scenario's {@code machine.tlb.huge.mode} uses. */
  public enum Mode {
    SPLIT("split"),
    SHARED("shared");

    /** The word in a scenario file. */
    public final String word;

    Mode(String word) {
      this.word = word;
    }

    /** Every mode's word, in declaration order. */
    public static List<String> words() {
      return List.of(SPLIT.word, SHARED.word);
    }

    /** The mode a word names. */
    public static Mode of(String word) {
      for (Mode m : values()) {
        if (m.word.equals(word)) {
          return m;
        }
      }
      throw new IllegalArgumentException("no TLB huge mode '" + word + "' (known: " + String.join(", ", words()) + ")");
    }
  }

  /**
   * The defaults of {@code cowsim/scenario-defaults.conf} ({@code machine.tlb.huge}), for callers
   * that build a machine without a scenario (tests, the older constructors); a test checks that
   * the two agree.
   */
  public static final HugeTlb DEFAULT = new HugeTlb(Mode.SPLIT, 32, 4);

  public HugeTlb {
    if (mode == null) {
      throw new IllegalArgumentException("no TLB huge mode");
    }
    if (entries < 1 || ways < 1 || entries % ways != 0) {
      throw new IllegalArgumentException(
          "need entries >= 1, ways >= 1 and entries % ways == 0: entries=" + entries + " ways=" + ways);
    }
  }

  public boolean split() {
    return mode == Mode.SPLIT;
  }
}
