package cowsim.scenario;

import static cowsim.scenario.Fixtures.PROGRAM;
import static cowsim.scenario.Fixtures.assertAt;
import static cowsim.scenario.Fixtures.assertFailsAt;
import static cowsim.scenario.Fixtures.fails;
import static cowsim.scenario.Fixtures.lineOf;
import static cowsim.scenario.Fixtures.parse;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import cowsim.kernel.Vma;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** A region's page-size: 4 KiB by default, or 2 MiB with 2 MiB-aligned at and size. */
class RegionPageSizeTest {

  private static final long M2 = 2L << 20;

  /** A process with these regions, one per line, on a machine of {@code memory}. */
  private static String scenario(String memory, String... regions) {
    return "name = t\nmachine { memory = " + memory + " }\nprocesses = [\n  { name = p, program = " + PROGRAM
        + "\n    memory = [\n      " + String.join("\n      ", regions) + "\n    ] }\n]\n";
  }

  private static List<Region> regions(String text) throws ScenarioException {
    return parse(text).processes().get(0).memory();
  }

  @Test
  void aHugePageIsTheKernels() {
    assertEquals(Vma.HUGE_PAGE, Region.HUGE_PAGE_SIZE);
  }

  @Test
  void a2MiBRegionIsHuge() throws Exception {
    List<Region> r = regions(scenario("16 MiB", "{ at = 0x400000, size = 4 MiB, page-size = 2 MiB }"));
    assertEquals(List.of(new Region(0x40_0000L, 2 * M2, true, false, M2)), r);
    assertTrue(r.get(0).huge());
  }

  @Test
  void theDefaultIs4KiBPages() throws Exception {
    Region r = regions(scenario("16 MiB", "{ at = 0x400000, size = 4 MiB }")).get(0);
    assertEquals(new Region(0x40_0000L, 4L << 20, true, false), r);
    assertEquals(4096, r.pageSize());
    assertFalse(r.huge());
    assertFalse(regions(scenario("16 MiB", "{ at = 0x401000, size = 8 KiB, page-size = 4 KiB }")).get(0).huge(),
        "4 KiB written out");
  }

