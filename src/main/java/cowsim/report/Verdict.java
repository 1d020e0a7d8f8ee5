package cowsim.report;

import cowsim.kernel.ProcessInfo;
import cowsim.scenario.Expect;
import cowsim.sim.SimResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A run judged against its scenario's expectations: pass or fail, why, and the exit code the
 * command returns (0 met, 1 not met, 3 simulator error or limit hit).
 */
public record Verdict(boolean pass, List<String> failures, int exitCode) {

  public static final int MET = 0;
  public static final int NOT_MET = 1;
  public static final int BAD_INPUT = 2;
  public static final int SIMULATOR = 3;

  public static Verdict judge(SimResult r) {
    List<String> failures = new ArrayList<>();
    boolean limitHit = false;
    switch (r.ending()) {
      case SIMULATOR_ERROR:
        failures.add(r.endDetail());
        return new Verdict(false, failures, SIMULATOR);
      case LIMIT:
        // a limit says nothing about correctness: what was found until then is still judged
        failures.add(r.endDetail());
        if (foundKinds(r).isEmpty()) {
          return new Verdict(false, failures, SIMULATOR);
        }
        limitHit = true;
        break;
      case DEADLOCK:
        failures.add(r.endDetail());
        break;
      default:
        break;
    }
    Expect e = r.scenario().expect();
    Map<String, Integer> found = foundKinds(r);
    for (Map.Entry<String, Integer> k : found.entrySet()) {
      if (!e.violations().contains(k.getKey())) {
        failures.add("violation " + k.getKey() + " (" + k.getValue() + "x): " + firstDetail(r, k.getKey()));
      }
    }
    for (String kind : e.violations()) {
      if (!found.containsKey(kind)) {
        failures.add("expected violation '" + kind + "' did not occur");
      }
    }
    if (e.exitCode() != null) {
      for (ProcessInfo p : r.processes()) {
        if (p.exitCode() == null || p.exitCode().intValue() != e.exitCode()) {
          failures.add(describe(p) + ": exit code " + p.exitCode() + ", expected " + e.exitCode());
        }
      }
    }
    for (Map.Entry<String, Integer> want : e.exitCodes().entrySet()) {
      for (ProcessInfo p : r.processes()) {
        if (p.name().equals(want.getKey()) && (p.exitCode() == null || p.exitCode().intValue() != want.getValue())) {
          failures.add(describe(p) + ": exit code " + p.exitCode() + ", expected " + want.getValue());
        }
      }
    }
    for (Map.Entry<String, Long> want : e.stats().entrySet()) {
      long got = r.stat(want.getKey());
      if (got != want.getValue()) {
        failures.add("stat " + want.getKey() + " = " + got + ", expected " + want.getValue());
      }
    }
    if (limitHit && failures.size() == 1) {
      return new Verdict(false, List.copyOf(failures), SIMULATOR); // only the limit: as before
    }
    return new Verdict(failures.isEmpty(), List.copyOf(failures), failures.isEmpty() ? MET : NOT_MET);
  }

  /** Violation kinds found, with how often (failed asserts count as 'assertion' even unchecked). */
  public static Map<String, Integer> foundKinds(SimResult r) {
    Map<String, Integer> found = new java.util.TreeMap<>(r.violationCounts());
    if (!r.assertionFailures().isEmpty()) {
      found.putIfAbsent("assertion", r.assertionFailures().size());
    }
    return found;
  }

  private static String firstDetail(SimResult r, String kind) {
    for (cowsim.check.Violation v : r.violations()) {
      if (v.kind().key.equals(kind)) {
        return v.detail();
      }
    }
    return kind.equals("assertion") && !r.assertionFailures().isEmpty() ? r.assertionFailures().get(0) : "";
  }

  private static String describe(ProcessInfo p) {
    return "pid " + p.pid() + " (" + p.name() + ")" + (p.killed() ? " killed: " + p.killReason() : "");
  }
}
