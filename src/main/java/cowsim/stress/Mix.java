package cowsim.stress;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The operation mix of a stress workload: a relative weight per kind of operation.
 *
 * <p>Parsed from {@code fork=2,clone=1,exit=1,mmap=2,munmap=2,mprotect=1,store=45,load=46}; kinds
 * left out keep their default weight, and a weight of 0 turns a kind off.
 */
public record Mix(Map<Kind, Integer> weights) {

  /** What one generated operation does. */
  public enum Kind {
    FORK, CLONE, EXIT, MMAP, MUNMAP, MPROTECT, STORE, LOAD;

    String key() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  public static final Mix DEFAULT = new Mix(defaults());

  public Mix {
    weights = Map.copyOf(weights);
  }

  private static Map<Kind, Integer> defaults() {
    Map<Kind, Integer> m = new LinkedHashMap<>();
    m.put(Kind.FORK, 2);
    m.put(Kind.CLONE, 1);
    m.put(Kind.EXIT, 1);
    m.put(Kind.MMAP, 2);
    m.put(Kind.MUNMAP, 2);
    m.put(Kind.MPROTECT, 1);
    m.put(Kind.STORE, 45);
    m.put(Kind.LOAD, 46);
    return m;
  }

  /**
   * Parses {@code kind=weight,...}; throws IllegalArgumentException with a one-line message. Null
   * (no {@code --mix}) is the default mix. Refused: an empty text, an empty item (two commas, or
   * one at either end), a kind named twice, an unknown kind, a weight that is not a whole number
   * of ASCII digits (no sign) or above 1,000,000, and weights that leave no memory operation.
   */
  public static Mix parse(String text) {
    if (text == null) {
      return DEFAULT;
    }
    if (text.isBlank()) {
      throw new IllegalArgumentException("--mix: empty; give kind=weight items, like --mix fork=2,store=45 (known kinds: " + String.join(", ", keys()) + ")");
    }
    Map<Kind, Integer> m = new LinkedHashMap<>(defaults());
    java.util.Set<Kind> given = java.util.EnumSet.noneOf(Kind.class);
    String[] parts = text.split(",", -1);
    for (int i = 0; i < parts.length; i++) {
      String p = parts[i].trim();
      if (p.isEmpty()) {
        throw new IllegalArgumentException("--mix: item " + (i + 1) + " of " + parts.length + " is empty (two commas in a row, or a comma at an end)");
      }
      int eq = p.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException("--mix: expected kind=weight, got '" + oneLine(p) + "'");
      }
      String key = p.substring(0, eq).trim();
      Kind kind = null;
      for (Kind k : Kind.values()) {
        if (k.key().equals(key)) {
          kind = k;
        }
      }
      if (kind == null) {
        throw new IllegalArgumentException("--mix: unknown kind '" + oneLine(key) + "' (known: " + String.join(", ", keys()) + ")");
      }
      if (!given.add(kind)) {
        throw new IllegalArgumentException("--mix: " + key + " is given twice");
      }
      String weight = p.substring(eq + 1).trim();
      if (!weight.matches("[0-9]{1,7}")) {
        throw new IllegalArgumentException("--mix: weight of " + key + " must be a whole number 0..1000000, got '" + oneLine(weight) + "'");
      }
      int w = Integer.parseInt(weight);
      if (w > 1_000_000) {
        throw new IllegalArgumentException("--mix: weight of " + key + " must be 0..1000000, got " + w);
      }
      m.put(kind, w);
    }
    if (m.values().stream().allMatch(w -> w == 0)) {
      throw new IllegalArgumentException("--mix: every weight is 0 (the kinds left out keep their defaults)");
    }
    if (m.get(Kind.STORE) + m.get(Kind.LOAD) == 0) {
      throw new IllegalArgumentException("--mix: store and load cannot both be 0 (the workload counts memory operations)");
    }
    return new Mix(m);
  }

  private static String oneLine(String s) {
    return s.replaceAll("\\p{Cntrl}", "?");
  }

  static List<String> keys() {
    return java.util.Arrays.stream(Kind.values()).map(Kind::key).toList();
  }

  int total() {
    int t = 0;
    for (int w : weights.values()) {
      t += w;
    }
    return t;
  }

  /** A kind drawn by weight. */
  Kind draw(Random rng) {
    int r = rng.nextInt(total());
    for (Kind k : Kind.values()) {
      int w = weights.getOrDefault(k, 0);
      if (r < w) {
        return k;
      }
      r -= w;
    }
    return Kind.STORE;
  }

  /** As written on the command line. */
  public String describe() {
    StringBuilder sb = new StringBuilder();
    for (Kind k : Kind.values()) {
      if (sb.length() > 0) {
        sb.append(',');
      }
      sb.append(k.key()).append('=').append(weights.getOrDefault(k, 0));
    }
    return sb.toString();
  }
}
