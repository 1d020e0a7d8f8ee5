package cowsim.stress;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** --mix: what it accepts and what it refuses, each with a one-line message. */
class MixTest {

  @Test
  void absentIsTheDefaultAndKindsLeftOutKeepTheirWeights() {
    assertSame(Mix.DEFAULT, Mix.parse(null));
    Mix m = Mix.parse(" fork = 0 , load=3");
    assertEquals(0, m.weights().get(Mix.Kind.FORK));
    assertEquals(3, m.weights().get(Mix.Kind.LOAD));
    assertEquals(45, m.weights().get(Mix.Kind.STORE));
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "''                    | empty",
        "'   '                 | empty",
        "'fork=1,,store=2'     | item 2 of 3 is empty",
        "',fork=1'             | item 1 of 2 is empty",
        "'fork=1,'             | item 2 of 2 is empty",
        "'fork=1,fork=2'       | fork is given twice",
        "'frob=1'              | unknown kind 'frob' (known: fork, clone, exit, mmap, munmap, mprotect, store, load)",
        "'fork'                | expected kind=weight",
        "'fork=x'              | weight of fork must be a whole number 0..1000000, got 'x'",
        "'fork=-1'             | weight of fork must be a whole number",
        "'fork=+1'             | weight of fork must be a whole number",
        "'fork=1.5'            | weight of fork must be a whole number",
        "'fork=\u0661'         | weight of fork must be a whole number",
        "'fork=2000000'        | weight of fork must be 0..1000000, got 2000000",
        "'fork=0,clone=0,exit=0,mmap=0,munmap=0,mprotect=0,store=0,load=0' | every weight is 0",
        "'store=0,load=0'      | store and load cannot both be 0",
      })
  void malformedMixesAreRefused(String text, String gist) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Mix.parse(text));
    assertTrue(e.getMessage().startsWith("--mix: "), e.getMessage());
    assertTrue(e.getMessage().contains(gist), e.getMessage());
    assertEquals(1, e.getMessage().lines().count(), e.getMessage());
  }
}
