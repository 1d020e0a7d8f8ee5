package cowsim.report;

import cowsim.check.ViolationKind;
import cowsim.kernel.ProcessInfo;
import cowsim.scenario.Expect;
import cowsim.sim.SimResult;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A run judged against its scenario's expectations: pass or fail, why, and the exit code the
 * command returns (0 met, 1 not met, 3 simulator error or limit hit). Violations and failed
 * asserts are judged whatever ended the run: a run stopped by a limit that found any is a
 * failure with exit code 1, one that found none keeps exit code 3. A deadlock ending fails the
 * run unless the scenario expects {@code deadlock}.
 */
public record Verdict(boolean pass, List<String> failures, int exitCode) {

  public static final int MET = 0;
  public static final int NOT_MET = 1;
  public static final int BAD_INPUT = 2;
  public static final int SIMULATOR = 3;

  public static Verdict judge(SimResult r) {
    List<String> failures = new ArrayList<>();
    Expect e = r.scenario().expect();
    // whatever ended the run, what the oracles and the asserts found is judged: a run stopped by
    // a limit (max-cycles, the timeout, stress --duration) or an interrupt still reports its
    // violations; an interrupt is no failure of its own (the user stopped it)
    switch (r.ending()) {
      case SIMULATOR_ERROR:
      case LIMIT:
        failures.add(r.endDetail());
        break;
      case DEADLOCK:
        if (!e.violations().contains(ViolationKind.DEADLOCK)) {
          failures.add(r.endDetail());
        }
        break;
      default:
        break;
    }
    Map<ViolationKind, Integer> found = foundKinds(r);
    for (Map.Entry<ViolationKind, Integer> k : found.entrySet()) {
      if (!e.violations().contains(k.getKey())) {
        failures.add("violation " + k.getKey().key + " (" + k.getValue() + "x): " + firstDetail(r, k.getKey()));
      }
    }
    for (ViolationKind kind : e.violations()) {
      if (!found.containsKey(kind)) {
        failures.add("expected violation '" + kind.key + "' did not occur");
      }
    }
    // a simulator error or an interrupt stopped every process where it was: one still running is
    // no finding
    boolean crashed = r.ending() == SimResult.Ending.SIMULATOR_ERROR || r.ending() == SimResult.Ending.INTERRUPTED;
    if (e.exitCode() != null) {
      for (ProcessInfo p : r.processes()) {
        if (crashed && p.exitCode() == null) {
          continue;
        }
        if (p.exitCode() == null || p.exitCode().intValue() != e.exitCode()) {
          failures.add(describe(p) + ": exit code " + p.exitCode() + ", expected " + e.exitCode());
        }
      }
    }
    for (Map.Entry<String, Integer> want : e.exitCodes().entrySet()) {
      for (ProcessInfo p : r.processes()) {
        if (crashed && p.exitCode() == null) {
          continue;
        }
        if (p.name().equals(want.getKey()) && (p.exitCode() == null || p.exitCode().intValue() != want.getValue())) {
          failures.add(describe(p) + ": exit code " + p.exitCode() + ", expected " + want.getValue());
        }
      }
    }
    // the stats of a run stopped half-way are not its final ones
    for (Map.Entry<String, Long> want : r.ending() == SimResult.Ending.INTERRUPTED ? Map.<String, Long>of().entrySet() : e.stats().entrySet()) {
      long got = r.stat(want.getKey());
      if (got != want.getValue()) {
        failures.add("stat " + want.getKey() + " = " + got + ", expected " + want.getValue());
      }
    }
    int code;
    if (r.ending() == SimResult.Ending.SIMULATOR_ERROR) {
      code = SIMULATOR;
    } else if (r.ending() == SimResult.Ending.LIMIT) {
      code = found.isEmpty() ? SIMULATOR : NOT_MET; // a limit alone is an error; one that found something, a result
    } else {
      code = failures.isEmpty() ? MET : NOT_MET;
    }
    return new Verdict(failures.isEmpty(), List.copyOf(failures), code);
  }

  /**
   * Why the run ended, as the outcome line says it: the ending's detail, and each process the
   * kernel killed (a fatal fault, out of memory, the refault limit; not a failed assert, which is
   * a failure of its own), so a run whose expectations did not cover a kill still shows it:
   * {@code every process exited; pid 3 killed by the kernel (SIGKILL): out of memory ...}.
   */
  public static String why(SimResult r) {
    StringBuilder s = new StringBuilder(String.valueOf(r.endDetail()));
    List<ProcessInfo> killed =
        r.processes().stream().filter(p -> p.killed() && !isAssert(p)).toList();
    int shown = Math.min(killed.size(), 3);
    for (int i = 0; i < shown; i++) {
      ProcessInfo p = killed.get(i);
      s.append("; pid ").append(p.pid()).append(" killed by the kernel");
      if (p.signal() != null) {
        s.append(" (").append(p.signal()).append(')');
      }
      s.append(": ").append(p.killReason());
    }
    if (killed.size() > shown) {
      s.append("; ").append(killed.size() - shown).append(" more killed by the kernel");
    }
    return s.toString();
  }

  private static boolean isAssert(ProcessInfo p) {
    return p.exitCode() != null && p.exitCode() == cowsim.kernel.KernelOnCpu.ASSERT_EXIT;
  }

  /**
   * Violation kinds found, with how often, in the order of their names (failed asserts count as
   * 'assertion' even unchecked).
   */
  public static Map<ViolationKind, Integer> foundKinds(SimResult r) {
    Map<ViolationKind, Integer> found = new java.util.TreeMap<>(java.util.Comparator.comparing((ViolationKind k) -> k.key));
    r.violationCounts().forEach((k, n) -> found.put(ViolationKind.of(k), n));
    if (!r.assertionFailures().isEmpty()) {
      found.putIfAbsent(ViolationKind.ASSERTION, r.assertionFailures().size());
    }
    return found;
  }

  private static String firstDetail(SimResult r, ViolationKind kind) {
    for (cowsim.check.Violation v : r.violations()) {
      if (v.kind() == kind) {
        return v.detail();
      }
    }
    return kind == ViolationKind.ASSERTION && !r.assertionFailures().isEmpty() ? r.assertionFailures().get(0) : "";
  }

  private static String describe(ProcessInfo p) {
    return "pid " + p.pid() + " (" + p.name() + ")" + (p.killed() ? " killed: " + p.killReason() : "");
  }
}
