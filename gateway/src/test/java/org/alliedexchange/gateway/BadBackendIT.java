package org.alliedexchange.gateway;

import static org.alliedexchange.api.label.v1.ClassificationLevel.CLASSIFICATION_LEVEL_SECRET;
import static org.alliedexchange.api.label.v1.ClassificationLevel.CLASSIFICATION_LEVEL_TOP_SECRET;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.CodedOutputStream;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.MetadataUtils;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.alliedexchange.api.AlliedMetadata;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.Decision;
import org.alliedexchange.api.audit.v1.DenyReason;
import org.alliedexchange.api.exchange.v1.GetRequest;
import org.alliedexchange.api.exchange.v1.GetResponse;
import org.alliedexchange.api.exchange.v1.SearchRequest;
import org.alliedexchange.api.exchange.v1.SearchResponse;
import org.alliedexchange.auditstream.AuditStream;
import org.alliedexchange.auditstream.AuditStreamReader;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A bad exchange service behind the gateway: it adds its own response headers and trailers, and
 * hides a second product in fields the gateway label convention does not have. The caller sees none
 * of it.
 */
class BadBackendIT {

  private static final List<String> ALL = List.of("KOR", "JPN", "USA");

  /** What a caller may see in the trailers of a guarded exchange call, and nothing else. */
  private static final Set<String> ALLOWED_TRAILERS =
      Set.of(
          "grpc-status",
          "grpc-message",
          AlliedMetadata.TRANSFER_ID_NAME,
          AlliedMetadata.NEXT_CURSOR_NAME);

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
  void aUnaryCallCarriesNoneOfTheBackendsOwnHeadersOrTrailers() {
    String id = GatewayFixture.newId();
    fixture.kor.responseHeaders = leakingMetadata("header");
    fixture.kor.script(
        "Get",
        List.of(
            fixture.getResponse(
                GatewayFixture.label(CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", ALL).build(), id)),
        Status.OK,
        leakingMetadata("trailer"));
    AtomicReference<Metadata> headers = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    try {
      GetResponse response =
          fixture
              .stub(channel, "KOR", fixture.reader("JPN", "SECRET", List.of("MISSILE_WARNING")))
              .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers, trailers))
              .get(GetRequest.newBuilder().setProductId(id).build());

      assertThat(response.getContent().getId()).isEqualTo(id);
      assertNoBackendHeaders(headers.get());
      assertThat(trailers.get().keys()).isSubsetOf(ALLOWED_TRAILERS);
      // the transfer id is the guard's own, never the forged one
      assertThat(trailers.get().get(AlliedMetadata.TRANSFER_ID))
          .isEqualTo(response.getLabel().getRelease().getTransferId());
    } finally {
      fixture.kor.responseHeaders = null;
    }
  }

  @Test
  void aStreamCarriesNoneOfTheBackendsOwnHeadersOrTrailers() {
    String first = GatewayFixture.newId();
    String second = GatewayFixture.newId();
    fixture.kor.responseHeaders = leakingMetadata("header");
    Metadata fromExchange = leakingMetadata("trailer");
    fromExchange.put(AlliedMetadata.NEXT_CURSOR, "s" + second);
    fixture.kor.script(
        "Search",
        List.of(
            fixture.product(
                GatewayFixture.label(CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", ALL).build(), first),
            fixture.product(
                GatewayFixture.label(CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", ALL).build(), second)),
        Status.OK,
        fromExchange);
    AtomicReference<Metadata> headers = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    List<SearchResponse> got = new ArrayList<>();
    try {
      fixture
          .stub(channel, "KOR", fixture.reader("JPN", "SECRET", List.of("MISSILE_WARNING")))
          .withInterceptors(MetadataUtils.newCaptureMetadataInterceptor(headers, trailers))
          .search(SearchRequest.newBuilder().setTopic("dprk.missile.launch").build())
          .forEachRemaining(got::add);
    } finally {
      fixture.kor.responseHeaders = null;
    }

    assertThat(got).extracting(r -> r.getContent().getId()).containsExactly(first, second);
    assertNoBackendHeaders(headers.get());
    assertThat(trailers.get().keys())
        .isSubsetOf(ALLOWED_TRAILERS)
        .as("a stream's messages each carry their own transfer id; the forged one is dropped")
        .doesNotContain(AlliedMetadata.TRANSFER_ID_NAME);
    assertThat(trailers.get().get(AlliedMetadata.NEXT_CURSOR)).isEqualTo("s" + second);
  }

  @Test
  void aRefusalsTrailersCarryNoneOfTheBackendsOwnButItsStatusAndMessage() {
    fixture.kor.responseHeaders = leakingMetadata("header");
    fixture.kor.script(
        "Get",
        List.of(),
        Status.NOT_FOUND.withDescription("no product 42 is releasable to you"),
        leakingMetadata("trailer"));
    AtomicReference<Metadata> headers = new AtomicReference<>();
    AtomicReference<Metadata> trailers = new AtomicReference<>();
    try {
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
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.NOT_FOUND);
                assertThat(e.getStatus().getDescription())
                    .isEqualTo("no product 42 is releasable to you");
                assertThat(e.getTrailers().keys())
                    .isSubsetOf(ALLOWED_TRAILERS)
                    .doesNotContain(AlliedMetadata.TRANSFER_ID_NAME);
                assertThat(headers.get()).as("the gateway's response headers").isNotNull();
                assertNoBackendHeaders(headers.get());
              });
    } finally {
      fixture.kor.responseHeaders = null;
    }
  }

  @Test
  void aUnaryProductWithASecondProductAtField16IsWithheldAsAnInvalidLabel() {
    String id = GatewayFixture.newId();
    byte[] carrier =
        fixture.getResponse(
            GatewayFixture.label(CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", ALL).build(), id);
    byte[] hidden =
        fixture.product(
            GatewayFixture.label(CLASSIFICATION_LEVEL_TOP_SECRET, "군사I급비밀", List.of("KOR")).build(),
            GatewayFixture.newId());
    fixture.kor.script("Get", List.of(concat(carrier, field(16, hidden))));

    assertThatThrownBy(
            () ->
                fixture
                    .stub(
                        channel, "KOR", fixture.reader("JPN", "SECRET", List.of("MISSILE_WARNING")))
                    .get(GetRequest.newBuilder().setProductId(id).build()))
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
              String quoted = e.getTrailers().get(AlliedMetadata.TRANSFER_ID);
              assertThat(events())
                  .filteredOn(event -> event.getTransfer().getTransferId().equals(quoted))
                  .singleElement()
                  .satisfies(
                      event -> {
                        assertThat(event.getTransfer().getDecision())
                            .isEqualTo(Decision.DECISION_DENY);
                        assertThat(event.getTransfer().getReasonsList())
                            .containsExactly(DenyReason.DENY_REASON_LABEL_INVALID);
                      });
            });
  }

  @Test
  void aStreamWithholdsEveryProductCarryingAFieldBeyondTheConventionWhereverItSits() {
    String released = GatewayFixture.newId();
    String lastReleased = GatewayFixture.newId();
    byte[] hidden =
        fixture.product(
            GatewayFixture.label(CLASSIFICATION_LEVEL_TOP_SECRET, "군사I급비밀", List.of("KOR")).build(),
            GatewayFixture.newId());
    fixture.kor.script(
        "Search",
        List.of(
            fixture.product(
                GatewayFixture.label(CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", ALL).build(),
                released),
            // before the label
            concat(field(16, hidden), releasable()),
            // after the binding
            concat(releasable(), field(16, hidden)),
            // a number in a field no response declares
            concat(releasable(), varint(5, 42)),
            // far beyond any field number the API uses
            concat(releasable(), field(536_870_911, "x".getBytes(StandardCharsets.UTF_8))),
            fixture.product(
                GatewayFixture.label(CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", ALL).build(),
                lastReleased)));
    long before = labelInvalidRefusals();
    int recordsBefore = labelInvalidRecords().size();

    List<SearchResponse> got = new ArrayList<>();
    fixture
        .stub(channel, "KOR", fixture.reader("JPN", "SECRET", List.of("MISSILE_WARNING")))
        .search(SearchRequest.newBuilder().setTopic("dprk.missile.launch").build())
        .forEachRemaining(got::add);

    assertThat(got).extracting(r -> r.getContent().getId()).containsExactly(released, lastReleased);
    assertThat(got).allSatisfy(r -> assertThat(r.getUnknownFields().asMap()).isEmpty());
    assertThat(labelInvalidRefusals() - before).isEqualTo(4);
    // the four withheld rows of this search are audited as one summary (issue 14)
    assertThat(labelInvalidRecords().size() - recordsBefore).isEqualTo(1);
  }

  private byte[] releasable() {
    return fixture.product(
        GatewayFixture.label(CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", ALL).build(),
        GatewayFixture.newId());
  }

  /** Withheld rows recorded as LABEL_INVALID on the stream so far (a summary counts each row). */
  private static long labelInvalidRefusals() {
    return labelInvalidRecords().stream()
        .mapToLong(e -> Math.max(1, e.getTransfer().getWithheldCount()))
        .sum();
  }

  /** Records of LABEL_INVALID refusals on the stream so far: a summary is one. */
  private static List<AuditEvent> labelInvalidRecords() {
    return events().stream()
        .filter(e -> e.getTransfer().getDecision() == Decision.DECISION_DENY)
        .filter(
            e -> e.getTransfer().getReasonsList().contains(DenyReason.DENY_REASON_LABEL_INVALID))
        .toList();
  }

  private static List<AuditEvent> events() {
    return AuditStreamReader.readAll(fixture.redis.url(), AuditStream.DEFAULT_KEY);
  }

  private static void assertNoBackendHeaders(Metadata headers) {
    assertThat(headers.keys())
        .doesNotContain("x-leak")
        .noneMatch(k -> k.startsWith("allied-"))
        .noneMatch(k -> k.endsWith(Metadata.BINARY_HEADER_SUFFIX));
  }

  /** A bad backend's metadata: a secret, a forged guard trailer, and binary data. */
  private static Metadata leakingMetadata(String where) {
    Metadata leaking = new Metadata();
    leaking.put(Metadata.Key.of("x-leak", Metadata.ASCII_STRING_MARSHALLER), "secret " + where);
    leaking.put(AlliedMetadata.TRANSFER_ID, "forged-" + where);
    leaking.put(AlliedMetadata.WITHHELD, "7");
    leaking.put(AlliedMetadata.WITHHELD_REASONS, "NOFORN=7");
    leaking.put(
        Metadata.Key.of("x-secret-bin", Metadata.BINARY_BYTE_MARSHALLER),
        "classified".getBytes(StandardCharsets.UTF_8));
    return leaking;
  }

  private static byte[] field(int number, byte[] value) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    try {
      out.writeByteArray(number, value);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static byte[] varint(int number, long value) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    CodedOutputStream out = CodedOutputStream.newInstance(bytes);
    try {
      out.writeUInt64(number, value);
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
