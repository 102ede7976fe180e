package org.alliedexchange.label;

import com.google.protobuf.ByteString;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.alliedexchange.api.label.v1.Binding;

/**
 * Checks a binding with the signing nation's public key: the content digest, the leaf's path to the
 * batch root, and the signature over the batch statement. A signature that checked out is
 * remembered by a digest of exactly its statement and bytes, so the products of one batch cost one
 * signature check between them; the leaf and path are hashed afresh every time, so a changed label
 * or content is always caught.
 */
public final class BindingVerifier {

  /** The outcome of a check; {@code detail} says what failed, in words. */
  public record Result(boolean valid, String detail) {
    static final Result VALID = new Result(true, "");

    static Result invalid(String detail) {
      return new Result(false, detail);
    }
  }

  private final Map<String, PublicKey> keysById;
  private final Map<Key, Boolean> verified;

  /**
   * @param keysById the public key of each key id this verifier trusts; @param cacheSize how many
   *     batch signatures to remember
   */
  public BindingVerifier(Map<String, PublicKey> keysById, int cacheSize) {
    this.keysById = Map.copyOf(keysById);
    this.verified =
        Collections.synchronizedMap(
            new LinkedHashMap<>(16, 0.75f, true) {
              @Override
              protected boolean removeEldestEntry(Map.Entry<Key, Boolean> eldest) {
                return size() > cacheSize;
              }
            });
  }

  public Result verify(String expectedSigner, byte[] label, byte[] content, Binding binding) {
    if (binding == null || binding.getSignature().isEmpty()) {
      return Result.invalid("no binding signature");
    }
    if (!binding.getSigner().equals(expectedSigner)) {
      return Result.invalid(
          "signed by " + binding.getSigner() + ", not the originator " + expectedSigner);
    }
    PublicKey key = keysById.get(binding.getKeyId());
    if (key == null) {
      return Result.invalid("unknown signing key " + binding.getKeyId());
    }
    if (!NationalKey.ALGORITHM.equals(binding.getAlgorithm())) {
      return Result.invalid("algorithm " + binding.getAlgorithm() + " is not allowed");
    }
    if (binding.getVersion() < 1) {
      // uint64 read as long: 0 is unset, and anything past 2^63 is no version a signer gives
      return Result.invalid("the binding carries no version");
    }
    byte[] digest = BindingSigner.sha256(content);
    if (!MessageDigest.isEqual(digest, binding.getContentDigest().toByteArray())) {
      return Result.invalid("content digest mismatch: the content was changed after signing");
    }
    List<byte[]> path = new ArrayList<>(binding.getAuditPathCount());
    for (ByteString sibling : binding.getAuditPathList()) {
      path.add(sibling.toByteArray());
    }
    byte[] root =
        MerkleTree.rootFromPath(
            BindingSigner.leafHash(label, digest, binding.getVersion()),
            binding.getLeafIndex(),
            binding.getTreeSize(),
            path);
    if (root == null) {
      return Result.invalid("the binding's audit path does not lead to a root");
    }
    byte[] statement =
        BindingSigner.statement(
            binding.getSigner(),
            binding.getKeyId(),
            binding.getSignedAt(),
            binding.getTreeSize(),
            root);
    byte[] signature = binding.getSignature().toByteArray();
    Key remembered = Key.of(statement, signature);
    if (verified.containsKey(remembered)) {
      return Result.VALID;
    }
    try {
      if (!SignatureCheck.verifies(key, statement, signature)) {
        return Result.invalid(
            "signature does not verify: the label or the binding was changed after signing");
      }
    } catch (GeneralSecurityException e) {
      return Result.invalid("signature does not verify: " + e.getMessage());
    }
    verified.put(remembered, Boolean.TRUE);
    return Result.VALID;
  }

  /** Records a batch signature known to be good (one this process just made). */
  void remember(byte[] statement, byte[] signature) {
    verified.put(Key.of(statement, signature), Boolean.TRUE);
  }

  /** A digest of a statement and its signature. */
  private record Key(byte[] digest) {
    static Key of(byte[] statement, byte[] signature) {
      MessageDigest sha = MerkleTree.sha256();
      sha.update(statement);
      sha.update(signature);
      return new Key(sha.digest());
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Key key && java.util.Arrays.equals(digest, key.digest);
    }

    @Override
    public int hashCode() {
      return java.util.Arrays.hashCode(digest);
    }
  }
}
