package org.alliedexchange.label;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.alliedexchange.api.CanonicalMessages;
import org.alliedexchange.api.exchange.v1.PublishRequest;
import org.alliedexchange.policy.Decision;
import org.alliedexchange.policy.FederationConfig;
import org.alliedexchange.policy.Label;
import org.alliedexchange.policy.LabelValidity;
import org.alliedexchange.policy.Level;
import org.alliedexchange.policy.Reason;
import org.alliedexchange.policy.Recipient;
import org.alliedexchange.policy.ReleasabilityEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The label canonicalizer on any request a hostile national system could send: {@link
 * #canonicalize} refuses it or accepts it, and throws nothing but protobuf's parse error. What it
 * accepts writes out to bytes that read back as the same request, accepted again, with no unknown
 * field; and the engine decides every label it reads the way {@link ReleasabilityEngine#validate}
 * says it will. The corpus ({@code LabelCanonicalizerFuzzTestInputs/}) holds real publish requests.
 */
class LabelCanonicalizerFuzzTest {

  private static final ReleasabilityEngine ENGINE =
      new ReleasabilityEngine(FederationConfig.loadDefault());
  private static final List<Recipient> RECIPIENTS =
      List.of(
          new Recipient("KOR", Level.TOP_SECRET, Set.of("MISSILE_WARNING")),
          new Recipient("JPN", Level.SECRET, Set.of("MISSILE_WARNING")),
          new Recipient("USA", Level.TOP_SECRET, Set.of()));
  private static final Instant NOW = Instant.parse("2026-11-26T09:00:00Z");
  private static final AtomicLong INPUTS = new AtomicLong();

  /** A KOR publisher cleared for everything, so that only the label's own form decides. */
  private static final Recipient KOR_PUBLISHER =
      new Recipient("KOR", Level.TOP_SECRET, Set.of("MISSILE_WARNING", "NUCLEAR", "SIGINT"));

  /**
   * The entry point fuzzed: what an exchange service does with a publish request before it signs
   * and stores anything (CanonicalRequests, then the domain's origination rule). Empty when it is
   * refused.
   *
   * @throws InvalidProtocolBufferException when the bytes are not a publish request at all
   */
  static Optional<PublishRequest> canonicalize(byte[] request)
      throws InvalidProtocolBufferException {
    PublishRequest parsed = PublishRequest.parseFrom(request);
    if (CanonicalMessages.firstUnknownField(parsed).isPresent()) {
      return Optional.empty();
    }
    if (ENGINE
        .refuseOrigination(ProtoLabels.toDomain(parsed.getLabel()), KOR_PUBLISHER)
        .isPresent()) {
      return Optional.empty();
    }
    return Optional.of(parsed);
  }

  @FuzzTest
  @Timeout(10)
  void whatIsAcceptedIsCanonicalAndDecidedAsValidated(byte[] request) throws Exception {
    INPUTS.incrementAndGet();
    Optional<PublishRequest> accepted;
    try {
      accepted = canonicalize(request);
      assertDecidedAsValidated(PublishRequest.parseFrom(request));
    } catch (InvalidProtocolBufferException refused) {
      return;
    }
    if (accepted.isEmpty()) {
      return;
    }
    byte[] written = accepted.get().toByteArray();
    PublishRequest reread = PublishRequest.parseFrom(written);
    assertThat(reread).as("the accepted request, written and read back").isEqualTo(accepted.get());
    assertThat(CanonicalMessages.firstUnknownField(reread)).isEmpty();
    assertThat(canonicalize(written)).as("accepted again once written").contains(reread);
    assertThat(reread.toByteArray()).as("written the same way twice").isEqualTo(written);
    assertThat(ProtoLabels.toDomain(reread.getLabel()))
        .isEqualTo(ProtoLabels.toDomain(accepted.get().getLabel()));
    assertThat(reread.getLabel().getReleasableToList())
        .as("releasable to what is not a nation of the federation")
        .allSatisfy(nation -> assertThat(ENGINE.federation().nation(nation)).isNotNull());
  }

  @Test
  void theCorpusHoldsAcceptedAndRefusedRequests() throws Exception {
    assertThat(canonicalize(seed("kor-secret-to-jpn-and-usa"))).isPresent();
    assertThat(canonicalize(seed("kor-label-unknown-field-in-review-at"))).isEmpty();
    assertThat(canonicalize(seed("kor-releasable-to-nul"))).isEmpty();
  }

  @AfterAll
  static void theFuzzerRan() {
    FuzzRuns.assertRan(INPUTS.get());
  }

  /** A decision carries exactly the defects and level that validate gives the label. */
  private static void assertDecidedAsValidated(PublishRequest request) {
    assertThat(ProtoLabels.hasUnknownFields(request.getLabel()))
        .as("the guard's walk and the schema's walk disagree on unknown fields")
        .isEqualTo(CanonicalMessages.firstUnknownField(request.getLabel()).isPresent());
    Label label = ProtoLabels.toDomain(request.getLabel());
    LabelValidity validity = ENGINE.validate(label);
    for (Recipient recipient : RECIPIENTS) {
      Decision decision = ENGINE.decide(label, recipient, NOW);
      assertThat(decision.labelDefects())
          .as("defects for " + recipient)
          .isEqualTo(validity.defects());
      assertThat(decision.reasons().contains(Reason.LABEL_INVALID)).isEqualTo(!validity.valid());
      assertThat(decision.level()).isEqualTo(validity.level());
      if (decision.permitted()) {
        assertThat(label.releasableTo())
            .as("released to a nation not listed")
            .contains(recipient.nation());
      }
    }
  }

  private static byte[] seed(String name) throws java.io.IOException {
    try (var in =
        LabelCanonicalizerFuzzTest.class.getResourceAsStream(
            "LabelCanonicalizerFuzzTestInputs/whatIsAcceptedIsCanonicalAndDecidedAsValidated/"
                + name)) {
      return in.readAllBytes();
    }
  }
}
