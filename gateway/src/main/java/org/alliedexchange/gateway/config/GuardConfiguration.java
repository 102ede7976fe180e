package org.alliedexchange.gateway.config;

import io.opentelemetry.sdk.OpenTelemetrySdk;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.alliedexchange.auditstream.AuditBatchWriter;
import org.alliedexchange.federationstate.AgreementBoard;
import org.alliedexchange.federationstate.ProductVersionFeed;
import org.alliedexchange.gateway.access.IdentityRevocations;
import org.alliedexchange.gateway.guard.GuardTrailers;
import org.alliedexchange.gateway.guard.MessageGuard;
import org.alliedexchange.gateway.guard.ReleaseGuardFilter;
import org.alliedexchange.gateway.guard.ResponseGuard;
import org.alliedexchange.gateway.guard.VersionSharing;
import org.alliedexchange.gateway.metrics.GuardDecisionMeters;
import org.alliedexchange.label.BindingVerifier;
import org.alliedexchange.label.NationalKey;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The guard: each message decided against the agreements and the nation's binding keys, and
 * released only once the audit stream holds its record.
 */
@Configuration(proxyBeanMethods = false)
class GuardConfiguration {

  /** Each nation's verifier trusts only that nation's keys, so no nation can sign for another. */
  @Bean
  Map<String, BindingVerifier> bindingVerifiers(GatewayProperties properties) {
    Map<String, BindingVerifier> verifiers = new HashMap<>();
    properties
        .nations()
        .forEach(
            (nation, config) -> {
              Map<String, PublicKey> keys = new LinkedHashMap<>();
              for (int i = 0; i < config.bindingKeys().size(); i++) {
                Path file = config.bindingKeys().get(i);
                String key = "allied.gateway.nations." + nation + ".binding-keys[" + i + "]";
                try {
                  PublicKey publicKey = NationalKey.publicKey(Files.readString(file));
                  keys.put(NationalKey.keyId(publicKey), publicKey);
                } catch (IOException e) {
                  throw new IllegalArgumentException(
                      key + ": cannot read " + file + ": " + e.getMessage(), e);
                } catch (IllegalArgumentException e) {
                  throw new IllegalArgumentException(
                      key + ": " + file + " holds no EC public key: " + e.getMessage(), e);
                }
              }
              verifiers.put(nation, new BindingVerifier(keys, 100_000));
            });
    return verifiers;
  }

  /**
   * The newest version seen of each amended product, shared with the other gateways through Redis
   * in batches off the guard's path, so neither a replica nor a restart forgets an amendment.
   */
  @Bean(destroyMethod = "close")
  VersionSharing versionSharing(GatewayProperties properties) {
    return new VersionSharing(
        ProductVersionFeed.connect(
            GatewayConfiguration.redis(properties), properties.audit().timeout()),
        100_000);
  }

  @Bean
  MessageGuard messageGuard(
      AgreementBoard board,
      Map<String, BindingVerifier> bindingVerifiers,
      VersionSharing versionSharing,
      GuardDecisionMeters decisions) {
    return new MessageGuard(board::engine, bindingVerifiers, versionSharing.versions(), decisions);
  }

  @Bean(destroyMethod = "close")
  AuditBatchWriter auditBatchWriter(GatewayProperties properties) {
    return AuditBatchWriter.connect(
        GatewayConfiguration.redis(properties),
        properties.auditStream(),
        properties.audit().timeout(),
        properties.audit().maxBatch(),
        100_000,
        properties.audit().durability().toAuditDurability());
  }

  @Bean
  ResponseGuard responseGuard(
      MessageGuard guard,
      AuditBatchWriter audit,
      AgreementBoard board,
      GatewayProperties properties) {
    return new ResponseGuard(
        guard, audit::appendChecked, board::problem, properties.maxMessageBytes());
  }

  @Bean
  ReleaseGuardFilter releaseGuardFilter(
      ResponseGuard guard,
      AgreementBoard board,
      IdentityRevocations revocations,
      OpenTelemetrySdk telemetry,
      GatewayProperties properties) {
    return new ReleaseGuardFilter(
        guard, board::engine, revocations, telemetry, properties.maxMessageBytes());
  }

  @Bean
  GuardTrailers guardTrailers() {
    return new GuardTrailers();
  }
}
