package org.alliedexchange.hotline.config;

import io.grpc.ServerServiceDefinition;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.instrumentation.grpc.v1_6.GrpcTelemetry;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.trace.SpanProcessor;
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import javax.sql.DataSource;
import org.alliedexchange.accesstoken.TokenSettings;
import org.alliedexchange.accesstoken.TokenValidator;
import org.alliedexchange.auditstream.AuditBatchWriter;
import org.alliedexchange.auditstream.AuditStream;
import org.alliedexchange.auditstream.RedisConnections;
import org.alliedexchange.federationstate.AgreementBoard;
import org.alliedexchange.hotline.audit.HotlineAudit;
import org.alliedexchange.hotline.domain.ConferenceBook;
import org.alliedexchange.hotline.grpc.HotlineGrpcService;
import org.alliedexchange.hotline.grpc.RelayService;
import org.alliedexchange.hotline.line.LineSupervision;
import org.alliedexchange.hotline.line.QuietLineSupervision;
import org.alliedexchange.hotline.node.HotlineNode;
import org.alliedexchange.hotline.relay.PeerRelays;
import org.alliedexchange.hotline.store.HotlineStore;
import org.alliedexchange.label.BindingSigner;
import org.alliedexchange.label.NationalKey;
import org.alliedexchange.policy.Federation;
import org.alliedexchange.policy.FederationConfig;
import org.alliedexchange.policy.NationalScheme;
import org.alliedexchange.serviceruntime.AuthenticationInterceptor;
import org.alliedexchange.serviceruntime.CallMetrics;
import org.alliedexchange.serviceruntime.GatewayOnlyTls;
import org.alliedexchange.serviceruntime.GrpcServer;
import org.alliedexchange.serviceruntime.ManagementServer;
import org.alliedexchange.serviceruntime.ServiceDatabase;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.ContextClosedEvent;
import redis.clients.jedis.RedisClient;

