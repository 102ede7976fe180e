package org.alliedexchange.hotline.line;

import java.time.Instant;
import org.alliedexchange.api.hotline.v1.AlarmKind;

/**
 * One party's acknowledgement a message waits for: a line test's (TEST_MISSED when late) or a FLASH
 * or IMMEDIATE message's (NOT_ACKNOWLEDGED when late).
 *
 * @param raises the alarm a missed deadline raises
 */
public record AckDeadline(
    String messageId, String party, String conference, AlarmKind raises, Instant dueAt) {}
