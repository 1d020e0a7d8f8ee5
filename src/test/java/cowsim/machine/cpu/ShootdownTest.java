package cowsim.machine.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.report.Verdict;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioLoader;
import cowsim.sim.SimResult;
import cowsim.sim.Simulation;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The shootdown protocol on whole runs: IPIs, acks counted per request, the spin limit. */
class ShootdownTest {

  private static final String FORK_ON_FOUR_CPUS =
      """
      name = shootdown
      machine { cpus = 4 }
      processes = [ { name = p, cpu = 0,
        memory = [ { at = 0x400000, size = 4 KiB, populate = true } ],
        program = \"\"\"
          mov rax, SYS_fork
          syscall
          mov rax, SYS_exit
          mov rdi, 0
          syscall
        \"\"\" } ]
      expect { exit-code = 0 }
      """;

  private static SimResult run(String... sets) throws Exception {
    List<String> s = new ArrayList<>(List.of(sets));
    Scenario sc = ScenarioLoader.parse(FORK_ON_FOUR_CPUS, "shootdown.conf", s);
    return new Simulation().run(sc, null);
  }

  @ParameterizedTest
  @ValueSource(strings = {"shared", "per-request"})
  void forkShootsDownEveryOtherCpuAndCountsEachAck(String flag) throws Exception {
    SimResult r = run("kernel.tlb.ack-flag=" + flag);
    assertTrue(Verdict.judge(r).pass(), Verdict.judge(r).failures().toString());
    assertEquals(1, r.stat("shootdowns"));
    assertEquals(3, r.stat("ipis"), "strat9's shootdown_all interrupts every other CPU");
    assertEquals(3, r.stat("ipis_handled"));
    assertEquals(0, r.stat("ack_timeouts"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"shared", "per-request"})
  void theSpinLimitLetsTheInitiatorGoOnWithoutAcks(String flag) throws Exception {
    // one spin (5 cycles) is far shorter than an IPI's flight (500 cycles)
    SimResult r = run("kernel.tlb.ack-flag=" + flag, "kernel.tlb.ack-timeout-spins=1");
    assertTrue(Verdict.judge(r).pass(), Verdict.judge(r).failures().toString());
    assertEquals(1, r.stat("ack_timeouts"));
    assertEquals(3, r.stat("ipis_handled"), "the IPIs are still taken, just not waited for");
  }

  @ParameterizedTest
  @ValueSource(strings = {"mm-cpus", "local"})
  void mmCpusAndLocalForkInterruptNobodyWhenNoOtherCpuRunsTheAddressSpace(String how) throws Exception {
    SimResult r = run("kernel.tlb.fork=" + how);
    assertTrue(Verdict.judge(r).pass(), Verdict.judge(r).failures().toString());
    assertEquals(0, r.stat("ipis"));
  }
}
