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
    switch (r.ending()) {
      case SIMULATOR_ERROR:
        failures.add(r.endDetail());
        return new Verdict(false, failures, SIMULATOR);
      case LIMIT:
        failures.add(r.endDetail());
        return new Verdict(false, failures, SIMULATOR);
      case DEADLOCK:
        failures.add(r.endDetail());
        break;
      default:
        break;
    }
    for (String a : r.assertionFailures()) {
      failures.add(a);
    }
    Expect e = r.scenario().expect();
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
    for (String kind : e.violations()) {
      failures.add("expected violation '" + kind + "' did not occur");
    }
    return new Verdict(failures.isEmpty(), List.copyOf(failures), failures.isEmpty() ? MET : NOT_MET);
  }

  private static String describe(ProcessInfo p) {
    return "pid " + p.pid() + " (" + p.name() + ")" + (p.killed() ? " killed: " + p.killReason() : "");
  }
}
