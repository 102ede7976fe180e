package org.alliedexchange.label;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Timeout;

/**
 * {@link SignatureCheck} on signatures a hostile peer could craft: starting from a genuine
 * signature over the fuzzer's data, the fuzzer changes bytes, cuts or extends it, or supplies one
 * of its own. Bouncy Castle's verdict must be the JDK provider's on every one, and nothing but a
 * verdict comes back (no exception from a malformed signature).
 */
class SignatureCheckFuzzTest {

  private static final NationalKey KEY = key();
  private static final PublicKey PUBLIC = KEY.keyPair().getPublic();
  private static final AtomicLong INPUTS = new AtomicLong();

  @FuzzTest
  @Timeout(10)
  void bouncyCastleAndTheJdkGiveTheSameVerdict(FuzzedDataProvider input) throws Exception {
    INPUTS.incrementAndGet();
    byte[] data = input.consumeBytes(256);
    byte[] signature = SignatureCheckTest.sign(KEY, data);
    switch (input.consumeInt(0, 3)) {
      case 0 -> {
        int at = input.consumeInt(0, signature.length - 1);
        signature[at] = input.consumeByte();
      }
      case 1 -> signature = java.util.Arrays.copyOf(signature, input.consumeInt(0, 80));
      case 2 -> signature = input.consumeBytes(80);
      default -> {
        // unchanged: the genuine signature must verify
      }
    }
    if (input.consumeBoolean() && data.length > 0) {
      data[0] ^= 1;
    }
    boolean verdict = SignatureCheck.verifies(PUBLIC, data, signature);
    assertThat(verdict).isEqualTo(SignatureCheckTest.jdkVerifies(PUBLIC, data, signature));
  }

  @AfterAll
  static void theFuzzerRan() {
    FuzzRuns.assertRan(INPUTS.get());
  }

  private static NationalKey key() {
    try {
      Path dir = Files.createTempDirectory("signature-check-fuzz-");
      NationalKey key = NationalKey.loadOrCreate(dir.resolve("key.pem"));
      Files.delete(dir.resolve("key.pem"));
      Files.delete(dir);
      return key;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
