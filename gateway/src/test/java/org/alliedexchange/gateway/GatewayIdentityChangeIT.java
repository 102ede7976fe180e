package org.alliedexchange.gateway;

import static org.alliedexchange.api.label.v1.ClassificationLevel.CLASSIFICATION_LEVEL_SECRET;
import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.alliedexchange.accesstoken.TestTokens;
import org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc;
import org.alliedexchange.api.exchange.v1.GetRequest;
import org.alliedexchange.api.exchange.v1.ProductContent;
import org.alliedexchange.api.exchange.v1.SubscribeResponse;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.devservers.LocalKeycloak;
import org.alliedexchange.devservers.LocalRedis;
import org.alliedexchange.label.BindingSigner;
import org.alliedexchange.label.NationalKey;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

/**
 * Identity changes reach open streams: a national system subscribed through the gateway with a real
 * Keycloak token is disabled, or has its clearance lowered, by Keycloak's admin API while its
 * stream is open. Within 5 s the stream ends UNAUTHENTICATED, nothing published after reaches it,
 * and its old token opens nothing more.
 */
class GatewayIdentityChangeIT {

  static final String READER = "jpn-mod-reader";
  static final JsonMapper JSON = JsonMapper.builder().build();
  static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  static Path dir;
  static LocalRedis redis;
  static LocalKeycloak keycloak;
  static ScriptedExchange kor;
  static BindingSigner korSigner;
  static GatewayApplication.Running gateway;
  ManagedChannel channel;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("allied-identity-change-");
    redis = LocalRedis.start(dir.resolve("redis"));
    keycloak =
        LocalKeycloak.builder().auditRedis(redis.url(LocalRedis.User.IDENTITY_LISTENER)).start();
    kor = new ScriptedExchange();
    Path korKey = dir.resolve("kor-key.pem");
    NationalKey key = NationalKey.loadOrCreate(korKey);
    korSigner = new BindingSigner("KOR", key);
    Map<String, Object> properties =
        GatewayApplication.localProperties(
            0,
            keycloak.issuer(),
            URI.create(keycloak.issuer() + "/protocol/openid-connect/certs"),
            redis.url(LocalRedis.User.GATEWAY));
    GatewayApplication.addNation(
        properties, "KOR", URI.create(kor.address()), key.writePublicKeyBeside(korKey));
    gateway = GatewayApplication.start(properties);
  }

  @AfterAll
  static void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    if (kor != null) {
      kor.close();
    }
    if (keycloak != null) {
      keycloak.close();
    }
    if (redis != null) {
      redis.close();
    }
  }

  @AfterEach
  void restore() throws Exception {
    if (channel != null) {
      channel.shutdownNow();
    }
    kor.subscribers.clear();
    // the realm as it was: enabled, TOP_SECRET
    setEnabled(READER, true);
    setClearance(READER, "TOP_SECRET");
  }

  @Test
  void aDisabledSystemsOpenStreamEndsUnauthenticatedAndReceivesNothingMore() throws Exception {
    channel = channel();
    String token = admittedToken();
    LiveSubscription live = new LiveSubscription(channel, token);
    awaitSubscribers(1);
    pushToOpenStreams(secretForAll("before"));
    assertThat(live.next(Duration.ofSeconds(5))).isEqualTo("before");

    setEnabled(READER, false);
    Instant disabled = Instant.now();
    Status ended = live.ended.get(5, TimeUnit.SECONDS);
    Duration took = Duration.between(disabled, Instant.now());
    pushToOpenStreams(secretForAll("after"));

    assertThat(ended.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(ended.getDescription())
        .isEqualTo(
            "the identity of "
                + READER
                + " changed (disabled, or its clearance, communities or roles changed); resume with"
                + " a fresh token from your cursor");
    assertThat(took).isLessThan(Duration.ofSeconds(5));
    assertThat(live.next(Duration.ofMillis(500))).isNull();
    // the old token, still unexpired and validly signed, opens nothing more
    assertThat(getStatus(token)).isEqualTo(Status.Code.UNAUTHENTICATED);
    // and Keycloak gives the system no new one
    assertThat(tokenResponse(READER).statusCode()).isEqualTo(401);
  }

  @Test
  void aLoweredClearanceEndsTheOpenStreamAndAResumedStreamIsDecidedWithTheNewClearance()
      throws Exception {
    channel = channel();
    LiveSubscription live = new LiveSubscription(channel, admittedToken());
    awaitSubscribers(1);
    pushToOpenStreams(secretForAll("before"));
    assertThat(live.next(Duration.ofSeconds(5))).isEqualTo("before");

    setClearance(READER, "CONFIDENTIAL");
    Status ended = live.ended.get(5, TimeUnit.SECONDS);
    pushToOpenStreams(secretForAll("unseen"));

    assertThat(ended.getCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(live.next(Duration.ofMillis(500))).isNull();
    // a fresh token says CONFIDENTIAL: its stream stays open and the SECRET product is withheld
    LiveSubscription resumed = new LiveSubscription(channel, admittedToken());
    awaitSubscribers(2);
    pushToOpenStreams(secretForAll("withheld"));
    assertThat(resumed.next(Duration.ofSeconds(1))).isNull();
    assertThat(resumed.ended).isNotDone();
  }

  /**
   * A fresh token of the reader that the gateway admits: tokens issued in the second of an identity
   * change (the realm restored after the last test) are revoked with it.
   */
  String admittedToken() {
    return Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              String token = token(READER);
              return getStatus(token) == Status.Code.UNAUTHENTICATED ? null : token;
            },
            token -> token != null);
  }

  /** How the gateway ends a Get with {@code token} (the scripted exchange answers none). */
  Status.Code getStatus(String token) {
    try {
      stub(channel, token).get(GetRequest.newBuilder().setProductId("p").build());
      return Status.Code.OK;
    } catch (StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
  }

  /** Sends a product to every subscription the scripted exchange still has open. */
  static void pushToOpenStreams(byte[] product) {
    for (StreamObserver<byte[]> subscriber : kor.subscribers) {
      try {
        subscriber.onNext(product);
      } catch (RuntimeException cancelled) {
        // the gateway cancelled this one
      }
    }
  }

  // --- the gateway as a national system reaches it

  ManagedChannel channel() {
    return io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder.forAddress(
            "127.0.0.1", gateway.port())
        .usePlaintext()
        .build();
  }

  static ExchangeServiceGrpc.ExchangeServiceBlockingStub stub(
      ManagedChannel channel, String token) {
    Metadata headers = new Metadata();
    headers.put(GatewayFixture.NATION, "KOR");
    return ExchangeServiceGrpc.newBlockingStub(channel)
        .withCallCredentials(TestTokens.bearer(token))
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  static void awaitSubscribers(int count) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(20))
        .until(() -> kor.subscribers.size() >= count);
  }

  /** A KOR 군사II급비밀 product releasable to KOR, JPN and the USA, signed by KOR. */
  static byte[] secretForAll(String id) {
    SecurityLabel label =
        GatewayFixture.label(CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", List.of("KOR", "JPN", "USA"))
            .build();
    ProductContent content =
        ProductContent.newBuilder()
            .setId(id)
            .setTopic("dprk.missile.launch")
            .setPublisher("kor-jcs-publisher")
            .build();
    return SubscribeResponse.newBuilder()
        .setLabel(label)
        .setContent(content)
        .setBinding(korSigner.sign(label.toByteArray(), content.toByteArray(), Instant.now()))
        .setCursor("c-" + id)
        .build()
        .toByteArray();
  }

  // --- Keycloak, as the system and as its administrator

  static HttpResponse<String> tokenResponse(String clientId) throws Exception {
    return HTTP.send(
        HttpRequest.newBuilder(keycloak.tokenEndpoint())
            .header("content-type", "application/x-www-form-urlencoded")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    form(
                        Map.of(
                            "grant_type",
                            "client_credentials",
                            "client_id",
                            clientId,
                            "client_secret",
                            keycloak.clientSecret(clientId)))))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  static String token(String clientId) throws Exception {
    HttpResponse<String> response = tokenResponse(clientId);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body()).get("access_token").asString();
  }

  static String adminToken() throws Exception {
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(
                    URI.create(keycloak.url() + "/realms/master/protocol/openid-connect/token"))
                .header("content-type", "application/x-www-form-urlencoded")
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        form(
                            Map.of(
                                "grant_type",
                                "password",
                                "client_id",
                                "admin-cli",
                                "username",
                                keycloak.adminUsername(),
                                "password",
                                keycloak.adminPassword()))))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    return JSON.readTree(response.body()).get("access_token").asString();
  }

  static JsonNode admin(String method, String path, JsonNode body) throws Exception {
    HttpResponse<String> response =
        HTTP.send(
            HttpRequest.newBuilder(
                    URI.create(keycloak.url() + "/admin/realms/" + LocalKeycloak.REALM + path))
                .header("authorization", "Bearer " + adminToken())
                .header("content-type", "application/json")
                .method(
                    method,
                    body == null
                        ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(response.statusCode())
        .as(method + " " + path + ": " + response.body())
        .isLessThan(300);
    return response.body().isBlank() ? null : JSON.readTree(response.body());
  }

  static String clientUuid(String clientId) throws Exception {
    return admin("GET", "/clients?clientId=" + clientId, null).get(0).get("id").asString();
  }

  static void setEnabled(String clientId, boolean enabled) throws Exception {
    String id = clientUuid(clientId);
    ObjectNode client = (ObjectNode) admin("GET", "/clients/" + id, null);
    if (client.get("enabled").asBoolean() != enabled) {
      client.put("enabled", enabled);
      admin("PUT", "/clients/" + id, client);
    }
  }

  static void setClearance(String clientId, String clearance) throws Exception {
    String id = clientUuid(clientId);
    ObjectNode user = (ObjectNode) admin("GET", "/clients/" + id + "/service-account-user", null);
    ObjectNode attributes = (ObjectNode) user.get("attributes");
    JsonNode current = attributes.get("clearance");
    if (current == null || !current.get(0).asString().equals(clearance)) {
      ArrayNode values = attributes.putArray("clearance");
      values.add(clearance);
      admin("PUT", "/users/" + user.get("id").asString(), user);
    }
  }

  static String form(Map<String, String> fields) {
    StringBuilder form = new StringBuilder();
    fields.forEach(
        (name, value) ->
            form.append(form.isEmpty() ? "" : "&")
                .append(name)
                .append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
    return form.toString();
  }
}
