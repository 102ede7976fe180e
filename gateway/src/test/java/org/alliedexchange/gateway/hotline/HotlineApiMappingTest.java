package org.alliedexchange.gateway.hotline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import org.alliedexchange.api.hotline.v1.HotlineMessage;
import org.alliedexchange.api.hotline.v1.MessageType;
import org.alliedexchange.api.hotline.v1.Precedence;
import org.alliedexchange.api.hotline.v1.Receipt;
import org.alliedexchange.api.hotline.v1.SendRequest;
import org.alliedexchange.api.hotline.v1.WatchResponse;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.gateway.auditors.AuditorApiErrors;
import org.alliedexchange.gateway.auditors.AuditorApiErrors.BadRequest;
import org.alliedexchange.policy.Federation;
import org.alliedexchange.policy.FederationConfig;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;
import org.springframework.http.codec.ServerSentEvent;

/** The hotline page's API as the page and a hostile caller meet it, without a gateway. */
class HotlineApiMappingTest {

  static final Federation FEDERATION = FederationConfig.loadDefault();
  static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-26T23:00:00Z"), ZoneOffset.UTC);

  static String token(String claims) {
    Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
    return b64.encodeToString("{\"alg\":\"RS256\"}".getBytes(StandardCharsets.UTF_8))
        + "."
        + b64.encodeToString(claims.getBytes(StandardCharsets.UTF_8))
        + ".c2lnbmF0dXJl";
  }

  static final Person JPN_WATCH =
      Person.of(
          token(
              "{\"preferred_username\":\"jpn-watch-officer\",\"nation\":\"JPN\",\"clearance\":\"SECRET\","
                  + "\"roles\":[\"hotline-member\",\"hotline-watch-officer\"],\"exp\":1790000000}"));

  @Test
  void thePersonIsReadFromTheTokensClaims() {
    assertThat(JPN_WATCH.username()).isEqualTo("jpn-watch-officer");
    assertThat(JPN_WATCH.nation()).isEqualTo("JPN");
    assertThat(JPN_WATCH.hotlineRole()).isEqualTo("watch officer");
    assertThat(Person.of(token("{\"roles\":[\"auditor\"]}")).hotlineRole()).isEmpty();
    assertThatThrownBy(() -> Person.of("not-a-jwt")).isInstanceOf(BadRequest.class);
    assertThatThrownBy(() -> Person.of(token("[1,2]"))).isInstanceOf(BadRequest.class);
    assertThatThrownBy(() -> Person.of("a." + "A".repeat(20_000) + ".b"))
        .isInstanceOf(BadRequest.class)
        .hasMessageContaining("too large");
  }

  @Test
  void aSendIsLabelledInTheSendersSchemeReleasableToTheConferencesNations() {
    SendRequest send =
        HotlineRequests.send(
            HotlineRequests.body(
                "{\"conference\":\"JPN-KOR-USA\",\"precedence\":\"FLASH OVERRIDE\",\"marking\":\"極秘\","
                    + "\"text\":\"受信確認\",\"drill\":true,\"idempotencyKey\":\"k-1\"}"),
            JPN_WATCH,
            FEDERATION.nation("JPN"),
            CLOCK);
    assertThat(send.getConference()).isEqualTo("JPN-KOR-USA");
    assertThat(send.getPrecedence()).isEqualTo(Precedence.PRECEDENCE_FLASH_OVERRIDE);
    assertThat(send.getType()).isEqualTo(MessageType.MESSAGE_TYPE_DRILL);
    assertThat(send.getText()).isEqualTo("受信確認");
    assertThat(send.getIdempotencyKey()).isEqualTo("k-1");
    assertThat(send.getLabel().getOriginator()).isEqualTo("JPN");
    assertThat(send.getLabel().getPolicy()).isEqualTo("JPN");
    assertThat(send.getLabel().getMarking()).isEqualTo("極秘");
    assertThat(send.getLabel().getLevel())
        .isEqualTo(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET);
    assertThat(send.getLabel().getReleasableToList()).containsExactly("JPN", "KOR", "USA");
    assertThat(send.getLabel().getCreatedAt().getSeconds())
        .isEqualTo(CLOCK.instant().getEpochSecond());
    assertThat(send.getLabel().hasRelease()).isFalse();
  }

  @Test
  void aMalformedSendIsRefusedBeforeAnyCallSayingWhy() {
    String ok = "\"conference\":\"JPN-KOR\",\"precedence\":\"ROUTINE\",\"text\":\"t\"";
    assertThatThrownBy(() -> send("{" + ok + ",\"marking\":\"군사II급비밀\"}"))
        .isInstanceOf(BadRequest.class)
        .hasMessageContaining("not one of JPN's");
    assertThatThrownBy(
            () ->
                send(
                    "{\"conference\":\"JPN-KOR\",\"precedence\":\"URGENT\",\"marking\":\"秘\",\"text\":\"t\"}"))
        .hasMessageContaining("precedence \"URGENT\" is not one of");
    assertThatThrownBy(
            () ->
                send(
                    "{\"conference\":\"../etc\",\"precedence\":\"FLASH\",\"marking\":\"秘\",\"text\":\"t\"}"))
        .hasMessageContaining("not a conference id");
    assertThatThrownBy(
            () ->
                send(
                    "{\"conference\":\"JPN-KOR\",\"precedence\":\"FLASH\",\"marking\":\"秘\",\"text\":\""
                        + "한".repeat(16_385)
                        + "\"}"))
        .hasMessageContaining("1 to 16384 characters");
    assertThatThrownBy(() -> send("{" + ok + ",\"marking\":\"秘\",\"drill\":\"yes\"}"))
        .hasMessageContaining("drill must be true or false");
    assertThatThrownBy(() -> send("[]")).hasMessageContaining("not a JSON object");
    assertThatThrownBy(() -> HotlineRequests.body("{\"text\":\"" + "x".repeat(140_000) + "\"}"))
        .hasMessageContaining("exceeds");
  }

