package org.alliedexchange.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Timestamp;
import com.google.protobuf.UnknownFieldSet;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.alliedexchange.api.exchange.v1.AmendReleasabilityRequest;
import org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc;
import org.alliedexchange.api.exchange.v1.GeoPoint;
import org.alliedexchange.api.exchange.v1.GetRequest;
import org.alliedexchange.api.exchange.v1.MissileLaunchReport;
import org.alliedexchange.api.exchange.v1.ProductContent;
import org.alliedexchange.api.exchange.v1.PublishRequest;
import org.alliedexchange.api.exchange.v1.SearchRequest;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A national system holding ordinary credentials, trying what issue 13 found: labels and requests
 * carrying what nobody interprets, nations that are no nations, and writes its own system could not
 * read. Each is refused before anything is stored, through the gateway in front of a real KOR
 * exchange service.
 */
class HostileNationalSystemIT {

  static KoreaBehindTheGateway federation;

  @BeforeAll
  static void start() throws Exception {
    federation = new KoreaBehindTheGateway(false);
  }

  @AfterAll
  static void stop() throws Exception {
    federation.close();
  }

  @Test
  void aLabelReleasableToANulIsRefusedAtPublishAndAtAmendment() {
    PublishRequest nul = launch(topic(), label("군사II급비밀", "KOR", "JPN", "\u0000"));

    assertThatThrownBy(() -> as(topSecretPublisher()).publish(nul))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(e -> assertStatus(e, Status.Code.INVALID_ARGUMENT, "UNKNOWN_NATION"));
    String id =
        as(topSecretPublisher())
            .publish(launch(topic(), label("군사II급비밀", "KOR", "JPN")))
            .getContent()
            .getId();
    assertThatThrownBy(
            () ->
                as(topSecretPublisher())
                    .amendReleasability(
                        AmendReleasabilityRequest.newBuilder()
                            .setProductId(id)
                            .addReleasableTo("KOR")
                            .addReleasableTo("\u0000")
                            .setJustification("widen")
                            .build()))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(e -> assertStatus(e, Status.Code.INVALID_ARGUMENT, "\\u0000"));
  }

  @Test
  void anUnknownFieldAnywhereInAPublishIsRefusedNamingItsPath() {
    SecurityLabel hidingInReviewAt =
        label("군사II급비밀", "KOR", "JPN").toBuilder()
            .setReviewAt(Timestamp.newBuilder().setSeconds(1_900_000_000L).setUnknownFields(x()))
            .build();
    PublishRequest labelled = launch(topic(), hidingInReviewAt);
    PublishRequest good = launch(topic(), label("군사II급비밀", "KOR", "JPN"));
    ProductContent.Builder content = good.getContent().toBuilder();
    content
        .getMissileLaunchBuilder()
        .setLaunchPoint(
            content.getMissileLaunch().getLaunchPoint().toBuilder().setUnknownFields(x()));
    PublishRequest inContent = good.toBuilder().setContent(content).build();

    assertThatThrownBy(() -> as(topSecretPublisher()).publish(labelled))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(e -> assertStatus(e, Status.Code.INVALID_ARGUMENT, "label.review_at.#99"));
    assertThatThrownBy(() -> as(topSecretPublisher()).publish(inContent))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(
            e ->
                assertStatus(
                    e, Status.Code.INVALID_ARGUMENT, "content.missile_launch.launch_point.#99"));
  }

  @Test
  void anAmendmentByAPublisherBelowTheProductsLevelIsRefusedAndNothingChanges() {
    String topic = topic();
    String id =
        as(topSecretPublisher())
            .publish(launch(topic, label("군사I급비밀", "KOR")))
            .getContent()
            .getId();
    String confidentialPublisher =
        federation.tokens.token(
            "kor-unit-publisher",
            "KOR",
            "CONFIDENTIAL",
            List.of("MISSILE_WARNING"),
            List.of("exchange-publish", "exchange-read"));
    AmendReleasabilityRequest toUsa =
        AmendReleasabilityRequest.newBuilder()
            .setProductId(id)
            .addReleasableTo("KOR")
            .addReleasableTo("USA")
            .setJustification("share with the USA")
            .build();

    assertThatThrownBy(() -> as(confidentialPublisher).amendReleasability(toUsa))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(e -> assertStatus(e, Status.Code.PERMISSION_DENIED, "above your clearance"));
    // refused before it was committed: the USA still may not read it, and its label is unchanged
    assertThatThrownBy(() -> as(usaReader()).get(GetRequest.newBuilder().setProductId(id).build()))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(
            e ->
                assertThat(((StatusRuntimeException) e).getStatus().getCode())
                    .isEqualTo(Status.Code.PERMISSION_DENIED));
    assertThat(
            as(topSecretPublisher())
                .get(GetRequest.newBuilder().setProductId(id).build())
                .getLabel()
                .getReleasableToList())
        .containsExactly("KOR");
  }

  @Test
  void aPublishLabelledWithACommunityThePublisherLacksIsRefusedAndNotStored() {
    String topic = topic();
    PublishRequest sigint =
        launch(topic, label("군사II급비밀", "KOR", "JPN").toBuilder().addCommunities("SIGINT").build());

    assertThatThrownBy(() -> as(topSecretPublisher()).publish(sigint))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(e -> assertStatus(e, Status.Code.PERMISSION_DENIED, "[SIGINT]"));
    String sigintReader =
        federation.tokens.token(
            "kor-sigint-reader",
            "KOR",
            "TOP_SECRET",
            List.of("MISSILE_WARNING", "SIGINT"),
            List.of("exchange-read"));
    assertThat(as(sigintReader).search(SearchRequest.newBuilder().setTopic(topic).build()))
        .toIterable()
        .isEmpty();
  }

  private static UnknownFieldSet x() {
    return UnknownFieldSet.newBuilder()
        .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(7).build())
        .build();
  }

  private static String topic() {
    return "test.hostile.t" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static ExchangeServiceGrpc.ExchangeServiceBlockingStub as(String token) {
    return federation.korea(token);
  }

  private static String topSecretPublisher() {
    return federation.publisher();
  }

  private static String usaReader() {
    return federation.tokens.token(
        "usa-dia-reader",
        "USA",
        "TOP_SECRET",
        List.of("MISSILE_WARNING"),
        List.of("exchange-read"));
  }

  private static SecurityLabel label(String marking, String... releasableTo) {
    return SecurityLabel.newBuilder()
        .setPolicy("KOR")
        .setMarking(marking)
        .setOriginator("KOR")
        .addAllReleasableTo(List.of(releasableTo))
        .build();
  }

  private static PublishRequest launch(String topic, SecurityLabel label) {
    return PublishRequest.newBuilder()
        .setLabel(label)
        .setContent(
            ProductContent.newBuilder()
                .setTopic(topic)
                .setObservedAt(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond()))
                .setMissileLaunch(
                    MissileLaunchReport.newBuilder()
                        .setLaunchPoint(GeoPoint.newBuilder().setLatitude(39.0).setLongitude(125.7))
                        .setMissileType("SRBM")
                        .setCount(1)))
        .build();
  }

  private static void assertStatus(Throwable e, Status.Code code, String inDescription) {
    Status status = ((StatusRuntimeException) e).getStatus();
    assertThat(status.getCode()).as(status.toString()).isEqualTo(code);
    assertThat(status.getDescription()).contains(inDescription);
  }
}