/** The wiring of one nation's hotline node; every piece is plain Java, Spring only assembles it. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(HotlineProperties.class)
public class HotlineConfiguration {

  @Bean
  Federation federation(HotlineProperties properties) {
    Federation federation =
        properties.policyConfig() == null
            ? FederationConfig.loadDefault()
            : FederationConfig.load(properties.policyConfig());
    if (federation.nation(properties.nation()) == null) {
      throw new IllegalStateException(
          "allied.hotline.nation: "
              + properties.nation()
              + " is not a nation of the federation configuration "
              + federation.nations().stream().map(NationalScheme::code).toList());
    }
    return federation;
  }

  /** The conferences, checked against the federation: every nation known, this one a member. */
  @Bean
  ConferenceBook conferenceBook(HotlineProperties properties, Federation federation) {
    ConferenceBook book;
    try {
      book =
          properties.conferencesFile() == null
              ? ConferenceBook.loadBuiltIn()
              : ConferenceBook.load(properties.conferencesFile());
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("allied.hotline.conferences-file: " + e.getMessage(), e);
    }
    book.all()
        .forEach(
            conference ->
                conference
                    .getNationsList()
                    .forEach(
                        nation -> {
                          if (federation.nation(nation) == null) {
                            throw new IllegalStateException(
                                "allied.hotline.conferences-file: conference "
                                    + conference.getId()
                                    + " names "
                                    + nation
                                    + ", not a nation of the federation");
                          }
                        }));
    if (book.ofNation(properties.nation()).isEmpty()) {
      throw new IllegalStateException(
          "allied.hotline.conferences-file: "
              + properties.nation()
              + " is a member of no conference");
    }
    return book;
  }

  /**
   * Agreement statuses as the federation administrators set them, so a send is refused under a
   * suspension as the guard would withhold it.
   */
  @Bean(destroyMethod = "close")
  AgreementBoard agreementBoard(Federation federation, HotlineProperties properties) {
    return new AgreementBoard(
        federation, redis(properties), AuditStream.DEFAULT_KEY, Clock.systemUTC());
  }

  /** The configured PostgreSQL, pooled and migrated. */
  @Bean(destroyMethod = "close")
  ServiceDatabase database(HotlineProperties properties) {
    HotlineProperties.Database database = properties.database();
    return ServiceDatabase.open(
        new ServiceDatabase.Settings(
            database.url(),
            database.username(),
            database.password(),
            database.migrationUsername(),
            database.migrationPassword(),
            "hotline-" + properties.nation(),
            16,
            "org/alliedexchange/hotline/db/migration",
            Map.of("prepareThreshold", "1")));
  }

  /** The pool; closed with the database, not on its own. */
  @Bean(destroyMethod = "")
  DataSource dataSource(ServiceDatabase database) {
    return database.dataSource();
  }

  @Bean
  NationalKey nationalKey(HotlineProperties properties) {
    NationalKey key = NationalKey.loadOrCreate(properties.signingKey());
    key.writePublicKeyBeside(properties.signingKey());
    return key;
  }

  @Bean
  BindingSigner bindingSigner(HotlineProperties properties, NationalKey key) {
    return new BindingSigner(properties.nation(), key);
  }

  /** Every step's records in one group; concurrent steps share a round trip and an fsync. */
  @Bean(destroyMethod = "close")
  AuditBatchWriter auditBatchWriter(HotlineProperties properties) {
    return AuditBatchWriter.connect(
        redis(properties), AuditStream.DEFAULT_KEY, Duration.ofSeconds(2), 1024, 100_000);
  }

  @Bean
  HotlineStore hotlineStore(DataSource dataSource) {
    return new HotlineStore(dataSource);
  }

  @Bean
  HotlineAudit hotlineAudit(AuditBatchWriter writer, HotlineProperties properties) {
    return new HotlineAudit(writer, properties.nation(), Clock.systemUTC(), Duration.ofSeconds(5));
  }

  /** The threads that write the nodes' streams (watch sessions, relays): daemons, many waiting. */
  @Bean(destroyMethod = "shutdownNow")
  ExecutorService hotlineStreams() {
    return Executors.newCachedThreadPool(daemons("hotline-stream"));
  }

  @Bean(destroyMethod = "shutdownNow")
  ScheduledExecutorService hotlineScheduler() {
    return Executors.newScheduledThreadPool(2, daemons("hotline-schedule"));
  }

  @Bean
  HotlineNode hotlineNode(
      HotlineProperties properties,
      ConferenceBook book,
      HotlineStore store,
      HotlineAudit audit,
      BindingSigner signer,
      NationalKey key,
      AgreementBoard board) {
    HotlineProperties.ExpireAfter expire = properties.expireAfter();
    String system =
        properties.relayClient().clientId() != null
            ? properties.relayClient().clientId()
            : properties.nation().toLowerCase(java.util.Locale.ROOT) + "-hotline";
    return new HotlineNode(
        properties.nation(),
        system,
        book,
        store,
        audit,
        signer,
        key,
        board::engine,
        board::problem,
        Clock.systemUTC(),
        properties.delayThreshold(),
        new HotlineNode.ExpireAfter(
            expire.flash(), expire.immediate(), expire.priority(), expire.routine()));
  }

  /**
   * The line's supervision: the quiet one (no probes, tests or alarms) until the line's own is
   * wired here, on the node's operations.
   */
  @Bean(destroyMethod = "")
  LineSupervision lineSupervision(HotlineNode node) {
    LineSupervision supervision = new QuietLineSupervision();
    node.lineSupervision(() -> supervision);
    return supervision;
  }

  /**
   * The pulls from the peers through the gateway; none when no gateway is configured (a node on its
   * own). The relay client's identity is required with a gateway.
   */
  @Bean(destroyMethod = "")
  PeerRelays peerRelays(
      HotlineProperties properties,
      HotlineNode node,
      ScheduledExecutorService hotlineScheduler,
      @Qualifier("hotlineStreams") ExecutorService hotlineStreams) {
    HotlineProperties.Gateway gateway = properties.gateway();
    if (gateway.address() == null) {
      return null;
    }
    URI address = gateway.address();
    if (address.getHost() == null
        || address.getPort() < 0
        || !("http".equals(address.getScheme()) || "https".equals(address.getScheme()))) {
      throw new IllegalStateException(
          "allied.hotline.gateway.address: must be https://host:port or http://host:port, not "
              + address);
    }
    HotlineProperties.RelayClient client = properties.relayClient();
    if (client.tokenUri() == null || client.clientId() == null || client.clientSecret() == null) {
      throw new IllegalStateException(
          "allied.hotline.relay-client.token-uri, client-id and client-secret are required with"
              + " allied.hotline.gateway.address: the node pulls from its peers as its own system");
    }
    PeerRelays relays =
        new PeerRelays(
            node,
            address,
            gateway.authority(),
            gateway.caFile(),
            PeerRelays.tokens(client.tokenUri(), client.clientId(), client.clientSecret()),
            hotlineScheduler,
            hotlineStreams,
            properties.limits().gapRepairAfter());
    node.prober(relays::probe);
    return relays;
  }

  @Bean
  HotlineLifecycle hotlineLifecycle(
      HotlineNode node,
      ObjectProvider<PeerRelays> relays,
      LineSupervision line,
      ScheduledExecutorService hotlineScheduler) {
    return new HotlineLifecycle(node, relays.getIfAvailable(), line, hotlineScheduler);
  }

  /**
   * At shutdown, before the gRPC server waits for its calls: the pulls stop and the long streams
   * end (clients resume from their cursors and positions), so the node stops at once.
   */
  @Bean
  ApplicationListener<ContextClosedEvent> endStreamsAtShutdown(
      ObjectProvider<PeerRelays> relays, HotlineGrpcService hotline, RelayService relay) {
    return event -> {
      PeerRelays pulls = relays.getIfAvailable();
      if (pulls != null) {
        pulls.close();
      }
      hotline.endStreams();
      relay.endStreams();
    };
  }

  @Bean
  HotlineGrpcService hotlineGrpcService(
      HotlineNode node,
      LineSupervision line,
      @Qualifier("hotlineStreams") ExecutorService hotlineStreams) {
    return new HotlineGrpcService(node, () -> line, hotlineStreams);
  }

  @Bean
  RelayService relayService(
      HotlineNode node, @Qualifier("hotlineStreams") ExecutorService hotlineStreams) {
    return new RelayService(node, hotlineStreams, Clock.systemUTC());
  }

  @Bean
  List<ServerServiceDefinition> hotlineServices(HotlineGrpcService hotline, RelayService relay) {
    return List.of(hotline.bindService(), relay.serviceDefinition());
  }

  private static ThreadFactory daemons(String name) {
    java.util.concurrent.atomic.AtomicInteger count =
        new java.util.concurrent.atomic.AtomicInteger();
    return task -> {
      Thread thread = new Thread(task, name + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  /**
   * Spans go to the processor given (tests) and, when {@code otel.exporter.otlp.endpoint} names a
   * collector, over OTLP/HTTP; otherwise nowhere.
   */
  @Bean(destroyMethod = "close")
  OpenTelemetrySdk openTelemetry(
      HotlineProperties properties,
      ObjectProvider<SpanProcessor> spans,
      @Value("${otel.exporter.otlp.endpoint:}") String otlpEndpoint) {
    return Telemetry.create(
        properties.nation(), spans.getIfAvailable(), Telemetry.otlp(otlpEndpoint));
  }

  @Bean
  PrometheusMeterRegistry meterRegistry() {
    return ManagementServer.registry();
  }

  @Bean
  CallMetrics callMetrics(
      PrometheusMeterRegistry registry, List<ServerServiceDefinition> hotlineServices) {
    return new CallMetrics(registry, hotlineServices);
  }

  /** Readiness's own client of the Redis: PING only. */
  @Bean(destroyMethod = "close")
  RedisClient readinessRedis(HotlineProperties properties) {
    return RedisConnections.connect(redis(properties), Duration.ofSeconds(2));
  }

  @Bean
  ManagementServer managementServer(
      HotlineProperties properties,
      PrometheusMeterRegistry registry,
      RedisClient readinessRedis,
      DataSource dataSource,
      TokenValidator tokens,
      GrpcServer grpcServer,
      @Value("${management.server.port:-1}") int port,
      @Value("${management.server.address:127.0.0.1}") String address) {
    return new ManagementServer(
        "hotline node " + properties.nation(),
        address,
        port,
        registry,
        ManagementServer.storesAndKeys(grpcServer, readinessRedis::ping, dataSource, tokens));
  }

  @Bean
  TokenValidator tokenValidator(HotlineProperties properties) {
    TokenSettings auth = properties.auth();
    return new TokenValidator(auth.issuer(), auth.jwks(), auth.audience(), auth.clockSkew());
  }

  @Bean
  GrpcServer grpcServer(
      HotlineProperties properties,
      List<ServerServiceDefinition> hotlineServices,
      TokenValidator validator,
      OpenTelemetrySdk telemetry,
      CallMetrics metrics) {
    return new GrpcServer(
        "hotline node " + properties.nation(),
        properties.host(),
        properties.port(),
        properties.limits().maxMessageBytes(),
        properties.limits().shutdownGrace(),
        hotlineServices,
        new AuthenticationInterceptor(validator),
        GrpcTelemetry.create(telemetry).createServerInterceptor(),
        GatewayOnlyTls.open("allied.hotline", properties.tls()),
        properties.reflection(),
        metrics);
  }

  /** The audit stream's Redis, checked; a wrong URL stops the node naming the key. */
  static URI redis(HotlineProperties properties) {
    RedisConnections.check(properties.auditRedis(), "allied.hotline.audit-redis");
    return properties.auditRedis();
  }
}
