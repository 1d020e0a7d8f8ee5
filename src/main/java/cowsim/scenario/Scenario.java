package cowsim.scenario;

import java.util.List;
import java.util.Objects;

/**
 * A validated scenario: the machine, the kernel, the processes to start and what must happen.
 *
 * @param origin the file path as given, or the classpath resource name, it was loaded from
 * @param name the scenario name ({@code [A-Za-z0-9._-]+})
 * @param description free text, possibly empty
 * @param seed seed for every pseudo-random choice
 * @param mode how CPUs are scheduled
 * @param machine the hardware
 * @param kernel the kernel profile and knobs
 * @param processes the processes to start, at least one, names unique
 * @param expect what the run must produce
 * @param limits when to stop a run that does not end
 * @param schedule the conductor's strategy in deterministic mode (time order unless the scenario
 *     says otherwise)
 */
public record Scenario(
    String origin,
    String name,
    String description,
    long seed,
    Mode mode,
    Machine machine,
    Kernel kernel,
    List<ProcessSpec> processes,
    Expect expect,
    Limits limits,
    Schedule schedule) {

  public Scenario {
    Objects.requireNonNull(origin, "origin");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(description, "description");
    Objects.requireNonNull(mode, "mode");
    Objects.requireNonNull(machine, "machine");
    Objects.requireNonNull(kernel, "kernel");
    processes = List.copyOf(processes);
    Objects.requireNonNull(expect, "expect");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(schedule, "schedule");
  }

  /** This scenario with another seed (the command line's {@code --seed}). */
  public Scenario withSeed(long newSeed) {
    return new Scenario(
        origin, name, description, newSeed, mode, machine, kernel, processes, expect, limits, schedule);
  }

  /** This scenario in another mode (the command line's {@code --mode}). */
  public Scenario withExpect(Expect newExpect) {
    return new Scenario(
        origin, name, description, seed, mode, machine, kernel, processes, newExpect, limits, schedule);
  }

  /**
   * The same scenario under another kernel profile, the scenario's own knobs dropped (how
   * {@code --profile} and {@code compare} put one program under strat9 and linux). A
   * {@code kernel.mistake} stays: it is test equipment, not a knob of the profile.
   */
  public Scenario withProfile(String profile) throws ScenarioException {
    return withKernel(KernelReader.profileOnly(profile));
  }

  /** Under a profile plus the given knobs ({@code compare --variant}), the scenario's own knobs dropped. */
  public Scenario withProfile(String profile, List<String> knobs) throws ScenarioException {
    return withKernel(KernelReader.profileWith(profile, knobs));
  }

  /** The same scenario with this kernel mistake switched on ({@code mutants}), or {@code NONE}. */
  public Scenario withMistake(cowsim.kernel.Mistake m) {
    Kernel k = new Kernel(kernel.profile(), kernel.raw(), kernel.policy().withMistake(m));
    return new Scenario(origin, name, description, seed, mode, machine, k, processes, expect, limits, schedule);
  }

  private Scenario withKernel(Kernel k) {
    cowsim.kernel.Mistake keep = kernel.policy().mistake();
    Kernel next = k.policy().mistake() != cowsim.kernel.Mistake.NONE || keep == cowsim.kernel.Mistake.NONE
        ? k
        : new Kernel(k.profile(), k.raw(), k.policy().withMistake(keep));
    return new Scenario(origin, name, description, seed, mode, machine, next, processes, expect, limits, schedule);
  }

  public Scenario withMode(Mode newMode) {
    return new Scenario(
        origin, name, description, seed, newMode, machine, kernel, processes, expect, limits, schedule);
  }

  /** The declared process named {@code processName}, or null. */
  public ProcessSpec process(String processName) {
    for (ProcessSpec p : processes) {
      if (p.name().equals(processName)) {
        return p;
      }
    }
    return null;
  }
}
