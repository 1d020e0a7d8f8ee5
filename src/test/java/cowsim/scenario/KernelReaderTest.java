package cowsim.scenario;

import static cowsim.scenario.Fixtures.BASE;
import static cowsim.scenario.Fixtures.assertAt;
import static cowsim.scenario.Fixtures.assertFailsAt;
import static cowsim.scenario.Fixtures.fails;
import static cowsim.scenario.Fixtures.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import cowsim.kernel.KernelPolicy;
import cowsim.kernel.Knob;
import cowsim.kernel.Mistake;
import cowsim.kernel.Profile;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The kernel block: keys, values and profiles, all from the knob registry. */
class KernelReaderTest {

  @Test
  void theKeysAreTheRegistrysAsTheyWere() {
    // the keys every scenario written so far uses stay, in this order; a new knob's group goes in
    // before mistake, from the registry alone
    List<String> before = List.of("profile", "tlb", "refcount", "cow-fault", "fork", "fault", "munmap", "pcid", "mm-lock");
    assertEquals(before, KernelReader.KEYS.subList(0, before.size()));
    assertEquals("mistake", KernelReader.KEYS.get(KernelReader.KEYS.size() - 1));
    assertEquals(
        List.of("fork", "cow-fault", "munmap", "mprotect", "flush-ceiling", "ack-timeout-spins", "ack-flag", "free-after-flush", "generation-check",
            "flush-unchanged", "nested-flush"),
        KernelReader.children(List.of("tlb")));
    assertEquals(List.of("child-fs-base", "rollback"), KernelReader.children(List.of("fork")));
    assertEquals(List.of(), KernelReader.children(List.of("pcid")));
    assertEquals(Profile.keys(), Kernel.PROFILES);
  }

  /** What a scenario may write for the knob: every word of a choice, both booleans, a range's ends. */
  private static List<String> words(Knob<?> k) {
    if (k.type instanceof Knob.Choice<?> c) {
      return c.words();
    }
    if (k.type instanceof Knob.Range<?> r) {
      return List.of(Long.toString(r.min()), Long.toString(r.max()));
    }
    return List.of("true", "false");
  }

  private static <T> String word(KernelPolicy p, Knob<T> k) {
    return k.type.word(p.get(k));
  }

  @Test
  void everyValueOfEveryKnobReadsFromTheFileFromSetAndFromAVariant() throws Exception {
    for (Knob<?> k : Knob.all()) {
      for (String w : words(k)) {
        for (Profile p : Profile.values()) {
          String profile = "kernel.profile = " + p.key + "\n";
          assertEquals(w, word(parse(BASE + profile + "kernel." + k.key + " = " + w + "\n").kernel().policy(), k), k.key);
          assertEquals(w, word(parse(BASE + profile, "kernel." + k.key + "=" + w).kernel().policy(), k), "--set " + k.key);
          assertEquals(w, word(parse(BASE).withProfile(p.key, List.of(k.key + "=" + w)).kernel().policy(), k), "--variant " + k.key);
        }
      }
    }
  }

  @Test
  void aKnobTheScenarioLeavesOutIsItsProfiles() throws Exception {
    KernelPolicy p = parse(BASE + "kernel { profile = linux, tlb.cow-fault = local, fork { rollback = restore-and-decrement } }\n").kernel().policy();
    KernelPolicy expected =
        KernelPolicy.builder(Profile.LINUX).set(Knob.TLB_COW_FAULT, KernelPolicy.Flush.LOCAL).set(Knob.FORK_ROLLBACK, false).build();
    assertEquals(expected, p);
    assertEquals(KernelPolicy.strat9(), parse(BASE).kernel().policy());
  }

  @Test
  void aBadValueIsOneLineThatSaysWhatTheKnobTakes() {
    assertFailsAt("kernel.tlb.fork = none\n", "none", "kernel.tlb.fork must be one of all-cpus-full, mm-cpus, local, got 'none'");
    assertFailsAt("kernel.tlb.flush-ceiling = 513\n", "513", "kernel.tlb.flush-ceiling must be between 1 and 512, got 513");
    assertFailsAt("kernel.cow-fault.lock = pt\n", "pt", "kernel.cow-fault.lock must be one of none, page-table, got 'pt'");
    assertFailsAt("kernel.pcid = on\n", "on", "kernel.pcid must be true or false, got string 'on'");
    assertFailsAt("kernel.tlb = 5\n", "5", "kernel.tlb must be an object { ... }, got number 5");
    assertAt(fails(BASE, "kernel.mm-lock=rwsem"), "--set kernel.mm-lock=rwsem", 0, "kernel.mm-lock must be one of none, rw, got 'rwsem'");
  }

  @Test
  void anUnknownKeyInAGroupListsTheGroupsKnobs() {
    assertFailsAt(
        "kernel.tlb.fluch-ceiling = 4\n",
        "fluch",
        "unknown key 'fluch-ceiling' in kernel.tlb (known: fork, cow-fault, munmap, mprotect, flush-ceiling, ack-timeout-spins,"
            + " ack-flag, free-after-flush, generation-check, flush-unchanged, nested-flush)");
    assertFailsAt("kernel.fork.xyz = 1\n", "xyz", "unknown key 'xyz' in kernel.fork (known: child-fs-base, rollback)");
    assertFailsAt("kernel.refcount.xyz = 1\n", "xyz", "unknown key 'xyz' in kernel.refcount (known: on-alloc)");
  }

  @Test
  void aVariantIsTheProfileAndItsKnobsOnly() throws Exception {
    Scenario own = parse(BASE + "kernel { pcid = true, mistake = cow-reuse-at-two }\n");
    KernelPolicy v = own.withProfile("linux", List.of("mm-lock=none", "tlb.ack-timeout-spins=7")).kernel().policy();
    KernelPolicy expected =
        KernelPolicy.builder(Profile.LINUX)
            .set(Knob.MM_LOCK, KernelPolicy.MmLock.NONE)
            .set(Knob.TLB_ACK_TIMEOUT_SPINS, 7L)
            .mistake(Mistake.COW_REUSE_AT_TWO)
            .build();
    assertEquals(expected, v, "the scenario's pcid dropped, its mistake kept");
    ScenarioException e = assertThrows(ScenarioException.class, () -> own.withProfile("linux", List.of("tlb.fork=none")));
    assertEquals("--variant tlb.fork=none: kernel.tlb.fork must be one of all-cpus-full, mm-cpus, local, got 'none'", e.getMessage());
    e = assertThrows(ScenarioException.class, () -> own.withProfile("linux", List.of("tlb.forc=local")));
    List<String> known = new ArrayList<>(KernelReader.children(List.of("tlb")));
    assertEquals("--variant tlb.forc=local: unknown key 'forc' in kernel.tlb (known: " + String.join(", ", known) + ")", e.getMessage());
    e = assertThrows(ScenarioException.class, () -> own.withProfile("bsd"));
    assertEquals("--profile bsd: profile must be one of strat9, linux, linux-5.7, linux-5.9, linux-4.12, got 'bsd'", e.getMessage());
  }
}
