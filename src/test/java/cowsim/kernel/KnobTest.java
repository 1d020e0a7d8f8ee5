package cowsim.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The knob registry: each knob declared once, with its key, type, values, profile values and
 * docs; and the README's Policies table, which is the registry row for row.
 *
 * <p>{@code mvn -o -q test -Dtest=KnobTest -Dcowsim.readme=write} rewrites that table from the
 * registry (after adding or changing a knob) instead of checking it.
 */
class KnobTest {

  private static final Path README = Path.of("README.md");
  private static final String HEADER = "| knob | values | strat9 | linux | what it does | what breaks without the linux value |";

  @Test
  void everyConstantIsInTheRegistryAndSpellsItsKey() throws Exception {
    List<Knob<?>> declared = new ArrayList<>();
    for (Field f : Knob.class.getDeclaredFields()) {
      int m = f.getModifiers();
      if (f.getType() == Knob.class && Modifier.isStatic(m)) {
        assertTrue(Modifier.isPublic(m) && Modifier.isFinal(m), f.getName());
        Knob<?> k = (Knob<?>) f.get(null);
        assertEquals(f.getName(), k.key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'), "the constant spells its key");
        declared.add(k);
      }
    }
    assertEquals(Set.copyOf(declared), Set.copyOf(Knob.all()), "Knob.all() lists every constant");
    assertEquals(declared.size(), Knob.all().size(), "and each once");
  }

  @Test
  void keysAreUniqueAndFindTheirKnob() {
    Set<String> seen = new HashSet<>();
    for (Knob<?> k : Knob.all()) {
      assertTrue(k.key.matches("[a-z][a-z0-9-]*(\\.[a-z][a-z0-9-]*)*"), k.key);
      assertTrue(seen.add(k.key), k.key + " declared twice");
      assertSame(k, Knob.of(k.key).orElseThrow());
      assertEquals(k.key, k.toString());
      assertEquals(List.of(k.key.split("\\.")), k.path());
    }
    assertTrue(Knob.of("tlb").isEmpty());
    assertTrue(Knob.of("TLB.FORK").isEmpty());
  }

  @Test
  void noKeyIsTheGroupOfAnotherNorAKernelKeyThatIsNoKnob() {
    for (Knob<?> k : Knob.all()) {
      for (Knob<?> other : Knob.all()) {
        assertFalse(other.key.startsWith(k.key + "."), k.key + " is a value and the group of " + other.key);
      }
      assertFalse(List.of("profile", "mistake").contains(k.path().get(0)), k.key + ": the kernel block's own key");
    }
  }

  @Test
  void everyKnobSaysWhatItDoesAndWhatBreaksInOneLine() {
    for (Knob<?> k : Knob.all()) {
      for (String text : List.of(k.doc, k.breaks, k.type.values())) {
        assertFalse(text.isBlank(), k.key);
        assertFalse(text.contains("\n"), k.key + ": one line");
      }
      assertFalse(k.doc.contains("|") || k.breaks.contains("|"), k.key + ": the README table cannot hold a '|'");
    }
  }

  @Test
  void eachProfileValueIsAllowedAndReadsBackFromItsWord() {
    for (Knob<?> k : Knob.all()) {
      for (Profile p : Profile.values()) {
        roundTrip(k, p);
      }
    }
  }

  private static <T> void roundTrip(Knob<T> k, Profile p) {
    T value = k.valueIn(p);
    assertTrue(k.type.allows(value), k.key);
    String word = k.type.word(value);
    assertEquals(value, k.type.read(new Written(word)), k.key + " = " + word);
  }

  /** A scenario that wrote {@code word}; reads it as the reader would, failing as it would. */
  private record Written(String word) implements Knob.Source<IllegalArgumentException> {
    @Override
    public String choice(List<String> words) {
      if (!words.contains(word)) {
        throw new IllegalArgumentException(word + " not in " + words);
      }
      return word;
    }

    @Override
    public boolean bool() {
      if (!word.equals("true") && !word.equals("false")) {
        throw new IllegalArgumentException(word);
      }
      return Boolean.parseBoolean(word);
    }

    @Override
    public long integer(long min, long max) {
      long n = Long.parseLong(word);
      if (n < min || n > max) {
        throw new IllegalArgumentException(word);
      }
      return n;
    }
  }

  @Test
  void typesSayWhatTheyAllow() {
    assertEquals("`all-cpus-full` | `mm-cpus` | `local`", Knob.TLB_FORK.type.values());
    assertFalse(Knob.TLB_FORK.type.allows(KernelPolicy.Flush.NONE));
    assertEquals("boolean", Knob.PCID.type.values());
    assertEquals("pages (1..512)", Knob.TLB_FLUSH_CEILING.type.values());
    assertFalse(Knob.TLB_FLUSH_CEILING.type.allows(0));
    assertEquals("spins (0 or more)", Knob.TLB_ACK_TIMEOUT_SPINS.type.values());
    assertEquals("page-table", Knob.COW_FAULT_LOCK.type.word(true));
    assertThrows(IllegalArgumentException.class, () -> Knob.Type.of(List.of("a", "a"), List.of(1, 2)));
    assertThrows(IllegalArgumentException.class, () -> Knob.Type.ints(2, 1, "pages"));
  }

  /** The profiles as reference.conf gave them before the registry (pinned: a profile is a contract). */
  @Test
  void theProfilesAreAsTheyWere() {
    Map<String, List<String>> before = new LinkedHashMap<>();
    before.put("tlb.fork", List.of("all-cpus-full", "mm-cpus"));
    before.put("tlb.cow-fault", List.of("local", "mm-cpus"));
    before.put("tlb.munmap", List.of("local", "mm-cpus"));
    before.put("tlb.mprotect", List.of("none", "mm-cpus"));
    before.put("tlb.flush-ceiling", List.of("16", "33"));
    before.put("tlb.ack-timeout-spins", List.of("10000000", "0"));
    before.put("tlb.ack-flag", List.of("shared", "per-request"));
    before.put("tlb.free-after-flush", List.of("false", "true"));
    before.put("tlb.generation-check", List.of("false", "true"));
    before.put("refcount.on-alloc", List.of("0", "0"));
    before.put("cow-fault.lock", List.of("none", "page-table"));
    before.put("fork.child-fs-base", List.of("zero", "inherit"));
    before.put("fork.rollback", List.of("restore-and-decrement", "teardown-only"));
    before.put("fault.present-page", List.of("retry", "kill"));
    before.put("munmap.stop-at-untouched", List.of("true", "false"));
    before.put("pcid", List.of("false", "false"));
    before.put("mm-lock", List.of("none", "rw"));
    before.forEach(
        (key, values) -> {
          Knob<?> k = Knob.of(key).orElseThrow(() -> new AssertionError("no knob " + key));
          assertEquals(values, List.of(word(k, Profile.STRAT9), word(k, Profile.LINUX)), key);
        });
  }

  private static <T> String word(Knob<T> k, Profile p) {
    return k.type.word(k.valueIn(p));
  }

  /** The README's Policies table as the registry gives it. */
  static String table() {
    StringBuilder b = new StringBuilder(HEADER).append("\n|---|---|---|---|---|---|\n");
    for (Knob<?> k : Knob.all()) {
      b.append("| `").append(k.key).append("` | ")
          .append(k.type.values().replace("|", "\\|")).append(" | `")
          .append(word(k, Profile.STRAT9)).append("` | `")
          .append(word(k, Profile.LINUX)).append("` | ")
          .append(k.doc).append(" | ")
          .append(k.breaks).append(" |\n");
    }
    return b.toString();
  }

  private static final String VARIANTS = "| profile | what it is | linux with these knob values |";

  /** The README's table of variant profiles (linux with some knob values) as the registry gives it. */
  static String variants() {
    StringBuilder b = new StringBuilder(VARIANTS).append("\n|---|---|---|\n");
    for (Profile p : Profile.values()) {
      if (p.base == null) {
        continue;
      }
      List<String> differs = new ArrayList<>();
      for (Knob<?> k : Knob.all()) {
        if (k.differsIn(p)) {
          differs.add("`" + k.key + " = " + word(k, p) + "`");
        }
      }
      b.append("| `").append(p.key).append("` | ").append(p.doc).append(" | ").append(String.join(", ", differs)).append(" |\n");
    }
    return b.toString();
  }

  @Test
  void everyVariantProfileDiffersFromItsBase() {
    for (Profile p : Profile.values()) {
      if (p.base != null) {
        assertTrue(Knob.all().stream().anyMatch(k -> k.differsIn(p)), p + " is its base under another name");
        assertTrue(p.base.base == null, p + ": a variant of a base profile");
      }
    }
    assertEquals(KernelPolicy.CowReuse.MAPCOUNT, Knob.COW_REUSE.valueIn(Profile.LINUX_5_7));
    assertEquals(KernelPolicy.CowReuse.REFCOUNT, Knob.COW_REUSE.valueIn(Profile.LINUX_5_9));
    assertEquals(Knob.MM_LOCK.valueIn(Profile.LINUX), Knob.MM_LOCK.valueIn(Profile.LINUX_5_7));
  }

  @Test
  void theReadmeTableIsTheRegistry() throws Exception {
    check(HEADER, table());
    check(VARIANTS, variants());
  }

  private static void check(String header, String expected) throws Exception {
    String readme = Files.readString(README);
    int section = readme.indexOf("\n## Policies");
    assertTrue(section >= 0, "README has the Policies section");
    int from = readme.indexOf("\n" + header + "\n", section) + 1;
    assertTrue(from > 0, "the Policies section has the table: " + header);
    int end = from;
    while (end < readme.length() && readme.startsWith("|", end)) {
      end = readme.indexOf('\n', end) + 1;
    }
    if ("write".equals(System.getProperty("cowsim.readme"))) {
      Files.writeString(README, readme.substring(0, from) + expected + readme.substring(end));
      return;
    }
    assertEquals(
        expected,
        readme.substring(from, end),
        "the README's knob table, row for row (rewrite it: mvn -o -q test -Dtest=KnobTest -Dcowsim.readme=write)");
  }
}
