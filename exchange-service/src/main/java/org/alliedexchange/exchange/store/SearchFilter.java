package org.alliedexchange.exchange.store;

import java.time.Instant;
import org.alliedexchange.policy.Level;

/** Search filters; any may be null for "no bound". {@code afterSeq} resumes after a cursor. */
public record SearchFilter(
    String topic,
    Instant observedFrom,
    Instant observedTo,
    Level minLevel,
    Level maxLevel,
    long afterSeq) {}
