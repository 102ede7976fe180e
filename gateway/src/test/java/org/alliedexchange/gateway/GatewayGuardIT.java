package org.alliedexchange.gateway;

import static org.alliedexchange.api.label.v1.ClassificationLevel.CLASSIFICATION_LEVEL_CONFIDENTIAL;
import static org.alliedexchange.api.label.v1.ClassificationLevel.CLASSIFICATION_LEVEL_SECRET;
import static org.alliedexchange.api.label.v1.ClassificationLevel.CLASSIFICATION_LEVEL_TOP_SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.alliedexchange.api.AlliedMetadata;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.AuditServiceGrpc;
import org.alliedexchange.api.audit.v1.Decision;
import org.alliedexchange.api.audit.v1.DenyReason;
import org.alliedexchange.api.exchange.v1.GetRequest;
import org.alliedexchange.api.exchange.v1.GetResponse;
import org.alliedexchange.api.exchange.v1.ProductContent;
import org.alliedexchange.api.exchange.v1.PublishRequest;
import org.alliedexchange.api.exchange.v1.SearchRequest;
import org.alliedexchange.api.exchange.v1.SearchResponse;
import org.alliedexchange.api.label.v1.DisseminationControl;
import org.alliedexchange.auditstream.AuditStream;
import org.alliedexchange.auditstream.AuditStreamReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every rule of the guard, against a scripted exchange service that sends what a test tells it to.
 */
class GatewayGuardIT {

  static GatewayFixture fixture;
  static ManagedChannel channel;

  @BeforeAll
  static void start() throws Exception {
    fixture = new GatewayFixture(Map.of("allied.gateway.rate-limit.systems.usa-limited", "5"));
    channel = fixture.channel();
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow();
    fixture.close();
  }

  private static List<String> ALL = List.of("KOR", "JPN", "USA");

