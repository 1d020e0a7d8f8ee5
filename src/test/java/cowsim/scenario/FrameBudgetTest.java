package cowsim.scenario;

import static cowsim.scenario.Fixtures.assertAt;
import static cowsim.scenario.Fixtures.fails;
import static cowsim.scenario.Fixtures.lineOf;
import static cowsim.scenario.Fixtures.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Population that cannot fit the machine's frames is refused at load, counted over every process. */
class FrameBudgetTest {

  /** A 1 MiB machine (256 frames) with one process per region line, each with no stack unless given. */
  private static String machine(String... processes) {
    StringBuilder s = new StringBuilder("name = t\nmachine { memory = 1 MiB }\nprocesses = [\n");
    int i = 0;
    for (String p : processes) {
      s.append("  { name = p").append(i++).append(", program = \"nop\", ").append(p).append(" }\n");
    }
    return s.append("]\n").toString();
  }

  @Test
  void sixtyFourMiBInAOneMiBMachineIsRefusedAtTheRegionsLine() {
    String text = machine("stack = 0,\n    memory = [ { at = 0x400000, size = 64 MiB, populate = true } ]");
    assertAt(fails(text), "t.conf", lineOf(text, "64 MiB"),
        "processes[0].memory[0]: populate = true needs one frame a page, 16384 frames for this region: the machine needs"
            + " at least 16404 frames before any program runs (the kernel's 16 reserved frames, and the stacks, populated"
            + " regions and page tables of the processes up to this one), but it has 256 (machine.memory = 1 MiB)");
  }

  @Test
  void everyProcessCounts() throws Exception {
    // each alone fits (150 pages); together they cannot: 16 + 2 x (150 + 4 + 4 tables) = 332 > 256
    String one = "memory = [ { at = 0x400000, size = 600 KiB, populate = true } ]";
    parse(machine(one));
    String two = machine(one, one.replace("600 KiB,", "600 KiB, prot = rw,"));
    assertAt(fails(two), "t.conf", lineOf(two, "prot = rw"),
        "processes[1].memory[0]: populate = true needs one frame a page, 150 frames for this region: the machine needs"
            + " at least 332 frames", "but it has 256");
  }

  @Test
  void aStackCountsToo() {
    // p0 fills the machine to 16 + 4 tables + 4 stack + 228 = 252; p1's PML4 and 16 KiB stack take it to 260
    String text = machine("memory = [ { at = 0x400000, size = 912 KiB, populate = true } ]", "stack = 16 KiB");
    assertAt(fails(text), "t.conf", lineOf(text, "stack = 16 KiB"),
        "processes[1].stack is set up eagerly, one frame a page: the machine needs at least 260 frames");
  }

  @Test
  void unpopulatedRegionsAndHugeBlocksOfEveryProcess() throws Exception {
    parse(machine("memory = [ { at = 0x400000, size = 64 MiB } ]", "memory = [ { at = 0x400000, size = 64 MiB } ]"));
    // 15 MiB: 3840 frames but 6 free aligned blocks; 3 + 4 pages of 2 MiB, one process each
    String huge = "stack = 0, memory = [ { at = 0x400000, size = 6 MiB, page-size = 2 MiB, populate = true } ]";
    String text = machine(huge, huge.replace("6 MiB,", "8 MiB,")).replace("1 MiB", "15 MiB");
    assertAt(fails(text), "t.conf", lineOf(text, "8 MiB,"),
        "processes[1].memory[0]: populate = true with page-size = 2 MiB needs a 512-frame aligned block a page, 7 pages");
  }

  @Test
  void theBudgetIsALowerBound() {
    FrameBudget b = new FrameBudget(256);
    assertEquals(16, b.needed());
    b.process(16 * 1024); // PML4, PDPT, PD, PT, 4 stack pages
    assertEquals(24, b.needed());
    b.map(4096 * 232, false); // the same process: no new table counted
    assertEquals(256, b.needed());
    assertTrue(b.fits());
    b.process(0);
    assertFalse(b.fits());
    FrameBudget h = new FrameBudget(4096);
    h.process(0);
    h.map(2L << 20, true); // PML4, PDPT, PD, no page table: a PD entry maps it
    assertEquals(16 + 3 + 512, h.needed());
    assertEquals(7, h.hugeBlocks());
  }
}
