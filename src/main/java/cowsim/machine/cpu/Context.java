package cowsim.machine.cpu;

import cowsim.isa.Program;
import cowsim.isa.RegisterFile;

/**
 * The thread a CPU runs in user mode, as the hardware sees it: its registers (the CPU owns them
 * from the switch on) and its program, and who it is, for the observer's attribution of each
 * access and for kill IPIs.
 */
public record Context(long pid, long tid, String name, RegisterFile regs, Program program) {}
