package org.alliedexchange.hotline.line;

import java.time.Instant;
import org.alliedexchange.api.hotline.v1.Alarm;

/**
 * An alarm and its clocks.
 *
 * @param lastStepAt when it was last raised, repeated or escalated: it repeats one {@code
 *     alarm-repeat} later
 * @param levelSince when it reached its level: it escalates one {@code escalate-after} later
 */
public record StoredAlarm(Alarm alarm, Instant lastStepAt, Instant levelSince) {}
