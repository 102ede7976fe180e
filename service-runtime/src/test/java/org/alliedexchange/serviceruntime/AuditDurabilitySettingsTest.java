package org.alliedexchange.serviceruntime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.alliedexchange.auditstream.AuditDurability;
import org.junit.jupiter.api.Test;

/** A backend's {@code audit-durability} settings, checked at start-up naming the key. */
class AuditDurabilitySettingsTest {

  private static final String KEY = "allied.exchange.audit-durability";

  @Test
  void fsyncAndReplicatedBecomeWhatTheWritersTake() {
    assertThat(
            new AuditDurabilitySettings(AuditDurability.Mode.FSYNC, 1, Duration.ofMillis(500))
                .toAuditDurability(KEY, ServiceSettings.AUDIT_TIMEOUT))
        .isEqualTo(AuditDurability.FSYNC);
    assertThat(
            new AuditDurabilitySettings(AuditDurability.Mode.REPLICATED, 2, Duration.ofMillis(300))
                .toAuditDurability(KEY, ServiceSettings.AUDIT_TIMEOUT))
        .isEqualTo(AuditDurability.replicated(2, Duration.ofMillis(300)));
  }

  @Test
  void replicatedWithNoReplicaIsRefusedNamingTheKey() {
    assertThatThrownBy(
            () ->
                new AuditDurabilitySettings(
                        AuditDurability.Mode.REPLICATED, 0, Duration.ofMillis(500))
                    .toAuditDurability(KEY, ServiceSettings.AUDIT_TIMEOUT))
        .hasMessageStartingWith("allied.exchange.audit-durability.replicas:");
  }

  @Test
  void aWaitAsLongAsTheWritersTimeoutIsRefusedNamingTheKey() {
    assertThatThrownBy(
            () ->
                new AuditDurabilitySettings(
                        AuditDurability.Mode.REPLICATED, 1, Duration.ofSeconds(2))
                    .toAuditDurability(KEY, ServiceSettings.AUDIT_TIMEOUT))
        .hasMessageStartingWith("allied.exchange.audit-durability.wait-timeout:");
  }
}
