package org.alliedexchange.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.alliedexchange.auditstream.AuditDurability;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;

/** {@code allied.gateway.audit.durability.*} as Spring binds it at start-up. */
class AuditDurabilityPropertiesTest {

  private static GatewayProperties.Audit bind(Map<String, String> properties) {
    return new Binder(new MapConfigurationPropertySource(properties))
        .bindOrCreate("allied.gateway.audit", GatewayProperties.Audit.class);
  }

  @Test
  void unsetTheRecordIsDurableOnceTheFsyncingRedisTookIt() {
    assertThat(bind(Map.of()).durability().toAuditDurability()).isEqualTo(AuditDurability.FSYNC);
  }

  @Test
  void replicatedWaitsForTheConfiguredReplicas() {
    AuditDurability durability =
        bind(Map.of(
                "allied.gateway.audit.durability.mode", "replicated",
                "allied.gateway.audit.durability.replicas", "2",
                "allied.gateway.audit.durability.wait-timeout", "250ms"))
            .durability()
            .toAuditDurability();

    assertThat(durability).isEqualTo(AuditDurability.replicated(2, Duration.ofMillis(250)));
  }

  @Test
  void anUnknownModeStopsTheGatewayNamingTheKey() {
    assertThatThrownBy(() -> bind(Map.of("allied.gateway.audit.durability.mode", "sometimes")))
        .hasMessageContaining("allied.gateway.audit.durability.mode");
  }

  @Test
  void replicatedWithNoReplicaStopsTheGatewayNamingTheKey() {
    assertThatThrownBy(
            () ->
                bind(
                    Map.of(
                        "allied.gateway.audit.durability.mode", "replicated",
                        "allied.gateway.audit.durability.replicas", "0")))
        .rootCause()
        .hasMessageStartingWith("allied.gateway.audit.durability.replicas:")
        .hasMessageContaining("at least 1");
  }

  @Test
  void aWaitForReplicasAsLongAsTheRoundStopsTheGatewayNamingTheKey() {
    assertThatThrownBy(
            () ->
                bind(
                    Map.of(
                        "allied.gateway.audit.timeout", "2s",
                        "allied.gateway.audit.durability.mode", "replicated",
                        "allied.gateway.audit.durability.wait-timeout", "2s")))
        .rootCause()
        .hasMessageStartingWith("allied.gateway.audit.durability.wait-timeout:")
        .hasMessageContaining("shorter than allied.gateway.audit.timeout");
  }

  @Test
  void aBatchLargerThanOneRedisValueMayHoldStopsTheGatewayNamingTheKey() {
    assertThat(bind(Map.of("allied.gateway.audit.max-batch", "2048")).maxBatch()).isEqualTo(2048);
    assertThatThrownBy(() -> bind(Map.of("allied.gateway.audit.max-batch", "100000")))
        .rootCause()
        .hasMessageStartingWith("allied.gateway.audit.max-batch:")
        .hasMessageContaining("at most 2048");
  }
}
