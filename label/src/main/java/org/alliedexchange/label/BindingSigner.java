package org.alliedexchange.label;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.alliedexchange.api.label.v1.Binding;

/**
 * Binds labels to their contents with the originating nation's key, in the spirit of STANAG 4778: a
 * batch of products becomes the leaves of a Merkle tree whose root is signed once (see Binding in
 * label.proto). One signature per group commit, however many products it holds.
 */
public final class BindingSigner {

  static final byte[] LEAF_DOMAIN = "allied-binding-v1\0".getBytes(StandardCharsets.US_ASCII);
  static final byte[] VERSIONED_LEAF_DOMAIN =
      "allied-binding-v2\0".getBytes(StandardCharsets.US_ASCII);
  static final byte[] STATEMENT_DOMAIN = "allied-batch-v1\0".getBytes(StandardCharsets.US_ASCII);

  /**
   * A product to sign: its label and content bytes exactly as stored, and its version (1 at
   * publish, raised by every amendment).
   */
  public record Leaf(byte[] label, byte[] content, long version) {
    public Leaf {
      if (version < 1) {
        throw new IllegalArgumentException("a product's version starts at 1, not " + version);
      }
    }

    /** A product's first version, as published. */
    public Leaf(byte[] label, byte[] content) {
      this(label, content, 1);
    }
  }

  private final String nation;
  private final NationalKey key;
  private final ThreadLocal<Signature> signatures;
  private final BindingVerifier remember;

  /**
   * @param remember a verifier told about every batch signed here, so this service never re-checks
   *     its own signatures; may be null
   */
  public BindingSigner(String nation, NationalKey key, BindingVerifier remember) {
    this.nation = nation;
    this.key = key;
    this.remember = remember;
    PrivateKey privateKey = key.keyPair().getPrivate();
    this.signatures =
        ThreadLocal.withInitial(
            () -> {
              try {
                Signature signature = Signature.getInstance(NationalKey.ALGORITHM);
                signature.initSign(privateKey);
                return signature;
              } catch (GeneralSecurityException e) {
                throw new IllegalStateException("cannot sign with " + NationalKey.ALGORITHM, e);
              }
            });
  }

  public BindingSigner(String nation, NationalKey key) {
    this(nation, key, null);
  }

  /** One product's first version signed alone (a batch of one). */
  public Binding sign(byte[] label, byte[] content, Instant at) {
    return sign(label, content, 1, at);
  }

  /** One product signed alone at the given version (an amendment raises it). */
  public Binding sign(byte[] label, byte[] content, long version, Instant at) {
    return signBatch(List.of(new Leaf(label, content, version)), at).get(0);
  }

  /** A batch signed together; the bindings come back in the order of the leaves. */
  public List<Binding> signBatch(List<Leaf> batch, Instant at) {
    if (batch.isEmpty()) {
      return List.of();
    }
    List<byte[]> digests = new ArrayList<>(batch.size());
    List<byte[]> leaves = new ArrayList<>(batch.size());
    for (Leaf leaf : batch) {
      byte[] digest = sha256(leaf.content());
      digests.add(digest);
      leaves.add(leafHash(leaf.label(), digest, leaf.version()));
    }
    byte[] root = MerkleTree.root(leaves);
    Timestamp signedAt = WireMapping.timestamp(at);
    byte[] statement = statement(nation, key.keyId(), signedAt, batch.size(), root);
    byte[] signature;
    try {
      Signature signer = signatures.get();
      signer.update(statement);
      signature = signer.sign();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("signing failed", e);
    }
    if (remember != null) {
      remember.remember(statement, signature);
    }
    ByteString signatureBytes = ByteString.copyFrom(signature);
    List<Binding> bindings = new ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      Binding.Builder binding =
          Binding.newBuilder()
              .setSigner(nation)
              .setKeyId(key.keyId())
              .setAlgorithm(NationalKey.ALGORITHM)
              .setContentDigest(ByteString.copyFrom(digests.get(i)))
              .setSignature(signatureBytes)
              .setSignedAt(signedAt)
              .setLeafIndex(i)
              .setTreeSize(batch.size())
              .setVersion(batch.get(i).version());
      for (byte[] sibling : MerkleTree.path(leaves, i)) {
        binding.addAuditPath(ByteString.copyFrom(sibling));
      }
      bindings.add(binding.build());
    }
    return bindings;
  }

  public KeyPair keyPair() {
    return key.keyPair();
  }

  /**
   * The leaf of one product. Version 1 keeps the original form, so products signed before versions
   * existed still verify as version 1; any later version is hashed in, under its own domain.
   */
  static byte[] leafHash(byte[] label, byte[] contentDigest, long version) {
    MessageDigest digest = MerkleTree.sha256();
    digest.update((byte) 0x00);
    if (version == 1) {
      digest.update(LEAF_DOMAIN);
    } else {
      digest.update(VERSIONED_LEAF_DOMAIN);
      digest.update(ByteBuffer.allocate(8).putLong(version).array());
    }
    digest.update(ByteBuffer.allocate(4).putInt(label.length).array());
    digest.update(label);
    digest.update(contentDigest);
    return digest.digest();
  }

  static byte[] statement(
      String signer, String keyId, Timestamp signedAt, int treeSize, byte[] root) {
    byte[] signerBytes = signer.getBytes(StandardCharsets.UTF_8);
    byte[] keyBytes = keyId.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(
            STATEMENT_DOMAIN.length
                + signerBytes.length
                + 1
                + keyBytes.length
                + 1
                + 8
                + 4
                + 4
                + root.length)
        .put(STATEMENT_DOMAIN)
        .put(signerBytes)
        .put((byte) 0)
        .put(keyBytes)
        .put((byte) 0)
        .putLong(signedAt.getSeconds())
        .putInt(signedAt.getNanos())
        .putInt(treeSize)
        .put(root)
        .array();
  }

  static byte[] sha256(byte[] bytes) {
    return MerkleTree.sha256().digest(bytes);
  }
}
