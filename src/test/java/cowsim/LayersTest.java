package cowsim;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.Location;
import cowsim.stats.Stat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The layers of the house, checked on the compiled main classes: every import runs downward.
 *
 * <pre>
 *   cli
 *   cluster                    (explore --cluster: the coordinator and the workers)
 *   explore   stress           (explore implements the conductor's Scheduler)
 *   report
 *   sim                        (wires one run: kernel into the CPUs, oracle onto the observations)
 *   scenario
 *   kernel    check            (kernel implements the CPU's TrapHandler; check consumes Events)
 *   machine                    (cpu, memory, mmu -> interconnect -> observe)
 *   isa       stats            (stats imports nothing of cowsim)
 * </pre>
 *
 * A failure names the class and the import that runs upward.
 */
class LayersTest {

  /** The main classes only, wherever the build put them ({@code -DbuildDir} moves them): where the registry of stats was loaded from. */
  private static final JavaClasses MAIN =
      new ClassFileImporter().importLocations(List.of(Location.of(Stat.class.getProtectionDomain().getCodeSource().getLocation())));

  @Test
  void everyLayerUsesOnlyTheLayersBelowIt() {
    layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .layer("cli").definedBy("cowsim.cli..")
        .layer("cluster").definedBy("cowsim.cluster..")
        .layer("explore").definedBy("cowsim.explore..")
        .layer("stress").definedBy("cowsim.stress..")
        .layer("report").definedBy("cowsim.report..")
        .layer("sim").definedBy("cowsim.sim..")
        .layer("scenario").definedBy("cowsim.scenario..")
        .layer("kernel").definedBy("cowsim.kernel..")
        .layer("check").definedBy("cowsim.check..")
        .layer("machine").definedBy("cowsim.machine..")
        .layer("isa").definedBy("cowsim.isa..")
        .layer("stats").definedBy("cowsim.stats..")
        .whereLayer("cli").mayNotBeAccessedByAnyLayer()
        .whereLayer("cluster").mayOnlyAccessLayers("explore", "report", "sim", "scenario", "kernel", "check", "machine", "isa", "stats")
        .whereLayer("explore").mayOnlyAccessLayers("report", "sim", "scenario", "kernel", "check", "machine", "isa", "stats")
        .whereLayer("stress").mayOnlyAccessLayers("report", "sim", "scenario", "kernel", "check", "machine", "isa", "stats")
        .whereLayer("report").mayOnlyAccessLayers("sim", "scenario", "kernel", "check", "machine", "isa", "stats")
        .whereLayer("sim").mayOnlyAccessLayers("scenario", "kernel", "check", "machine", "isa", "stats")
        .whereLayer("scenario").mayOnlyAccessLayers("kernel", "check", "machine", "isa", "stats")
        .whereLayer("kernel").mayOnlyAccessLayers("machine", "isa", "stats")
        .whereLayer("check").mayOnlyAccessLayers("machine", "isa", "stats")
        .whereLayer("machine").mayOnlyAccessLayers("isa", "stats")
        .whereLayer("isa").mayNotAccessAnyLayer()
        .whereLayer("stats").mayNotAccessAnyLayer()
        .check(MAIN);
  }

  /** The hardware knows no kernel, no oracle, no explorer, no stress run, and not who wires it. */
  @Test
  void theMachineImportsNothingAboveIt() {
    noClasses()
        .that().resideInAPackage("cowsim.machine..")
        .should().dependOnClassesThat()
        .resideInAnyPackage(
            "cowsim.kernel..", "cowsim.check..", "cowsim.explore..", "cowsim.stress..", "cowsim.sim..", "cowsim.scenario..",
            "cowsim.report..", "cowsim.cli..")
        .check(MAIN);
  }

  /**
   * Inside the machine: the CPU uses memory, the MMU and the interconnect; the memory and the MMU
   * use the interconnect and the observations; the observations use nothing.
   */
  @Test
  void insideTheMachineTheInterconnectAndTheObservationsAreAtTheBottom() {
    layeredArchitecture()
        .consideringOnlyDependenciesInLayers()
        .layer("cpu").definedBy("cowsim.machine.cpu..")
        .layer("memory").definedBy("cowsim.machine.memory..")
        .layer("mmu").definedBy("cowsim.machine.mmu..")
        .layer("interconnect").definedBy("cowsim.machine.interconnect..")
        .layer("observe").definedBy("cowsim.machine.observe..")
        .whereLayer("cpu").mayNotBeAccessedByAnyLayer()
        .whereLayer("memory").mayOnlyAccessLayers("interconnect", "observe")
        .whereLayer("mmu").mayOnlyAccessLayers("observe")
        .whereLayer("interconnect").mayOnlyAccessLayers("observe")
        .whereLayer("observe").mayNotAccessAnyLayer()
        .check(MAIN);
  }

  @Test
  void noPackageCycles() {
    slices().matching("cowsim.(*)..").should().beFreeOfCycles().check(MAIN);
    slices().matching("cowsim.machine.(*)..").should().beFreeOfCycles().check(MAIN);
  }
}
