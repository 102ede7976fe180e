package org.alliedexchange.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.google.common.collect.ImmutableList;
import com.google.protobuf.Timestamp;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.BufferedReader;
import java.io.StringReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.alliedexchange.accesstoken.TestTokens;
import org.alliedexchange.api.audit.v1.AuditServiceGrpc;
import org.alliedexchange.api.audit.v1.Decision;
import org.alliedexchange.api.audit.v1.QueryRecordsRequest;
import org.alliedexchange.api.audit.v1.QueryRecordsResponse;
import org.alliedexchange.api.audit.v1.VerifyChainRequest;
import org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc;
import org.alliedexchange.api.exchange.v1.GeoPoint;
import org.alliedexchange.api.exchange.v1.GetRequest;
import org.alliedexchange.api.exchange.v1.MissileLaunchReport;
import org.alliedexchange.api.exchange.v1.ProductContent;
import org.alliedexchange.api.exchange.v1.PublishRequest;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.audit.AuditServiceApplication;
import org.alliedexchange.audit.chain.ExportVerifier;
import org.alliedexchange.devservers.LocalPostgres;
import org.alliedexchange.devservers.LocalRedis;
import org.alliedexchange.exchange.ExchangeServiceApplication;
import org.alliedexchange.label.NationalKey;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Auditors through the gateway, against a real KOR exchange service and a real audit service: the
 * transfers made through the gateway reach the log, and both sides' auditors read them there, over
 * gRPC and over HTTP/JSON, each record re-marked for the auditor by the same guard as any item.
 */
class GatewayAuditIT {

  static Path dir;
  static LocalRedis redis;
  static LocalPostgres korDatabase;
  static LocalPostgres auditDatabase;
  static TestTokens tokens;
  static ExchangeServiceApplication.Running kor;
  static AuditServiceApplication.Running audit;
  static GatewayApplication.Running gateway;
  static GatewayApplication.Running tlsGateway;
  static TestCertificates.Issued tlsCertificate;
  static ManagedChannel channel;
  static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  static String permitted;
  static String refused;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("allied-gateway-audit-");
    redis = LocalRedis.start(dir.resolve("redis"));
    tokens = new TestTokens();
    korDatabase = LocalPostgres.start(dir.resolve("kor").resolve("postgres"));
    BackendCertificates pki = new BackendCertificates(dir.resolve("pki"));
    kor =
        ExchangeServiceApplication.start(
            pki.exchange(
                ExchangeServiceApplication.localProperties(
                    "KOR",
                    dir.resolve("kor"),
                    korDatabase.url(),
                    redis.url(),
                    tokens.issuer,
                    tokens.jwks()),
                "KOR"),
            null);
    auditDatabase = LocalPostgres.start(dir.resolve("audit").resolve("postgres"));
    Map<String, Object> auditProperties =
        AuditServiceApplication.localProperties(
            dir.resolve("audit"), auditDatabase.url(), redis.url(), tokens.issuer, tokens.jwks());
    auditProperties.put("allied.audit.checkpoint-every", "200ms");
    audit = AuditServiceApplication.start(pki.audit(auditProperties));
    Map<String, Object> properties =
        pki.gateway(
            GatewayApplication.localProperties(0, tokens.issuer, tokens.jwks(), redis.url()));
    GatewayApplication.addNation(
        properties,
        "KOR",
        URI.create("https://127.0.0.1:" + kor.port()),
        dir.resolve("kor").resolve("signing-key.pub.pem"));
    GatewayApplication.addAuditService(
        properties, URI.create("https://127.0.0.1:" + audit.port()), null);
    gateway = GatewayApplication.start(properties);
    channel = NettyChannelBuilder.forAddress("127.0.0.1", gateway.port()).usePlaintext().build();
    // the same federation behind a gateway listening with TLS, on a certificate for a name rather
    // than for 127.0.0.1: its JSON API reaches its own port by naming the host the certificate is
    // for
    tlsCertificate =
        TestCertificates.selfSigned(
            Files.createDirectories(dir.resolve("tls")), "dns:gateway.allied.test,ip:127.0.0.1");
    Map<String, Object> tlsProperties = new java.util.HashMap<>(properties);
    tlsProperties.put("server.port", "0");
    tlsCertificate.serveWith(tlsProperties);
    tlsGateway = GatewayApplication.start(tlsProperties);

