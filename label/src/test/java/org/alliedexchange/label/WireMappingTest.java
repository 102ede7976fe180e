package org.alliedexchange.label;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import org.alliedexchange.api.audit.v1.Decision;
import org.alliedexchange.api.audit.v1.DenyReason;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.policy.AgreementStatus;
import org.alliedexchange.policy.Level;
import org.alliedexchange.policy.Reason;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class WireMappingTest {

  @ParameterizedTest
  @EnumSource(Reason.class)
  void everyReasonRoundTripsUnderItsOwnName(Reason reason) {
    DenyReason wire = WireMapping.denyReason(reason);

    assertThat(WireMapping.reason(wire)).isEqualTo(reason);
    assertThat(WireMapping.shortName(wire)).isEqualTo(reason.name());
  }

  @Test
  void wireReasonsTheEngineNeverGivesFailClearly() {
    assertThatThrownBy(() -> WireMapping.reason(DenyReason.DENY_REASON_BINDING_INVALID))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("DENY_REASON_BINDING_INVALID");
    assertThatThrownBy(() -> WireMapping.reason(DenyReason.DENY_REASON_UNSPECIFIED))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> WireMapping.reason(DenyReason.UNRECOGNIZED))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void everyWireReasonButUnspecifiedIsTheEnginesOrTheBindings() {
    long engines =
        Arrays.stream(DenyReason.values())
            .filter(
                r ->
                    r != DenyReason.UNRECOGNIZED
                        && r != DenyReason.DENY_REASON_UNSPECIFIED
                        && r != DenyReason.DENY_REASON_BINDING_INVALID)
            .peek(r -> assertThat(WireMapping.denyReason(WireMapping.reason(r))).isEqualTo(r))
            .count();

    assertThat(engines).isEqualTo(Reason.values().length);
  }

  @ParameterizedTest
  @EnumSource(AgreementStatus.class)
  void everyAgreementStatusRoundTrips(AgreementStatus status) {
    org.alliedexchange.api.audit.v1.AgreementStatus wire = WireMapping.agreementStatus(status);

    assertThat(WireMapping.agreementStatus(wire)).isEqualTo(status);
    assertThat(WireMapping.shortName(wire)).isEqualTo(status.name());
  }

  @Test
  void anUnspecifiedAgreementStatusFailsClearly() {
    assertThatThrownBy(
            () ->
                WireMapping.agreementStatus(
                    org.alliedexchange.api.audit.v1.AgreementStatus.AGREEMENT_STATUS_UNSPECIFIED))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not an agreement status");
    assertThatThrownBy(
            () ->
                WireMapping.agreementStatus(
                    org.alliedexchange.api.audit.v1.AgreementStatus.UNRECOGNIZED))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @ParameterizedTest
  @EnumSource(Level.class)
  void everyLevelRoundTrips(Level level) {
    ClassificationLevel wire = WireMapping.level(level);

    assertThat(WireMapping.level(wire)).isEqualTo(level);
    assertThat(WireMapping.shortName(wire)).isEqualTo(level.name());
  }

  @Test
  void noLevelIsUnspecifiedAndBack() {
    assertThat(WireMapping.level((Level) null))
        .isEqualTo(ClassificationLevel.CLASSIFICATION_LEVEL_UNSPECIFIED);
    assertThat(WireMapping.level(ClassificationLevel.CLASSIFICATION_LEVEL_UNSPECIFIED)).isNull();
    assertThat(WireMapping.level(ClassificationLevel.UNRECOGNIZED)).isNull();
  }

  @Test
  void timestampsRoundTripToTheNanosecond() {
    Instant at = Instant.parse("2026-11-21T09:00:00.123456789Z");

    Timestamp wire = WireMapping.timestamp(at);

    assertThat(wire.getSeconds()).isEqualTo(at.getEpochSecond());
    assertThat(wire.getNanos()).isEqualTo(123_456_789);
    assertThat(WireMapping.instant(wire)).isEqualTo(at);
    assertThat(WireMapping.instant(Timestamp.getDefaultInstance())).isEqualTo(Instant.EPOCH);
  }

  @Test
  void shortNamesAreReadAndTypedWithoutThePrefix() {
    assertThat(WireMapping.shortName(DenyReason.class, "DENY_REASON_NOFORN")).isEqualTo("NOFORN");
    assertThat(WireMapping.shortName(DenyReason.class, "NOFORN")).isEqualTo("NOFORN");
    assertThat(WireMapping.shortName(DenyReason.UNRECOGNIZED)).isEqualTo("UNRECOGNIZED");
    assertThat(WireMapping.named(DenyReason.class, " not_releasable_to_nation "))
        .isEqualTo(DenyReason.DENY_REASON_NOT_RELEASABLE_TO_NATION);
    assertThat(WireMapping.named(Decision.class, "permit")).isEqualTo(Decision.DECISION_PERMIT);
    assertThat(WireMapping.namedOrUnspecified(ClassificationLevel.class, "TOP_SECRET"))
        .isEqualTo(ClassificationLevel.CLASSIFICATION_LEVEL_TOP_SECRET);
    assertThat(WireMapping.namedOrUnspecified(ClassificationLevel.class, "COSMIC"))
        .isEqualTo(ClassificationLevel.CLASSIFICATION_LEVEL_UNSPECIFIED);
  }

  @Test
  void anUnknownShortNameFailsNamingTheChoices() {
    assertThatThrownBy(() -> WireMapping.named(Decision.class, "maybe"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maybe is not one of [PERMIT, DENY]");
    assertThatThrownBy(() -> WireMapping.named(Decision.class, "unspecified"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> WireMapping.named(Decision.class, "UNRECOGNIZED"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(WireMapping.choices(DenyReason.class))
        .startsWith("LABEL_INVALID")
        .endsWith("BINDING_INVALID")
        .hasSize(10);
  }

  @Test
  void anEnumThatIsNotAWireEnumIsRefused() {
    assertThatThrownBy(() -> WireMapping.shortName(Reason.NOFORN))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("is not a wire enum");
  }
}