  @Test
  void thePageSizeIsASizeLikeTheOthers() throws Exception {
    for (String v : List.of("2 MiB", "2097152", "\"0x200000\"", "2048 KiB", "2MiB")) {
      assertTrue(regions(scenario("16 MiB", "{ at = 0x400000, size = 2 MiB, page-size = " + v + " }")).get(0).huge(), v);
    }
    assertFalse(regions(scenario("16 MiB", "{ at = 0x400000, size = 4 KiB, page-size = 4096 }")).get(0).huge());
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "8 KiB   | processes[0].memory[0].page-size must be 4 KiB or 2 MiB, got 8 KiB",
        "1 GiB   | processes[0].memory[0].page-size must be 4 KiB or 2 MiB, got 1 GiB",
        "0       | processes[0].memory[0].page-size must be 4 KiB or 2 MiB, got 0 bytes",
        "-4096   | processes[0].memory[0].page-size must be 4 KiB or 2 MiB, got -4 KiB",
        "huge    | processes[0].memory[0].page-size must be a size like 16 KiB or 4096, got string 'huge'",
        "2.0 MiB | processes[0].memory[0].page-size must be a size like 16 KiB or 4096, got string '2.0 MiB'",
      })
  void anyOtherValueIsAnError(String value, String message) {
    String text = scenario("16 MiB", "{ at = 0x400000, size = 2 MiB,", "  page-size = " + value + " }");
    assertAt(fails(text), "t.conf", lineOf(text, "page-size"), message);
  }

  @Test
  void a2MiBRegionStartsOnA2MiBBoundary() {
    String text = scenario("16 MiB", "{ size = 2 MiB, page-size = 2 MiB,", "  at = 0x401000 }");
    assertAt(fails(text), "t.conf", lineOf(text, "0x401000"),
        "processes[0].memory[0].at must be a multiple of 2 MiB (0x200000) with page-size = 2 MiB, got 0x401000");
    String half = scenario("16 MiB", "{ size = 2 MiB, page-size = 2 MiB,", "  at = 0x300000 }");
    assertAt(fails(half), "t.conf", lineOf(half, "0x300000"), "got 0x300000");
  }

  @Test
  void a2MiBRegionIsAWholeNumberOf2MiBPages() {
    String text = scenario("16 MiB", "{ at = 0x400000, page-size = 2 MiB,", "  size = 3 MiB }");
    assertAt(fails(text), "t.conf", lineOf(text, "3 MiB"),
        "processes[0].memory[0].size must be a multiple of 2 MiB with page-size = 2 MiB, got 3 MiB");
    String page = scenario("16 MiB", "{ at = 0x400000, page-size = 2 MiB,", "  size = 2101248 }");
    assertAt(fails(page), "t.conf", lineOf(page, "2101248"), "got 2052 KiB");
  }

  @Test
  void populateCounts512FramesA2MiBPage() throws Exception {
    // 16 MiB: 4096 frames; the stack takes 4, so 7 pages of 2 MiB (3,584 frames) fit and 8 do not
    assertEquals(7, regions(scenario("16 MiB", "{ at = 0x400000, size = 14 MiB, page-size = 2 MiB, populate = true }")).get(0).size() / M2);
    String text = scenario("16 MiB", "{ at = 0x400000, page-size = 2 MiB, populate = true,", "  size = 16 MiB }");
    assertAt(fails(text), "t.conf", lineOf(text, "size = 16 MiB }"),
        "processes[0].memory[0]: populate = true needs one frame a page (512, an aligned block, a 2 MiB page), 4096 frames"
            + " for this region: the machine needs at least 4120 frames before any program runs (the kernel's 16 reserved"
            + " frames, and the stacks, populated regions and page tables of the processes up to this one), but it has 4096"
            + " (machine.memory = 16 MiB)");
    // counted with the 4 KiB regions before it
    String after = scenario("16 MiB",
        "{ at = 0x200000, size = 2 MiB, populate = true }",
        "{ at = 0x400000, page-size = 2 MiB, populate = true,", "  size = 14 MiB }");
    assertAt(fails(after), "t.conf", lineOf(after, "14 MiB }"), "3584 frames for this region: the machine needs at least 4120 frames");
    // unpopulated, a 2 MiB region costs no frame at start, as a 4 KiB one
    assertEquals(1, regions(scenario("16 MiB", "{ at = 0x400000, size = 64 MiB, page-size = 2 MiB }")).size());
  }

  @Test
  void populateNeedsAnAlignedBlockAPageBesideTheKernelsFrames() throws Exception {
    // 15 MiB: 3840 frames, 7 blocks of 512, the first holding the kernel's frames: 6 pages of 2 MiB
    assertEquals(1, regions(scenario("15 MiB", "{ at = 0x400000, size = 12 MiB, page-size = 2 MiB, populate = true }")).size());
    String text = scenario("15 MiB", "{ at = 0x400000, page-size = 2 MiB, populate = true,", "  size = 14 MiB }");
    assertAt(fails(text), "t.conf", lineOf(text, "14 MiB }"),
        "processes[0].memory[0]: populate = true with page-size = 2 MiB needs a 512-frame aligned block a page, 7 pages of"
            + " 2 MiB with the regions before it (of every process), but the machine has 6 such blocks free of the kernel's 16 reserved frames"
            + " (machine.memory = 15 MiB)");
    // 3 MiB: one block and a half, the block the kernel's: no 2 MiB page at all
    String small = scenario("3 MiB", "{ at = 0x400000, page-size = 2 MiB, populate = true,", "  size = 2 MiB }");
    assertAt(fails(small), "t.conf", lineOf(small, "2 MiB }"), "but the machine has 0 such blocks");
  }

  @Test
  void theOtherRegionChecksStillComeFirst() {
    assertFailsAt(
        "processes = [ { name = p, program = " + PROGRAM + "\n  memory = [ { at = 0x400010, size = 2 MiB, page-size = 2 MiB } ] } ]\n",
        "0x400010",
        "processes[0].memory[0].at must be page-aligned (a multiple of 0x1000), got 0x400010");
  }
}
