package org.alliedexchange.exchange.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.StreamObserver;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.accesstoken.TestTokens;
import org.alliedexchange.accesstoken.TokenValidator;
import org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc;
import org.alliedexchange.api.exchange.v1.FreeTextReport;
import org.alliedexchange.api.exchange.v1.GetRequest;
import org.alliedexchange.api.exchange.v1.GetResponse;
import org.alliedexchange.api.exchange.v1.ProductContent;
import org.alliedexchange.api.label.v1.Binding;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.exchange.audit.ReadAudit;
import org.alliedexchange.exchange.store.StoredProduct;
import org.alliedexchange.label.BindingSigner;
import org.alliedexchange.label.BindingVerifier;
import org.alliedexchange.label.NationalKey;
import org.alliedexchange.policy.FederationConfig;
import org.alliedexchange.policy.Reason;
import org.alliedexchange.policy.ReleasabilityEngine;
import org.alliedexchange.serviceruntime.AuthenticationInterceptor;
import org.alliedexchange.serviceruntime.StatusExceptions;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The exchange's own read check (the second filter, behind the gateway's) on Get, over gRPC's
 * in-process transport with the real token check, signer, verifier and engine; the product store
 * and the audit are fakes, so no PostgreSQL and no Redis.
 */
class GetReadGuardTest {

  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

  private static final Map<UUID, StoredProduct> STORE = new ConcurrentHashMap<>();
  private static final RecordingAudit AUDIT = new RecordingAudit();
  // why the agreement statuses cannot be trusted, as the agreement board says; null when fresh
  private static final AtomicReference<String> AGREEMENTS = new AtomicReference<>();
  private static TestTokens tokens;
  private static BindingSigner signer;
  private static Server server;
  private static ManagedChannel channel;

  @BeforeAll
  static void start() throws Exception {
    tokens = new TestTokens();
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair pair = generator.generateKeyPair();
    NationalKey key = new NationalKey(pair, NationalKey.keyId(pair.getPublic()));
    signer = new BindingSigner("KOR", key);
    BindingVerifier verifier = new BindingVerifier(Map.of(key.keyId(), pair.getPublic()), 100);
    ReleasabilityEngine engine = new ReleasabilityEngine(FederationConfig.loadDefault());
    Clock clock = Clock.fixed(NOW, ZoneOffset.UTC);

    ReadGuard guard =
        new ReadGuard(
            "KOR",
            verifier,
            () -> engine,
            AGREEMENTS::get,
            AUDIT,
            new org.alliedexchange.exchange.audit.ListingBudget(2_000),
            clock);
    GetRpc get =
        new GetRpc(
            "KOR", id -> Optional.ofNullable(STORE.get(id)), guard, AUDIT, new CallerAccess("KOR"));
    ExchangeServiceGrpc.ExchangeServiceImplBase service =
        new ExchangeServiceGrpc.ExchangeServiceImplBase() {
          @Override
          public void get(GetRequest request, StreamObserver<GetResponse> response) {
            get.get(request, response);
          }
        };
    TokenValidator validator =
        new TokenValidator(tokens.issuer, tokens.jwks(), TestTokens.AUDIENCE, Duration.ZERO);
    String name = InProcessServerBuilder.generateName();
    server =
        InProcessServerBuilder.forName(name)
            .directExecutor()
            .addService(
                ServerInterceptors.intercept(
                    service, new StatusExceptions(), new AuthenticationInterceptor(validator)))
            .build()
            .start();
    channel = InProcessChannelBuilder.forName(name).directExecutor().build();
  }

  @AfterAll
  static void stop() {
    channel.shutdownNow();
    server.shutdownNow();
    tokens.close();
  }

  @BeforeEach
  void clear() {
    STORE.clear();
    AUDIT.withheld.clear();
    AUDIT.served.clear();
    AUDIT.violations.clear();
    AGREEMENTS.set(null);
  }

