package org.alliedexchange.audit.chain;

import java.time.Instant;

/**
 * A relationship's chain head at an instant, signed by the audit service: with it, a chain cut
 * short or rewritten from some record on no longer matches what both sides were told.
 */
public record Checkpoint(
    String relationship, long sequence, byte[] headHash, Instant issuedAt, byte[] signature) {}
