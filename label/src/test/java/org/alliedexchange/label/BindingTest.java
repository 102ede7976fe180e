package org.alliedexchange.label;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.Map;
import org.alliedexchange.api.exchange.v1.ProductContent;
import org.alliedexchange.api.label.v1.Binding;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BindingTest {

  private static final byte[] LABEL =
      SecurityLabel.newBuilder()
          .setPolicy("KOR")
          .setMarking("군사II급비밀")
          .setOriginator("KOR")
          .addReleasableTo("KOR")
          .addReleasableTo("JPN")
          .build()
          .toByteArray();
  private static final byte[] CONTENT =
      ProductContent.newBuilder()
          .setId("p-1")
          .setTopic("dprk.missile.launch")
          .build()
          .toByteArray();

  @Test
  void aBindingVerifiesAndAnyChangeIsCaught(@TempDir Path dir) {
    NationalKey key = NationalKey.loadOrCreate(dir.resolve("kor.pem"));
    Binding binding = new BindingSigner("KOR", key).sign(LABEL, CONTENT, Instant.now());
    BindingVerifier verifier =
        new BindingVerifier(Map.of(key.keyId(), key.keyPair().getPublic()), 100);

    assertThat(verifier.verify("KOR", LABEL, CONTENT, binding).valid()).isTrue();

    byte[] widened =
        SecurityLabel.newBuilder()
            .setPolicy("KOR")
            .setMarking("군사II급비밀")
            .setOriginator("KOR")
            .addReleasableTo("KOR")
            .addReleasableTo("JPN")
            .addReleasableTo("USA")
            .build()
            .toByteArray();
    assertThat(verifier.verify("KOR", widened, CONTENT, binding).detail())
        .startsWith("signature does not verify");
    byte[] changed =
        ProductContent.newBuilder()
            .setId("p-1")
            .setTopic("dprk.missile.test")
            .build()
            .toByteArray();
    assertThat(verifier.verify("KOR", LABEL, changed, binding).detail())
        .startsWith("content digest mismatch");
    Binding forged = binding.toBuilder().setSignature(binding.getSignature().substring(1)).build();
    assertThat(verifier.verify("KOR", LABEL, CONTENT, forged).valid()).isFalse();
    assertThat(verifier.verify("JPN", LABEL, CONTENT, binding).detail())
        .isEqualTo("signed by KOR, not the originator JPN");
    assertThat(
            verifier
                .verify("KOR", LABEL, CONTENT, binding.toBuilder().setKeyId("0000").build())
                .detail())
        .isEqualTo("unknown signing key 0000");
    assertThat(verifier.verify("KOR", LABEL, CONTENT, Binding.getDefaultInstance()).valid())
        .isFalse();
  }

  @Test
  void aRememberedCheckStillCatchesChangedBytes(@TempDir Path dir) {
    NationalKey key = NationalKey.loadOrCreate(dir.resolve("kor.pem"));
    Binding binding = new BindingSigner("KOR", key).sign(LABEL, CONTENT, Instant.now());
    BindingVerifier verifier =
        new BindingVerifier(Map.of(key.keyId(), key.keyPair().getPublic()), 100);
    assertThat(verifier.verify("KOR", LABEL, CONTENT, binding).valid()).isTrue();

    byte[] tampered = LABEL.clone();
    tampered[tampered.length - 1] ^= 1;

    assertThat(verifier.verify("KOR", tampered, CONTENT, binding).valid()).isFalse();
    assertThat(verifier.verify("KOR", LABEL, CONTENT, binding).valid()).isTrue();
  }

  @Test
  void aKeyFileIsCreatedOnceThenReadBack(@TempDir Path dir) {
    NationalKey created = NationalKey.loadOrCreate(dir.resolve("jpn.pem"));
    NationalKey read = NationalKey.loadOrCreate(dir.resolve("jpn.pem"));

    assertThat(read.keyId()).isEqualTo(created.keyId()).hasSize(16);
    assertThat(read.keyPair().getPublic()).isEqualTo(created.keyPair().getPublic());
    assertThat(NationalKey.publicKey(created.publicKeyPem()))
        .isEqualTo(created.keyPair().getPublic());
  }
}
