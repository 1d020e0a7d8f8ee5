package cowsim.kernel;

import cowsim.isa.Program;
import java.util.List;

/**
 * A process the machine starts with (from the scenario).
 *
 * @param cpu the CPU to start on, or -1 for the least loaded
 * @param vmas every user area, the stack included
 * @param populate the areas to fault in before the program starts
 */
public record ProcessSetup(
    String name, int cpu, List<Vma> vmas, List<Vma> populate, Program program, boolean kernelThread) {}
