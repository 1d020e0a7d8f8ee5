package cowsim.cluster;

import cowsim.explore.ScheduleSpec;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioException;
import cowsim.stats.Stat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A node's explorations: each {@link ClusterJob} built once (the scenario loaded from its text),
 * the most recent {@code capacity} kept; and the explorations the coordinator said are finished,
 * whose remaining runs its slots skip. Shared by the slots of one node (thread-safe).
 */
final class JobCache {

  /** A job built: what its runs run, and the stats their answers carry. */
  record Loaded(Scenario scenario, ScheduleSpec spec, List<Stat> stats) {}

  /** Builds a job (a worker: from its text; the coordinator's own slots never need to). */
  @FunctionalInterface
  interface Loader {
    Loaded load(ClusterJob job) throws ScenarioException;
  }

  private final Loader loader;
  private final Map<String, Loaded> loaded;
  private final Set<String> finished = ConcurrentHashMap.newKeySet();

  JobCache(Loader loader, int capacity) {
    this.loader = loader;
    this.loaded = new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, Loaded> eldest) {
        return size() > capacity;
      }
    };
  }

  /** The job built, from the cache or now. */
  Loaded get(ClusterJob job) throws ScenarioException {
    synchronized (loaded) {
      Loaded l = loaded.get(job.id());
      if (l == null) {
        l = loader.load(job);
        loaded.put(job.id(), l);
      }
      return l;
    }
  }

  /** A job this node built itself (the coordinator's own slots run the coordinator's scenario). */
  void put(String id, Loaded l) {
    synchronized (loaded) {
      loaded.put(id, l);
    }
  }

  /** The coordinator has every answer of this job it wants: its runs still queued are skipped. */
  void finished(String id) {
    finished.add(id);
    synchronized (loaded) {
      loaded.remove(id);
    }
  }

  boolean isFinished(String id) {
    return finished.contains(id);
  }
}
