package cowsim.machine.interconnect;

import java.util.Arrays;

/**
 * The conductor's pending packets in delivery order: arrival cycle, then the seeded tie-break
 * key, then send order (a total order: the send order is unique). A sorted array, latest first,
 * so the earliest is taken from its end: the queue holds a few packets per component, where an
 * insertion is a binary search and a short copy and costs less than a balanced tree's, and it
 * allocates nothing per packet beyond the entry itself. Only the conductor uses it.
 */
final class PendingQueue {

  /** One pending packet and its place in the order. */
  record Entry(long time, long key, long seq, NodeMsg.Packet packet) {}

  /** sorted latest first: entries[size - 1] is the earliest */
  private Entry[] entries = new Entry[16];
  private int size;

  /** Whether {@code a} comes before {@code b} in delivery order. */
  private static int compare(Entry a, Entry b) {
    int c = Long.compare(a.time, b.time);
    if (c != 0) {
      return c;
    }
    c = Long.compare(a.key, b.key);
    return c != 0 ? c : Long.compare(a.seq, b.seq);
  }

  boolean isEmpty() {
    return size == 0;
  }

  int size() {
    return size;
  }

  /** The {@code i}-th entry in delivery order (0: the earliest). */
  Entry get(int i) {
    return entries[size - 1 - i];
  }

  /** The earliest entry, or null when empty. */
  Entry first() {
    return size == 0 ? null : entries[size - 1];
  }

  /** Takes the earliest entry, or null when empty. */
  Entry pollFirst() {
    if (size == 0) {
      return null;
    }
    Entry e = entries[--size];
    entries[size] = null;
    return e;
  }

  void add(Entry e) {
    if (size == entries.length) {
      entries = Arrays.copyOf(entries, size * 2);
    }
    // the first index whose entry comes before e (the array is latest first)
    int lo = 0;
    int hi = size;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (compare(entries[mid], e) > 0) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    System.arraycopy(entries, lo, entries, lo + 1, size - lo);
    entries[lo] = e;
    size++;
  }

  /** Removes {@code e} (one of the queue's entries). */
  void remove(Entry e) {
    int lo = 0;
    int hi = size - 1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int c = compare(entries[mid], e);
      if (c == 0) {
        System.arraycopy(entries, mid + 1, entries, mid, size - mid - 1);
        entries[--size] = null;
        return;
      }
      if (c > 0) {
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    throw new IllegalStateException("not pending: " + e);
  }

  /** Removes every entry whose packet carries exactly this payload object (a withdrawn timer). */
  void removePayload(Payload payload) {
    int kept = 0;
    for (int i = 0; i < size; i++) {
      if (entries[i].packet.payload() != payload) {
        entries[kept++] = entries[i];
      }
    }
    Arrays.fill(entries, kept, size, null);
    size = kept;
  }
}
