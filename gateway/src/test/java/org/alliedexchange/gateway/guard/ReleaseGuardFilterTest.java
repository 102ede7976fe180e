package org.alliedexchange.gateway.guard;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.trace.Span;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.api.access.Roles;
import org.alliedexchange.api.exchange.v1.ProductContent;
import org.alliedexchange.api.exchange.v1.PublishRequest;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.gateway.access.GuardedMethods;
import org.alliedexchange.policy.FederationConfig;
import org.alliedexchange.policy.ReleasabilityEngine;
import org.junit.jupiter.api.Test;
import org.springframework.cloud.gateway.filter.GatewayFilterChain;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import org.springframework.mock.http.server.reactive.MockServerHttpRequest;
import org.springframework.mock.web.server.MockServerWebExchange;

/**
 * The request side of the guard: what a publish must carry before anything is sent on to the
 * exchange service.
 */
class ReleaseGuardFilterTest {

  private static final String PUBLISH = "/" + GuardedMethods.EXCHANGE_SERVICE + "/Publish";
  private static final Caller KOR_PUBLISHER =
      Caller.of("kor-jcs-publisher", "KOR", "SECRET", List.of(), List.of(Roles.EXCHANGE_PUBLISH));

  // the response guard is not reached: every call here is decided on its request
  private final ReleaseGuardFilter filter =
      new ReleaseGuardFilter(
          null,
          () -> new ReleasabilityEngine(FederationConfig.loadDefault()),
          new org.alliedexchange.gateway.access.IdentityRevocations(),
          OpenTelemetry.noop(),
          1 << 20);
  private final AtomicReference<byte[]> sentOn = new AtomicReference<>();
  private final GatewayFilterChain backend =
      exchange ->
          DataBufferUtils.join(exchange.getRequest().getBody())
              .doOnNext(
                  body -> {
                    byte[] bytes = new byte[body.readableByteCount()];
                    body.read(bytes);
                    sentOn.set(bytes);
                  })
              .then();

  @Test
  void aPublishOfAnotherNationsProductIsRefusedPermissionDeniedAndNotSentOn() {
    MockServerWebExchange exchange = publish(frame(request("JPN")));

    filter.filter(exchange, backend).block(Duration.ofSeconds(5));

    assertThat(sentOn.get()).isNull();
    assertThat(exchange.getResponse().getHeaders().getFirst("grpc-status")).isEqualTo("7");
    assertThat(exchange.getResponse().getHeaders().getFirst("grpc-message"))
        .isEqualTo(
            "third-party rule: kor-jcs-publisher of KOR may publish"
                + " only its own nation's products, not one originated by JPN; ask the originator to amend its releasability");
  }

  @Test
  void aPublishOfTheCallersOwnProductIsSentOnAsItCame() {
    byte[] frame = frame(request("KOR"));
    MockServerWebExchange exchange = publish(frame);

    filter.filter(exchange, backend).block(Duration.ofSeconds(5));

    assertThat(sentOn.get()).isEqualTo(frame);
    assertThat(exchange.getResponse().getHeaders().getFirst("grpc-status")).isNull();
  }

  @Test
  void aPublishWithoutALabelOrWithoutAMessageIsRefusedInvalidArgument() {
    MockServerWebExchange unlabelled =
        publish(
            frame(
                PublishRequest.newBuilder()
                    .setContent(ProductContent.newBuilder().setTopic("dprk.missile.launch"))
                    .build()
                    .toByteArray()));
    MockServerWebExchange empty = publish(new byte[0]);

    filter.filter(unlabelled, backend).block(Duration.ofSeconds(5));
    filter.filter(empty, backend).block(Duration.ofSeconds(5));

    assertThat(sentOn.get()).isNull();
    assertThat(unlabelled.getResponse().getHeaders().getFirst("grpc-status")).isEqualTo("3");
    assertThat(unlabelled.getResponse().getHeaders().getFirst("grpc-message"))
        .isEqualTo("a publish carries exactly one label, as field 1");
    assertThat(empty.getResponse().getHeaders().getFirst("grpc-status")).isEqualTo("3");
    assertThat(empty.getResponse().getHeaders().getFirst("grpc-message"))
        .isEqualTo("the request has no message");
  }

  @Test
  void aLabelReleasableToSomethingThatIsNoNationIsRefusedInvalidArgumentAndNotSentOn() {
    MockServerWebExchange exchange =
        publish(frame(request(korLabel().addReleasableTo("\u0000").build())));

    filter.filter(exchange, backend).block(Duration.ofSeconds(5));

    assertThat(sentOn.get()).isNull();
    assertThat(exchange.getResponse().getHeaders().getFirst("grpc-status")).isEqualTo("3");
    assertThat(grpcMessage(exchange)).contains("UNKNOWN_NATION");
  }

