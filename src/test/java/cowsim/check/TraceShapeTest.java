package cowsim.check;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import cowsim.machine.mmu.Pte;
import cowsim.machine.observe.Event;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The shape the conformance test compares: frames by role, cycles ignored, polls collapsed. */
class TraceShapeTest {

  private static List<Event> cow(long cycle, long cr3, long oldFrame, long newFrame, long start) {
    long pte = (cr3 << 12) + 8;
    return List.of(
        new Event.OpBegin(cycle, 0, cr3, "cow fault", start, start + 4096),
        new Event.RefRead(cycle + 1, 0, oldFrame, 2),
        new Event.Alloc(cycle + 2, 0, newFrame, 0),
        new Event.FrameWrite(cycle + 3, 0, newFrame, oldFrame),
        new Event.MemWrite(cycle + 4, 0, pte, Pte.make(newFrame, Pte.P | Pte.RW | Pte.US), Pte.make(oldFrame, Pte.P | Pte.US | Pte.COW), null),
        new Event.RefChange(cycle + 5, 0, oldFrame, 2, -1),
        new Event.OpEnd(cycle + 6, 0, cr3, "cow fault", start, start + 4096));
  }

  @Test
  void framesAreNamedByFirstAppearanceAndCyclesDoNotCount() {
    List<String> one = TraceShape.of(cow(100, 20, 30, 31, 0x40_0000));
    assertEquals(one, TraceShape.of(cow(9000, 17, 45, 18, 0x40_0000)));
    assertEquals("cpu-0 begin cow fault cr3 F0 [0x400000, 0x401000)", one.get(0));
    assertEquals("cpu-0 write-frame F2 copy of F1", one.get(3));
    assertEquals("cpu-0 kwrite F0+0x8 = F2 P RW US (was F1 P US COW)", one.get(4));
  }

  @Test
  void anotherRangeOrAnotherOrderIsAnotherShape() {
    List<String> one = TraceShape.of(cow(100, 20, 30, 31, 0x40_0000));
    assertNotEquals(one, TraceShape.of(cow(100, 20, 30, 31, 0x40_1000)));
    List<Event> swapped = new java.util.ArrayList<>(cow(100, 20, 30, 31, 0x40_0000));
    java.util.Collections.swap(swapped, 4, 5);
    assertNotEquals(one, TraceShape.of(swapped));
    // the same frame twice is not two frames
    List<Event> sameFrame = cow(100, 20, 30, 30, 0x40_0000);
    assertNotEquals(one, TraceShape.of(sameFrame));
  }

  @Test
  void onlyRepeatedPollsOfAReservedFrameCollapse() {
    long ack = Rig.ackWord(1);
    Event.MemRead poll = new Event.MemRead(1, 0, ack, 0, null);
    Event.MemRead set = new Event.MemRead(2, 0, ack, 1, null);
    assertEquals(
        List.of("cpu-0 kread K3+0x8 = 0", "cpu-0 kread K3+0x8 = 1"),
        TraceShape.of(List.of(poll, poll, poll, set)));
    Event.MemRead user = new Event.MemRead(3, 0, 40L << 12, 0, new Event.Access(20, 1, 1, 0x40_0000, true));
    assertEquals(2, TraceShape.of(List.of(user, user)).size());
  }

  @Test
  void theShootdownViewLeavesOutPollsThatFoundTheWordClear() {
    long ack = Rig.ackWord(1);
    List<Event> stream =
        List.of(
            new Event.MemRead(1, 0, 17L << 12, 5, null), // before the first IPI: not part of it
            new Event.IpiSent(2, 0, 1, 1),
            new Event.MemWrite(3, 0, ack, 0, 0, null),
            new Event.MemRead(4, 0, ack, 0, null),
            new Event.TlbFlush(5, 1, "flush IPI from cpu-0"),
            new Event.MemRead(6, 0, ack, 0, null),
            new Event.MemWrite(7, 1, ack, 1, 0, null),
            new Event.TlbFlush(8, 1, "CR3 write"),
            new Event.MemRead(9, 0, ack, 1, null),
            new Event.ShootdownDone(10, 0, 1, 0));
    assertEquals(
        List.of(
            "cpu-0 ipi to cpu-1",
            "cpu-0 kwrite K3+0x8 = 0 (was 0)",
            "cpu-1 tlb-flush (flush IPI from cpu-0)",
            "cpu-1 kwrite K3+0x8 = 1 (was 0)",
            "cpu-0 kread K3+0x8 = 1",
            "cpu-0 shootdown done, 0 acks missing"),
        TraceShape.of(TraceShape.shootdown(stream)));
  }
}
