package org.alliedexchange.exchange.config;

import io.grpc.ServerServiceDefinition;
import java.sql.SQLException;
import java.time.Clock;
import java.util.Map;
import java.util.function.Supplier;
import javax.sql.DataSource;
import org.alliedexchange.auditstream.AuditBatchWriter;
import org.alliedexchange.auditstream.AuditStreamWriter;
import org.alliedexchange.auditstream.AuditWriter;
import org.alliedexchange.exchange.audit.ExchangeAudit;
import org.alliedexchange.exchange.audit.ListingBudget;
import org.alliedexchange.exchange.feed.LiveFeed;
import org.alliedexchange.exchange.feed.PublishBatcher;
import org.alliedexchange.exchange.grpc.ExchangeGrpcService;
import org.alliedexchange.exchange.store.ProductStore;
import org.alliedexchange.federationstate.AgreementBoard;
import org.alliedexchange.label.BindingSigner;
import org.alliedexchange.label.BindingVerifier;
import org.alliedexchange.label.NationalKey;
import org.alliedexchange.policy.Federation;
import org.alliedexchange.policy.FederationConfig;
import org.alliedexchange.policy.ReleasabilityEngine;
import org.alliedexchange.serviceruntime.ServiceDatabase;
import org.alliedexchange.serviceruntime.ServiceRuntimeConfiguration;
import org.alliedexchange.serviceruntime.ServiceSettings;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * The wiring of one nation's exchange service; every piece is plain Java, Spring only assembles it.
 */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(ExchangeProperties.class)
@Import(ServiceRuntimeConfiguration.class)
public class ExchangeConfiguration {

  /** What the shared runtime (gRPC server, management port, audit writer) is assembled from. */
  @Bean
  ServiceSettings serviceSettings(ExchangeProperties properties) {
    return ServiceSettings.of(
        "exchange service",
        "exchange-service",
        "allied.exchange",
        properties,
        AuditWriter.Kind.EXCHANGE);
  }

  @Bean
  Federation federation(ExchangeProperties properties) {
    return FederationConfig.forService(
        properties.policyConfig(), properties.nation(), "allied.exchange.nation");
  }

  /**
   * Agreement statuses as the federation administrators set them through the gateways, so this
   * service's own check (the second filter behind the gateway's) withholds under a suspension too.
   * When Redis cannot be read for longer than the board's staleness bound, reads are refused
   * UNAVAILABLE, as at the gateway.
   */
  @Bean(destroyMethod = "close")
  AgreementBoard agreementBoard(Federation federation, ServiceSettings settings) {
    return new AgreementBoard(
        federation, settings.auditRedis(), settings.auditStream(), Clock.systemUTC());
  }

  @Bean
  Supplier<ReleasabilityEngine> releasabilityEngine(AgreementBoard board) {
    return board::engine;
  }

  /** The configured PostgreSQL, pooled and migrated. */
  @Bean(destroyMethod = "close")
  ServiceDatabase database(ExchangeProperties properties) {
    ExchangeProperties.Database database = properties.database();
    return ServiceDatabase.open(
        new ServiceDatabase.Settings(
            database.url(),
            database.username(),
            database.password(),
            database.migrationUsername(),
            database.migrationPassword(),
            "exchange-" + properties.nation(),
            16,
            "org/alliedexchange/exchange/db/migration",
            // server-prepare every statement at once, so bytea columns come back binary rather than
            // as hex text
            Map.of("prepareThreshold", "1")));
  }

  /** The pool; closed with the database, not on its own. */
  @Bean(destroyMethod = "")
  DataSource dataSource(ServiceDatabase database) {
    return database.dataSource();
  }

  @Bean
  ProductStore productStore(DataSource dataSource) {
    return new ProductStore(dataSource);
  }

  @Bean(destroyMethod = "close")
  PublishBatcher publishBatcher(ProductStore store, BindingSigner signer) {
    return new PublishBatcher(store, signer, Clock.systemUTC(), 20_000);
  }

  @Bean(destroyMethod = "close")
  LiveFeed liveFeed(DataSource dataSource, ProductStore store, ExchangeProperties properties)
      throws SQLException {
    return new LiveFeed(dataSource, store, properties.limits().subscriberQueue());
  }

  @Bean
  NationalKey nationalKey(ExchangeProperties properties) {
    NationalKey key = NationalKey.loadOrCreate(properties.signingKeyFile());
    // the public half, for the gateways that verify this nation's bindings
    key.writePublicKeyBeside(properties.signingKeyFile());
    return key;
  }

  /**
   * Tells this service's verifier about every batch it signs, so its own signatures are never
   * checked twice.
   */
  @Bean
  BindingSigner bindingSigner(
      ExchangeProperties properties, NationalKey key, BindingVerifier verifier) {
    return new BindingSigner(properties.nation(), key, verifier);
  }

  @Bean
  BindingVerifier bindingVerifier(NationalKey key) {
    return new BindingVerifier(Map.of(key.keyId(), key.keyPair().getPublic()), 200_000);
  }

  @Bean(destroyMethod = "close")
  AuditStreamWriter auditStreamWriter(ServiceSettings settings) {
    return AuditStreamWriter.connect(
        settings.auditRedis(),
        settings.auditStream(),
        ServiceSettings.AUDIT_TIMEOUT,
        settings.auditDurability());
  }

  /** Refusals are written by the shared runtime's batch writer. */
  @Bean
  ExchangeAudit exchangeAudit(
      AuditStreamWriter writer, AuditBatchWriter refusalWriter, ExchangeProperties properties) {
    return new ExchangeAudit(writer, refusalWriter, properties.nation());
  }

  @Bean
  ExchangeGrpcService exchangeGrpcService(
      ExchangeProperties properties,
      ProductStore store,
      PublishBatcher batcher,
      LiveFeed feed,
      BindingSigner signer,
      BindingVerifier verifier,
      Supplier<ReleasabilityEngine> engine,
      AgreementBoard board,
      ExchangeAudit audit) {
    return new ExchangeGrpcService(
        properties.nation(),
        store,
        batcher,
        feed,
        signer,
        verifier,
        engine,
        board::problem,
        audit,
        Clock.systemUTC(),
        properties.limits().searchPageSize(),
        properties.limits().searchPageMax(),
        new ListingBudget(properties.limits().withheldIdsPerSecond()));
  }

  /** The API the shared gRPC server serves, behind authentication. */
  @Bean
  ServerServiceDefinition exchangeApi(ExchangeGrpcService service) {
    return service.serviceDefinition();
  }
}
