package cowsim.isa;

import java.util.HashMap;
import java.util.Map;

/** Test helpers: assemble snippets and run whole programs against a map-backed memory. */
final class Isa {
  private Isa() {}

  static Program prog(String source) {
    try {
      return Assembler.assemble(source);
    } catch (AsmException e) {
      throw new AssertionError("unexpected assembly error: " + e.getMessage(), e);
    }
  }

  /** The first instruction of {@code source}. */
  static Instruction one(String source) {
    return prog(source).at(0);
  }

  /** Runs the load/execute/store protocol the CPU will use, one instruction at a time. */
  static final class Machine {
    final Program program;
    final RegisterFile regs = new RegisterFile();
    final Map<Long, Long> memory = new HashMap<>();

    Machine(String source) {
      program = prog(source);
    }

    /** Executes one instruction and returns its outcome. */
    Outcome step() {
      Instruction i = program.at((int) regs.rip);
      long loaded = 0;
      if (Semantics.needsLoad(i)) {
        loaded = memory.getOrDefault(Semantics.loadAddress(i, regs), 0L);
      }
      long storeAt = Semantics.needsStore(i) ? Semantics.storeAddress(i, regs) : -1;
      Outcome o = Semantics.execute(i, regs, loaded);
      if (o.kind() == Outcome.Kind.STORE) {
        memory.put(storeAt, o.storeValue());
      }
      return o;
    }

    /** Steps until the program runs off its end or stops on a non-CONTINUE/STORE outcome. */
    Outcome run(int maxSteps) {
      for (int n = 0; n < maxSteps && regs.rip < program.size(); n++) {
        Outcome o = step();
        if (o.kind() != Outcome.Kind.CONTINUE && o.kind() != Outcome.Kind.STORE) {
          return o;
        }
      }
      if (regs.rip < program.size()) {
        throw new AssertionError("did not finish in " + maxSteps + " steps");
      }
      return Outcome.CONTINUE;
    }
  }
}
