package cowsim.check;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The recent past of every frame and page, kept for the violations' histories: a bounded ring
 * per frame, per page of an address space, and one for machine-wide events (flushes, IPIs,
 * kernel operations). A line's text is built only when a violation shows it.
 */
final class History {

  /** A history line. */
  private record Entry(long seq, long cycle, int cpu, String actor, Supplier<String> what) {
    Violation.HistoryEntry entry() {
      return new Violation.HistoryEntry(cycle, cpu, actor, what.get());
    }
  }

  private final int depth;
  private final HashMap<Long, ArrayDeque<Entry>> frames = new HashMap<>();
  private final HashMap<Shadow.Mapping, ArrayDeque<Entry>> pages = new HashMap<>();
  private final ArrayDeque<Entry> global = new ArrayDeque<>();

  History(int depth) {
    this.depth = depth;
  }

  /** A line about a frame (frame < 0: none) and a page (null: none). */
  void add(long seq, long frame, Shadow.Mapping page, long cycle, int cpu, String actor, Supplier<String> what) {
    Entry en = new Entry(seq, cycle, cpu, actor, what);
    if (frame >= 0) {
      push(frames.computeIfAbsent(frame, f -> new ArrayDeque<>()), en);
    }
    if (page != null) {
      push(pages.computeIfAbsent(page, p -> new ArrayDeque<>()), en);
    }
  }

  /** A machine-wide line. */
  void global(long seq, long cycle, int cpu, String actor, Supplier<String> what) {
    push(global, new Entry(seq, cycle, cpu, actor, what));
  }

  private void push(ArrayDeque<Entry> ring, Entry e) {
    ring.addLast(e);
    while (ring.size() > depth * 4) {
      ring.removeFirst();
    }
  }

  /** The last {@code depth} lines about the frame and the page (of every space at that address when page.space() < 0). */
  List<Violation.HistoryEntry> of(long frame, Shadow.Mapping page) {
    List<Entry> all = new ArrayList<>();
    if (frame >= 0 && frames.containsKey(frame)) {
      all.addAll(frames.get(frame));
    }
    if (page != null) {
      for (Map.Entry<Shadow.Mapping, ArrayDeque<Entry>> p : pages.entrySet()) {
        if (p.getKey().va() == page.va() && (page.space() < 0 || p.getKey().space() == page.space())) {
          all.addAll(p.getValue());
        }
      }
    }
    // shootdowns and flushes elsewhere matter only while this frame or page was in play
    long from = all.isEmpty() ? Long.MAX_VALUE : all.stream().mapToLong(Entry::seq).min().getAsLong();
    long to = all.isEmpty() ? Long.MIN_VALUE : all.stream().mapToLong(Entry::seq).max().getAsLong();
    Set<Integer> cpus = new HashSet<>();
    all.forEach(en -> cpus.add(en.cpu()));
    for (Entry g : global) {
      if (g.seq() >= from && g.seq() <= to && cpus.contains(g.cpu())) {
        all.add(g);
      }
    }
    LinkedHashMap<Long, Entry> unique = new LinkedHashMap<>();
    all.stream().sorted(Comparator.comparingLong(Entry::seq)).forEach(en -> unique.putIfAbsent(en.seq(), en));
    List<Violation.HistoryEntry> out = new ArrayList<>();
    List<Entry> sorted = new ArrayList<>(unique.values());
    for (Entry en : sorted.subList(Math.max(0, sorted.size() - depth), sorted.size())) {
      out.add(en.entry());
    }
    return out;
  }
}
