package org.alliedexchange.exchange.store;

import java.time.Instant;
import java.util.UUID;
import org.alliedexchange.policy.Level;

/** A signed product ready to store; {@code idempotencyKey} may be null. */
public record NewProduct(UUID id, String topic, Level level, Instant observedAt, Instant publishedAt, String publisher,
    String idempotencyKey, byte[] label, byte[] content, byte[] binding) {}
