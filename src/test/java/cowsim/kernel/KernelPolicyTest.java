package cowsim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.kernel.KernelPolicy.AckFlag;
import cowsim.kernel.KernelPolicy.Flush;
import cowsim.kernel.KernelPolicy.MmLock;
import java.util.List;
import org.junit.jupiter.api.Test;

/** A policy: a profile's values from the registry, any knob changed with the builder. */
class KernelPolicyTest {

  @Test
  void aProfileIsTheRegistrysValues() {
    for (Profile p : Profile.values()) {
      KernelPolicy policy = KernelPolicy.of(p);
      assertEquals(p.key, policy.profile());
      assertEquals(Mistake.NONE, policy.mistake());
      for (Knob<?> k : Knob.all()) {
        assertEquals(k.valueIn(p), policy.get(k), p + " " + k);
      }
    }
    assertEquals(KernelPolicy.of(Profile.STRAT9), KernelPolicy.strat9());
    assertEquals(KernelPolicy.of(Profile.LINUX), KernelPolicy.linux());
  }

  @Test
  void theAccessorsReadTheirKnobs() {
    KernelPolicy s = KernelPolicy.strat9();
    assertEquals(Flush.ALL_CPUS_FULL, s.forkFlush());
    assertEquals(Flush.LOCAL, s.cowFaultFlush());
    assertEquals(Flush.LOCAL, s.munmapFlush());
    assertEquals(Flush.NONE, s.mprotectFlush());
    assertEquals(16, s.flushCeiling());
    assertEquals(10_000_000L, s.ackTimeoutSpins());
    assertEquals(AckFlag.SHARED, s.ackFlag());
    assertEquals(MmLock.NONE, s.mmLock());
    assertTrue(s.stopAtUntouched());
    KernelPolicy l = KernelPolicy.linux();
    assertEquals(
        List.of(true, 0, true, true, true, false, false, true),
        List.of(l.freeAfterFlush(), l.refcountOnAlloc(), l.cowLock(), l.childFsBaseInherit(), l.forkRollbackTeardownOnly(),
            l.stopAtUntouched(), l.pcid(), l.generationCheck()));
    assertTrue(l.killOnPresentPage());
    assertEquals(33, l.flushCeiling());
  }

  @Test
  void theBuilderChangesOneKnobAndKeepsTheRest() {
    KernelPolicy p = KernelPolicy.builder(Profile.STRAT9).set(Knob.MM_LOCK, MmLock.RW).set(Knob.TLB_FLUSH_CEILING, 512).build();
    assertEquals(MmLock.RW, p.mmLock());
    assertEquals(512, p.flushCeiling());
    assertEquals("strat9", p.profile());
    for (Knob<?> k : Knob.all()) {
      if (k != Knob.MM_LOCK && k != Knob.TLB_FLUSH_CEILING) {
        assertEquals(KernelPolicy.strat9().get(k), p.get(k), k.key);
      }
    }
    assertNotEquals(KernelPolicy.strat9(), p);
    assertEquals(p, p.toBuilder().build());
    assertEquals(p.hashCode(), p.toBuilder().build().hashCode());
  }

  @Test
  void theBuilderRefusesAValueTheKnobDoesNotAllow() {
    KernelPolicy.Builder b = KernelPolicy.builder(Profile.LINUX);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.set(Knob.TLB_FLUSH_CEILING, 0));
    assertEquals("tlb.flush-ceiling must be pages (1..512), got 0", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> b.set(Knob.TLB_FORK, Flush.NONE));
    assertThrows(NullPointerException.class, () -> b.set(Knob.PCID, null));
  }

  @Test
  void theMistakeIsNoKnobAndTravelsWithThePolicy() {
    KernelPolicy p = KernelPolicy.linux().withMistake(Mistake.COW_REUSE_AT_TWO);
    assertEquals(Mistake.COW_REUSE_AT_TWO, p.mistake());
    assertEquals(Mistake.COW_REUSE_AT_TWO, p.toBuilder().set(Knob.PCID, true).build().mistake());
    assertEquals(KernelPolicy.linux(), p.withMistake(Mistake.NONE));
    assertEquals(p, KernelPolicy.builder(Profile.LINUX).mistake(Mistake.COW_REUSE_AT_TWO).build());
  }

  @Test
  void itPrintsEveryKnobAsAScenarioWritesIt() {
    String s = KernelPolicy.linux().toString();
    assertTrue(s.startsWith("KernelPolicy[linux: tlb.fork=mm-cpus, "), s);
    assertTrue(s.contains(", cow-fault.lock=page-table, "), s);
    assertTrue(s.contains(", mm-lock=rw, "), s);
    assertTrue(s.endsWith(", mistake=none]"), s);
    for (Knob<?> k : Knob.all()) {
      assertTrue(s.contains(" " + k.key + "="), k.key);
    }
  }
}
