package cowsim.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import cowsim.explore.ScheduleSpec;
import cowsim.kernel.Mistake;
import cowsim.report.Verdict;
import cowsim.scenario.Scenario;
import cowsim.scenario.ScenarioException;
import cowsim.scenario.ScenarioLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The kernel-mistake catalogue: every name parses, survives {@code --profile}, and changes what a
 * small real run does under linux; with no mistake the runs are exactly as before the catalogue
 * existed (trace hashes pinned from the build before it); the README lists the catalogue.
 */
class MistakesTest {

  /** For each mistake, a small bundled scenario whose linux run goes through the broken step. */
  private static final Map<Mistake, String> WHERE = new EnumMap<>(Mistake.class);

  static {
    for (Mistake m : List.of(Mistake.COW_NO_RECHECK, Mistake.COW_REUSE_AT_TWO, Mistake.COW_COPY_ZERO_FILL, Mistake.COW_NO_NEW_INCREF,
        Mistake.COW_DOUBLE_DECREMENT, Mistake.COW_COPY_NO_LOCAL_FLUSH, Mistake.COW_UNLOCK_EARLY, Mistake.FORK_NO_REFCOUNT,
        Mistake.FORK_CHILD_WRITABLE, Mistake.FORK_PARENT_WRITABLE, Mistake.FORK_FLUSH_FIRST, Mistake.UNMAP_NO_DECREMENT)) {
      WHERE.put(m, "fork-cow-basic.conf");
    }
    WHERE.put(Mistake.COW_REUSE_NO_INVLPG, "cow-reuse-after-exit.conf");
    for (Mistake m : List.of(Mistake.COW_NO_REMOTE_FLUSH, Mistake.COW_FREE_BEFORE_FLUSH, Mistake.SHOOTDOWN_ONE_SHORT)) {
      WHERE.put(m, "cow-copy-vs-sibling-reuse.conf");
    }
    for (Mistake m : List.of(Mistake.COW_KEEP_COW_BIT, Mistake.MPROTECT_NO_SHOOTDOWN, Mistake.MPROTECT_FLUSH_FIRST)) {
      WHERE.put(m, "mprotect-sibling-thread.conf");
    }
    WHERE.put(Mistake.FORK_OOM_NO_TEARDOWN, "fork-oom-frees-everything.conf");
    WHERE.put(Mistake.MUNMAP_NO_FLUSH, "munmap-sibling-thread.conf");
    WHERE.put(Mistake.MUNMAP_FREE_BEFORE_FLUSH, "munmap-sibling-thread.conf");
    WHERE.put(Mistake.WAIT4_RAW_STATUS, "wait4-status-cow.conf");
    WHERE.put(Mistake.DEMAND_ZERO_NO_CLEAR, "demand-zero-after-munmap.conf");
    WHERE.put(Mistake.HUGE_SPLIT_NO_FLUSH, "huge-page-split-sibling.conf");
    WHERE.put(Mistake.HUGE_SPLIT_NO_REF, "huge-page-fork-cow.conf");
    WHERE.put(Mistake.GUP_PIN_IGNORED_AT_FORK, "longterm-pin-fork.conf");
    WHERE.put(Mistake.COW_REUSE_BY_MAPCOUNT, "gup-after-fork.conf");
    WHERE.put(Mistake.FORK_NO_MAPCOUNT_DUP, "fork-cow-basic.conf");
    WHERE.put(Mistake.MADVISE_NO_NESTED_FLUSH, "madvise-sibling-threads.conf");
  }

  private static Scenario load(String file, String... sets) throws ScenarioException {
    return ScenarioLoader.load(Path.of("scenarios", file), List.of(sets));
  }

  @Test
  void everyNameParsesAndSurvivesAProfileSwitch() throws Exception {
    assertEquals(Mistake.NONE, load("fork-cow-basic.conf").kernel().policy().mistake(), "default: none (reference.conf)");
    for (Mistake m : Mistake.values()) {
      Scenario s = load("fork-cow-basic.conf", "kernel.mistake=" + m.key);
      assertEquals(m, s.kernel().policy().mistake());
      assertEquals(m, s.withProfile("linux").kernel().policy().mistake(), "--profile keeps " + m.key);
      assertEquals(Mistake.NONE, s.withMistake(Mistake.NONE).kernel().policy().mistake());
    }
    assertEquals(Mistake.catalogue().size(), Mistake.values().length - 1);
    assertTrue(Mistake.catalogue().size() >= 16, "at least 16 mistakes");
  }

  @Test
  void anUnknownNameIsOneLineNamingTheKey() {
    ScenarioException e = assertThrows(ScenarioException.class, () -> load("fork-cow-basic.conf", "kernel.mistake=cow-forget-everything"));
    assertTrue(e.getMessage().contains("kernel.mistake must be one of none, cow-no-recheck"), e.getMessage());
    assertTrue(e.getMessage().contains("got 'cow-forget-everything'"), e.getMessage());
    assertEquals(1, e.getMessage().lines().count());
  }

