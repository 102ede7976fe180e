package org.alliedexchange.gateway;

import static org.alliedexchange.api.label.v1.ClassificationLevel.CLASSIFICATION_LEVEL_SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.alliedexchange.api.AlliedMetadata;
import org.alliedexchange.api.access.Roles;
import org.alliedexchange.api.audit.v1.DenyReason;
import org.alliedexchange.api.exchange.v1.AmendReleasabilityRequest;
import org.alliedexchange.api.exchange.v1.AmendReleasabilityResponse;
import org.alliedexchange.api.exchange.v1.GetRequest;
import org.alliedexchange.api.exchange.v1.GetResponse;
import org.alliedexchange.api.exchange.v1.ProductContent;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.auditstream.AuditStream;
import org.alliedexchange.auditstream.AuditStreamReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A bad KOR backend replays a product's binding from before the amendment that narrowed it: every
 * gateway that has seen the amended version, itself or through another replica, withholds it.
 */
class GatewayStaleVersionIT {

  static GatewayFixture fixture;
  static ManagedChannel channel;

  @BeforeAll
  static void start() throws Exception {
    fixture = new GatewayFixture(Map.of());
    channel = fixture.channel();
  }

  @AfterAll
  static void stop() throws Exception {
    channel.shutdownNow();
    fixture.close();
  }

  @Test
  void aBindingOlderThanTheAmendmentTheGatewayForwardedIsWithheld() throws Exception {
    String id = GatewayFixture.newId();
    SecurityLabel toJapan =
        GatewayFixture.label(CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", List.of("KOR", "JPN")).build();
    SecurityLabel korOnly = toJapan.toBuilder().clearReleasableTo().addReleasableTo("KOR").build();
    ProductContent content =
        ProductContent.newBuilder()
            .setId(id)
            .setTopic("dprk.missile.launch")
            .setPublisher("kor-jcs-publisher")
            .build();
    String japaneseReader = fixture.reader("JPN", "SECRET", List.of("MISSILE_WARNING"));
    // before the amendment, JPN may read it
    fixture.kor.script("Get", List.of(get(toJapan, content, 1)));
    assertThat(getAs(channel, japaneseReader, id).getContent().getId()).isEqualTo(id);

    // KOR narrows it to KOR alone; the amended, re-signed product comes back through the gateway
    fixture.kor.script(
        "AmendReleasability",
        List.of(
            AmendReleasabilityResponse.newBuilder()
                .setLabel(korOnly)
                .setContent(content)
                .setBinding(
                    fixture.korSigner.sign(
                        korOnly.toByteArray(), content.toByteArray(), 2, Instant.now()))
                .build()
                .toByteArray()));
    String publisher =
        fixture.tokens.token(
            "kor-jcs-publisher",
            "KOR",
            "TOP_SECRET",
            List.of("MISSILE_WARNING"),
            List.of(Roles.EXCHANGE_PUBLISH, Roles.EXCHANGE_READ));
    AmendReleasabilityResponse amended =
        fixture
            .stub(channel, "KOR", publisher)
            .amendReleasability(
                AmendReleasabilityRequest.newBuilder()
                    .setProductId(id)
                    .addReleasableTo("KOR")
                    .setJustification("withdrawn: source protection")
                    .build());
    assertThat(amended.getBinding().getVersion()).isEqualTo(2);

    // the bad backend serves the validly signed binding from before the amendment
    fixture.kor.script("Get", List.of(get(toJapan, content, 1)));
    assertThatThrownBy(() -> getAs(channel, japaneseReader, id))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
              String quoted = e.getTrailers().get(AlliedMetadata.TRANSFER_ID);
              assertThat(AuditStreamReader.readAll(fixture.redis.url(), AuditStream.DEFAULT_KEY))
                  .filteredOn(event -> event.getTransfer().getTransferId().equals(quoted))
                  .singleElement()
                  .satisfies(
                      event ->
                          assertThat(event.getTransfer().getReasonsList())
                              .containsExactly(DenyReason.DENY_REASON_BINDING_INVALID));
            });

    // a replica started afterwards (or this gateway restarted) has not forgotten the amendment
    try (GatewayApplication.Running replica = fixture.replica()) {
      ManagedChannel toReplica = fixture.channel(replica);
      try {
        await()
            .atMost(Duration.ofSeconds(5))
            .untilAsserted(
                () ->
                    assertThatThrownBy(() -> getAs(toReplica, japaneseReader, id))
                        .isInstanceOfSatisfying(
                            StatusRuntimeException.class,
                            e ->
                                assertThat(e.getStatus().getCode())
                                    .isEqualTo(Status.Code.PERMISSION_DENIED)));
      } finally {
        toReplica.shutdownNow();
      }
    }
  }

  private byte[] get(SecurityLabel label, ProductContent content, long version) {
    return GetResponse.newBuilder()
        .setLabel(label)
        .setContent(content)
        .setBinding(
            fixture.korSigner.sign(
                label.toByteArray(), content.toByteArray(), version, Instant.now()))
        .build()
        .toByteArray();
  }

  private static GetResponse getAs(ManagedChannel to, String token, String id) {
    return fixture.stub(to, "KOR", token).get(GetRequest.newBuilder().setProductId(id).build());
  }
}
