package org.alliedexchange.policy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** An agreement's suspension and resumption: what may change, when, and why a change is refused. */
class AgreementTest {

  private static final Instant SIGNED = Instant.parse("2016-11-23T00:00:00Z");
  private static final Instant NOW = Instant.parse("2026-03-01T00:00:00Z");

  private static Agreement agreement(StatusChange... history) {
    return new Agreement(
        "KOR-JPN-GSOMIA-2016",
        "GSOMIA",
        List.of("KOR", "JPN"),
        Set.of(Level.CONFIDENTIAL, Level.SECRET),
        new ArrayList<>(List.of(history)));
  }

  private static final Agreement IN_FORCE =
      agreement(new StatusChange(AgreementStatus.IN_FORCE, SIGNED));

  private static Agreement.TransitionRefused.Why why(Throwable e) {
    return ((Agreement.TransitionRefused) e).why();
  }

  @Test
  void anAgreementInForceIsSuspendedFromThatInstantAndResumedLater() {
    Agreement suspended = IN_FORCE.suspend(NOW);
    assertThat(suspended.statusAt(NOW.minusMillis(1))).isEqualTo(AgreementStatus.IN_FORCE);
    assertThat(suspended.statusAt(NOW)).isEqualTo(AgreementStatus.SUSPENDED);
    assertThat(suspended.inForceAt(NOW)).isFalse();

    Agreement resumed = suspended.resume(NOW.plusSeconds(60));
    assertThat(resumed.statusAt(NOW.plusSeconds(59))).isEqualTo(AgreementStatus.SUSPENDED);
    assertThat(resumed.inForceAt(NOW.plusSeconds(60))).isTrue();
    assertThat(resumed.history())
        .extracting(StatusChange::status)
        .containsExactly(
            AgreementStatus.IN_FORCE, AgreementStatus.SUSPENDED, AgreementStatus.IN_FORCE);
    // each transition makes a new agreement and leaves the old one alone
    assertThat(IN_FORCE.history()).hasSize(1);
    assertThat(suspended.history()).hasSize(2);
    assertThat(resumed.id()).isEqualTo(IN_FORCE.id());
    assertThat(resumed.parties()).isEqualTo(IN_FORCE.parties());
    assertThat(resumed.levels()).isEqualTo(IN_FORCE.levels());
  }

  @Test
  void whatIsAlreadySoIsRefused() {
    assertThatThrownBy(() -> IN_FORCE.resume(NOW))
        .isInstanceOf(Agreement.TransitionRefused.class)
        .hasMessage("agreement KOR-JPN-GSOMIA-2016 is already IN_FORCE")
        .satisfies(e -> assertThat(why(e)).isEqualTo(Agreement.TransitionRefused.Why.ALREADY));
    Agreement suspended = IN_FORCE.suspend(NOW);
    assertThatThrownBy(() -> suspended.suspend(NOW.plusSeconds(1)))
        .isInstanceOf(Agreement.TransitionRefused.class)
        .hasMessage("agreement KOR-JPN-GSOMIA-2016 is already SUSPENDED")
        .satisfies(e -> assertThat(why(e)).isEqualTo(Agreement.TransitionRefused.Why.ALREADY));
  }

  @Test
  void anAgreementNotYetInEffectCanBeNeitherSuspendedNorResumed() {
    assertThatThrownBy(() -> IN_FORCE.suspend(SIGNED.minusSeconds(1)))
        .isInstanceOf(Agreement.TransitionRefused.class)
        .hasMessage(
            "agreement KOR-JPN-GSOMIA-2016 is not yet in effect; it can be neither suspended nor resumed")
        .satisfies(
            e -> assertThat(why(e)).isEqualTo(Agreement.TransitionRefused.Why.NOT_YET_IN_EFFECT));
    assertThatThrownBy(() -> IN_FORCE.resume(SIGNED.minusSeconds(1)))
        .isInstanceOf(Agreement.TransitionRefused.class)
        .satisfies(
            e -> assertThat(why(e)).isEqualTo(Agreement.TransitionRefused.Why.NOT_YET_IN_EFFECT));
  }

  @Test
  void aTerminatedAgreementCanBeNeitherSuspendedNorResumed() {
    Agreement terminated = IN_FORCE.withStatus(AgreementStatus.TERMINATED, NOW);
    assertThatThrownBy(() -> terminated.suspend(NOW.plusSeconds(1)))
        .isInstanceOf(Agreement.TransitionRefused.class)
        .hasMessage(
            "agreement KOR-JPN-GSOMIA-2016 is terminated; it can be neither suspended nor resumed")
        .satisfies(e -> assertThat(why(e)).isEqualTo(Agreement.TransitionRefused.Why.TERMINATED));
    assertThatThrownBy(() -> terminated.resume(NOW.plusSeconds(1)))
        .isInstanceOf(Agreement.TransitionRefused.class)
        .satisfies(e -> assertThat(why(e)).isEqualTo(Agreement.TransitionRefused.Why.TERMINATED));
  }

  @Test
  void aChangeBeforeOneAlreadyInTheHistoryIsRefused() {
    // a termination the configuration schedules for later: suspending before it would rewrite the
    // treaty's timeline
    Agreement ending = IN_FORCE.withStatus(AgreementStatus.TERMINATED, NOW.plusSeconds(86_400));
    assertThatThrownBy(() -> ending.suspend(NOW))
        .isInstanceOf(Agreement.TransitionRefused.class)
        .hasMessageContaining("changes to TERMINATED at 2026-03-02T00:00:00Z")
        .satisfies(e -> assertThat(why(e)).isEqualTo(Agreement.TransitionRefused.Why.LATER_CHANGE));
    // and a resumption at the very instant of the suspension
    Agreement suspended = IN_FORCE.suspend(NOW);
    assertThatThrownBy(() -> suspended.resume(NOW))
        .isInstanceOf(Agreement.TransitionRefused.class)
        .hasMessage(
            "agreement KOR-JPN-GSOMIA-2016 changes to SUSPENDED at 2026-03-01T00:00:00Z; a change made at 2026-03-01T00:00:00Z"
                + " must come after it")
        .satisfies(e -> assertThat(why(e)).isEqualTo(Agreement.TransitionRefused.Why.LATER_CHANGE));
    assertThat(ending.history()).hasSize(2);
  }
}