  @Test
  void everyMistakeChangesASmallLinuxRun() throws Exception {
    assertEquals(Mistake.catalogue().size(), WHERE.size(), "each mistake has a scenario here");
    Simulation sim = new Simulation();
    Map<String, SimResult> clean = new HashMap<>();
    List<String> unchanged = new ArrayList<>();
    for (Mistake m : Mistake.catalogue()) {
      String file = WHERE.get(m);
      Scenario base = load(file).withProfile("linux");
      SimResult before = clean.computeIfAbsent(file, f -> sim.run(base, null));
      assertTrue(Verdict.judge(before).pass(), file + " is clean under linux: " + Verdict.judge(before).failures());
      SimResult after = sim.run(base.withMistake(m), null);
      boolean changed = m.isHarmless()
          // a harmless mistake takes its branch (a dropped invalidation sends no message, so it
          // shows in invlpg; another shows in the trace) and the run stays clean
          ? (after.stat("invlpg") != before.stat("invlpg") || !after.traceHash().equals(before.traceHash()))
              && Verdict.judge(after).pass()
          : !after.traceHash().equals(before.traceHash()) || !Verdict.judge(after).pass();
      if (!changed) {
        unchanged.add(m.key + " on " + file);
      }
    }
    assertEquals(List.of(), unchanged, "mistakes that changed nothing");
  }

  /**
   * trace_hash values of the build before the catalogue existed: no mistake, no change. The linux
   * rows were pinned before linux took the mmap_lock, so they run with {@code kernel.mm-lock =
 * none}: the lock is the only change to those traces; and with linux's later knobs at values
   * that send none of their messages: {@code rmap.mapcount = false} and {@code cow.reuse =
   * refcount} (no second metadata word), the zero page off and unchanged ranges flushed, whose
   * linux values change these traces.
   */
  @Test
  void withoutAMistakeEveryRunIsAsBefore() throws Exception {
    String[][] pinned = {
      {"fork-cow-basic.conf", "", "5af33fa15715c3fc66ddb0b46eba58307d1bb78c01f9ecb5b47235b7ec90e78f"},
      {"fork-cow-basic.conf", "linux", "a8dbff02e7428340d09b1ddfbc2a32b3722910fcb9215c579ce5e27f877b6e51"},
      {"threads-shared-mm.conf", "linux", "7bff8ad18efb5ab3f11c724b4f56892ed5a165dafb6145e6a3d66229cee7f7e9"},
      {"racy-cow-threads.conf", "linux", "d0d91501f2fc56888960b3e4d566d134e44bcb6ed6a78bafb1c4a0c08127ac70"},
      {"bugs/two-threads-cow-fault.conf", "linux", "2cd8311a239f2534230953edde8a111948c05cc4a4aab99c15159c533fdc85a5"},
      {"bugs/stale-tlb-after-munmap-reuse.conf", "linux", "9f6b71b30021ef2d6d48c7bb3592dfb9ca940ff4bd012a7a91bf29daf1b566fb"},
      {"bugs/stale-tlb-after-munmap-reuse.conf", "", "3c8090ba78c56bba3d4bf03798120254a389ca2747d04822ac89b54bbccd0d21"},
      {"bugs/stale-tlb-after-mprotect.conf", "linux", "bef89e45748774f1c477d3b07213009b5becc87afe4d19d3222dbc1590ddd89d"},
      {"violations/fork-oom-double-decrement.conf", "linux", "4b44b6c9626b91960748bd275a78371809532d84d2355239dd3b78ac95dd0581"},
    };
    Simulation sim = new Simulation();
    for (String[] p : pinned) {
      for (String[] sets : new String[][] {{}, {"kernel.mistake=none"}}) {
        Scenario s = load(p[0], sets);
        if (!p[1].isEmpty()) {
          s = s.withProfile(p[1], List.of("mm-lock = none", "rmap.mapcount = false", "cow.reuse = refcount",
              "fault.read-untouched = allocate", "tlb.flush-unchanged = always"));
        }
        assertEquals(p[2], sim.run(s, null, ScheduleSpec.forScenario(ConfigFactory.load(), s)).traceHash(), p[0] + " " + p[1] + " " + List.of(sets));
      }
    }
  }

  /** README's catalogue table, row for row: name, paths, description (the registry is the source). */
  @Test
  void theReadmeListsTheCatalogue() throws Exception {
    String readme = Files.readString(Path.of("README.md"));
    int from = readme.indexOf("### The mistake catalogue");
    assertTrue(from >= 0, "README has the catalogue section");
    String section = readme.substring(from, readme.indexOf("\n## ", from));
    Matcher row = Pattern.compile("(?m)^\\| `([a-z0-9-]+)` \\| ([^|]+) \\| ([^|]+) \\|").matcher(section);
    List<String> listed = new ArrayList<>();
    while (row.find()) {
      Mistake m = Mistake.of(row.group(1)).orElseThrow(() -> new AssertionError("README lists an unknown mistake " + row.group(1)));
      assertEquals(m.paths.text, row.group(2).trim(), m.key);
      assertEquals(m.description, row.group(3).trim(), m.key);
      listed.add(m.key);
    }
    assertEquals(Mistake.catalogue().stream().map(x -> x.key).toList(), listed);
  }

  @Test
  void harmlessMistakesSayWhy() {
    for (Mistake m : Mistake.catalogue()) {
      if (m.isHarmless()) {
        assertTrue(m.harmless.length() > 40, m.key);
      }
      assertNotEquals("", m.where, m.key);
    }
  }
}
