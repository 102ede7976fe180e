package org.alliedexchange.policy;

import static org.alliedexchange.policy.Labels.marked;
import static org.alliedexchange.policy.Labels.recipient;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class AgreementHistoryTest {

  private static final String GSOMIA = "KOR-JPN-GSOMIA-2016";
  private static final Label KOR_SECRET_TO_JPN = marked("KOR", "군사II급비밀", "KOR", "JPN");
  private static final Recipient JPN_SECRET = recipient("JPN", Level.SECRET);

  private final Federation federation = FederationConfig.loadDefault();

  @ParameterizedTest(name = "KOR SECRET to JPN at {0}: {1}")
  @CsvSource({
    "2016-11-22T23:59:59Z, NO_AGREEMENT_IN_FORCE",
    "2010-01-01T00:00:00Z, NO_AGREEMENT_IN_FORCE",
    "2016-11-23T00:00:00Z, ",
    "2019-11-23T00:00:00Z, ",
    "2026-01-01T00:00:00Z, "
  })
  void theKoreaJapanGsomiaAppliesFromItsSignature(String at, String reason) {
    Decision decision =
        new ReleasabilityEngine(federation)
            .decide(KOR_SECRET_TO_JPN, JPN_SECRET, Instant.parse(at));

    if (reason == null) {
      assertThat(decision.permitted()).isTrue();
      assertThat(decision.agreementId()).isEqualTo(GSOMIA);
    } else {
      assertThat(decision.reasons()).containsExactly(Reason.valueOf(reason));
    }
  }

  @Test
  void aSuspendedAgreementDeniesUntilItIsInForceAgain() {
    Instant suspended = Instant.parse("2026-03-01T00:00:00Z");
    Instant resumed = Instant.parse("2026-04-01T00:00:00Z");
    ReleasabilityEngine engine =
        new ReleasabilityEngine(
            federation
                .withAgreementStatus(GSOMIA, AgreementStatus.SUSPENDED, suspended)
                .withAgreementStatus(GSOMIA, AgreementStatus.IN_FORCE, resumed));

    assertThat(engine.decide(KOR_SECRET_TO_JPN, JPN_SECRET, suspended.minusSeconds(1)).permitted())
        .isTrue();
    assertThat(engine.decide(KOR_SECRET_TO_JPN, JPN_SECRET, suspended).reasons())
        .containsExactly(Reason.NO_AGREEMENT_IN_FORCE);
    assertThat(engine.decide(KOR_SECRET_TO_JPN, JPN_SECRET, resumed.minusMillis(1)).reasons())
        .containsExactly(Reason.NO_AGREEMENT_IN_FORCE);
    assertThat(engine.decide(KOR_SECRET_TO_JPN, JPN_SECRET, resumed).permitted()).isTrue();
    // the suspension touches only its own parties
    assertThat(
            engine
                .decide(
                    marked("KOR", "군사II급비밀", "KOR", "USA"),
                    recipient("USA", Level.SECRET),
                    suspended)
                .permitted())
        .isTrue();
  }

  @Test
  void aTerminatedAgreementDeniesFromItsEndAndNothingMayFollow() {
    Instant end = Instant.parse("2027-01-01T00:00:00Z");
    Federation terminated = federation.withAgreementStatus(GSOMIA, AgreementStatus.TERMINATED, end);
    ReleasabilityEngine engine = new ReleasabilityEngine(terminated);

    assertThat(engine.decide(KOR_SECRET_TO_JPN, JPN_SECRET, end.minusSeconds(1)).permitted())
        .isTrue();
    assertThat(engine.decide(KOR_SECRET_TO_JPN, JPN_SECRET, end).reasons())
        .containsExactly(Reason.NO_AGREEMENT_IN_FORCE);
    assertThat(
            engine
                .decide(KOR_SECRET_TO_JPN, JPN_SECRET, end.plusSeconds(86_400L * 3650))
                .permitted())
        .isFalse();
    assertThatThrownBy(
            () ->
                terminated.withAgreementStatus(
                    GSOMIA, AgreementStatus.IN_FORCE, end.plusSeconds(60)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("terminated");
  }

  @Test
  void aStatusChangeMustComeAfterTheLastOne() {
    assertThatThrownBy(
            () ->
                federation.withAgreementStatus(
                    GSOMIA, AgreementStatus.SUSPENDED, Instant.parse("2016-01-01T00:00:00Z")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("must come after");
    assertThatThrownBy(
            () ->
                federation.withAgreementStatus("NO-SUCH", AgreementStatus.SUSPENDED, Instant.now()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unknown agreement NO-SUCH");
  }

  @Test
  void aSuspensionMakesANewSnapshotAndLeavesTheOldOneAlone() {
    Federation suspended =
        federation.withAgreementStatus(
            GSOMIA, AgreementStatus.SUSPENDED, Instant.parse("2026-03-01T00:00:00Z"));

    assertThat(federation.agreement(GSOMIA).history()).hasSize(1);
    assertThat(suspended.agreement(GSOMIA).history()).hasSize(2);
    assertThat(suspended.agreement(GSOMIA).statusAt(Instant.parse("2026-06-01T00:00:00Z")))
        .isEqualTo(AgreementStatus.SUSPENDED);
  }
}
