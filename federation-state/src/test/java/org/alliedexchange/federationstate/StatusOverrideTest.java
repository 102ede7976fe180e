package org.alliedexchange.federationstate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import org.alliedexchange.policy.AgreementStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * How the agreement board stores an override in Redis: what it writes reads back the same, and
 * nothing else reads.
 */
class StatusOverrideTest {

  private static final Instant AT = Instant.parse("2026-03-01T09:30:00.123Z");

  @Test
  void anOverrideIsStoredAsStatusInstantWhoAndWhy() {
    StatusOverride suspended =
        new StatusOverride(AgreementStatus.SUSPENDED, AT, "federation-admin", "missile test");
    assertThat(suspended.encode())
        .isEqualTo("SUSPENDED|1772357400123|federation-admin|missile test");
    assertThat(StatusOverride.decode(suspended.encode())).isEqualTo(suspended);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "SUSPENDED|1772357400123|federation-admin|missile test",
        "IN_FORCE|1772357400123|federation-admin|talks resumed",
        "IN_FORCE|0|federation-admin|",
        "SUSPENDED|1772357400123|관리자|대화 중단, 2026년 3월",
        "SUSPENDED|1772357400123|federation-admin|two\nlines and trailing space "
      })
  void whatTheBoardWroteReadsBackAsWritten(String stored) {
    assertThat(StatusOverride.decode(stored).encode()).isEqualTo(stored);
  }

  @Test
  void theInstantIsKeptToTheMillisecondAndTheSeparatorNeverInsideAField() {
    StatusOverride override =
        new StatusOverride(AgreementStatus.IN_FORCE, AT.plusNanos(456_789), "admin|ops", "a|b");
    assertThat(override.since()).isEqualTo(AT);
    assertThat(override.encode()).isEqualTo("IN_FORCE|1772357400123|admin/ops|a/b");
    assertThat(StatusOverride.decode(override.encode())).isEqualTo(override);
    assertThat(new StatusOverride(AgreementStatus.IN_FORCE, AT, "admin", null).reason()).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "",
        "SUSPENDED",
        "SUSPENDED|1772357400123",
        "SUSPENDED|1772357400123|federation-admin", // no reason field at all
        "SUSPENDED|1772357400123|federation-admin|a|b", // a separator the board never writes inside
        // a field
        "suspended|1772357400123|federation-admin|x", // the status is spelt exactly as
        // AgreementStatus names it
        "Suspended|1772357400123|federation-admin|x",
        "AGREEMENT_STATUS_SUSPENDED|1772357400123|federation-admin|x",
        "PAUSED|1772357400123|federation-admin|x",
        " SUSPENDED|1772357400123|federation-admin|x",
        "TERMINATED|1772357400123|federation-admin|x", // a termination is never stored: it is a
        // treaty act
        "SUSPENDED|2026-03-01T09:30:00Z|federation-admin|x",
        "SUSPENDED||federation-admin|x",
        "SUSPENDED|+1772357400123|federation-admin|x",
        "SUSPENDED|01772357400123|federation-admin|x",
        "SUSPENDED|99999999999999999999|federation-admin|x",
        "SUSPENDED|1772357400123||x", // no one named
        "SUSPENDED|1772357400123| |x"
      })
  void aMalformedStoredValueIsRefused(String stored) {
    assertThatThrownBy(() -> StatusOverride.decode(stored))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void nothingIsStoredButASuspensionOrAResumptionBySomeone() {
    assertThatThrownBy(() -> StatusOverride.decode(null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> new StatusOverride(AgreementStatus.TERMINATED, AT, "federation-admin", "x"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("treaty act");
    assertThatThrownBy(() -> new StatusOverride(null, AT, "federation-admin", "x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () -> new StatusOverride(AgreementStatus.SUSPENDED, null, "federation-admin", "x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new StatusOverride(AgreementStatus.SUSPENDED, AT, "", "x"))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