  @Test
  void aReadTheEnginePermitsPassesWithTheStoredLabelContentAndBinding() {
    StoredProduct product = store(secretReleasableTo("KOR", "JPN"));

    GetResponse response = get(product.id(), reader("jpn-jsdf-reader", "JPN", "SECRET"));

    assertThat(response.getLabel().toByteArray()).isEqualTo(product.label());
    assertThat(response.getContent().toByteArray()).isEqualTo(product.content());
    assertThat(response.getBinding().toByteArray()).isEqualTo(product.binding());
    assertThat(AUDIT.withheld).isEmpty();
    assertThat(AUDIT.violations).isEmpty();
  }

  @Test
  void aPermittedReadIsRecordedAsServedToTheCaller() {
    StoredProduct product = store(secretReleasableTo("KOR", "JPN"));

    get(product.id(), reader("jpn-jsdf-reader", "JPN", "SECRET"));

    assertThat(AUDIT.served)
        .containsExactly(product.id() + " jpn-jsdf-reader JPN ExchangeService/Get");
    assertThat(AUDIT.withheld).isEmpty();
  }

  @Test
  void aReadIsRefusedUnavailableWhileTheAgreementStatusesAreStale() {
    StoredProduct product = store(secretReleasableTo("KOR", "JPN"));
    AGREEMENTS.set("agreement statuses could not be read from Redis for 1200 ms");

    assertRefused(
        () -> get(product.id(), reader("jpn-jsdf-reader", "JPN", "SECRET")),
        Status.Code.UNAVAILABLE,
        "exchange service KOR: agreement statuses could not be read from Redis");
    assertThat(AUDIT.served).isEmpty();
    assertThat(AUDIT.withheld).isEmpty();
  }

  @Test
  void aReadAboveTheCallersClearanceIsDeniedAndAudited() {
    StoredProduct product = store(secretReleasableTo("KOR", "JPN"));

    assertRefused(
        () -> get(product.id(), reader("jpn-jsdf-reader", "JPN", "CONFIDENTIAL")),
        Status.Code.PERMISSION_DENIED,
        "product "
            + product.id()
            + " is not released to you; quote transfer transfer-1 to ask why");
    assertThat(AUDIT.withheld)
        .singleElement()
        .satisfies(
            record -> {
              assertThat(record.productId()).isEqualTo(product.id().toString());
              assertThat(record.system()).isEqualTo("jpn-jsdf-reader");
              assertThat(record.method()).isEqualTo("ExchangeService/Get");
              assertThat(record.reasons()).containsExactly(Reason.INSUFFICIENT_CLEARANCE);
            });
    assertSaysNotWhy(() -> get(product.id(), reader("jpn-jsdf-reader", "JPN", "CONFIDENTIAL")));
  }

  @Test
  void aReadByANationOutsideReleasableToIsDenied() {
    StoredProduct product = store(secretReleasableTo("KOR", "JPN"));

    assertRefused(
        () -> get(product.id(), reader("usa-indopacom-reader", "USA", "TOP_SECRET")),
        Status.Code.PERMISSION_DENIED,
        "is not released to you; quote transfer transfer-1");
    assertThat(AUDIT.withheld)
        .singleElement()
        .extracting(Withheld::reasons)
        .isEqualTo(Set.of(Reason.NOT_RELEASABLE_TO_NATION));
    assertSaysNotWhy(() -> get(product.id(), reader("usa-indopacom-reader", "USA", "TOP_SECRET")));
  }

  @Test
  void aProductWhoseLabelChangedAfterSigningIsNotServedEvenWhereTheNewLabelWouldPermit() {
    StoredProduct signed = store(secretReleasableTo("KOR", "JPN"));
    // USA added to releasable-to behind the service's back: the binding no longer covers the label
    byte[] widened = secretReleasableTo("KOR", "JPN", "USA").toByteArray();
    StoredProduct tampered =
        new StoredProduct(
            signed.seq(),
            0,
            signed.id(),
            signed.topic(),
            widened,
            signed.content(),
            signed.binding());
    STORE.put(tampered.id(), tampered);

    assertRefused(
        () -> get(tampered.id(), reader("usa-indopacom-reader", "USA", "TOP_SECRET")),
        Status.Code.DATA_LOSS,
        "product " + tampered.id() + " failed its binding check (");
    assertThat(AUDIT.violations)
        .singleElement()
        .satisfies(
            violation ->
                assertThat(violation).startsWith(tampered.id() + " KOR usa-indopacom-reader "));
    assertThat(AUDIT.withheld).isEmpty();
  }

