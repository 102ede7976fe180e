package org.alliedexchange.label;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.alliedexchange.api.label.v1.Binding;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Batches signed once as a Merkle tree: every product verifies alone, and no product can borrow
 * another's place.
 */
class BatchBindingTest {

  @TempDir static Path dir;
  static NationalKey key;

  @BeforeAll
  static void key() {
    key = NationalKey.loadOrCreate(dir.resolve("kor.pem"));
  }

  private static BindingVerifier verifier() {
    return new BindingVerifier(Map.of(key.keyId(), key.keyPair().getPublic()), 1000);
  }

  private static List<BindingSigner.Leaf> leaves(int n) {
    List<BindingSigner.Leaf> leaves = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      leaves.add(
          new BindingSigner.Leaf(
              ("label-" + i).getBytes(StandardCharsets.UTF_8),
              ("content-" + i).getBytes(StandardCharsets.UTF_8)));
    }
    return leaves;
  }

  @Test
  void everyProductOfBatchesOfEverySizeVerifies() {
    BindingSigner signer = new BindingSigner("KOR", key);
    for (int size = 1; size <= 33; size++) {
      List<BindingSigner.Leaf> batch = leaves(size);
      List<Binding> bindings = signer.signBatch(batch, Instant.now());
      BindingVerifier verifier = verifier();
      for (int i = 0; i < size; i++) {
        assertThat(valid(verifier, batch.get(i), bindings.get(i)))
            .as("leaf %d of %d", i, size)
            .isTrue();
        assertThat(bindings.get(i).getTreeSize()).isEqualTo(size);
        assertThat(bindings.get(i).getSignature()).isEqualTo(bindings.get(0).getSignature());
      }
    }
  }

  @Test
  void aProductCannotTakeAnothersPlaceInItsBatch() {
    List<BindingSigner.Leaf> batch = leaves(7);
    List<Binding> bindings = new BindingSigner("KOR", key).signBatch(batch, Instant.now());
    BindingVerifier verifier = verifier();

    // product 2's bytes with product 3's binding
    assertThat(valid(verifier, batch.get(2), bindings.get(3))).isFalse();
    // product 3's binding moved to another index
    Binding moved = bindings.get(3).toBuilder().setLeafIndex(4).build();
    assertThat(valid(verifier, batch.get(3), moved)).isFalse();
    // a forged sibling
    Binding forgedPath =
        bindings.get(3).toBuilder().setAuditPath(0, ByteString.copyFrom(new byte[32])).build();
    assertThat(
            verifier
                .verify("KOR", batch.get(3).label(), batch.get(3).content(), forgedPath)
                .detail())
        .startsWith("signature does not verify");
    // a shortened path, or a tree size that does not fit the path
    Binding shortened = bindings.get(3).toBuilder().clearAuditPath().build();
    assertThat(valid(verifier, batch.get(3), shortened)).isFalse();
    Binding resized = bindings.get(3).toBuilder().setTreeSize(100).build();
    assertThat(valid(verifier, batch.get(3), resized)).isFalse();
    // a changed label in a batch whose signature is already remembered
    assertThat(valid(verifier, batch.get(3), bindings.get(3))).isTrue();
    assertThat(
            verifier
                .verify(
                    "KOR",
                    "label-X".getBytes(StandardCharsets.UTF_8),
                    batch.get(3).content(),
                    bindings.get(3))
                .valid())
        .isFalse();
  }

  @Test
  void aRememberedBatchSignatureCoversOnlyTheStatementItWasCheckedWith() {
    List<BindingSigner.Leaf> batch = leaves(4);
    List<Binding> bindings = new BindingSigner("KOR", key).signBatch(batch, Instant.now());
    BindingVerifier verifier = verifier();
    assertThat(valid(verifier, batch.get(0), bindings.get(0))).isTrue();

    // the same root and signature, signed at another instant: a statement nobody signed
    Binding redated =
        bindings.get(1).toBuilder()
            .setSignedAt(
                bindings.get(1).getSignedAt().toBuilder()
                    .setNanos((bindings.get(1).getSignedAt().getNanos() + 1) % 1_000_000_000))
            .build();
    assertThat(
            verifier.verify("KOR", batch.get(1).label(), batch.get(1).content(), redated).detail())
        .startsWith("signature does not verify");
    // while the batch's own bindings still verify from what was remembered
    assertThat(valid(verifier, batch.get(1), bindings.get(1))).isTrue();
  }

  @Test
  void aSignerCanTellItsVerifierAboutWhatItSigned() {
    BindingVerifier verifier = verifier();
    BindingSigner signer = new BindingSigner("KOR", key, verifier);
    List<BindingSigner.Leaf> batch = leaves(3);

    List<Binding> bindings = signer.signBatch(batch, Instant.now());

    assertThat(valid(verifier, batch.get(1), bindings.get(1))).isTrue();
    Binding otherSignature =
        bindings.get(1).toBuilder().setSignature(ByteString.copyFrom(new byte[70])).build();
    assertThat(valid(verifier, batch.get(1), otherSignature)).isFalse();
  }

  /** Whether the verifier accepts this leaf's label and content under this binding. */
  private static boolean valid(BindingVerifier verifier, BindingSigner.Leaf leaf, Binding binding) {
    return verifier.verify("KOR", leaf.label(), leaf.content(), binding).valid();
  }
}