    // two transfers KOR -> JPN through the gateway: one released, one above the GSOMIA level
    String publisher =
        tokens.token(
            "kor-jcs-publisher",
            "KOR",
            "TOP_SECRET",
            List.of(),
            List.of("exchange-publish", "exchange-read"));
    String secret = exchange(publisher).publish(launch("군사II급비밀")).getContent().getId();
    String topSecret = exchange(publisher).publish(launch("군사I급비밀")).getContent().getId();
    String japan =
        tokens.token("jpn-mod-reader", "JPN", "TOP_SECRET", List.of(), List.of("exchange-read"));
    permitted =
        exchange(japan)
            .get(GetRequest.newBuilder().setProductId(secret).build())
            .getLabel()
            .getRelease()
            .getTransferId();
    StatusRuntimeException denied =
        org.junit.jupiter.api.Assertions.assertThrows(
            StatusRuntimeException.class,
            () -> exchange(japan).get(GetRequest.newBuilder().setProductId(topSecret).build()));
    assertThat(denied.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    refused = denied.getStatus().getDescription().replaceAll(".*transfer ([0-9a-f-]{36}).*", "$1");
    // the audit service has stored both, and the exchange service's record of the product it
    // served towards JPN, and signed a checkpoint over the three
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () ->
                auditor("JPN")
                        .verifyChain(
                            VerifyChainRequest.newBuilder().setRelationship("JPN-KOR").build())
                        .getCheckpoint()
                        .getSequence()
                    == 3);
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow();
    tlsGateway.close();
    gateway.close();
    audit.close();
    kor.close();
    auditDatabase.close();
    korDatabase.close();
    tokens.close();
    redis.close();
  }

  static ExchangeServiceGrpc.ExchangeServiceBlockingStub exchange(String token) {
    Metadata headers = new Metadata();
    headers.put(GatewayFixture.NATION, "KOR");
    return ExchangeServiceGrpc.newBlockingStub(channel)
        .withCallCredentials(TestTokens.bearer(token))
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers))
        .withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  static PublishRequest launch(String marking) {
    Instant now = Instant.now();
    return PublishRequest.newBuilder()
        .setLabel(
            SecurityLabel.newBuilder()
                .setPolicy("KOR")
                .setMarking(marking)
                .setOriginator("KOR")
                .addAllReleasableTo(List.of("KOR", "JPN", "USA")))
        .setContent(
            ProductContent.newBuilder()
                .setTopic("dprk.missile.launch")
                .setObservedAt(Timestamp.newBuilder().setSeconds(now.getEpochSecond()))
                .setMissileLaunch(
                    MissileLaunchReport.newBuilder()
                        .setLaunchPoint(GeoPoint.newBuilder().setLatitude(39.0).setLongitude(125.7))
                        .setMissileType("SRBM")
                        .setCount(1)))
        .build();
  }

  /** An auditor's token as Keycloak issues it to a person logged in through the console. */
  static String auditorToken(String nation) {
    return tokens.personToken(
        "allied-console",
        nation.toLowerCase() + "-auditor",
        nation,
        "SECRET",
        List.of(),
        List.of("auditor"));
  }

  /** An auditor's stub: no allied-nation metadata, the audit service is federation-wide. */
  static AuditServiceGrpc.AuditServiceBlockingStub auditor(String nation) {
    return AuditServiceGrpc.newBlockingStub(channel)
        .withCallCredentials(TestTokens.bearer(auditorToken(nation)))
        .withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  static List<QueryRecordsResponse> transfers(String nation) {
    return ImmutableList.copyOf(
        auditor(nation)
            .queryRecords(QueryRecordsRequest.newBuilder().setRelationship("JPN-KOR").build()));
  }

  static HttpResponse<String> get(String path, String token) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + path));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void bothAuditorsSeeTheSameTransfersEachReMarkedForThemByTheGuard() {
    List<QueryRecordsResponse> japan = transfers("JPN");
    List<QueryRecordsResponse> korea = transfers("KOR");
    Predicate<QueryRecordsResponse> isTransfer = r -> r.getRedacted() || r.getEvent().hasTransfer();
    List<QueryRecordsResponse> japanTransfers = japan.stream().filter(isTransfer).toList();
    assertThat(japanTransfers).hasSize(2);
    // beside them, the exchange service's own record of the product it served towards JPN
    assertThat(japan).filteredOn(r -> r.getEvent().hasProductServed()).hasSize(1);
    // the released transfer, readable at SECRET; the refused 군사I급비밀 one as its chain link only
    QueryRecordsResponse released = japanTransfers.get(0);
    assertThat(released.getEvent().getEventId()).isEqualTo(permitted);
    assertThat(released.getEvent().getTransfer().getDecision()).isEqualTo(Decision.DECISION_PERMIT);
    assertThat(released.getLabel().getRelease().getRecipientNation()).isEqualTo("JPN");
    assertThat(released.getLabel().getRelease().getMarking()).isEqualTo("極秘");
    assertThat(released.getLabel().getRelease().getTransferId()).isNotEmpty();
    assertThat(japanTransfers.get(1).getRedacted()).isTrue();
    assertThat(
            korea.stream()
                .filter(r -> r.getEvent().getEventId().equals(permitted))
                .findFirst()
                .orElseThrow()
                .getLabel()
                .getRelease()
                .getMarking())
        .isEqualTo("군사II급비밀");
    assertThat(korea)
        .extracting(QueryRecordsResponse::getHash)
        .containsExactlyElementsOf(japan.stream().map(QueryRecordsResponse::getHash).toList());
    // a TOP SECRET auditor of Korea reads the refusal whole
    List<QueryRecordsResponse> cleared =
        ImmutableList.copyOf(
            AuditServiceGrpc.newBlockingStub(channel)
                .withCallCredentials(
                    TestTokens.bearer(
                        tokens.personToken(
                            "allied-console",
                            "kor-auditor",
                            "KOR",
                            "TOP_SECRET",
                            List.of(),
                            List.of("auditor"))))
                .queryRecords(
                    QueryRecordsRequest.newBuilder()
                        .setRelationship("JPN-KOR")
                        .setDecision(Decision.DECISION_DENY)
                        .build()));
    assertThat(cleared).hasSize(1);
    assertThat(cleared.get(0).getEvent().getEventId()).isEqualTo(refused);
    assertThat(cleared.get(0).getLabel().getRelease().getMarking()).isEqualTo("군사I급비밀");
  }

  @Test
  void theGatewayAndTheAuditServiceRefuseWhatAnAuditorMayNotAsk() {
    assertThatThrownBy(
            () ->
                ImmutableList.copyOf(
                    AuditServiceGrpc.newBlockingStub(channel)
                        .withCallCredentials(
                            TestTokens.bearer(
                                tokens.token(
                                    "jpn-mod-reader",
                                    "JPN",
                                    "SECRET",
                                    List.of(),
                                    List.of("exchange-read"))))
                        .queryRecords(QueryRecordsRequest.getDefaultInstance())))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
              assertThat(e.getStatus().getDescription()).contains("lacks the role auditor");
            });
    assertThatThrownBy(
            () ->
                ImmutableList.copyOf(
                    auditor("JPN")
                        .queryRecords(
                            QueryRecordsRequest.newBuilder().setRelationship("KOR-USA").build())))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    assertThatThrownBy(
            () ->
                ImmutableList.copyOf(
                    AuditServiceGrpc.newBlockingStub(channel)
                        .withCallCredentials(TestTokens.bearer(tokens.forged()))
                        .queryRecords(QueryRecordsRequest.getDefaultInstance())))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
  }

  @Test
  void anAuditorsReadsAreAuditedInItsOwnNationsChain() throws Exception {
    transfers("JPN");
    List<QueryRecordsResponse> own =
        await()
            .atMost(Duration.ofSeconds(20))
            .pollInterval(Duration.ofMillis(100))
            .until(
                () ->
                    ImmutableList.copyOf(
                        auditor("JPN")
                            .queryRecords(
                                QueryRecordsRequest.newBuilder()
                                    .setRelationship("JPN")
                                    .setSystem("jpn-auditor")
                                    .setPageSize(1000)
                                    .build())),
                records ->
                    records.stream()
                        .anyMatch(
                            r ->
                                r.getEvent()
                                    .getTransfer()
                                    .getMethod()
                                    .equals("AuditService/QueryRecords")));
    assertThat(own)
        .filteredOn(r -> r.getEvent().getTransfer().getMethod().equals("AuditService/QueryRecords"))
        .first()
        .satisfies(
            read -> {
              assertThat(read.getEvent().getTransfer().getDecision())
                  .isEqualTo(Decision.DECISION_PERMIT);
              assertThat(read.getEvent().getTransfer().getRecipientSystem())
                  .isEqualTo("jpn-auditor");
              assertThat(read.getEvent().getTransfer().getRecipientMarking()).isNotEmpty();
            });
  }

  @Test
  void anAuditorReadingItsOwnReadsTwiceRecordsNoReadOfARead() {
    String system = "jpn-second-auditor";
    AuditServiceGrpc.AuditServiceBlockingStub second =
        AuditServiceGrpc.newBlockingStub(channel)
            .withCallCredentials(
                TestTokens.bearer(
                    tokens.personToken(
                        "allied-console", system, "JPN", "SECRET", List.of(), List.of("auditor"))))
            .withDeadlineAfter(10, TimeUnit.SECONDS);
    // reading the transfers is recorded: one record per record read
    List<QueryRecordsResponse> transfers =
        ImmutableList.copyOf(
            second.queryRecords(
                QueryRecordsRequest.newBuilder().setRelationship("JPN-KOR").build()));
    assertThat(transfers).isNotEmpty();
    long readsOfTransfers = recordsOf(system);
    assertThat(readsOfTransfers).isEqualTo(transfers.size());
    QueryRecordsRequest ownReads =
        QueryRecordsRequest.newBuilder()
            .setRelationship("JPN")
            .setSystem(system)
            .setPageSize(1000)
            .build();

    // the auditor reads its own chain's records of those reads, twice
    List<QueryRecordsResponse> first =
        await()
            .atMost(Duration.ofSeconds(20))
            .pollInterval(Duration.ofMillis(100))
            .until(
                () -> ImmutableList.copyOf(second.queryRecords(ownReads)),
                records -> records.size() >= readsOfTransfers);
    List<QueryRecordsResponse> again = ImmutableList.copyOf(second.queryRecords(ownReads));

    assertThat(first).hasSize((int) readsOfTransfers);
    assertThat(again)
        .as("the first look at the read records added no records of its own")
        .extracting(r -> r.getEvent().getEventId())
        .containsExactlyElementsOf(first.stream().map(r -> r.getEvent().getEventId()).toList());
    assertThat(again)
        .allSatisfy(
            r ->
                assertThat(r.getEvent().getTransfer().getMethod())
                    .isEqualTo("AuditService/QueryRecords"));
    assertThat(recordsOf(system))
        .as("records of this auditor's reads on the audit stream")
        .isEqualTo(readsOfTransfers);
  }

  /** The gateway's records on the audit stream of what {@code system} was given. */
  private static long recordsOf(String system) {
    return org.alliedexchange.auditstream.AuditStreamReader.readAll(
            redis.url(), org.alliedexchange.auditstream.AuditStream.DEFAULT_KEY)
        .stream()
        .filter(e -> e.getTransfer().getRecipientSystem().equals(system))
        .count();
  }

  @Test
  void theJsonApiPagesExportsReportsAndVerifies() throws Exception {
    String japan = auditorToken("JPN");
    // where the permit sits in the chain: the exchange service's record of serving it may come
    // first
    long permitSequence =
        transfers("JPN").stream()
            .filter(r -> r.getEvent().getEventId().equals(permitted))
            .findFirst()
            .orElseThrow()
            .getSequence();
    HttpResponse<String> page =
        get("/audit/v1/records?relationship=JPN-KOR&decision=permit&page-size=1", japan);
    assertThat(page.statusCode()).isEqualTo(200);
    assertThat(page.body())
        .contains(
            "\"eventId\":\"" + permitted + "\"",
            "\"marking\":\"極秘\"",
            "\"nextCursor\":\"JPN-KOR:" + permitSequence + "\"",
            "\"withheld\":0");

    HttpResponse<String> csv = get("/audit/v1/export?relationship=JPN-KOR&format=csv", japan);
    assertThat(csv.statusCode()).isEqualTo(200);
    assertThat(csv.headers().firstValue("content-disposition"))
        .hasValueSatisfying(v -> assertThat(v).contains("audit-JPN-KOR.csv"));
    List<String> rows = csv.body().lines().toList();
    assertThat(rows.get(0)).startsWith("relationship,sequence,occurred_at");
    assertThat(rows).hasSize(4);
    assertThat(rows)
        .anySatisfy(
            row ->
                assertThat(row)
                    .contains("JPN-KOR," + permitSequence + ",", "PERMIT", permitted, "極秘"));

    HttpResponse<String> jsonl = get("/audit/v1/export?relationship=JPN-KOR", japan);
    assertThat(jsonl.statusCode()).isEqualTo(200);
    ExportVerifier.Result whole =
        ExportVerifier.verify(
            new BufferedReader(new StringReader(jsonl.body())),
            NationalKey.publicKey(
                Files.readString(
                    NationalKey.publicKeyFile(
                        dir.resolve("audit").resolve("checkpoint-key.pem")))));
    assertThat(whole.verified()).as(whole.detail()).isTrue();
    assertThat(whole.checked()).isEqualTo(3);
    // one changed character in a readable record is named
    String tampered =
        jsonl
            .body()
            .replaceFirst(
                "\"recipientSystem\":\"jpn-mod-reader\"", "\"recipientSystem\":\"jpn-mod-readeR\"");
    ExportVerifier.Result changed =
        ExportVerifier.verify(new BufferedReader(new StringReader(tampered)), null);
    assertThat(changed.verified()).isFalse();
    assertThat(changed.firstBad()).isEqualTo(1);

    HttpResponse<String> report = get("/audit/v1/report?relationship=JPN-KOR", japan);
    assertThat(report.statusCode()).isEqualTo(200);
    assertThat(report.body())
        .contains(
            "\"aToB\":\"0\"",
            "\"bToA\":\"1\"",
            "\"checkpointSignatureValid\":true",
            "{\"from\":\"KOR\",\"to\":\"JPN\",\"level\":\"CLASSIFICATION_LEVEL_SECRET\",\"released\":\"1\",\"refused\":\"0\"}",
            "{\"from\":\"KOR\",\"to\":\"JPN\",\"level\":\"CLASSIFICATION_LEVEL_TOP_SECRET\",\"released\":\"0\",\"refused\":\"1\"}");

    HttpResponse<String> verify = get("/audit/v1/verify?relationship=JPN-KOR", auditorToken("KOR"));
    assertThat(verify.statusCode()).isEqualTo(200);
    assertThat(verify.body()).contains("\"verified\":true");

    assertThat(get("/audit/v1/records?decision=maybe", japan).statusCode()).isEqualTo(400);
    assertThat(get("/audit/v1/records?colour=red", japan).body())
        .contains("unknown parameter colour");
    assertThat(get("/audit/v1/records", null).statusCode()).isEqualTo(401);
    assertThat(get("/audit/v1/records?relationship=KOR-USA", japan).statusCode()).isEqualTo(403);
    assertThat(get("/audit/v1/records", tokens.forged()).statusCode()).isEqualTo(401);
  }

  @Test
  void theJsonApiIsServedByAGatewayListeningWithTls() throws Exception {
    java.security.KeyStore trust = java.security.KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    try (java.io.InputStream in = Files.newInputStream(tlsCertificate.certificate())) {
      trust.setCertificateEntry(
          "gateway",
          java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    javax.net.ssl.TrustManagerFactory trusted =
        javax.net.ssl.TrustManagerFactory.getInstance(
            javax.net.ssl.TrustManagerFactory.getDefaultAlgorithm());
    trusted.init(trust);
    javax.net.ssl.SSLContext tls = javax.net.ssl.SSLContext.getInstance("TLS");
    tls.init(null, trusted.getTrustManagers(), null);
    HttpClient https = HttpClient.newBuilder().sslContext(tls).build();

    HttpResponse<String> page =
        https.send(
            HttpRequest.newBuilder(
                    URI.create(
                        "https://127.0.0.1:"
                            + tlsGateway.port()
                            + "/audit/v1/records?relationship=JPN-KOR&decision=permit"))
                .header("Authorization", "Bearer " + auditorToken("JPN"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(page.statusCode()).as(page.body()).isEqualTo(200);
    assertThat(page.body()).contains("\"eventId\":\"" + permitted + "\"", "\"marking\":\"極秘\"");
  }
}
