package cowsim.explore.systematic;

/**
 * The equivalence class of a delivery prefix, as a 64-bit hash, kept up to date one delivery at a
 * time. By {@link Independence}, a delivery touches its sender and its receiver, and two
 * deliveries are dependent exactly when they touch a common actor; two prefixes are then
 * equivalent exactly when every actor sees the same sequence of deliveries touching it (the
 * projection lemma of Mazurkiewicz traces). So the key combines, over actors, a hash of each
 * actor's sequence of packet identities, and the running CPU at the end.
 */
final class PrefixHash {

  private final long[] perActor;
  private long sum;
  private int running = -1;

  PrefixHash(int nodes) {
    perActor = new long[nodes + 1]; // index 0: "nobody", the sender of injected packets
  }

  static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  private static long next(long h, long id) {
    return mix(h * 0x9E3779B97F4A7C15L + id + 1);
  }

  private static long term(int actor, long h) {
    return mix(h + 0x632BE59BD9B4E019L * (actor + 1));
  }

  /** The key of this prefix followed by delivering {@code st}'s packet {@code a} (this prefix unchanged). */
  long after(SystematicScheduler.Step st, int a) {
    int s = st.srcs()[a] + 1;
    int d = st.dsts()[a] + 1;
    long id = st.ids()[a];
    long x = sum - term(s, perActor[s]) + term(s, next(perActor[s], id));
    if (d != s) {
      x = x - term(d, perActor[d]) + term(d, next(perActor[d], id));
    }
    return x ^ mix(st.owners()[a] + 0x1234567L);
  }

  /** Extends the prefix by delivering {@code st}'s packet {@code a}. */
  void apply(SystematicScheduler.Step st, int a) {
    int s = st.srcs()[a] + 1;
    int d = st.dsts()[a] + 1;
    long id = st.ids()[a];
    sum -= term(s, perActor[s]);
    perActor[s] = next(perActor[s], id);
    sum += term(s, perActor[s]);
    if (d != s) {
      sum -= term(d, perActor[d]);
      perActor[d] = next(perActor[d], id);
      sum += term(d, perActor[d]);
    }
    running = st.owners()[a];
  }

  /** The key of this prefix. */
  long key() {
    return sum ^ mix(running + 0x1234567L);
  }
}
