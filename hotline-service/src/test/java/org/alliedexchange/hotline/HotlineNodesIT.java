package org.alliedexchange.hotline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Timestamp;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.grpc.stub.MetadataUtils;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.alliedexchange.api.AlliedMetadata;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.HotlineEvent;
import org.alliedexchange.api.hotline.v1.AcknowledgeRequest;
import org.alliedexchange.api.hotline.v1.Alarm;
import org.alliedexchange.api.hotline.v1.AlarmKind;
import org.alliedexchange.api.hotline.v1.Conference;
import org.alliedexchange.api.hotline.v1.GetStatusRequest;
import org.alliedexchange.api.hotline.v1.HotlineMessage;
import org.alliedexchange.api.hotline.v1.HotlineServiceGrpc;
import org.alliedexchange.api.hotline.v1.ListConferencesRequest;
import org.alliedexchange.api.hotline.v1.MessageType;
import org.alliedexchange.api.hotline.v1.Precedence;
import org.alliedexchange.api.hotline.v1.Receipt;
import org.alliedexchange.api.hotline.v1.ReceiptState;
import org.alliedexchange.api.hotline.v1.SendRequest;
import org.alliedexchange.api.hotline.v1.SendResponse;
import org.alliedexchange.api.hotline.v1.WatchRequest;
import org.alliedexchange.api.hotline.v1.WatchResponse;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.auditstream.AuditStreamReader;
import org.alliedexchange.auditstream.AuditWriter;
import org.alliedexchange.client.PersonLogin;
import org.alliedexchange.devservers.LocalKeycloak;
import org.alliedexchange.devservers.LocalPostgres;
import org.alliedexchange.devservers.LocalRedis;
import org.alliedexchange.gateway.GatewayApplication;
import org.alliedexchange.hotline.domain.ConferenceBook;
import org.alliedexchange.hotline.node.HotlineNode;
import org.alliedexchange.hotline.relay.PeerRelays;
import org.alliedexchange.label.NationalKey;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Three hotline nodes (KOR, JPN, USA), each with its own database, relaying to each other only
 * through a real gateway, with the realm's people and node identities from a real Keycloak. What
 * the people on the line notice: a FLASH reaches every party in its own marking and the sender sees
 * each party's receipts; a message some party may not get reaches nobody; a node stopped and
 * restarted catches up in order, each late message marked, none lost or twice; a transport that
 * repeats and reorders items changes nothing anyone sees; a node restarted with fewer members of
 * its own nation, or lower clearances, is taken at its word by the others; the line's tests carry
 * each sender's signed chain head to its peers, who find it MATCHED, and a node holding the wrong
 * key for a peer raises a CHAIN_MISMATCH alarm its watch officer sees.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HotlineNodesIT {

  static final String TRILATERAL = "JPN-KOR-USA";
  static final List<String> NATIONS = List.of("KOR", "JPN", "USA");
  static final Duration DELAY_THRESHOLD = Duration.ofSeconds(2);

  static Path dir;
  static LocalRedis redis;
  static LocalPostgres postgres;
  static LocalKeycloak keycloak;
  static GatewayApplication.Running gateway;
  static ManagedChannel channel;
  static final Map<String, Integer> ports = new ConcurrentHashMap<>();
  static final Map<String, HotlineServiceApplication.Running> nodes = new ConcurrentHashMap<>();
  static final Map<String, String> tokens = new ConcurrentHashMap<>();
  final List<Watcher> watchers = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("allied-hotline-");
    redis = LocalRedis.start(dir.resolve("redis"));
    postgres = LocalPostgres.start(dir.resolve("postgres"));
    try (Connection admin = DriverManager.getConnection(postgres.url());
        Statement statement = admin.createStatement()) {
      for (String nation : NATIONS) {
        statement.execute("CREATE DATABASE hotline_" + nation.toLowerCase());
      }
    }
    keycloak =
        LocalKeycloak.builder()
            .auditRedis(redis.url(LocalRedis.User.IDENTITY_LISTENER))
            .dataDir(dir.resolve("keycloak"))
            .start();
    URI jwks = URI.create(keycloak.issuer() + "/protocol/openid-connect/certs");
    Map<String, Object> gatewayProperties =
        GatewayApplication.localProperties(
            0, keycloak.issuer(), jwks, redis.url(LocalRedis.User.GATEWAY));
    for (String nation : NATIONS) {
      ports.put(nation, freePort());
      Path key = dir.resolve(nation.toLowerCase()).resolve("signing-key.pem");
      Files.createDirectories(key.getParent());
      Path publicKey = NationalKey.loadOrCreate(key).writePublicKeyBeside(key);
      URI node = URI.create("http://127.0.0.1:" + ports.get(nation));
      // no exchange service in this test: its address is never called
      GatewayApplication.addNation(gatewayProperties, nation, node, publicKey);
      gatewayProperties.put(
          "allied.gateway.nations." + nation + ".hotline-addresses[0]", node.toString());
    }
    gateway = GatewayApplication.start(gatewayProperties);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
    for (String nation : NATIONS) {
      startNode(nation);
    }
    for (String user :
        List.of(
            "kor-principal",
            "kor-nsa",
            "kor-watch-officer",
            "jpn-watch-officer",
            "usa-watch-officer")) {
      login(user);
    }
  }

  static void login(String user) throws Exception {
    tokens.put(
        user,
        PersonLogin.login(
            keycloak.issuer(),
            "allied-console",
            URI.create("http://127.0.0.1:8080/hotline"),
            user,
            keycloak.password(user)));
  }

  static void startNode(String nation) {
    startNode(nation, Map.of());
  }

  static void startNode(String nation, Path conferencesFile) {
    startNode(nation, Map.of("allied.hotline.conferences-file", conferencesFile.toString()));
  }

  /** Starts {@code nation}'s node as the scenes do, with {@code overrides} on top. */
  static void startNode(String nation, Map<String, String> overrides) {
    String lower = nation.toLowerCase();
    Path data = dir.resolve(lower);
    Map<String, Object> properties =
        HotlineServiceApplication.localProperties(
            nation,
            data,
            postgres.url().replace("/" + LocalPostgres.DATABASE + "?", "/hotline_" + lower + "?"),
            redis.url(LocalRedis.User.HOTLINE, nation),
            keycloak.issuer(),
            URI.create(keycloak.issuer() + "/protocol/openid-connect/certs"));
    properties.put("allied.hotline.port", Integer.toString(ports.get(nation)));
    properties.put("allied.hotline.tls.insecure-plaintext", "true");
    properties.put("allied.hotline.signing-key-file", data.resolve("signing-key.pem").toString());
    properties.put("allied.hotline.gateway.address", "http://127.0.0.1:" + gateway.port());
    properties.put("allied.hotline.relay-client.token-uri", keycloak.tokenEndpoint().toString());
    properties.put("allied.hotline.relay-client.client-id", lower + "-hotline");
    properties.put(
        "allied.hotline.relay-client.client-secret", keycloak.clientSecret(lower + "-hotline"));
    properties.put("allied.hotline.delay-threshold", DELAY_THRESHOLD.toMillis() + "ms");
    properties.put("allied.hotline.limits.gap-repair-after", "1s");
    for (String peer : NATIONS) {
      if (!peer.equals(nation)) {
        properties.put(
            "allied.hotline.peer-keys." + peer,
            dir.resolve(peer.toLowerCase()).resolve("signing-key.pub.pem").toString());
      }
    }
    // no scheduled line test in the first scenes: it would add messages to the conferences they
    // watch (the last scenes turn them on)
    properties.put("allied.hotline.test-interval", "3650d");
    properties.putAll(overrides);
    nodes.put(nation, HotlineServiceApplication.start(properties, null));
  }

  @AfterAll
  static void stop() throws Exception {
    if (channel != null) {
      channel.shutdownNow();
    }
    nodes.values().forEach(HotlineServiceApplication.Running::close);
    for (AutoCloseable server : new AutoCloseable[] {gateway, keycloak, postgres, redis}) {
      if (server != null) {
        server.close();
      }
    }
  }

  @AfterEach
  void closeWatchers() {
    watchers.forEach(Watcher::close);
  }

  @Test
  @Order(1)
  void aFlashReachesEveryPartyInItsOwnMarkingAndTheSenderSeesEachPartysReceipts() {
    // from the start of each node's log: nothing shown between opening and sending is missed
    Watcher kor = watch("kor-watch-officer", "KOR", "0");
    Watcher jpn = watch("jpn-watch-officer", "JPN", "0");
    Watcher usa = watch("usa-watch-officer", "USA", "0");

    HotlineMessage sent =
        send("kor-principal", Precedence.PRECEDENCE_FLASH, secret(), "북한 탄도미사일 발사. 즉시 협의 요청.")
            .getMessage();

    WatchResponse atJapan = jpn.awaitMessage(sent.getId());
    WatchResponse atUsa = usa.awaitMessage(sent.getId());
    assertThat(atJapan.getLabel().getRelease().getMarking()).isEqualTo("極秘");
    assertThat(atUsa.getLabel().getRelease().getMarking()).isEqualTo("SECRET");
    assertThat(atJapan.getMessage().getText()).isEqualTo("북한 탄도미사일 발사. 즉시 협의 요청.");
    assertThat(atUsa.getMessage().getPrecedence()).isEqualTo(Precedence.PRECEDENCE_FLASH);
    assertThat(atJapan.getMessage().getDelayed()).isFalse();

    kor.awaitReceipt(sent.getId(), "JPN", ReceiptState.RECEIPT_STATE_RELAYED);
    kor.awaitReceipt(sent.getId(), "USA", ReceiptState.RECEIPT_STATE_RELAYED);
    kor.awaitReceipt(sent.getId(), "JPN", ReceiptState.RECEIPT_STATE_DELIVERED);
    kor.awaitReceipt(sent.getId(), "USA", ReceiptState.RECEIPT_STATE_DELIVERED);
    // never automatic: nobody acknowledged yet
    assertThat(kor.receipts(sent.getId(), ReceiptState.RECEIPT_STATE_ACKNOWLEDGED)).isEmpty();

    stub("jpn-watch-officer", "JPN")
        .acknowledge(AcknowledgeRequest.newBuilder().setMessageId(sent.getId()).build());
    Receipt acknowledged =
        kor.awaitReceipt(sent.getId(), "JPN", ReceiptState.RECEIPT_STATE_ACKNOWLEDGED);
    assertThat(acknowledged.getBy()).isEqualTo("jpn-watch-officer");
    assertThat(kor.receipts(sent.getId(), ReceiptState.RECEIPT_STATE_ACKNOWLEDGED))
        .extracting(Receipt::getParty)
        .containsExactly("JPN");
    // the third party sees it too: the USA's node holds Japan's receipt
    usa.awaitReceipt(sent.getId(), "JPN", ReceiptState.RECEIPT_STATE_ACKNOWLEDGED);
  }

  @Test
  @Order(2)
  void aMessageSomePartyMayNotReceiveIsRefusedAndReachesNobody() {
    SecurityLabel topSecret =
        secret().toBuilder()
            .setLevel(ClassificationLevel.CLASSIFICATION_LEVEL_TOP_SECRET)
            .setMarking("군사I급비밀")
            .clearReleasableTo()
            .addAllReleasableTo(List.of("KOR", "USA"))
            .build();

    // KOR-USA's ceiling is TOP SECRET, but its watch officers hold SECRET
    assertThatThrownBy(
            () ->
                stub("kor-principal", "KOR")
                    .send(request("KOR-USA", Precedence.PRECEDENCE_FLASH, topSecret, "refused")))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
              assertThat(e.getStatus().getDescription())
                  .contains("watch-officer")
                  .contains("INSUFFICIENT_CLEARANCE");
            });
    assertThatThrownBy(
            () ->
                stub("kor-nsa", "KOR")
                    .send(
                        request(TRILATERAL, Precedence.PRECEDENCE_FLASH_OVERRIDE, secret(), "nsa")))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    // what comes after the refusals arrives, and nothing before it
    SecurityLabel secretForKorUsa =
        secret().toBuilder().clearReleasableTo().addAllReleasableTo(List.of("KOR", "USA")).build();
    HotlineMessage marker =
        stub("kor-principal", "KOR")
            .send(request("KOR-USA", Precedence.PRECEDENCE_ROUTINE, secretForKorUsa, "marker"))
            .getMessage();
    Watcher replay = watch("usa-watch-officer", "USA", "0", "KOR-USA");
    replay.awaitMessage(marker.getId());
    assertThat(replay.messages())
        .extracting(m -> m.getMessage().getText())
        .containsExactly("marker");
  }

  @Test
  @Order(3)
  void aStoppedNodeCatchesUpInPrecedenceOrderEachMarkedDelayedNoneLostOrTwice() {
    nodes.remove("JPN").close();
    List<String> ids = new ArrayList<>();
    for (int i = 1; i <= 3; i++) {
      ids.add(
          send("kor-principal", Precedence.PRECEDENCE_ROUTINE, secret(), "routine " + i)
              .getMessage()
              .getId());
    }
    String flash =
        send(
                "kor-principal",
                Precedence.PRECEDENCE_FLASH,
                secret(),
                "flash while Japan was cut off")
            .getMessage()
            .getId();
    Watcher usa = watch("usa-watch-officer", "USA", "0");
    usa.awaitMessage(flash);
    assertThat(usa.message(flash).getMessage().getDelayed()).isFalse();

    // Japan stays cut off for longer than the delay threshold
    Instant cut = Instant.now();
    Awaitility.await()
        .atMost(DELAY_THRESHOLD.multipliedBy(3))
        .until(() -> Instant.now().isAfter(cut.plus(DELAY_THRESHOLD).plusMillis(500)));
    startNode("JPN");
    Watcher jpn = watch("jpn-watch-officer", "JPN", "0");
    jpn.awaitMessage(ids.get(2));
    List<String> backlog =
        jpn.messages().stream()
            .map(m -> m.getMessage().getId())
            .filter(id -> ids.contains(id) || id.equals(flash))
            .toList();
    // the FLASH overtook the routine traffic queued before it; the rest in their order
    assertThat(backlog).containsExactly(flash, ids.get(0), ids.get(1), ids.get(2));
    assertThat(jpn.messages().stream().filter(m -> backlog.contains(m.getMessage().getId())))
        .allSatisfy(
            m -> {
              assertThat(m.getMessage().getDelayed()).isTrue();
              assertThat(m.getMessage().getDelayMs()).isGreaterThan(DELAY_THRESHOLD.toMillis());
            });
    Watcher kor = watch("kor-watch-officer", "KOR", "0");
    for (String id : backlog) {
      kor.awaitReceipt(id, "JPN", ReceiptState.RECEIPT_STATE_RELAYED);
      assertThat(kor.receipts(id, ReceiptState.RECEIPT_STATE_RELAYED))
          .extracting(Receipt::getParty)
          .containsExactlyInAnyOrder("JPN", "USA");
    }
    assertNoMessageTwice(jpn);
  }

  @Test
  @Order(4)
  void aTransportThatRepeatsAndReordersItemsChangesNothingAnyoneSees() {
    FaultyTransport faults = new FaultyTransport(nodes.get("USA"));
    List<String> ids = new ArrayList<>();
    for (int i = 1; i <= 6; i++) {
      ids.add(
          send("kor-principal", Precedence.PRECEDENCE_ROUTINE, secret(), "faulty " + i)
              .getMessage()
              .getId());
    }
    Watcher usa = watch("usa-watch-officer", "USA", "0");
    Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .untilAsserted(
            () -> {
              faults.flush();
              assertThat(usa.messages().stream().map(m -> m.getMessage().getId())).containsAll(ids);
            });
    // and all of it once more, late: nothing changes
    faults.replayEverything();
    Watcher kor = watch("kor-watch-officer", "KOR", "0");
    for (String id : ids) {
      kor.awaitReceipt(id, "USA", ReceiptState.RECEIPT_STATE_RELAYED);
    }
    Watcher again = watch("usa-watch-officer", "USA", "0");
    again.awaitMessage(ids.get(5));
    assertThat(faults.duplicatesOffered()).isGreaterThan(0);
    assertNoMessageTwice(again);
    assertThat(again.messages().stream().map(m -> m.getMessage().getId()).filter(ids::contains))
        .hasSize(6);
    for (String id : ids) {
      assertThat(kor.receipts(id, ReceiptState.RECEIPT_STATE_RELAYED))
          .extracting(Receipt::getParty)
          .containsOnlyOnce("USA");
    }
  }

  @Test
  @Order(5)
  void japanRestartedWithFewerMembersAndALowerClearanceIsLearnedByKoreaAndAudited()
      throws Exception {
    // Japan's own file: its adviser leaves the trilateral and its watch officer is CONFIDENTIAL
    JsonMapper json = JsonMapper.builder().build();
    JsonNode conferences;
    try (var in = HotlineNodesIT.class.getResourceAsStream(ConferenceBook.BUILT_IN)) {
      conferences = json.readTree(in);
    }
    ArrayNode members = (ArrayNode) conferences.path("conferences").get(0).path("members");
    assertThat(members.get(1).path("username").asString()).isEqualTo("jpn-nsa");
    members.remove(1);
    ((ObjectNode) members.get(1)).put("clearance", "CONFIDENTIAL");
    Path file = dir.resolve("jpn").resolve("conferences.json");
    Files.writeString(file, json.writeValueAsString(conferences));

    nodes.remove("JPN").close();
    startNode("JPN", file);

    // Korea's node takes Japan's word for Japan's members: its listing shows them as announced
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .untilAsserted(
            () -> {
              Conference trilateral = conferenceAt("kor-principal", TRILATERAL);
              assertThat(ConferenceBook.member(trilateral, "jpn-nsa")).isEmpty();
              assertThat(
                      ConferenceBook.member(trilateral, "jpn-watch-officer")
                          .orElseThrow()
                          .getClearance())
                  .isEqualTo(ClassificationLevel.CLASSIFICATION_LEVEL_CONFIDENTIAL);
              assertThat(ConferenceBook.member(trilateral, "kor-nsa")).isPresent();
            });
    assertThatThrownBy(() -> send("kor-principal", Precedence.PRECEDENCE_FLASH, secret(), "no"))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.FAILED_PRECONDITION);
              assertThat(e.getStatus().getDescription())
                  .contains("jpn-watch-officer (clearance CONFIDENTIAL)");
            });
    // the pair JPN-KOR's chain holds the change as Japan made it and as Korea took it
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              List<HotlineEvent> changes =
                  hotlineRecords()
                      .filter(
                          e ->
                              e.getKind() == HotlineEvent.Kind.MEMBERSHIP
                                  && e.getConference().equals(TRILATERAL)
                                  && e.getSequence() > 0)
                      .toList();
              assertThat(changes).extracting(HotlineEvent::getNode).contains("JPN", "KOR", "USA");
              assertThat(changes)
                  .allSatisfy(
                      e -> {
                        assertThat(e.getPartiesList()).containsExactly("JPN", "KOR", "USA");
                        assertThat(e.getParty()).isEqualTo("JPN");
                        assertThat(e.getActor()).isEqualTo("jpn-hotline");
                        assertThat(e.getReason())
                            .contains("removed jpn-nsa")
                            .contains("changed jpn-watch-officer from WATCH_OFFICER, SECRET");
                      });
            });
    // and each node's first record of its own members, not relayed
    assertThat(
            hotlineRecords()
                .filter(
                    e ->
                        e.getKind() == HotlineEvent.Kind.MEMBERSHIP
                            && e.getConference().equals(TRILATERAL)
                            && e.getSequence() == 0))
        .extracting(HotlineEvent::getNode)
        .containsExactlyInAnyOrder("JPN", "KOR", "USA");
  }

  /**
   * The line's own tests going round every few seconds (at the top of each hour in service), and
   * quick probes, so a head that arrives before the items it covers is compared again soon.
   */
  static final Map<String, String> LINE_TESTS =
      Map.of("allied.hotline.test-interval", "3s", "allied.hotline.probe-interval", "1s");

  @Test
  @Order(6)
  void eachScheduledLineTestCarriesItsSendersSignedChainHeadToEveryPeerWhichFindsItMatched()
      throws Exception {
    for (String nation : NATIONS) {
      // the watch officers' tokens outlive the earlier scenes (five minutes) in a slow run
      login(nation.toLowerCase() + "-watch-officer");
    }
    for (String nation : NATIONS) {
      nodes.remove(nation).close();
    }
    for (String nation : NATIONS) {
      startNode(nation, LINE_TESTS);
    }
    // each nation sends the trilateral conference's test in its turn, its chain head first
    List<String> everyPair =
        NATIONS.stream()
            .flatMap(
                sender ->
                    NATIONS.stream().filter(r -> !r.equals(sender)).map(r -> sender + ">" + r))
            .toList();
    Awaitility.await()
        .atMost(Duration.ofSeconds(45))
        .pollInterval(Duration.ofMillis(500))
        .untilAsserted(
            () ->
                assertThat(
                        chainHeadVerdicts().stream()
                            .filter(
                                v ->
                                    v.conference().equals(TRILATERAL)
                                        && v.reason().startsWith("MATCHED"))
                            .map(v -> v.sender() + ">" + v.receiver())
                            .distinct())
                    .containsAll(everyPair));
    assertThat(chainHeadVerdicts()).allSatisfy(v -> assertThat(v.reason()).startsWith("MATCHED"));
    for (String nation : NATIONS) {
      assertThat(openAlarms(nation))
          .extracting(Alarm::getKind)
          .doesNotContain(AlarmKind.ALARM_KIND_CHAIN_MISMATCH);
    }
  }

  @Test
  @Order(7)
  void aNodeHoldingTheWrongKeyForAPeerRejectsItsChainHeadsWithAChainMismatchAlarm()
      throws Exception {
    login("jpn-watch-officer");
    Path impostor = dir.resolve("impostor").resolve("signing-key.pem");
    Files.createDirectories(impostor.getParent());
    Path notKoreasKey = NationalKey.loadOrCreate(impostor).writePublicKeyBeside(impostor);
    nodes.remove("JPN").close();
    Map<String, String> wrongKey = new HashMap<>(LINE_TESTS);
    wrongKey.put("allied.hotline.peer-keys.KOR", notKoreasKey.toString());
    startNode("JPN", wrongKey);

    // Korea's next test, in the trilateral or the bilateral conference, brings a head Japan cannot
    // verify
    Alarm alarm =
        Awaitility.await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofMillis(500))
            .until(
                () ->
                    openAlarms("JPN").stream()
                        .filter(a -> a.getKind() == AlarmKind.ALARM_KIND_CHAIN_MISMATCH)
                        .findFirst(),
                java.util.Optional::isPresent)
            .orElseThrow();
    assertThat(alarm.getPeer()).isEqualTo("KOR");
    assertThat(alarm.getConference()).isIn(TRILATERAL, "JPN-KOR");
    assertThat(alarm.getDetail())
        .contains("KOR's chain head of " + alarm.getConference() + " was rejected")
        .contains("not KOR's configured key");
    // the watch officer's screen shows it too
    Watcher jpn = watch("jpn-watch-officer", "JPN", "0", alarm.getConference());
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () ->
                assertThat(jpn.events)
                    .filteredOn(WatchResponse::hasAlarm)
                    .extracting(e -> e.getAlarm().getId())
                    .contains(alarm.getId()));
    assertThat(chainHeadVerdicts())
        .anySatisfy(
            v -> {
              assertThat(v.sender() + ">" + v.receiver()).isEqualTo("KOR>JPN");
              assertThat(v.reason()).startsWith("REJECTED: signed with key");
            });
    // only the node that holds the wrong key objects
    for (String nation : List.of("KOR", "USA")) {
      assertThat(openAlarms(nation))
          .extracting(Alarm::getKind)
          .doesNotContain(AlarmKind.ALARM_KIND_CHAIN_MISMATCH);
    }
  }

  // ----- helpers

  static Conference conferenceAt(String user, String id) {
    var listed =
        stub(user, user.substring(0, 3).toUpperCase())
            .listConferences(ListConferencesRequest.getDefaultInstance());
    while (listed.hasNext()) {
      Conference conference = listed.next().getConference();
      if (conference.getId().equals(id)) {
        return conference;
      }
    }
    throw new AssertionError(user + " lists no conference " + id);
  }

  /** What a node found of a peer's chain head, as its audit record says. */
  record ChainHeadVerdict(String conference, String sender, String receiver, String reason) {}

  /** Every hotline record on the audit stream, as the nodes wrote them. */
  static java.util.stream.Stream<HotlineEvent> hotlineRecords() {
    return AuditStreamReader.readAll(
            redis.url(), LocalRedis.NATIONS.stream().map(AuditWriter::hotline).toList())
        .stream()
        .filter(AuditEvent::hasHotline)
        .map(AuditEvent::getHotline);
  }

  static List<ChainHeadVerdict> chainHeadVerdicts() {
    return hotlineRecords()
        .filter(e -> e.getKind() == HotlineEvent.Kind.CHAIN_HEAD)
        .map(
            e ->
                new ChainHeadVerdict(
                    e.getConference(),
                    e.getParty(),
                    e.getActor().substring(0, 3).toUpperCase(),
                    e.getReason()))
        .toList();
  }

  static List<Alarm> openAlarms(String nation) {
    String watchOfficer = nation.toLowerCase() + "-watch-officer";
    return stub(watchOfficer, nation)
        .getStatus(GetStatusRequest.getDefaultInstance())
        .getOpenAlarmsList();
  }

  static void assertNoMessageTwice(Watcher watcher) {
    List<String> ids = watcher.messages().stream().map(m -> m.getMessage().getId()).toList();
    assertThat(ids).doesNotHaveDuplicates();
  }

  static SecurityLabel secret() {
    return SecurityLabel.newBuilder()
        .setPolicy("KOR")
        .setLevel(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET)
        .setMarking("군사II급비밀")
        .setOriginator("KOR")
        .addAllReleasableTo(List.of("JPN", "KOR", "USA"))
        .setCreatedAt(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond()))
        .build();
  }

  static SendRequest request(
      String conference, Precedence precedence, SecurityLabel label, String text) {
    return SendRequest.newBuilder()
        .setLabel(label)
        .setConference(conference)
        .setPrecedence(precedence)
        .setType(MessageType.MESSAGE_TYPE_EXERCISE)
        .setText(text)
        .build();
  }

  static SendResponse send(String user, Precedence precedence, SecurityLabel label, String text) {
    return stub(user, user.substring(0, 3).toUpperCase())
        .send(request(TRILATERAL, precedence, label, text));
  }

  static Metadata nation(String nation) {
    Metadata headers = new Metadata();
    headers.put(AlliedMetadata.NATION, nation);
    return headers;
  }

  static HotlineServiceGrpc.HotlineServiceBlockingStub stub(String user, String nation) {
    return HotlineServiceGrpc.newBlockingStub(channel)
        .withInterceptors(
            MetadataUtils.newAttachHeadersInterceptor(nation(nation)),
            MetadataUtils.newAttachHeadersInterceptor(AlliedMetadata.withBearer(tokens.get(user))));
  }

  Watcher watch(String user, String nation, String from) {
    return watch(user, nation, from, TRILATERAL);
  }

  Watcher watch(String user, String nation, String from, String conference) {
    Watcher watcher = new Watcher();
    HotlineServiceGrpc.newStub(channel)
        .withInterceptors(
            MetadataUtils.newAttachHeadersInterceptor(nation(nation)),
            MetadataUtils.newAttachHeadersInterceptor(AlliedMetadata.withBearer(tokens.get(user))))
        .watch(
            WatchRequest.newBuilder().setConference(conference).setFromCursor(from).build(),
            watcher);
    watchers.add(watcher);
    return watcher;
  }

  /** A Watch stream, recording everything it shows. */
  static final class Watcher implements ClientResponseObserver<WatchRequest, WatchResponse> {
    final List<WatchResponse> events = new CopyOnWriteArrayList<>();
    volatile Throwable error;
    private ClientCallStreamObserver<WatchRequest> call;

    @Override
    public void beforeStart(ClientCallStreamObserver<WatchRequest> call) {
      this.call = call;
    }

    @Override
    public void onNext(WatchResponse value) {
      events.add(value);
    }

    @Override
    public void onError(Throwable t) {
      error = t;
    }

    @Override
    public void onCompleted() {}

    void close() {
      call.cancel("done", null);
    }

    List<WatchResponse> messages() {
      return events.stream().filter(WatchResponse::hasMessage).toList();
    }

    WatchResponse message(String id) {
      return messages().stream()
          .filter(m -> m.getMessage().getId().equals(id))
          .findFirst()
          .orElse(null);
    }

    WatchResponse awaitMessage(String id) {
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                assertThat(error).isNull();
                assertThat(message(id)).isNotNull();
              });
      return message(id);
    }

    List<Receipt> receipts(String messageId, ReceiptState state) {
      return events.stream()
          .filter(WatchResponse::hasReceipt)
          .map(WatchResponse::getReceipt)
          .filter(r -> r.getMessageId().equals(messageId) && r.getState() == state)
          .toList();
    }

    Receipt awaitReceipt(String messageId, String party, ReceiptState state) {
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .untilAsserted(
              () -> {
                assertThat(error).isNull();
                assertThat(receipts(messageId, state))
                    .extracting(Receipt::getParty)
                    .contains(party);
              });
      return receipts(messageId, state).stream()
          .filter(r -> r.getParty().equals(party))
          .findFirst()
          .orElseThrow();
    }
  }

  /**
   * Between the USA node's relay client and its input: every item from KOR arrives twice, and each
   * pair in reverse order (the first held back until the second came).
   */
  static final class FaultyTransport {
    private final HotlineNode node;
    private final List<byte[]> seen = new CopyOnWriteArrayList<>();
    private byte[] held;
    private int duplicates;

    FaultyTransport(HotlineServiceApplication.Running usa) {
      this.node = usa.context().getBean(HotlineNode.class);
      usa.context().getBean(PeerRelays.class).inbox(this::arrive);
    }

    private synchronized List<HotlineNode.Taken> arrive(String peer, List<byte[]> items) {
      if (!peer.equals("KOR")) {
        return node.acceptRelayed(peer, items);
      }
      List<HotlineNode.Taken> taken = new ArrayList<>();
      for (byte[] item : items) {
        seen.add(item);
        if (held == null) {
          held = item;
          taken.add(HotlineNode.Taken.STORED);
          continue;
        }
        byte[] first = held;
        held = null;
        take(item);
        take(item);
        take(first);
        taken.add(take(first));
      }
      return taken;
    }

    private HotlineNode.Taken take(byte[] item) {
      HotlineNode.Taken taken = node.acceptRelayed("KOR", item);
      if (taken == HotlineNode.Taken.DUPLICATE) {
        duplicates++;
      }
      return taken;
    }

    synchronized void flush() {
      if (held != null) {
        byte[] last = held;
        held = null;
        take(last);
        take(last);
      }
    }

    synchronized void replayEverything() {
      for (byte[] item : seen) {
        take(item);
      }
    }

    synchronized int duplicatesOffered() {
      return duplicates;
    }
  }

  static int freePort() throws Exception {
    return org.alliedexchange.devservers.LoopbackPorts.free();
  }
}
