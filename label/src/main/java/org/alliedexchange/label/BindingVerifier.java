package org.alliedexchange.label;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.alliedexchange.api.label.v1.Binding;

/**
 * Checks a binding with the signing nation's public key. A successful check is remembered by a digest
 * of exactly the bytes checked (label, content, binding), so serving the same stored product again costs
 * a hash instead of a signature check; any change to those bytes is a new key and is checked afresh.
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
  private final Map<ByteArrayKey, Boolean> verified;

  /** @param keysById the public key of each key id this verifier trusts; @param cacheSize how many checks to remember */
  public BindingVerifier(Map<String, PublicKey> keysById, int cacheSize) {
    this.keysById = Map.copyOf(keysById);
    this.verified = Collections.synchronizedMap(new LinkedHashMap<>(16, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<ByteArrayKey, Boolean> eldest) {
        return size() > cacheSize;
      }
    });
  }

  public Result verify(String expectedSigner, byte[] label, byte[] content, Binding binding) {
    if (binding == null || binding.getSignature().isEmpty()) {
      return Result.invalid("no binding signature");
    }
    if (!binding.getSigner().equals(expectedSigner)) {
      return Result.invalid("signed by " + binding.getSigner() + ", not the originator " + expectedSigner);
    }
    PublicKey key = keysById.get(binding.getKeyId());
    if (key == null) {
      return Result.invalid("unknown signing key " + binding.getKeyId());
    }
    if (!NationalKey.ALGORITHM.equals(binding.getAlgorithm())) {
      return Result.invalid("algorithm " + binding.getAlgorithm() + " is not allowed");
    }
    byte[] digest = BindingSigner.sha256(content);
    if (!MessageDigest.isEqual(digest, binding.getContentDigest().toByteArray())) {
      return Result.invalid("content digest mismatch: the content was changed after signing");
    }
    byte[] signed = BindingSigner.signedBytes(label, digest);
    ByteArrayKey cacheKey = new ByteArrayKey(BindingSigner.sha256(concat(signed, binding.getSignature().toByteArray(),
        binding.getKeyId().getBytes(java.nio.charset.StandardCharsets.UTF_8))));
    if (verified.containsKey(cacheKey)) {
      return Result.VALID;
    }
    try {
      Signature signature = Signature.getInstance(NationalKey.ALGORITHM);
      signature.initVerify(key);
      signature.update(signed);
      if (!signature.verify(binding.getSignature().toByteArray())) {
        return Result.invalid("signature does not verify: the label or the binding was changed after signing");
      }
    } catch (GeneralSecurityException e) {
      return Result.invalid("signature does not verify: " + e.getMessage());
    }
    verified.put(cacheKey, Boolean.TRUE);
    return Result.VALID;
  }

  private static byte[] concat(byte[]... parts) {
    int length = 0;
    for (byte[] part : parts) {
      length += part.length;
    }
    byte[] all = new byte[length];
    int at = 0;
    for (byte[] part : parts) {
      System.arraycopy(part, 0, all, at, part.length);
      at += part.length;
    }
    return all;
  }

  private record ByteArrayKey(byte[] bytes) {
    @Override
    public boolean equals(Object other) {
      return other instanceof ByteArrayKey key && java.util.Arrays.equals(bytes, key.bytes);
    }

    @Override
    public int hashCode() {
      return java.util.Arrays.hashCode(bytes);
    }
  }
}