  @Test
  void aRowCheckedOnceIsStillDecidedForEachCallerAndAnotherReadOfItIsCheckedAfresh() {
    // the live feed hands one row to every subscriber: its binding is checked once per read of the
    // row, while the decision stays each caller's own
    StoredProduct signed = store(secretReleasableTo("KOR", "JPN"));
    get(signed.id(), reader("jpn-jsdf-reader", "JPN", "SECRET"));

    assertRefused(
        () -> get(signed.id(), reader("usa-indopacom-reader", "USA", "TOP_SECRET")),
        Status.Code.PERMISSION_DENIED,
        "is not released to you");
    assertThat(AUDIT.served).hasSize(1);

    // the same product read again, its label changed in the store since: refused as tampered
    StoredProduct rereadTampered =
        new StoredProduct(
            signed.seq(),
            0,
            signed.id(),
            signed.topic(),
            secretReleasableTo("KOR", "JPN", "USA").toByteArray(),
            signed.content(),
            signed.binding());
    STORE.put(signed.id(), rereadTampered);
    assertRefused(
        () -> get(signed.id(), reader("jpn-jsdf-reader", "JPN", "SECRET")),
        Status.Code.DATA_LOSS,
        "failed its binding check (");
    // and each read of a tampered row is refused and audited, not just the first
    assertRefused(
        () -> get(signed.id(), reader("jpn-jsdf-reader", "JPN", "SECRET")),
        Status.Code.DATA_LOSS,
        "failed its binding check (");
    assertThat(AUDIT.violations).hasSize(2);
    assertThat(AUDIT.served).hasSize(1);
  }

  @Test
  void storedBytesThatDoNotParseAreNotServed() {
    StoredProduct signed = store(secretReleasableTo("KOR", "JPN"));
    StoredProduct garbled =
        new StoredProduct(
            signed.seq(),
            0,
            signed.id(),
            signed.topic(),
            new byte[] {(byte) 0xff, 1, 2},
            signed.content(),
            signed.binding());
    STORE.put(garbled.id(), garbled);

    assertRefused(
        () -> get(garbled.id(), reader("kor-jcs-reader", "KOR", "TOP_SECRET")),
        Status.Code.DATA_LOSS,
        "failed its binding check (stored bytes do not parse");
    assertThat(AUDIT.violations).hasSize(1);
  }

  @Test
  void aSignedProductStoredUnderAnotherProductsIdIsNotServed() {
    StoredProduct signed = store(secretReleasableTo("KOR", "JPN"));
    UUID other = UUID.randomUUID();
    StoredProduct swapped =
        new StoredProduct(
            signed.seq(),
            0,
            other,
            signed.topic(),
            signed.label(),
            signed.content(),
            signed.binding());
    STORE.put(other, swapped);

    assertRefused(
        () -> get(other, reader("kor-jcs-reader", "KOR", "TOP_SECRET")),
        Status.Code.DATA_LOSS,
        "product "
            + other
            + " failed its binding check (the signed content names product "
            + signed.id()
            + ") and is not served; the refusal was audited");
    assertThat(AUDIT.violations)
        .singleElement()
        .satisfies(violation -> assertThat(violation).startsWith(other + " KOR kor-jcs-reader "));
  }

  @Test
  void aCallerWithoutTheReadRoleIsDeniedBeforeAnythingIsRead() {
    StoredProduct product = store(secretReleasableTo("KOR", "JPN"));
    String publisher =
        tokens.token(
            "kor-jcs-publisher", "KOR", "TOP_SECRET", List.of(), List.of("exchange-publish"));

    assertRefused(
        () -> get(product.id(), publisher),
        Status.Code.PERMISSION_DENIED,
        "reading needs the exchange-read role");
    assertThat(AUDIT.withheld).isEmpty();
  }

