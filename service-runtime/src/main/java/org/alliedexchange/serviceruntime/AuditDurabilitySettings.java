package org.alliedexchange.serviceruntime;

import jakarta.validation.constraints.NotNull;
import java.time.Duration;
import org.alliedexchange.auditstream.AuditDurability;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * When a backend's audit record counts as durable ({@code allied.<service>.audit-durability.*}; ADR
 * 2026-11-27-audit-durability-fsync-or-replica), checked at start-up by {@link ServiceSettings}.
 *
 * @param mode {@code fsync}: once the audit Redis took it, which fsyncs every write; {@code
 *     replicated}: once {@code replicas} of its replicas acknowledged it too ({@code WAIT}), for a
 *     Redis running {@code appendfsync everysec}; fewer within {@code wait-timeout} refuse the step
 *     the record is for
 * @param replicas how many replicas must acknowledge (replicated only; at least 1)
 * @param waitTimeout how long to wait for them (replicated only; shorter than the writers' 2 s)
 */
public record AuditDurabilitySettings(
    @DefaultValue("fsync") @NotNull AuditDurability.Mode mode,
    @DefaultValue("1") int replicas,
    @DefaultValue("500ms") @NotNull Duration waitTimeout) {

  /** As the writers take it; a wrong value throws naming {@code key} and the setting. */
  AuditDurability toAuditDurability(String key, Duration writerTimeout) {
    try {
      AuditDurability durability =
          mode == AuditDurability.Mode.REPLICATED
              ? AuditDurability.replicated(replicas, waitTimeout)
              : AuditDurability.FSYNC;
      if (durability.waitsForReplicas() && waitTimeout.compareTo(writerTimeout) >= 0) {
        throw new IllegalArgumentException(
            "wait-timeout: must be shorter than the audit writers' timeout ("
                + writerTimeout.toMillis()
                + "ms), not "
                + waitTimeout.toMillis()
                + "ms");
      }
      return durability;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(key + "." + e.getMessage(), e);
    }
  }
}
