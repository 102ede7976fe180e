package org.alliedexchange.auditstream;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.Decision;
import org.alliedexchange.api.audit.v1.TransferRecord;
import org.junit.jupiter.api.Test;

class EventIdsTest {

  @Test
  void anIdIsAVersion7UuidCarryingItsMillisecondAndTheAuditLogTakesIt() {
    Instant at = Instant.parse("2026-11-27T23:59:59.123Z");

    String id = EventIds.next(at);

    UUID uuid = UUID.fromString(id);
    assertThat(uuid.version()).isEqualTo(7);
    assertThat(uuid.variant()).isEqualTo(2);
    assertThat(uuid.getMostSignificantBits() >>> 16).isEqualTo(at.toEpochMilli());
    assertThat(id).isEqualTo(uuid.toString());
    AuditEvent event =
        AuditEvent.newBuilder()
            .setEventId(id)
            .setSource("gateway")
            .setTransfer(
                TransferRecord.newBuilder()
                    .setTransferId(id)
                    .setDecision(Decision.DECISION_PERMIT)
                    .setRecipientNation("JPN"))
            .build();
    assertThat(AuditEventRules.problem(event)).isEmpty();
  }

  @Test
  void idsOfOneMillisecondAreUniqueAndLaterIdsSortAfterEarlierOnes() {
    Instant at = Instant.parse("2026-11-27T12:00:00Z");
    Set<String> ids = new HashSet<>();
    for (int i = 0; i < 100_000; i++) {
      ids.add(EventIds.next(at));
    }

    assertThat(ids).hasSize(100_000);
    assertThat(EventIds.next(at.plusMillis(1))).isGreaterThan(EventIds.next(at));
  }
}
