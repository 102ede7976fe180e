package org.alliedexchange.gateway.guard;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.api.GatewayLabelConvention;
import org.alliedexchange.api.access.Roles;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.Decision;
import org.alliedexchange.api.audit.v1.DenyReason;
import org.alliedexchange.api.exchange.v1.ProductContent;
import org.alliedexchange.api.exchange.v1.SearchResponse;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.Release;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.label.BindingSigner;
import org.alliedexchange.label.BindingVerifier;
import org.alliedexchange.label.NationalKey;
import org.alliedexchange.policy.FederationConfig;
import org.alliedexchange.policy.Level;
import org.alliedexchange.policy.Reason;
import org.alliedexchange.policy.ReleasabilityEngine;
import org.junit.jupiter.api.Test;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;

/**
 * The guard on plain bytes: a message in, a verdict and its audit record out; no server, no Redis.
 */
class MessageGuardTest {

  private static final Instant NOW = Instant.parse("2026-11-21T09:00:00Z");
  private static final NationalKey KOR_KEY = newKey();
  private static final BindingSigner KOR = new BindingSigner("KOR", KOR_KEY);
  private static final ReleasabilityEngine ENGINE =
      new ReleasabilityEngine(FederationConfig.loadDefault());
  private static final Caller JAPAN =
      new Caller(
          "jpn-mod-reader",
          "JPN",
          Level.SECRET,
          Set.of("MISSILE_WARNING"),
          Set.of(Roles.EXCHANGE_READ));
  private static final MessageGuard.CallInfo CALL =
      new MessageGuard.CallInfo(
          JAPAN,
          "allied.exchange.v1.ExchangeService/Search",
          "KOR",
          "0af7651916cd43dd8448eb211c80319c",
          GatewayLabelConvention.declaredFields(SearchResponse.getDescriptor()));

  private final MessageGuard guard =
      new MessageGuard(
          () -> ENGINE,
          Map.of(
              "KOR",
              new BindingVerifier(Map.of(KOR_KEY.keyId(), KOR_KEY.keyPair().getPublic()), 16)));

