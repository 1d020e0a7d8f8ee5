package cowsim.scenario;

import cowsim.isa.Program;
import java.util.List;
import java.util.Objects;

/**
 * A process declared in a scenario: its name, placement, initial memory, stack and program.
 *
 * @param name unique within the scenario; forked children inherit it
 * @param cpu the CPU it starts on, or null for the least-loaded CPU
 * @param memory initial mappings, non-overlapping, in declaration order
 * @param stackBytes stack size, 0..{@link #MAX_STACK}; 0 means no stack. The stack ends at {@link #STACK_TOP}
 * @param kernelThread whether the task is a kernel thread (fork refuses it with -EPERM)
 * @param program the assembled program
 * @param line the line of the declaration in the scenario file, 0 if unknown
 */
public record ProcessSpec(
    String name,
    Integer cpu,
    List<Region> memory,
    long stackBytes,
    boolean kernelThread,
    Program program,
    int line) {
  /** Where the kernel ends every stack (exclusive): the last user page stays unmapped. */
  public static final long STACK_TOP = 0x0000_7fff_ffff_f000L;

  /**
   * The largest stack: 64 MiB (the kernel's Layout.MAX_STACK, below which its mmap area ends). The
   * stack is set up eagerly, one frame a page.
   */
  public static final long MAX_STACK = 64L << 20;

  public ProcessSpec {
    Objects.requireNonNull(name, "name");
    memory = List.copyOf(memory);
    Objects.requireNonNull(program, "program");
  }

  /** The lowest stack address (equal to {@link #STACK_TOP} when there is no stack). */
  public long stackBase() {
    return STACK_TOP - stackBytes;
  }
}