  @Test
  void aStreamMixingReleasableAndWithheldItemsDeliversExactlyTheReleasableOnesReMarked() {
    String released = GatewayFixture.newId();
    String notForJapan = GatewayFixture.newId();
    String topSecret = GatewayFixture.newId();
    String otherCommunity = GatewayFixture.newId();
    String noforn = GatewayFixture.newId();
    String tampered = GatewayFixture.newId();
    String confidential = GatewayFixture.newId();
    byte[] tamperedBytes =
        tamper(
            fixture.product(
                GatewayFixture.label(CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", ALL).build(),
                tampered));
    fixture.kor.script(
        "Search",
        List.of(
            fixture.product(
                GatewayFixture.label(CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", ALL).build(),
                released),
            fixture.product(
                GatewayFixture.label(CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", List.of("KOR", "USA"))
                    .build(),
                notForJapan),
            fixture.product(
                GatewayFixture.label(CLASSIFICATION_LEVEL_TOP_SECRET, "군사I급비밀", ALL).build(),
                topSecret),
            fixture.product(
                GatewayFixture.label(CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", ALL)
                    .addCommunities("HUMINT")
                    .build(),
                otherCommunity),
            fixture.product(
                GatewayFixture.label(CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", ALL)
                    .addControls(DisseminationControl.DISSEMINATION_CONTROL_NOFORN)
                    .build(),
                noforn),
            tamperedBytes,
            "not a protobuf message at all".getBytes(),
            fixture.product(
                GatewayFixture.label(CLASSIFICATION_LEVEL_CONFIDENTIAL, "군사III급비밀", ALL).build(),
                confidential)));

    AtomicReference<Metadata> trailers = new AtomicReference<>();
    List<SearchResponse> got = new ArrayList<>();
    fixture
        .stub(channel, "KOR", fixture.reader("JPN", "SECRET", List.of("MISSILE_WARNING")))
        .withInterceptors(
            MetadataUtils.newCaptureMetadataInterceptor(new AtomicReference<>(), trailers))
        .search(SearchRequest.newBuilder().setTopic("dprk.missile.launch").build())
        .forEachRemaining(got::add);

    assertThat(got).extracting(r -> r.getContent().getId()).containsExactly(released, confidential);
    assertThat(got.get(0).getLabel().getRelease().getRecipientNation()).isEqualTo("JPN");
    assertThat(got.get(0).getLabel().getRelease().getMarking()).isEqualTo("極秘");
    assertThat(got.get(0).getLabel().getRelease().getAgreementId())
        .isEqualTo("KOR-JPN-GSOMIA-2016");
    assertThat(got.get(1).getLabel().getRelease().getMarking()).isEqualTo("秘");
    // the originator's label is untouched beside the release
    assertThat(got.get(0).getLabel().getMarking()).isEqualTo("군사II급비밀");

    // the caller is told nothing of the six it did not get: not how many, not why
    Metadata end = trailers.get();
    assertThat(end.keys())
        .doesNotContain(AlliedMetadata.WITHHELD_NAME, AlliedMetadata.WITHHELD_REASONS_NAME);

    // every decision is on the audit stream, each released transfer id among the permits
    List<AuditEvent> events =
        AuditStreamReader.readAll(fixture.redis.url(), AuditStream.DEFAULT_KEY);
    for (SearchResponse response : got) {
      String transferId = response.getLabel().getRelease().getTransferId();
      assertThat(events)
          .filteredOn(e -> e.getTransfer().getTransferId().equals(transferId))
          .singleElement()
          .satisfies(
              e -> {
                assertThat(e.getTransfer().getDecision()).isEqualTo(Decision.DECISION_PERMIT);
                assertThat(e.getTransfer().getRecipientNation()).isEqualTo("JPN");
                assertThat(e.getTransfer().getRecipientMarking())
                    .isEqualTo(response.getLabel().getRelease().getMarking());
                assertThat(e.getTraceId()).hasSize(32);
                // the originator's label, as it was sent
                assertThat(e.getTransfer().getLabel().getReleasableToList())
                    .containsExactly("KOR", "JPN", "USA");
                assertThat(e.getTransfer().getLabel().getCommunitiesList())
                    .containsExactly("MISSILE_WARNING");
                assertThat(e.getTransfer().getLabel().getOriginator()).isEqualTo("KOR");
                assertThat(e.getTransfer().getLabel().getMarking()).isIn("군사II급비밀", "군사III급비밀");
              });
    }
    assertThat(events)
        .filteredOn(e -> recordsProduct(e, tampered))
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.getTransfer().getReasonsList())
                    .contains(DenyReason.DENY_REASON_BINDING_INVALID));
    assertThat(events)
        .filteredOn(e -> recordsProduct(e, notForJapan))
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.getTransfer().getReasonsList())
                    .containsExactly(DenyReason.DENY_REASON_NOT_RELEASABLE_TO_NATION));
    // the reasons the caller was not told are in the records the auditors read
    assertThat(events)
        .filteredOn(e -> recordsProduct(e, noforn))
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.getTransfer().getReasonsList())
                    .contains(DenyReason.DENY_REASON_NOFORN));
    assertThat(events)
        .filteredOn(e -> recordsProduct(e, topSecret))
        .singleElement()
        .satisfies(
            e ->
                assertThat(e.getTransfer().getReasonsList())
                    .contains(DenyReason.DENY_REASON_INSUFFICIENT_CLEARANCE));
  }

  @Test
  void aSearchsNextCursorNeverPointsPastAProductTheGuardWithheld() {
    String released = GatewayFixture.newId();
    String noforn = GatewayFixture.newId();
    Metadata fromExchange = new Metadata();
    // what the exchange service says after the last product it sent
    fromExchange.put(AlliedMetadata.NEXT_CURSOR, "s" + noforn);
    fromExchange.put(AlliedMetadata.WITHHELD, "4");
    fromExchange.put(AlliedMetadata.WITHHELD_REASONS, "EXCHANGE_SERVICE=4");
    fixture.kor.script(
        "Search",
        List.of(
            fixture.product(
                GatewayFixture.label(CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", ALL).build(),
                released),
            fixture.product(
                GatewayFixture.label(CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", List.of("KOR"))
                    .addControls(DisseminationControl.DISSEMINATION_CONTROL_NOFORN)
                    .build(),
                noforn)),
        Status.OK,
        fromExchange);

    AtomicReference<Metadata> trailers = new AtomicReference<>();
    List<SearchResponse> got = new ArrayList<>();
    fixture
        .stub(channel, "KOR", fixture.reader("JPN", "SECRET", List.of("MISSILE_WARNING")))
        .withInterceptors(
            MetadataUtils.newCaptureMetadataInterceptor(new AtomicReference<>(), trailers))
        .search(SearchRequest.newBuilder().setTopic("dprk.missile.launch").setPageSize(2).build())
        .forEachRemaining(got::add);

    assertThat(got).extracting(r -> r.getContent().getId()).containsExactly(released);
    assertThat(trailers.get().get(AlliedMetadata.NEXT_CURSOR)).isEqualTo("s" + released);
    assertThat(trailers.get().keys())
        .doesNotContain(AlliedMetadata.WITHHELD_NAME, AlliedMetadata.WITHHELD_REASONS_NAME);
  }

  private static byte[] tamper(byte[] product) {
    try {
      SearchResponse original = SearchResponse.parseFrom(product);
      return original.toBuilder()
          .setContent(original.getContent().toBuilder().setTopic("changed.after.signing"))
          .build()
          .toByteArray();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void aUnaryCallForAWithheldProductIsPermissionDeniedWithTheTransferToQuoteAndNoReason() {
    String id = GatewayFixture.newId();
    fixture.kor.script(
        "Get",
        List.of(
            fixture.getResponse(
                GatewayFixture.label(CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", List.of("KOR", "USA"))
                    .build(),
                id)));

    assertThatThrownBy(
            () ->
                fixture
                    .stub(
                        channel,
                        "KOR",
                        fixture.reader("JPN", "TOP_SECRET", List.of("MISSILE_WARNING")))
                    .get(GetRequest.newBuilder().setProductId(id).build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
              assertThat(e.getStatus().getDescription())
                  .startsWith("product " + id + " is not released to you; quote transfer ")
                  .doesNotContain("NOT_RELEASABLE", "KOR", "SECRET", "군사");
              String quoted = e.getTrailers().get(AlliedMetadata.TRANSFER_ID);
              assertThat(e.getStatus().getDescription()).contains(quoted);
              // the reason is in the record, for the auditors
              assertThat(AuditStreamReader.readAll(fixture.redis.url(), AuditStream.DEFAULT_KEY))
                  .filteredOn(event -> event.getTransfer().getTransferId().equals(quoted))
                  .singleElement()
                  .satisfies(
                      event ->
                          assertThat(event.getTransfer().getReasonsList())
                              .containsExactly(DenyReason.DENY_REASON_NOT_RELEASABLE_TO_NATION));
            });
  }

  @Test
  void theExchangeServicesOwnRefusalReachesTheCallerWithItsStatusAndMessage() {
    fixture.kor.script(
        "Get",
        List.of(),
        Status.NOT_FOUND.withDescription("no product 42 is releasable to you"),
        new Metadata());
    AtomicReference<Metadata> headers = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    assertThatThrownBy(
            () ->
                fixture
                    .stub(channel, "KOR", fixture.reader("JPN", "SECRET", List.of()))
                    .withInterceptors(
                        MetadataUtils.newCaptureMetadataInterceptor(headers, trailers))
                    .get(GetRequest.newBuilder().setProductId("42").build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode())
                  .as("headers %s trailers %s", headers.get(), trailers.get())
                  .isEqualTo(Status.Code.NOT_FOUND);
              assertThat(e.getStatus().getDescription())
                  .isEqualTo("no product 42 is releasable to you");
            });
  }

  @Test
  void aReleasedUnaryMessageCarriesItsTransferIdInTheMessageAndTheTrailers() {
    String id = GatewayFixture.newId();
    fixture.kor.script(
        "Get",
        List.of(
            fixture.getResponse(
                GatewayFixture.label(CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", ALL).build(), id)));
    AtomicReference<Metadata> trailers = new AtomicReference<>();

    GetResponse response =
        fixture
            .stub(channel, "KOR", fixture.reader("USA", "SECRET", List.of("MISSILE_WARNING")))
            .withInterceptors(
                MetadataUtils.newCaptureMetadataInterceptor(new AtomicReference<>(), trailers))
            .get(GetRequest.newBuilder().setProductId(id).build());

    assertThat(response.getLabel().getRelease().getMarking()).isEqualTo("SECRET");
    assertThat(response.getLabel().getRelease().getAgreementId()).isEqualTo("KOR-USA-GSOMIA-1987");
    assertThat(trailers.get().get(AlliedMetadata.TRANSFER_ID))
        .isEqualTo(response.getLabel().getRelease().getTransferId());
  }

  @Test
  void tokensThatDoNotValidateAreRefusedWithAReason() throws Exception {
    fixture.kor.script("Get", List.of());
    GetRequest request = GetRequest.newBuilder().setProductId(GatewayFixture.newId()).build();
    Map<String, String> refused =
        Map.of(
            "forged", fixture.tokens.forged(),
            "expired",
                fixture.tokens.tweaked(
                    c -> c.expirationTime(new Date(System.currentTimeMillis() - 120_000))),
            "wrong audience", fixture.tokens.tweaked(c -> c.audience("account")),
            "wrong issuer",
                fixture.tokens.tweaked(c -> c.issuer("http://127.0.0.1:1/realms/other")),
            "alg none", fixture.tokens.unsigned(),
            "no exp", fixture.tokens.tweaked(c -> c.expirationTime(null)),
            "not a token", "abc.def.ghi");
    refused.forEach(
        (what, token) ->
            assertThatThrownBy(() -> fixture.stub(channel, "KOR", token).get(request))
                .as(what)
                .isInstanceOfSatisfying(
                    StatusRuntimeException.class,
                    e -> {
                      assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
                      assertThat(e.getStatus().getDescription()).startsWith("invalid token");
                    }));
    assertThat(fixture.kor.requestsSeen)
        .as("nothing reached the exchange service")
        .noneMatch(r -> request.toByteString().equals(ByteString.copyFrom(r)));
  }

  @Test
  void theNationNamedInMetadataChoosesTheService() {
    String token = fixture.reader("JPN", "SECRET", List.of());
    assertThatThrownBy(
            () ->
                fixture
                    .stub(channel, "FRA", token)
                    .get(GetRequest.newBuilder().setProductId("x").build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
              assertThat(e.getStatus().getDescription()).contains("FRA", "KOR");
            });
    assertThatThrownBy(
            () ->
                org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc.newBlockingStub(channel)
                    .withCallCredentials(org.alliedexchange.accesstoken.TestTokens.bearer(token))
                    .get(GetRequest.newBuilder().setProductId("x").build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT);
              assertThat(e.getStatus().getDescription()).contains("allied-nation");
            });
    assertThatThrownBy(
            () ->
                AuditServiceGrpc.newBlockingStub(channel)
                    .withCallCredentials(org.alliedexchange.accesstoken.TestTokens.bearer(token))
                    .verifyChain(
                        org.alliedexchange.api.audit.v1.VerifyChainRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              // this gateway has no audit service configured: refused, not passed anywhere
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
              assertThat(e.getStatus().getDescription())
                  .contains("allied.gateway.audit-service.addresses");
            });
    assertThatThrownBy(
            () ->
                io.grpc.health.v1.HealthGrpc.newBlockingStub(channel)
                    .withCallCredentials(org.alliedexchange.accesstoken.TestTokens.bearer(token))
                    .check(io.grpc.health.v1.HealthCheckRequest.getDefaultInstance()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNIMPLEMENTED);
              assertThat(e.getStatus().getDescription())
                  .contains("/allied.audit.v1.AuditService/QueryRecords");
            });
  }

  @Test
  void publishNeedsThePublishRoleTheCallersOwnNationAndItsOwnOriginator() {
    PublishRequest korProduct =
        PublishRequest.newBuilder()
            .setLabel(GatewayFixture.label(CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", ALL))
            .setContent(ProductContent.newBuilder().setTopic("dprk.missile.launch"))
            .build();
    String jpnPublisher =
        fixture.tokens.token(
            "jpn-js-publisher",
            "JPN",
            "TOP_SECRET",
            List.of("MISSILE_WARNING"),
            List.of("exchange-publish", "exchange-read"));
    String korPublisher =
        fixture.tokens.token(
            "kor-jcs-publisher",
            "KOR",
            "TOP_SECRET",
            List.of("MISSILE_WARNING"),
            List.of("exchange-publish", "exchange-read"));

    assertThatThrownBy(
            () ->
                fixture
                    .stub(channel, "KOR", fixture.reader("KOR", "SECRET", List.of()))
                    .publish(korProduct))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
              assertThat(e.getStatus().getDescription()).contains("exchange-publish");
            });
    assertThatThrownBy(() -> fixture.stub(channel, "KOR", jpnPublisher).publish(korProduct))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
              assertThat(e.getStatus().getDescription()).contains("own nation");
            });
    PublishRequest relabelled =
        korProduct.toBuilder()
            .setLabel(korProduct.getLabel().toBuilder().setOriginator("JPN").setPolicy("JPN"))
            .build();
    assertThatThrownBy(() -> fixture.stub(channel, "KOR", korPublisher).publish(relabelled))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
              assertThat(e.getStatus().getDescription()).contains("third-party rule");
            });
    assertThat(fixture.kor.requestsSeen)
        .noneMatch(r -> java.util.Arrays.equals(r, relabelled.toByteArray()));

    // a proper publish goes through, uncompressed and with the gateway's trace context
    String id = GatewayFixture.newId();
    fixture.kor.script("Publish", List.of(fixture.getResponse(korProduct.getLabel(), id)));
    int before = fixture.kor.headersSeen.size();
    var response = fixture.stub(channel, "KOR", korPublisher).publish(korProduct);
    assertThat(response.getContent().getId()).isEqualTo(id);
    assertThat(response.getLabel().getRelease().getRecipientNation()).isEqualTo("KOR");
    assertThat(response.getLabel().getRelease().getAgreementId()).isEmpty();
    Metadata seen = fixture.kor.headersSeen.get(before);
    assertThat(seen.get(Metadata.Key.of("grpc-accept-encoding", Metadata.ASCII_STRING_MARSHALLER)))
        .isEqualTo("identity");
    String traceparent = seen.get(Metadata.Key.of("traceparent", Metadata.ASCII_STRING_MARSHALLER));
    assertThat(traceparent).isNotNull();
    // the span ends as the exchange completes, which can be just after the client has its answer
    long deadline = System.currentTimeMillis() + 5_000;
    while (fixture.spans.getFinishedSpanItems().stream()
            .noneMatch(span -> traceparent.contains(span.getTraceId()))
        && System.currentTimeMillis() < deadline) {
      Thread.onSpinWait();
    }
    assertThat(fixture.spans.getFinishedSpanItems())
        .anySatisfy(
            span -> {
              assertThat(span.getName()).isEqualTo("ExchangeService/Publish");
              assertThat(traceparent).contains(span.getTraceId());
            });
  }

  @Test
  void aSystemOverItsRateLimitIsRefused() {
    fixture.kor.script("Get", List.of());
    String limited =
        fixture.tokens.token("usa-limited", "USA", "SECRET", List.of(), List.of("exchange-read"));
    List<Status.Code> codes = new ArrayList<>();
    long start = System.currentTimeMillis();
    for (int i = 0; i < 30; i++) {
      try {
        fixture
            .stub(channel, "KOR", limited)
            .get(GetRequest.newBuilder().setProductId("x").build());
        codes.add(Status.Code.OK);
      } catch (StatusRuntimeException e) {
        codes.add(e.getStatus().getCode());
      }
    }
    long seconds = (System.currentTimeMillis() - start) / 1000 + 1;
    // the scripted Get answers UNIMPLEMENTED once past the gateway: that is a call the limit let
    // through
    long through = codes.stream().filter(c -> c != Status.Code.RESOURCE_EXHAUSTED).count();
    assertThat(codes).contains(Status.Code.RESOURCE_EXHAUSTED);
    assertThat(through).isBetween(1L, 5 * (seconds + 1));
  }

  @Test
  void theAdminApiRefusesCallersWithoutTheFederationAdminRole() throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    URI list = URI.create("http://127.0.0.1:" + fixture.gateway.port() + "/admin/v1/agreements");
    HttpResponse<String> anonymous =
        http.send(HttpRequest.newBuilder(list).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.body()).contains("no bearer token");
    HttpResponse<String> reader =
        http.send(
            HttpRequest.newBuilder(list)
                .header("authorization", "Bearer " + fixture.reader("USA", "SECRET", List.of()))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(reader.statusCode()).isEqualTo(403);
    String admin =
        fixture.tokens.token(
            "federation-admin", "USA", "SECRET", List.of(), List.of("federation-admin"));
    HttpResponse<String> agreements =
        http.send(
            HttpRequest.newBuilder(list).header("authorization", "Bearer " + admin).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(agreements.statusCode()).isEqualTo(200);
    assertThat(agreements.body()).contains("KOR-JPN-GSOMIA-2016", "IN_FORCE");
    HttpResponse<String> unknown =
        http.send(
            HttpRequest.newBuilder(URI.create(list + "/NO-SUCH/suspend"))
                .header("authorization", "Bearer " + admin)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{\"reason\":\"test\"}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(unknown.statusCode()).isEqualTo(404);
    HttpResponse<String> noReason =
        http.send(
            HttpRequest.newBuilder(URI.create(list + "/KOR-JPN-GSOMIA-2016/suspend"))
                .header("authorization", "Bearer " + admin)
                .header("content-type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("{}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(noReason.statusCode()).isEqualTo(400);
  }

  /**
   * The record of a withheld product: its own, or the summary of a stream's rows that quotes it.
   */
  private static boolean recordsProduct(AuditEvent event, String productId) {
    return event.getTransfer().getProductId().equals(productId)
        || event.getTransfer().getWithheldProductIdsList().contains(productId);
  }

  @Test
  void onlyAnAdministratorOfAPartyNationSuspendsOrResumesAnAgreement() throws Exception {
    HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    URI suspend =
        URI.create(
            "http://127.0.0.1:"
                + fixture.gateway.port()
                + "/admin/v1/agreements/KOR-JPN-GSOMIA-2016/suspend");
    URI resume = URI.create(suspend.toString().replace("/suspend", "/resume"));
    String usaAdmin =
        fixture.tokens.token(
            "federation-admin", "USA", "SECRET", List.of(), List.of("federation-admin"));
    // the automation account: agreement-admin only, acting for its nation
    String korAutomation =
        fixture.tokens.token(
            "federation-automation", "KOR", "SECRET", List.of(), List.of("agreement-admin"));

    HttpResponse<String> notParty = post(http, suspend, usaAdmin);
    assertThat(notParty.statusCode()).isEqualTo(403);
    assertThat(notParty.body())
        .contains("federation-admin is of USA, which is not party to KOR-JPN-GSOMIA-2016");
    assertThat(
            fixture
                .gateway
                .context()
                .getBean(org.alliedexchange.federationstate.AgreementBoard.class)
                .engine()
                .federation()
                .agreement("KOR-JPN-GSOMIA-2016")
                .inForceAt(java.time.Instant.now()))
        .isTrue();

    HttpResponse<String> party = post(http, suspend, korAutomation);
    HttpResponse<String> resumed = post(http, resume, korAutomation);
    assertThat(party.statusCode()).as(party.body()).isEqualTo(200);
    assertThat(party.body()).contains("\"status\":\"SUSPENDED\"");
    assertThat(resumed.statusCode()).as(resumed.body()).isEqualTo(200);
    assertThat(resumed.body()).contains("\"status\":\"IN_FORCE\"");
  }

  private static HttpResponse<String> post(HttpClient http, URI uri, String token)
      throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri)
            .header("authorization", "Bearer " + token)
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{\"reason\":\"test\"}"))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
