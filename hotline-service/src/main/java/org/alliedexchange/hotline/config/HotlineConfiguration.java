package org.alliedexchange.hotline.config;

import io.grpc.ServerServiceDefinition;
import java.net.URI;
import java.security.PublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import javax.sql.DataSource;
import org.alliedexchange.auditstream.AuditBatchWriter;
import org.alliedexchange.auditstream.AuditWriter;
import org.alliedexchange.federationstate.AgreementBoard;
import org.alliedexchange.hotline.audit.HotlineAudit;
import org.alliedexchange.hotline.domain.ConferenceBook;
import org.alliedexchange.hotline.grpc.HotlineGrpcService;
import org.alliedexchange.hotline.grpc.RelayService;
import org.alliedexchange.hotline.line.ChainHeads;
import org.alliedexchange.hotline.line.ExecutorLineScheduler;
import org.alliedexchange.hotline.line.JdbcLineStore;
import org.alliedexchange.hotline.line.LineSettings;
import org.alliedexchange.hotline.line.LineSupervision;
import org.alliedexchange.hotline.line.LineSupervisor;
import org.alliedexchange.hotline.node.HotlineNode;
import org.alliedexchange.hotline.node.Memberships;
import org.alliedexchange.hotline.relay.PeerRelays;
import org.alliedexchange.hotline.store.HotlineStore;
import org.alliedexchange.hotline.store.MembershipStore;
import org.alliedexchange.label.BindingSigner;
import org.alliedexchange.label.NationalKey;
import org.alliedexchange.policy.Federation;
import org.alliedexchange.policy.FederationConfig;
import org.alliedexchange.serviceruntime.ServiceDatabase;
import org.alliedexchange.serviceruntime.ServiceRuntimeConfiguration;
import org.alliedexchange.serviceruntime.ServiceSettings;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.event.ContextClosedEvent;

/** The wiring of one nation's hotline node; every piece is plain Java, Spring only assembles it. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(HotlineProperties.class)
@Import(ServiceRuntimeConfiguration.class)
public class HotlineConfiguration {

  /** What the shared runtime (gRPC server, management port, audit writer) is assembled from. */
  @Bean
  ServiceSettings serviceSettings(HotlineProperties properties) {
    return ServiceSettings.of(
        "hotline node", "hotline-service", "allied.hotline", properties, AuditWriter.Kind.HOTLINE);
  }

  @Bean
  Federation federation(HotlineProperties properties) {
    return FederationConfig.forService(
        properties.policyConfig(), properties.nation(), "allied.hotline.nation");
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
  AgreementBoard agreementBoard(Federation federation, ServiceSettings settings) {
    return new AgreementBoard(
        federation, settings.auditRedis(), settings.auditStream(), Clock.systemUTC());
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

  @Bean
  HotlineStore hotlineStore(DataSource dataSource) {
    return new HotlineStore(dataSource);
  }

  /**
   * Every step's records in one group, by the shared runtime's batch writer; concurrent steps share
   * a round trip and an fsync.
   */
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
      AgreementBoard board,
      DataSource dataSource) {
    HotlineProperties.ExpireAfter expire = properties.expireAfter();
    String system =
        properties.relayClient().clientId() != null
            ? properties.relayClient().clientId()
            : properties.nation().toLowerCase(java.util.Locale.ROOT) + "-hotline";
    HotlineNode node =
        new HotlineNode(
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
    // the members as announced, before anyone is served: the peers' into the view, this nation's
    // own compared with what was announced last
    Memberships memberships = new Memberships(node, book, new MembershipStore(dataSource));
    node.memberships(memberships);
    memberships.start();
    return node;
  }

  /**
   * The line's supervision on the node's operations: probes, line tests, chain heads and alarms,
   * kept in the node's PostgreSQL. Started and closed by {@link HotlineLifecycle}.
   */
  @Bean(destroyMethod = "")
  LineSupervision lineSupervision(
      HotlineProperties properties, HotlineNode node, DataSource dataSource, NationalKey key) {
    Map<String, PublicKey> peerKeys = peerKeys(properties);
    node.conferences().stream()
        .flatMap(conference -> conference.getNationsList().stream())
        .filter(nation -> !nation.equals(properties.nation()) && !peerKeys.containsKey(nation))
        .distinct()
        .forEach(
            nation ->
                org.slf4j.LoggerFactory.getLogger(HotlineConfiguration.class)
                    .warn(
                        "allied.hotline.peer-keys.{} is not set: {}'s chain heads cannot be"
                            + " verified and each will raise a CHAIN_MISMATCH alarm",
                        nation,
                        nation));
    LineSupervisor supervisor =
        new LineSupervisor(
            node,
            new JdbcLineStore(dataSource),
            new ChainHeads(key, peerKeys, Clock.systemUTC()),
            lineSettings(properties),
            new ExecutorLineScheduler(4),
            Clock.systemUTC());
    node.lineSupervision(() -> supervisor);
    return supervisor;
  }

  static LineSettings lineSettings(HotlineProperties properties) {
    return new LineSettings(
        properties.probeInterval(),
        properties.probeSlowAfter(),
        properties.testInterval(),
        properties.testAckWithin(),
        properties.ackWithin().flash(),
        properties.ackWithin().immediate(),
        properties.alarmRepeat(),
        properties.escalateAfter(),
        Duration.ofSeconds(1));
  }

  /**
   * The peers' public keys, each read at start-up: a key that cannot be read stops the node naming
   * it. A peer without a key is logged: its chain heads will raise CHAIN_MISMATCH.
   */
  static Map<String, PublicKey> peerKeys(HotlineProperties properties) {
    Map<String, PublicKey> keys = new java.util.TreeMap<>();
    properties
        .peerKeyFiles()
        .forEach(
            (given, file) -> {
              // from the environment (ALLIED_HOTLINE_PEERKEYS_JPN) Spring lower-cases map keys
              String nation = given.toUpperCase(java.util.Locale.ROOT);
              String key = "allied.hotline.peer-keys." + given;
              if (!nation.matches("[A-Z]{3}")) {
                throw new IllegalStateException(key + ": not an ISO 3166-1 alpha-3 nation code");
              }
              if (keys.containsKey(nation)) {
                throw new IllegalStateException(key + ": " + nation + " is given twice");
              }
              try {
                keys.put(
                    nation,
                    NationalKey.publicKey(
                        java.nio.file.Files.readString(
                            file, java.nio.charset.StandardCharsets.US_ASCII)));
              } catch (java.io.IOException | IllegalArgumentException e) {
                throw new IllegalStateException(
                    key + ": cannot read a PEM public key from " + file + ": " + e.getMessage(), e);
              }
            });
    return keys;
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

  /** The API the shared gRPC server serves, behind authentication: people's calls and relays. */
  @Bean
  ServerServiceDefinition hotlineApi(HotlineGrpcService hotline) {
    return hotline.bindService();
  }

  @Bean
  ServerServiceDefinition relayApi(RelayService relay) {
    return relay.serviceDefinition();
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
}