  private static SendRequest send(String json) {
    return HotlineRequests.send(
        HotlineRequests.body(json), JPN_WATCH, FEDERATION.nation("JPN"), CLOCK);
  }

  @Test
  void acknowledgementsAndReadsTakeCheckedIds() {
    assertThat(
            HotlineRequests.acknowledge(HotlineRequests.body("{\"messageId\":\"m-1\"}"))
                .getMessageId())
        .isEqualTo("m-1");
    assertThat(
            HotlineRequests.markRead(HotlineRequests.body("{\"messageIds\":[\"a\",\"b\"]}"))
                .getMessageIdsList())
        .containsExactly("a", "b");
    assertThatThrownBy(
            () -> HotlineRequests.acknowledgeAlarm(HotlineRequests.body("{\"alarmId\":\"a\\nb\"}")))
        .isInstanceOf(BadRequest.class);
    assertThatThrownBy(() -> HotlineRequests.markRead(HotlineRequests.body("{\"messageIds\":[]}")))
        .hasMessageContaining("1 to 256");
  }

  @Test
  void theBrowsersLastEventIdResumesBeforeThePagesFrom() {
    assertThat(HotlineRequests.watch("JPN-KOR-USA", "0", "41").getFromCursor()).isEqualTo("41");
    assertThat(HotlineRequests.watch("JPN-KOR-USA", "0", null).getFromCursor()).isEqualTo("0");
    assertThat(HotlineRequests.watch("JPN-KOR-USA", "", "").getFromCursor()).isEmpty();
    assertThatThrownBy(() -> HotlineRequests.watch("JPN-KOR-USA", "1\nevent: x", null))
        .isInstanceOf(BadRequest.class);
  }

  @Test
  void theNodesStatusesAreClearHttpErrors() {
    assertThat(status(Status.FAILED_PRECONDITION.withDescription("KOR may not receive it")))
        .isEqualTo(HttpStatus.BAD_REQUEST);
    assertThat(status(Status.PERMISSION_DENIED)).isEqualTo(HttpStatus.FORBIDDEN);
    assertThat(status(Status.UNAUTHENTICATED)).isEqualTo(HttpStatus.UNAUTHORIZED);
    assertThat(status(Status.NOT_FOUND)).isEqualTo(HttpStatus.NOT_FOUND);
    assertThat(status(Status.UNAVAILABLE)).isEqualTo(HttpStatus.SERVICE_UNAVAILABLE);
    assertThat(status(Status.DEADLINE_EXCEEDED)).isEqualTo(HttpStatus.GATEWAY_TIMEOUT);
    assertThat(status(Status.RESOURCE_EXHAUSTED)).isEqualTo(HttpStatus.TOO_MANY_REQUESTS);
    assertThat(
            AuditorApiErrors.error(new BadRequest("no"), "the hotline node").block().statusCode())
        .isEqualTo(HttpStatus.BAD_REQUEST);
  }

  private static org.springframework.http.HttpStatusCode status(Status status) {
    return AuditorApiErrors.error(status.asRuntimeException(), "the hotline node")
        .block()
        .statusCode();
  }

  @Test
  void eachWatchEventIsANamedServerSentEventWhoseIdIsItsCursor() {
    ServerSentEvent<String> message =
        HotlineApi.event(
            WatchResponse.newBuilder()
                .setMessage(HotlineMessage.newBuilder().setId("m-1").setText("<b>긴급</b>"))
                .setCursor("17")
                .build());
    assertThat(message.event()).isEqualTo("message");
    assertThat(message.id()).isEqualTo("17");
    // one line of JSON, markup escaped: the page writes text only, but a line break would end the
    // event
    assertThat(message.data()).doesNotContain("\n", "<b>").contains("긴급");
    ServerSentEvent<String> receipt =
        HotlineApi.event(
            WatchResponse.newBuilder()
                .setReceipt(Receipt.newBuilder().setMessageId("m-1").setParty("USA"))
                .build());
    assertThat(receipt.event()).isEqualTo("receipt");
    assertThat(receipt.id()).isNull();
    ServerSentEvent<String> failure =
        HotlineApi.failure(Status.UNAVAILABLE.withDescription("the audit stream").asException());
    assertThat(failure.event()).isEqualTo("failure");
    assertThat(failure.data())
        .isEqualTo("{\"error\":\"UNAVAILABLE\",\"message\":\"the audit stream\"}");
  }
}