  @Test
  void aReleasableProductIsReleasedReMarkedForTheRecipientAndRecorded() throws Exception {
    byte[] message =
        product(
            label(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", "KOR", "JPN"), "p-1");

    MessageGuard.Verdict verdict = guard.decide(message, true, CALL, NOW);

    assertThat(verdict.permitted()).isTrue();
    assertThat(verdict.reasons()).isEmpty();
    assertThat(verdict.productId()).isEqualTo("p-1");
    assertThat(java.util.Arrays.copyOf(verdict.released(), message.length))
        .as("the original bytes go out untouched")
        .isEqualTo(message);
    SearchResponse received = SearchResponse.parseFrom(verdict.released());
    Release release = received.getLabel().getRelease();
    assertThat(release.getRecipientNation()).isEqualTo("JPN");
    assertThat(release.getMarking()).isEqualTo("極秘");
    assertThat(release.getAgreementId()).isEqualTo("KOR-JPN-GSOMIA-2016");
    assertThat(release.getTransferId()).isEqualTo(verdict.transferId());
    assertThat(received.getLabel().getMarking()).isEqualTo("군사II급비밀");

    AuditEvent event = AuditEvent.parseFrom(verdict.record().bytes());
    assertThat(event.getEventId()).isEqualTo(verdict.transferId());
    assertThat(event.getSource()).isEqualTo(MessageGuard.SOURCE);
    assertThat(event.getTraceId()).isEqualTo(CALL.traceId());
    assertThat(event.getOccurredAt().getSeconds()).isEqualTo(NOW.getEpochSecond());
    assertThat(event.getTransfer().getDecision()).isEqualTo(Decision.DECISION_PERMIT);
    assertThat(event.getTransfer().getRecipientMarking()).isEqualTo("極秘");
    assertThat(event.getTransfer().getAgreementId()).isEqualTo("KOR-JPN-GSOMIA-2016");
    assertThat(event.getTransfer().getProductId()).isEqualTo("p-1");
    assertThat(event.getTransfer().getTopic()).isEqualTo("dprk.missile.launch");
    assertThat(event.getTransfer().getRecipientClearance())
        .isEqualTo(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET);
    assertThat(event.getTransfer().getLabel())
        .as("the label as the originator sent it")
        .isEqualTo(SearchResponse.parseFrom(message).getLabel());
  }

  @Test
  void aProductNotReleasableToTheCallerIsWithheldWithTheEnginesReasons() throws Exception {
    byte[] message =
        product(
            label(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", "KOR", "USA"), "p-2");

    MessageGuard.Verdict verdict = guard.decide(message, true, CALL, NOW);

    assertThat(verdict.permitted()).isFalse();
    assertThat(verdict.released()).isNull();
    assertThat(verdict.reasons()).containsExactly(Reason.NOT_RELEASABLE_TO_NATION);
    assertThat(verdict.bindingInvalid()).isFalse();
    AuditEvent event = AuditEvent.parseFrom(verdict.record().bytes());
    assertThat(event.getTransfer().getDecision()).isEqualTo(Decision.DECISION_DENY);
    assertThat(event.getTransfer().getReasonsList())
        .containsExactly(DenyReason.DENY_REASON_NOT_RELEASABLE_TO_NATION);
    assertThat(event.getTransfer().getProductId()).isEqualTo("p-2");
    assertThat(event.getTransfer().getAgreementId()).isEmpty();
    assertThat(event.getTransfer().getLabel().getReleasableToList()).containsExactly("KOR", "USA");
  }

  @Test
  void aSignedProductWhoseLabelHidesAnUnknownFieldIsWithheldAndRecordedWithoutIt()
      throws Exception {
    // a hostile backend signs a label carrying a field no guard interprets, nested in review_at
    SecurityLabel clean =
        label(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", "KOR", "JPN").toBuilder()
            .setReviewAt(com.google.protobuf.Timestamp.newBuilder().setSeconds(1_900_000_000L))
            .build();
    SecurityLabel hiding =
        clean.toBuilder()
            .setReviewAt(
                clean.getReviewAt().toBuilder()
                    .setUnknownFields(
                        com.google.protobuf.UnknownFieldSet.newBuilder()
                            .addField(
                                99,
                                com.google.protobuf.UnknownFieldSet.Field.newBuilder()
                                    .addLengthDelimited(
                                        com.google.protobuf.ByteString.copyFromUtf8("x"))
                                    .build())
                            .build()))
            .build();

    MessageGuard.Verdict verdict = guard.decide(product(hiding, "p-9"), true, CALL, NOW);

    assertThat(verdict.permitted()).isFalse();
    assertThat(verdict.reasons()).containsExactly(Reason.LABEL_INVALID);
    AuditEvent event = AuditEvent.parseFrom(verdict.record().bytes());
    assertThat(event.getTransfer().getDecision()).isEqualTo(Decision.DECISION_DENY);
    assertThat(event.getTransfer().getLabel()).isEqualTo(clean);
    assertThat(org.alliedexchange.api.CanonicalMessages.firstUnknownField(event)).isEmpty();
  }

  @Test
  void anotherNationsProductServedByThisNationsServiceIsWithheldEvenWhenValidlySigned()
      throws Exception {
    // KOR's exchange service replays a genuine JPN product, signed by JPN's key, to a JPN reader
    NationalKey jpnKey = newKey();
    MessageGuard both =
        new MessageGuard(
            () -> ENGINE,
            Map.of(
                "KOR",
                new BindingVerifier(Map.of(KOR_KEY.keyId(), KOR_KEY.keyPair().getPublic()), 16),
                "JPN",
                new BindingVerifier(Map.of(jpnKey.keyId(), jpnKey.keyPair().getPublic()), 16)));
    SecurityLabel japanese =
        SecurityLabel.newBuilder()
            .setPolicy("JPN")
            .setMarking("極秘")
            .setOriginator("JPN")
            .addReleasableTo("JPN")
            .build();
    ProductContent content =
        ProductContent.newBuilder().setId("p-jpn").setTopic("dprk.missile.launch").build();
    byte[] message =
        SearchResponse.newBuilder()
            .setLabel(japanese)
            .setContent(content)
            .setBinding(
                new BindingSigner("JPN", jpnKey)
                    .sign(japanese.toByteArray(), content.toByteArray(), NOW))
            .build()
            .toByteArray();
    MessageGuard.CallInfo fromJapan =
        new MessageGuard.CallInfo(
            JAPAN, CALL.method(), "JPN", CALL.traceId(), CALL.responseFields());

    MessageGuard.Verdict fromKorea = both.decide(message, true, CALL, NOW);

    assertThat(fromKorea.permitted()).isFalse();
    assertThat(fromKorea.reasons()).containsExactly(Reason.LABEL_INVALID);
    assertThat(AuditEvent.parseFrom(fromKorea.record().bytes()).getTransfer().getSourceNation())
        .isEqualTo("KOR");
    // the same product from its own nation's service is released
    assertThat(both.decide(message, true, fromJapan, NOW).permitted()).isTrue();
  }

  @Test
  void aBackendReplayingTheBindingAnAmendmentReplacedIsWithheld() throws Exception {
    // KOR's product went to JPN, then KOR narrowed it to KOR alone (version 2, re-signed)
    SecurityLabel toJapan =
        label(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", "KOR", "JPN");
    SecurityLabel korOnly = toJapan.toBuilder().clearReleasableTo().addReleasableTo("KOR").build();
    byte[] asPublished = product(toJapan, "p-amended");
    byte[] asAmended = product(korOnly, "p-amended", 2);
    assertThat(guard.decide(asPublished, true, CALL, NOW).permitted()).isTrue();

    // the gateway sees the amended binding (withheld from JPN by the engine, but verified) ...
    MessageGuard.Verdict amended = guard.decide(asAmended, true, CALL, NOW);
    assertThat(amended.permitted()).isFalse();
    assertThat(amended.bindingInvalid()).isFalse();
    // ... so the validly signed binding from before the amendment no longer passes
    MessageGuard.Verdict replayed = guard.decide(asPublished, true, CALL, NOW.plusSeconds(1));

    assertThat(replayed.permitted()).isFalse();
    assertThat(replayed.bindingInvalid()).isTrue();
    assertThat(AuditEvent.parseFrom(replayed.record().bytes()).getTransfer().getReasonsList())
        .containsExactly(DenyReason.DENY_REASON_BINDING_INVALID);
    assertThat(AuditEvent.parseFrom(replayed.record().bytes()).getTransfer().getProductId())
        .isEqualTo("p-amended");
  }

  @Test
  void aVersionSeenByAnotherGatewayMakesTheOlderOneStaleHereToo() throws Exception {
    NewestVersions shared = new NewestVersions(16, seen -> {});
    MessageGuard here =
        new MessageGuard(
            () -> ENGINE,
            Map.of(
                "KOR",
                new BindingVerifier(Map.of(KOR_KEY.keyId(), KOR_KEY.keyPair().getPublic()), 16)),
            shared);
    byte[] asPublished =
        product(
            label(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", "KOR", "JPN"),
            "p-shared");

    shared.learn(new NewestVersions.Seen("KOR", "p-shared", 3));

    assertThat(here.decide(asPublished, true, CALL, NOW).bindingInvalid()).isTrue();
    // another nation's product of the same id is another product
    assertThat(shared.admit("JPN", "p-shared", 1)).isZero();
  }

  @Test
  void aProductChangedAfterSigningIsWithheldForItsBinding() throws Exception {
    SearchResponse signed =
        SearchResponse.parseFrom(
            product(
                label(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", "KOR", "JPN"),
                "p-3"));
    byte[] tampered =
        signed.toBuilder()
            .setContent(signed.getContent().toBuilder().setTopic("changed.after.signing"))
            .build()
            .toByteArray();

    MessageGuard.Verdict verdict = guard.decide(tampered, true, CALL, NOW);

    assertThat(verdict.permitted()).isFalse();
    assertThat(verdict.bindingInvalid()).isTrue();
    assertThat(verdict.reasons()).isEmpty();
    assertThat(AuditEvent.parseFrom(verdict.record().bytes()).getTransfer().getReasonsList())
        .containsExactly(DenyReason.DENY_REASON_BINDING_INVALID);
  }

  @Test
  void aProductFromANationWithoutKnownKeysIsWithheldForItsBinding() throws Exception {
    MessageGuard keyless = new MessageGuard(() -> ENGINE, Map.of());

    MessageGuard.Verdict verdict =
        keyless.decide(
            product(
                label(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", "KOR", "JPN"),
                "p-4"),
            true,
            CALL,
            NOW);

    assertThat(verdict.permitted()).isFalse();
    assertThat(verdict.bindingInvalid()).isTrue();
  }

  @Test
  void bytesThatAreNotProtobufAreWithheldAsAnInvalidLabel() throws Exception {
    MessageGuard.Verdict verdict =
        guard.decide("not a protobuf message at all".getBytes(), true, CALL, NOW);

    assertThat(verdict.permitted()).isFalse();
    assertThat(verdict.reasons()).containsExactly(Reason.LABEL_INVALID);
    AuditEvent event = AuditEvent.parseFrom(verdict.record().bytes());
    assertThat(event.getTransfer().getReasonsList())
        .containsExactly(DenyReason.DENY_REASON_LABEL_INVALID);
    assertThat(event.getTransfer().hasLabel()).isFalse();
    assertThat(event.getTransfer().getRecipientNation()).isEqualTo("JPN");
  }

  @Test
  void aMessageLabelledTwiceOrCarryingItsOwnReleaseIsWithheld() throws Exception {
    byte[] message =
        product(
            label(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", "KOR", "JPN"), "p-5");
    byte[] alreadyReleased =
        org.alliedexchange.api.AppendedRelease.append(
            message, Release.newBuilder().setRecipientNation("JPN").build());
    SecurityLabel selfReleased =
        label(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", "KOR", "JPN").toBuilder()
            .setRelease(Release.newBuilder().setRecipientNation("JPN").setMarking("極秘"))
            .build();

    assertThat(guard.decide(alreadyReleased, true, CALL, NOW).reasons())
        .containsExactly(Reason.LABEL_INVALID);
    assertThat(guard.decide(product(selfReleased, "p-6"), true, CALL, NOW).reasons())
        .containsExactly(Reason.LABEL_INVALID);
    assertThat(guard.decide(new byte[0], false, CALL, NOW).reasons())
        .as("unlabelled")
        .containsExactly(Reason.LABEL_INVALID);
  }

  @Test
  void aProductCarryingAFieldItsResponseDoesNotDeclareIsWithheldAsAnInvalidLabel()
      throws Exception {
    byte[] product =
        product(
            label(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", "KOR", "JPN"), "p-9");
    byte[] hidden =
        product(
            label(ClassificationLevel.CLASSIFICATION_LEVEL_TOP_SECRET, "군사I급비밀", "KOR"), "p-10");
    com.google.protobuf.ByteString field16 =
        com.google.protobuf.ByteString.copyFrom(new byte[] {(byte) 0x82, 0x01})
            .concat(com.google.protobuf.ByteString.copyFrom(varint(hidden.length)))
            .concat(com.google.protobuf.ByteString.copyFrom(hidden));
    byte[] after = field16.concat(com.google.protobuf.ByteString.copyFrom(product)).toByteArray();
    byte[] before = com.google.protobuf.ByteString.copyFrom(product).concat(field16).toByteArray();
    // field 5, a varint: no response declares it
    byte[] number =
        com.google.protobuf.ByteString.copyFrom(product)
            .concat(com.google.protobuf.ByteString.copyFrom(new byte[] {0x28, 0x2A}))
            .toByteArray();

    assertThat(guard.decide(product, true, CALL, NOW).permitted())
        .as("the product alone is releasable")
        .isTrue();
    for (byte[] carrying : List.of(after, before, number)) {
      MessageGuard.Verdict verdict = guard.decide(carrying, true, CALL, NOW);
      assertThat(verdict.permitted()).isFalse();
      assertThat(verdict.reasons()).containsExactly(Reason.LABEL_INVALID);
      assertThat(AuditEvent.parseFrom(verdict.record().bytes()).getTransfer().getReasonsList())
          .containsExactly(DenyReason.DENY_REASON_LABEL_INVALID);
    }
    // a declared field (a search result's cursor) is no reason to withhold
    assertThat(
            guard
                .decide(
                    SearchResponse.parseFrom(product).toBuilder()
                        .setCursor("s9")
                        .build()
                        .toByteArray(),
                    true,
                    CALL,
                    NOW)
                .permitted())
        .isTrue();
  }

  private static byte[] varint(int value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    while ((value & ~0x7F) != 0) {
      out.write((value & 0x7F) | 0x80);
      value >>>= 7;
    }
    out.write(value);
    return out.toByteArray();
  }

  @Test
  void aCompressedMessageIsWithheldAndItsFrameRefused() throws Exception {
    byte[] message =
        product(
            label(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", "KOR", "JPN"), "p-7");
    ByteArrayOutputStream gzipped = new ByteArrayOutputStream();
    try (GZIPOutputStream gzip = new GZIPOutputStream(gzipped)) {
      gzip.write(message);
    }

    // the guard reads only identity-encoded messages: gzip bytes are not a labelled message
    assertThat(guard.decide(gzipped.toByteArray(), true, CALL, NOW).permitted()).isFalse();
    // and a frame flagged compressed never reaches it
    byte[] frame = new byte[gzipped.size() + 5];
    frame[0] = 1;
    frame[4] = (byte) gzipped.size();
    System.arraycopy(gzipped.toByteArray(), 0, frame, 5, gzipped.size());
    assertThatThrownBy(
            () ->
                new GrpcFrameReader(1 << 20)
                    .feed(DefaultDataBufferFactory.sharedInstance.wrap(frame), m -> {}))
        .isInstanceOf(GrpcFrameReader.FrameException.class);
  }

  @Test
  void aMessageThatIsNotBoundIsDecidedOnItsLabelAlone() throws Exception {
    byte[] message =
        SearchResponse.newBuilder()
            .setLabel(
                label(
                    ClassificationLevel.CLASSIFICATION_LEVEL_CONFIDENTIAL,
                    "군사III급비밀",
                    "KOR",
                    "JPN"))
            .setCursor("s1")
            .build()
            .toByteArray();

    MessageGuard.Verdict verdict = guard.decide(message, false, CALL, NOW);

    assertThat(verdict.permitted()).isTrue();
    assertThat(SearchResponse.parseFrom(verdict.released()).getLabel().getRelease().getMarking())
        .isEqualTo("秘");
    assertThat(verdict.productId()).isEmpty();
  }

  @Test
  void everyDecisionHasItsOwnTimeOrderedTransferId() {
    byte[] message =
        product(
            label(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET, "군사II급비밀", "KOR", "JPN"), "p-8");

    List<String> ids =
        List.of(
            guard.decide(message, true, CALL, NOW).transferId(),
            guard.decide(message, true, CALL, NOW.plusSeconds(1)).transferId());

    assertThat(ids).doesNotHaveDuplicates().isSorted();
    assertThat(java.util.UUID.fromString(ids.get(0)).version()).isEqualTo(7);
  }

  private static SecurityLabel label(
      ClassificationLevel level, String marking, String... releasableTo) {
    return SecurityLabel.newBuilder()
        .setPolicy("KOR")
        .setLevel(level)
        .setMarking(marking)
        .setOriginator("KOR")
        .addAllReleasableTo(List.of(releasableTo))
        .addCommunities("MISSILE_WARNING")
        .build();
  }

  private static byte[] product(SecurityLabel label, String id) {
    return product(label, id, 1);
  }

  private static byte[] product(SecurityLabel label, String id, long version) {
    ProductContent content =
        ProductContent.newBuilder()
            .setId(id)
            .setTopic("dprk.missile.launch")
            .setPublisher("kor-jcs-publisher")
            .build();
    return SearchResponse.newBuilder()
        .setLabel(label)
        .setContent(content)
        .setBinding(KOR.sign(label.toByteArray(), content.toByteArray(), version, NOW))
        .setCursor("s" + id)
        .build()
        .toByteArray();
  }

  private static NationalKey newKey() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      KeyPair pair = generator.generateKeyPair();
      return new NationalKey(pair, NationalKey.keyId(pair.getPublic()));
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
