package org.alliedexchange.hotline;

import static org.assertj.core.api.Assertions.assertThat;

/** That a fuzzing run fuzzed: Jazzer skips a second @FuzzTest in a JVM, and may fail to start. */
public final class FuzzRuns {

  private FuzzRuns() {}

  /** When fuzzing (JAZZER_FUZZ set, as Jazzer reads it), the target must have seen many inputs. */
  public static void assertRan(long inputs) {
    String fuzz = System.getenv("JAZZER_FUZZ");
    if ("1".equals(fuzz) || "true".equalsIgnoreCase(fuzz) || "yes".equalsIgnoreCase(fuzz)) {
      assertThat(inputs).as("inputs the fuzzer tried").isGreaterThan(1_000);
    }
  }
}