  @Test
  void aProductThatIsNotThereIsNotFoundAndAnIdThatIsNoUuidIsInvalid() {
    UUID missing = UUID.randomUUID();
    String token = reader("kor-jcs-reader", "KOR", "TOP_SECRET");

    assertRefused(
        () -> get(missing, token), Status.Code.NOT_FOUND, "no product " + missing + " at KOR");
    assertRefused(
        () -> stub(token).get(GetRequest.newBuilder().setProductId("42").build()),
        Status.Code.INVALID_ARGUMENT,
        "product_id \"42\" is not a product id (a UUID)");
  }

  private static SecurityLabel secretReleasableTo(String... nations) {
    return SecurityLabel.newBuilder()
        .setPolicy("KOR")
        .setMarking("군사II급비밀")
        .setOriginator("KOR")
        .addAllReleasableTo(List.of(nations))
        .build();
  }

  /** A product as the publish writer stores it: label and content signed together. */
  private static StoredProduct store(SecurityLabel label) {
    UUID id = UUID.randomUUID();
    byte[] content =
        ProductContent.newBuilder()
            .setId(id.toString())
            .setTopic("dprk.missile.launch")
            .setFreeText(
                FreeTextReport.newBuilder()
                    .setTitle("launch")
                    .setBody("two SRBMs")
                    .setLanguage("en"))
            .build()
            .toByteArray();
    Binding binding = signer.sign(label.toByteArray(), content, NOW);
    StoredProduct product =
        new StoredProduct(
            STORE.size() + 1,
            0,
            id,
            "dprk.missile.launch",
            label.toByteArray(),
            content,
            binding.toByteArray());
    STORE.put(id, product);
    return product;
  }

  private static String reader(String system, String nation, String clearance) {
    return tokens.token(system, nation, clearance, List.of(), List.of("exchange-read"));
  }

  private static GetResponse get(UUID id, String token) {
    return stub(token).get(GetRequest.newBuilder().setProductId(id.toString()).build());
  }

  private static ExchangeServiceGrpc.ExchangeServiceBlockingStub stub(String token) {
    return ExchangeServiceGrpc.newBlockingStub(channel)
        .withCallCredentials(TestTokens.bearer(token));
  }

  /** The refusal names no reason, level, marking or control: those are for the auditors. */
  private static void assertSaysNotWhy(Runnable call) {
    assertThatThrownBy(call::run)
        .isInstanceOfSatisfying(
            StatusRuntimeException.class,
            e -> {
              assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
              assertThat(e.getStatus().getDescription())
                  .doesNotContain(
                      "CLEARANCE", "NOT_RELEASABLE", "SECRET", "CONFIDENTIAL", "군사", "JPN", "USA");
            });
  }

  private static void assertRefused(Runnable call, Status.Code code, String message) {
    assertThatThrownBy(call::run)
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(
            e -> {
              Status status = ((StatusRuntimeException) e).getStatus();
              assertThat(status.getCode()).isEqualTo(code);
              assertThat(status.getDescription()).contains(message);
            });
  }

  private record Withheld(String productId, String system, String method, Set<Reason> reasons) {}

  private static final class RecordingAudit implements ReadAudit {
    final List<Withheld> withheld = new CopyOnWriteArrayList<>();
    final List<String> violations = new CopyOnWriteArrayList<>();
    final List<String> served = new CopyOnWriteArrayList<>();

    @Override
    public void served(
        SecurityLabel label,
        byte[] labelBytes,
        String productId,
        String topic,
        Caller caller,
        String method) {
      served.add(productId + " " + caller.system() + " " + caller.nation() + " " + method);
    }

    @Override
    public String withheld(
        SecurityLabel label,
        String productId,
        String topic,
        Caller caller,
        String method,
        Set<Reason> reasons) {
      withheld.add(new Withheld(productId, caller.system(), method, reasons));
      return "transfer-" + withheld.size();
    }

    @Override
    public java.util.concurrent.CompletableFuture<Void> withheldSummaries(
        List<org.alliedexchange.api.audit.v1.TransferRecord> summaries) {
      return java.util.concurrent.CompletableFuture.completedFuture(null);
    }

    @Override
    public void bindingViolation(
        String productId, String nation, String detail, String requestedBy) {
      violations.add(productId + " " + nation + " " + requestedBy + " " + detail);
    }
  }
}
