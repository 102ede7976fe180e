package org.alliedexchange.policy;

import java.time.Instant;

/**
 * One entry of an agreement's status history: {@code status} holds from {@code from} until the next
 * entry.
 */
public record StatusChange(AgreementStatus status, Instant from) {}
