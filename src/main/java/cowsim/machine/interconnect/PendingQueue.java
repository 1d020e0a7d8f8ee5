package cowsim.machine.interconnect;

import java.util.Arrays;

/**
 * The conductor's pending packets in delivery order: arrival cycle, then the seeded tie-break
 * key, then send order (a total order: the send order is unique). Parallel arrays sorted latest
 * first, so the earliest is taken from their end: the queue holds a few packets per component,
 * where an insertion is a binary search and a short copy and costs less than a balanced tree's,
 * and it allocates nothing per packet (the packet itself is the entry). Only the conductor uses
 * it. Positions ({@link #packet}, {@link #removeAt}) count in delivery order, 0 the earliest.
 */
final class PendingQueue {

  /** sorted latest first: index size - 1 is the earliest */
  private NodeMsg.Packet[] packets = new NodeMsg.Packet[16];
  private long[] keys = new long[16];
  private long[] seqs = new long[16];
  private int size;

  boolean isEmpty() {
    return size == 0;
  }

  int size() {
    return size;
  }

  /** The packet at {@code position} in delivery order (0: the earliest). */
  NodeMsg.Packet packet(int position) {
    return packets[size - 1 - position];
  }

  /** The earliest packet, or null when empty. */
  NodeMsg.Packet first() {
    return size == 0 ? null : packets[size - 1];
  }

  /** Takes the earliest packet, or null when empty. */
  NodeMsg.Packet pollFirst() {
    if (size == 0) {
      return null;
    }
    NodeMsg.Packet p = packets[--size];
    packets[size] = null;
    return p;
  }

  /** Whether the entry at index {@code i} comes after (time, key, seq) in delivery order. */
  private boolean after(int i, long time, long key, long seq) {
    long t = packets[i].time();
    if (t != time) {
      return t > time;
    }
    if (keys[i] != key) {
      return keys[i] > key;
    }
    return seqs[i] > seq;
  }

  /** Adds {@code p} with its tie-break key and send number (unique). */
  void add(NodeMsg.Packet p, long key, long seq) {
    if (size == packets.length) {
      packets = Arrays.copyOf(packets, size * 2);
      keys = Arrays.copyOf(keys, size * 2);
      seqs = Arrays.copyOf(seqs, size * 2);
    }
    long time = p.time();
    // the first index whose entry comes before p (the arrays are latest first)
    int lo = 0;
    int hi = size;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (after(mid, time, key, seq)) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    int tail = size - lo;
    if (tail > 0) {
      System.arraycopy(packets, lo, packets, lo + 1, tail);
      System.arraycopy(keys, lo, keys, lo + 1, tail);
      System.arraycopy(seqs, lo, seqs, lo + 1, tail);
    }
    packets[lo] = p;
    keys[lo] = key;
    seqs[lo] = seq;
    size++;
  }

  /** Removes the packet at {@code position} in delivery order and returns it. */
  NodeMsg.Packet removeAt(int position) {
    int i = size - 1 - position;
    NodeMsg.Packet p = packets[i];
    int tail = size - 1 - i;
    if (tail > 0) {
      System.arraycopy(packets, i + 1, packets, i, tail);
      System.arraycopy(keys, i + 1, keys, i, tail);
      System.arraycopy(seqs, i + 1, seqs, i, tail);
    }
    packets[--size] = null;
    return p;
  }

  /** Removes every packet that carries exactly this payload object (a withdrawn timer). */
  void removePayload(Payload payload) {
    int kept = 0;
    for (int i = 0; i < size; i++) {
      if (packets[i].payload() != payload) {
        packets[kept] = packets[i];
        keys[kept] = keys[i];
        seqs[kept] = seqs[i];
        kept++;
      }
    }
    Arrays.fill(packets, kept, size, null);
    size = kept;
  }
}
