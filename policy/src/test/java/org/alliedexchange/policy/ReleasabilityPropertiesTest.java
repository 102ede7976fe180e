package org.alliedexchange.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Invariants of the engine over generated labels, recipients and instants. */
class ReleasabilityPropertiesTest {

  private static final Federation FEDERATION = FederationConfig.loadDefault();
  private static final ReleasabilityEngine ENGINE = new ReleasabilityEngine(FEDERATION);
  private static final List<String> NATIONS = List.of("KOR", "JPN", "USA", "GBR", "");
  private static final List<String> COMMUNITIES = List.of("MISSILE", "SIGINT", "NUCLEAR");

  @Property(tries = 3000)
  void neverPermitsAboveTheRecipientsClearance(
      @ForAll("labels") Label label,
      @ForAll("recipients") Recipient recipient,
      @ForAll("instants") Instant at) {
    Decision decision = ENGINE.decide(label, recipient, at);

    if (decision.permitted()) {
      assertThat(decision.level()).isNotNull();
      assertThat(recipient.clearance().dominates(decision.level())).isTrue();
      assertThat(recipient.communities()).containsAll(label.communities());
    }
  }

  @Property(tries = 3000)
  void neverPermitsToANationOutsideReleasableTo(
      @ForAll("labels") Label label,
      @ForAll("recipients") Recipient recipient,
      @ForAll("instants") Instant at) {
    Decision decision = ENGINE.decide(label, recipient, at);

    if (decision.permitted()) {
      assertThat(label.releasableTo()).contains(recipient.nation());
      if (!recipient.nation().equals(label.originator())) {
        assertThat(label.controls()).doesNotContain(Label.NOFORN);
      }
    }
  }

  @Property(tries = 3000)
  void aPermitAbroadAlwaysNamesAnAgreementInForceThatCoversTheLevel(
      @ForAll("labels") Label label,
      @ForAll("recipients") Recipient recipient,
      @ForAll("instants") Instant at) {
    Decision decision = ENGINE.decide(label, recipient, at);

    if (decision.permitted()
        && !recipient.nation().equals(label.originator())
        && decision.level() != Level.UNCLASSIFIED) {
      Agreement agreement = FEDERATION.agreement(decision.agreementId());
      assertThat(agreement.inForceAt(at)).isTrue();
      assertThat(agreement.covers(decision.level())).isTrue();
      assertThat(agreement.parties()).contains(label.originator(), recipient.nation());
    }
    if (decision.permitted()) {
      assertThat(FEDERATION.nation(recipient.nation()).levelOf(decision.marking()))
          .isEqualTo(decision.level());
    }
  }

  @Property(tries = 2000)
  void validateSaysWhatEveryDecisionSaysOfTheLabel(
      @ForAll("labels") Label label,
      @ForAll("recipients") Recipient recipient,
      @ForAll("instants") Instant at) {
    LabelValidity validity = ENGINE.validate(label);
    Decision decision = ENGINE.decide(label, recipient, at);

    assertThat(decision.reasons().contains(Reason.LABEL_INVALID)).isEqualTo(!validity.valid());
    assertThat(decision.labelDefects()).isEqualTo(validity.defects());
    assertThat(decision.level()).isEqualTo(validity.level());
  }

  @Property(tries = 500)
  void aMarkingRoundTripsThroughTheEquivalenceTable(
      @ForAll("nationalMarkings") Map.Entry<String, String> marking,
      @ForAll("configuredNations") String other) {
    String from = marking.getKey();
    Level level = FEDERATION.nation(from).levelOf(marking.getValue());

    FEDERATION
        .translate(from, marking.getValue(), other)
        .ifPresentOrElse(
            translated -> {
              assertThat(FEDERATION.nation(other).levelOf(translated)).isEqualTo(level);
              assertThat(FEDERATION.translate(other, translated, from))
                  .contains(FEDERATION.nation(from).markingAt(level));
            },
            () -> assertThat(FEDERATION.nation(other).markingAt(level)).isNull());
  }

  @Property(tries = 2000)
  void nothingThrowsOnArbitraryInput(
      @ForAll("anyStrings") String policy,
      @ForAll("anyStrings") String marking,
      @ForAll("anyStrings") String originator,
      @ForAll("anyStrings") String nation) {
    Label label =
        new Label(
            policy,
            null,
            marking,
            originator,
            Set.of(originator == null ? "" : originator),
            Set.of(),
            Set.of());
    Decision decision =
        ENGINE.decide(label, new Recipient(nation, Level.parse(marking), null), Instant.EPOCH);

    assertThat(decision.permitted() || !decision.reasons().isEmpty()).isTrue();
  }

  @Provide
  Arbitrary<Label> labels() {
    Arbitrary<String> policies = Arbitraries.of("KOR", "JPN", "USA");
    return policies.flatMap(
        policy -> {
          List<String> markings = new ArrayList<>();
          FEDERATION.nation(policy).markingsByLevel().values().forEach(markings::addAll);
          return Combinators.combine(
                  Arbitraries.of(markings),
                  Arbitraries.of(NATIONS).set().ofMaxSize(4),
                  Arbitraries.of(COMMUNITIES).set().ofMaxSize(2),
                  Arbitraries.of(Label.NOFORN, Label.ORCON).set().ofMaxSize(1),
                  Arbitraries.of(true, false))
              .as(
                  (marking, releasable, communities, controls, listOriginator) -> {
                    Set<String> releasableTo = new java.util.HashSet<>(releasable);
                    if (listOriginator) {
                      releasableTo.add(policy);
                    }
                    return new Label(
                        policy, null, marking, policy, releasableTo, communities, controls);
                  });
        });
  }

  @Provide
  Arbitrary<Recipient> recipients() {
    return Combinators.combine(
            Arbitraries.of(NATIONS),
            Arbitraries.of(Level.values()),
            Arbitraries.of(COMMUNITIES).set().ofMaxSize(3))
        .as(Recipient::new);
  }

  @Provide
  Arbitrary<Instant> instants() {
    return Arbitraries.longs()
        .between(
            Instant.parse("1980-01-01T00:00:00Z").getEpochSecond(),
            Instant.parse("2040-01-01T00:00:00Z").getEpochSecond())
        .map(Instant::ofEpochSecond);
  }

  @Provide
  Arbitrary<Map.Entry<String, String>> nationalMarkings() {
    List<Map.Entry<String, String>> all = new ArrayList<>();
    for (NationalScheme nation : FEDERATION.nations()) {
      nation
          .markingsByLevel()
          .values()
          .forEach(list -> list.forEach(m -> all.add(Map.entry(nation.code(), m))));
    }
    return Arbitraries.of(all);
  }

  @Provide
  Arbitrary<String> configuredNations() {
    return Arbitraries.of("KOR", "JPN", "USA");
  }

  @Provide
  Arbitrary<String> anyStrings() {
    return Arbitraries.oneOf(
        Arbitraries.strings().ofMaxLength(12),
        Arbitraries.of("KOR", "JPN", "USA", "SECRET", "極秘"),
        Arbitraries.just(null));
  }
}
