package org.alliedexchange.label;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.alliedexchange.api.exchange.v1.ProductContent;
import org.alliedexchange.api.label.v1.Binding;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A binding's version is signed: a bad backend cannot pass an old binding off as a newer one. */
class BindingVersionTest {

  private static final byte[] LABEL =
      SecurityLabel.newBuilder()
          .setPolicy("KOR")
          .setMarking("군사II급비밀")
          .setOriginator("KOR")
          .addReleasableTo("KOR")
          .build()
          .toByteArray();
  private static final byte[] CONTENT =
      ProductContent.newBuilder()
          .setId("p-1")
          .setTopic("dprk.missile.launch")
          .build()
          .toByteArray();

  @Test
  void aPublishIsVersionOneAndAnAmendmentCarriesTheVersionItWasSignedAt(@TempDir Path dir) {
    NationalKey key = NationalKey.loadOrCreate(dir.resolve("kor.pem"));
    BindingSigner signer = new BindingSigner("KOR", key);
    BindingVerifier verifier = verifier(key);

    Binding published = signer.sign(LABEL, CONTENT, Instant.now());
    Binding amended = signer.sign(LABEL, CONTENT, 3, Instant.now());

    assertThat(published.getVersion()).isEqualTo(1);
    assertThat(amended.getVersion()).isEqualTo(3);
    assertThat(verifier.verify("KOR", LABEL, CONTENT, published).valid()).isTrue();
    assertThat(verifier.verify("KOR", LABEL, CONTENT, amended).valid()).isTrue();
  }

  @Test
  void changingTheVersionBreaksTheSignatureEitherWay(@TempDir Path dir) {
    NationalKey key = NationalKey.loadOrCreate(dir.resolve("kor.pem"));
    BindingSigner signer = new BindingSigner("KOR", key);
    BindingVerifier verifier = verifier(key);
    Binding published = signer.sign(LABEL, CONTENT, Instant.now());
    Binding amended = signer.sign(LABEL, CONTENT, 2, Instant.now());

    // raised: an old binding passed off as the newest
    assertThat(
            verifier
                .verify("KOR", LABEL, CONTENT, published.toBuilder().setVersion(2).build())
                .detail())
        .startsWith("signature does not verify");
    assertThat(
            verifier
                .verify("KOR", LABEL, CONTENT, amended.toBuilder().setVersion(7).build())
                .detail())
        .startsWith("signature does not verify");
    // lowered: a newer binding passed off as an older one
    assertThat(
            verifier
                .verify("KOR", LABEL, CONTENT, amended.toBuilder().setVersion(1).build())
                .detail())
        .startsWith("signature does not verify");
    // removed
    assertThat(
            verifier
                .verify("KOR", LABEL, CONTENT, amended.toBuilder().clearVersion().build())
                .detail())
        .isEqualTo("the binding carries no version");
  }

  @Test
  void theVersionIsCoveredInsideABatchToo(@TempDir Path dir) {
    NationalKey key = NationalKey.loadOrCreate(dir.resolve("kor.pem"));
    BindingVerifier verifier = verifier(key);
    List<Binding> batch =
        new BindingSigner("KOR", key)
            .signBatch(
                List.of(
                    new BindingSigner.Leaf(LABEL, CONTENT, 4),
                    new BindingSigner.Leaf(LABEL, CONTENT)),
                Instant.now());

    assertThat(batch).extracting(Binding::getVersion).containsExactly(4L, 1L);
    assertThat(verifier.verify("KOR", LABEL, CONTENT, batch.get(0)).valid()).isTrue();
    assertThat(verifier.verify("KOR", LABEL, CONTENT, batch.get(1)).valid()).isTrue();
    assertThat(
            verifier
                .verify("KOR", LABEL, CONTENT, batch.get(0).toBuilder().setVersion(5).build())
                .valid())
        .isFalse();
  }

  private static BindingVerifier verifier(NationalKey key) {
    return new BindingVerifier(Map.of(key.keyId(), key.keyPair().getPublic()), 100);
  }
}