  @Test
  void aLabelWithAnUnknownFieldNestedInItsReviewDateIsRefusedNamingThePath() {
    SecurityLabel label =
        korLabel()
            .setReviewAt(
                com.google.protobuf.Timestamp.newBuilder()
                    .setSeconds(1_900_000_000L)
                    .setUnknownFields(
                        com.google.protobuf.UnknownFieldSet.newBuilder()
                            .addField(
                                99,
                                com.google.protobuf.UnknownFieldSet.Field.newBuilder()
                                    .addVarint(1)
                                    .build())
                            .build()))
            .build();
    MockServerWebExchange exchange = publish(frame(request(label)));

    filter.filter(exchange, backend).block(Duration.ofSeconds(5));

    assertThat(sentOn.get()).isNull();
    assertThat(exchange.getResponse().getHeaders().getFirst("grpc-status")).isEqualTo("3");
    assertThat(grpcMessage(exchange)).contains("label.review_at.#99");
  }

  @Test
  void aLabelAboveThePublishersClearanceOrWithACommunityItLacksIsRefusedPermissionDenied() {
    MockServerWebExchange aboveClearance =
        publish(
            frame(
                request(
                    korLabel()
                        .setLevel(ClassificationLevel.CLASSIFICATION_LEVEL_TOP_SECRET)
                        .build())));
    MockServerWebExchange communityNotHeld =
        publish(frame(request(korLabel().addCommunities("SIGINT").build())));

    filter.filter(aboveClearance, backend).block(Duration.ofSeconds(5));
    filter.filter(communityNotHeld, backend).block(Duration.ofSeconds(5));

    assertThat(sentOn.get()).isNull();
    assertThat(aboveClearance.getResponse().getHeaders().getFirst("grpc-status")).isEqualTo("7");
    assertThat(grpcMessage(aboveClearance)).contains("above your clearance");
    assertThat(communityNotHeld.getResponse().getHeaders().getFirst("grpc-status")).isEqualTo("7");
    assertThat(grpcMessage(communityNotHeld)).contains("[SIGINT]");
  }

  private static SecurityLabel.Builder korLabel() {
    return SecurityLabel.newBuilder()
        .setPolicy("KOR")
        .setLevel(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET)
        .setOriginator("KOR")
        .addReleasableTo("KOR")
        .addReleasableTo("JPN");
  }

  private static String grpcMessage(MockServerWebExchange exchange) {
    String message = exchange.getResponse().getHeaders().getFirst("grpc-message");
    return message == null
        ? ""
        : java.net.URLDecoder.decode(
            message.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
  }

  @Test
  void aGrpcCallThatDidNotPassTheAccessFilterIsRefusedInternal() {
    MockServerWebExchange exchange =
        MockServerWebExchange.from(
            MockServerHttpRequest.post(PUBLISH).header("content-type", "application/grpc"));

    filter.filter(exchange, backend).block(Duration.ofSeconds(5));

    assertThat(sentOn.get()).isNull();
    assertThat(exchange.getResponse().getHeaders().getFirst("grpc-status")).isEqualTo("13");
  }

  private static MockServerWebExchange publish(byte[] body) {
    MockServerWebExchange exchange =
        MockServerWebExchange.from(
            MockServerHttpRequest.post(PUBLISH)
                .header("content-type", "application/grpc")
                .body(
                    body.length == 0
                        ? reactor.core.publisher.Flux.empty()
                        : reactor.core.publisher.Flux.just(
                            DefaultDataBufferFactory.sharedInstance.wrap(body))));
    exchange
        .getAttributes()
        .put(
            GuardedCall.ATTRIBUTE,
            new GuardedCall(
                KOR_PUBLISHER, GuardedMethods.fromApi().at(PUBLISH), "KOR", Span.getInvalid()));
    return exchange;
  }

  private static byte[] request(String originator) {
    SecurityLabel label =
        SecurityLabel.newBuilder()
            .setPolicy(originator)
            .setLevel(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET)
            .setOriginator(originator)
            .addReleasableTo(originator)
            .build();
    return request(label);
  }

  private static byte[] request(SecurityLabel label) {
    return PublishRequest.newBuilder()
        .setLabel(label)
        .setContent(ProductContent.newBuilder().setTopic("dprk.missile.launch"))
        .build()
        .toByteArray();
  }

  private static byte[] frame(byte[] message) {
    return ByteBuffer.allocate(5 + message.length)
        .put((byte) 0)
        .putInt(message.length)
        .put(message)
        .array();
  }
}
