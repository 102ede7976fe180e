package org.alliedexchange.exchange.store;

import java.time.Instant;
import java.util.UUID;
import org.alliedexchange.policy.Level;

/**
 * A product ready to store; {@code idempotencyKey} may be null; {@code binding} is null until its
 * batch is signed.
 */
public record NewProduct(
    UUID id,
    String topic,
    Level level,
    Instant observedAt,
    Instant publishedAt,
    String publisher,
    String idempotencyKey,
    byte[] label,
    byte[] content,
    byte[] binding) {

  public NewProduct withBinding(byte[] signed) {
    return new NewProduct(
        id,
        topic,
        level,
        observedAt,
        publishedAt,
        publisher,
        idempotencyKey,
        label,
        content,
        signed);
  }
}
