package cowsim.cluster;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Deque;
import java.util.List;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * The coordinator's books: which run indices were handed out, which answered, which must be
 * handed out again. Pure and single-threaded (the coordinator actor owns it). A result that
 * arrives twice (a run re-queued after a worker died, answered by both) counts once; results are
 * released in run order; with {@code untilFirst} the runs after the lowest failing index found so
 * far are neither handed out nor kept, so the answer is the one of a local explore.
 *
 * @param <T> what a run's result is
 */
public final class Ledger<T> {

  private final int runs;
  private final boolean untilFirst;
  private final TreeMap<Integer, T> done = new TreeMap<>();
  private final BitSet handedOut = new BitSet();
  private final Deque<Integer> again = new ArrayDeque<>();
  private int nextFresh;
  private int nextRelease;
  private int lowestFailure = Integer.MAX_VALUE;
  private int failures;
  private int duplicates;

  public Ledger(int runs, boolean untilFirst) {
    this.runs = runs;
    this.untilFirst = untilFirst;
  }

  /** The highest run index still wanted. */
  private int last() {
    return untilFirst ? Math.min(runs - 1, lowestFailure) : runs - 1;
  }

  /** The next run to hand out: a re-queued one first, then the next never handed out; empty when none is left to hand out. */
  public OptionalInt next() {
    List<Integer> one = nextBatch(1);
    return one.isEmpty() ? OptionalInt.empty() : OptionalInt.of(one.get(0));
  }

  /**
   * The next batch to hand out, at most {@code max} runs: re-queued runs first (a batch of those
   * alone), else the next consecutive runs never handed out; empty when none is left to hand out.
   */
  public List<Integer> nextBatch(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("a batch of " + max);
    }
    List<Integer> out = new ArrayList<>();
    while (!again.isEmpty() && out.size() < max) {
      int i = again.poll();
      if (!done.containsKey(i) && i <= last()) {
        out.add(i);
      }
    }
    if (!out.isEmpty()) {
      return out;
    }
    while (out.size() < max && nextFresh <= last()) {
      handedOut.set(nextFresh);
      out.add(nextFresh++);
    }
    return out;
  }

  /** Runs still to hand out (re-queued ones included, an answered one among them counted until it is skipped). */
  public int toHandOut() {
    return again.size() + Math.max(0, last() + 1 - nextFresh);
  }

  /**
   * Run {@code index} answered.
   *
   * @return false when it had answered before (the duplicate is dropped) or is no longer wanted
   */
  public boolean record(int index, T result, boolean failed) {
    if (index < 0 || index >= runs) {
      throw new IllegalArgumentException("run " + index + " of " + runs);
    }
    if (done.containsKey(index)) {
      duplicates++;
      return false;
    }
    if (index > last()) {
      return false;
    }
    done.put(index, result);
    if (failed) {
      failures++;
      lowestFailure = Math.min(lowestFailure, index);
      if (untilFirst) {
        // runs after the lowest failure are dropped, as a local explore drops them
        while (!done.isEmpty() && done.lastKey() > lowestFailure) {
          done.pollLastEntry();
        }
        failures = 1;
      }
    }
    return true;
  }

  /** The results not released yet whose earlier runs all are: in run order, each once. */
  public List<T> release() {
    List<T> out = new ArrayList<>();
    while (nextRelease <= last() && done.containsKey(nextRelease)) {
      out.add(done.get(nextRelease++));
    }
    return out;
  }

  /**
   * Hands out again every run handed out but not answered (a worker left: what it held is
   * lost, or will be redelivered by the work-pulling controller; a run answered twice is counted
   * once). Returns how many.
   */
  public int requeueUnanswered() {
    int n = 0;
    for (int i = handedOut.nextSetBit(0); i >= 0 && i <= last(); i = handedOut.nextSetBit(i + 1)) {
      if (!done.containsKey(i) && !again.contains(i)) {
        again.add(i);
        n++;
      }
    }
    return n;
  }

  /** Whether every wanted run answered. */
  public boolean finished() {
    return done.size() == last() + 1;
  }

  /** The runs answered and kept, in run order. */
  public List<T> results() {
    return new ArrayList<>(done.values());
  }

  /** The failing run with the lowest index, or -1. */
  public int lowestFailure() {
    return lowestFailure == Integer.MAX_VALUE ? -1 : lowestFailure;
  }

  public int answered() {
    return done.size();
  }

  public int failures() {
    return failures;
  }

  /** Results dropped because their run had answered already. */
  public int duplicates() {
    return duplicates;
  }

  /** Runs wanted and not answered yet. */
  public int remaining() {
    return last() + 1 - done.size();
  }
}
