package org.alliedexchange.label;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A nation's key pair, as files: where its public half goes. */
class NationalKeyTest {

  private static final FileTime MOUNTED = FileTime.from(Instant.parse("2026-01-01T00:00:00Z"));

  @Test
  void aPublicKeyOffTheCurveOrOnAnotherIsRefusedWhenRead(@TempDir Path dir) throws Exception {
    NationalKey key = NationalKey.loadOrCreate(dir.resolve("kor.pem"));
    byte[] offTheCurve = key.keyPair().getPublic().getEncoded();
    offTheCurve[offTheCurve.length - 1] ^= 1;
    java.security.KeyPairGenerator p384 = java.security.KeyPairGenerator.getInstance("EC");
    p384.initialize(new java.security.spec.ECGenParameterSpec("secp384r1"));
    byte[] otherCurve = p384.generateKeyPair().getPublic().getEncoded();

    for (byte[] encoded : new byte[][] {offTheCurve, otherCurve}) {
      String pem =
          "-----BEGIN PUBLIC KEY-----\n"
              + java.util.Base64.getMimeEncoder().encodeToString(encoded)
              + "\n-----END PUBLIC KEY-----\n";
      org.assertj.core.api.Assertions.assertThatThrownBy(() -> NationalKey.publicKey(pem))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageStartingWith("not an EC P-256 public key");
    }
    assertThat(NationalKey.publicKey(key.publicKeyPem())).isEqualTo(key.keyPair().getPublic());
  }

  @Test
  void aPublicHalfAlreadyBesideIsNotWrittenAgain(@TempDir Path dir) throws IOException {
    // as a Kubernetes Secret mounts both halves, read-only: the start must not write there
    Path keyFile = dir.resolve("signing-key.pem");
    NationalKey key = NationalKey.loadOrCreate(keyFile);
    Path publicFile = key.writePublicKeyBeside(keyFile);
    Files.setLastModifiedTime(publicFile, MOUNTED);

    NationalKey again = NationalKey.loadOrCreate(keyFile);

    assertThat(again.writePublicKeyBeside(keyFile)).isEqualTo(publicFile);
    assertThat(Files.getLastModifiedTime(publicFile)).isEqualTo(MOUNTED);
    assertThat(again.keyId()).isEqualTo(key.keyId());
  }

  @Test
  void aStalePublicHalfIsReplaced(@TempDir Path dir) throws IOException {
    Path keyFile = dir.resolve("signing-key.pem");
    NationalKey key = NationalKey.loadOrCreate(keyFile);
    Path publicFile = NationalKey.publicKeyFile(keyFile);
    Files.writeString(
        publicFile, NationalKey.loadOrCreate(dir.resolve("other.pem")).publicKeyPem());

    key.writePublicKeyBeside(keyFile);

    assertThat(Files.readString(publicFile)).isEqualTo(key.publicKeyPem());
  }
}
