package org.alliedexchange.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import com.google.protobuf.UnknownFieldSet;
import io.grpc.StatusRuntimeException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.alliedexchange.api.exchange.v1.AmendReleasabilityRequest;
import org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc;
import org.alliedexchange.api.exchange.v1.FreeTextReport;
import org.alliedexchange.api.exchange.v1.GetRequest;
import org.alliedexchange.api.exchange.v1.ProductContent;
import org.alliedexchange.api.exchange.v1.PublishRequest;
import org.alliedexchange.api.exchange.v1.SearchRequest;
import org.alliedexchange.api.exchange.v1.SearchResponse;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.SecurityLabel;

/**
 * The end-to-end invariant, as a property: whatever labels and requests a hostile national system
 * sends through the gateway, every message the gateway releases has exactly one stored audit
 * record, and audit ingestion never stops (a product released after the hostile traffic is recorded
 * too).
 */
class HostileTrafficAuditIT {

  static KoreaBehindTheGateway federation;

  @BeforeContainer
  static void start() throws Exception {
    federation = new KoreaBehindTheGateway(true);
  }

  @AfterContainer
  static void stop() throws Exception {
    federation.close();
  }

  @Property(tries = 40, seed = "13")
  void everyReleasedMessageHasExactlyOneStoredRecordAndIngestionNeverStops(
      @ForAll("hostileLabels") SecurityLabel label,
      @ForAll("nations") List<String> amendTo,
      @ForAll("readers") String reader) {
    List<String> released = new ArrayList<>();
    String topic = "test.hostile.p" + Long.toHexString(System.nanoTime());
    String id = null;
    try {
      SecurityLabel publishedLabel =
          exchange(publisher()).publish(publish(topic, label)).getLabel();
      released.add(publishedLabel.getRelease().getTransferId());
    } catch (StatusRuntimeException refused) {
      // refused before anything was stored: nothing released
    }
    // whatever got stored, a reader and the publisher try every way of reading it
    for (String caller : List.of(reader, publisher())) {
      Iterator<SearchResponse> found =
          exchange(caller).search(SearchRequest.newBuilder().setTopic(topic).build());
      try {
        while (found.hasNext()) {
          SearchResponse response = found.next();
          released.add(response.getLabel().getRelease().getTransferId());
          id = response.getContent().getId();
        }
      } catch (StatusRuntimeException refused) {
        // a refusal of the whole search releases nothing further
      }
    }
    if (id != null) {
      try {
        released.add(
            exchange(publisher())
                .amendReleasability(
                    AmendReleasabilityRequest.newBuilder()
                        .setProductId(id)
                        .addAllReleasableTo(amendTo)
                        .setJustification("property")
                        .build())
                .getLabel()
                .getRelease()
                .getTransferId());
      } catch (StatusRuntimeException refused) {
        // refused before it was committed
      }
      try {
        released.add(
            exchange(reader)
                .get(GetRequest.newBuilder().setProductId(id).build())
                .getLabel()
                .getRelease()
                .getTransferId());
      } catch (StatusRuntimeException refused) {
        // withheld, and recorded as such
      }
    }
    // a well-formed transfer after the hostile ones: ingestion must still be running to store it
    released.add(
        exchange(publisher())
            .publish(publish(topic + ".sentinel", sentinelLabel()))
            .getLabel()
            .getRelease()
            .getTransferId());

    assertThat(released).allSatisfy(transferId -> assertThat(transferId).isNotEmpty());
    await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(100))
        .untilAsserted(
            () -> {
              for (String transferId : released) {
                assertThat(storedRecords(transferId))
                    .as("records of released transfer %s", transferId)
                    .isEqualTo(1);
              }
            });
  }

  @Provide
  Arbitrary<SecurityLabel> hostileLabels() {
    Arbitrary<String> nation =
        Arbitraries.oneOf(
            Arbitraries.of("KOR", "JPN", "USA"),
            Arbitraries.of("\u0000", "", " ", "GBR", "kor", "КОR", "KOR\u0000", "\u202EKOR"),
            Arbitraries.strings().ofMaxLength(6));
    Arbitrary<String> marking =
        Arbitraries.oneOf(
            Arbitraries.of("군사II급비밀", "군사III급비밀", "군사I급비밀", "대외비", "極秘", "SECRET", ""),
            Arbitraries.strings().ofMaxLength(12));
    Arbitrary<String> community =
        Arbitraries.oneOf(
            Arbitraries.of("MISSILE_WARNING", "SIGINT", "missile_warning", "\u200B", ""),
            Arbitraries.strings().ofMaxLength(70));
    Arbitrary<Integer> level = Arbitraries.integers().between(0, 7);
    Arbitrary<Integer> unknownAt = Arbitraries.integers().between(0, 4);
    return Combinators.combine(
            nation.list().ofMaxSize(4),
            marking,
            community.list().ofMaxSize(2),
            level,
            unknownAt,
            Arbitraries.integers().between(0, 3))
        .as(
            (releasableTo, mark, communities, lvl, unknown, controls) -> {
              SecurityLabel.Builder label =
                  SecurityLabel.newBuilder()
                      .setPolicy("KOR")
                      .setOriginator("KOR")
                      .addReleasableTo("KOR")
                      .addAllReleasableTo(releasableTo)
                      .setMarking(mark)
                      .setLevelValue(lvl)
                      .addAllCommunities(communities);
              for (int i = 0; i < controls; i++) {
                label.addControlsValue(i);
              }
              // an unknown field nobody interprets, at one of several depths (0: none)
              switch (unknown) {
                case 1 -> label.setUnknownFields(unknownField());
                case 2 ->
                    label.setReviewAt(
                        Timestamp.newBuilder()
                            .setSeconds(1_900_000_000L)
                            .setUnknownFields(unknownField()));
                case 3 ->
                    label.setCreatedAt(
                        Timestamp.newBuilder()
                            .setSeconds(1_700_000_000L)
                            .setUnknownFields(nestedUnknownField(40)));
                case 4 -> label.setReviewAt(Timestamp.newBuilder().setSeconds(-1));
                default -> {}
              }
              return label.build();
            });
  }

  @Provide
  Arbitrary<List<String>> nations() {
    return Arbitraries.of("KOR", "JPN", "USA", "\u0000", "GBR", "").list().ofMaxSize(4);
  }

  @Provide
  Arbitrary<String> readers() {
    return Arbitraries.of("JPN", "USA", "KOR")
        .map(
            nation ->
                federation.tokens.token(
                    nation.toLowerCase() + "-reader",
                    nation,
                    "TOP_SECRET",
                    List.of("MISSILE_WARNING"),
                    List.of("exchange-read")));
  }

  private static UnknownFieldSet unknownField() {
    return UnknownFieldSet.newBuilder()
        .addField(
            99,
            UnknownFieldSet.Field.newBuilder()
                .addLengthDelimited(ByteString.copyFromUtf8("\u0000hidden"))
                .build())
        .build();
  }

  /** An unknown group nested {@code depth} deep: past what an audit record could hold. */
  private static UnknownFieldSet nestedUnknownField(int depth) {
    UnknownFieldSet inner = unknownField();
    for (int i = 0; i < depth; i++) {
      inner =
          UnknownFieldSet.newBuilder()
              .addField(98, UnknownFieldSet.Field.newBuilder().addGroup(inner).build())
              .build();
    }
    return inner;
  }

  private static SecurityLabel sentinelLabel() {
    return SecurityLabel.newBuilder()
        .setPolicy("KOR")
        .setOriginator("KOR")
        .setLevel(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET)
        .addReleasableTo("KOR")
        .addReleasableTo("JPN")
        .build();
  }

  private static PublishRequest publish(String topic, SecurityLabel label) {
    return PublishRequest.newBuilder()
        .setLabel(label)
        .setContent(
            ProductContent.newBuilder()
                .setTopic(topic)
                .setObservedAt(Timestamp.newBuilder().setSeconds(Instant.now().getEpochSecond()))
                .setFreeText(FreeTextReport.newBuilder().setTitle("t").setBody("b")))
        .build();
  }

  private static String publisher() {
    return federation.publisher();
  }

  private static ExchangeServiceGrpc.ExchangeServiceBlockingStub exchange(String token) {
    return federation.korea(token);
  }

  private static int storedRecords(String transferId) throws Exception {
    try (Connection connection = DriverManager.getConnection(federation.auditDatabase.url());
        PreparedStatement query =
            connection.prepareStatement("SELECT count(*) FROM audit_record WHERE event_id = ?")) {
      query.setString(1, transferId);
      try (ResultSet rows = query.executeQuery()) {
        rows.next();
        return rows.getInt(1);
      }
    }
  }
}
