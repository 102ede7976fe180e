package org.alliedexchange.hotline.domain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Timestamp;
import java.time.Instant;
import java.util.List;
import org.alliedexchange.api.hotline.v1.Conference;
import org.alliedexchange.api.hotline.v1.Precedence;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.Release;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.policy.FederationConfig;
import org.alliedexchange.policy.Level;
import org.alliedexchange.policy.ReleasabilityEngine;
import org.junit.jupiter.api.Test;

class SendCheckTest {

  static final ReleasabilityEngine ENGINE = new ReleasabilityEngine(FederationConfig.loadDefault());
  static final ConferenceBook BOOK = ConferenceBook.loadBuiltIn();
  static final Conference TRILATERAL = BOOK.find("JPN-KOR-USA").orElseThrow();
  static final SendCheck.Sender PRINCIPAL = new SendCheck.Sender("kor-principal", "KOR", true);
  static final SendCheck.Sender NSA = new SendCheck.Sender("kor-nsa", "KOR", false);
  static final Instant NOW = Instant.parse("2026-11-26T23:00:00Z");

  static SecurityLabel.Builder kor(ClassificationLevel level, String marking) {
    return SecurityLabel.newBuilder()
        .setPolicy("KOR")
        .setLevel(level)
        .setMarking(marking)
        .setOriginator("KOR")
        .addAllReleasableTo(List.of("JPN", "KOR", "USA"))
        .setCreatedAt(Timestamp.newBuilder().setSeconds(NOW.getEpochSecond()));
  }

  @Test
  void aSecretMessageReleasableToEveryPartyPasses() {
    Level level =
        SendCheck.checkLabel(
            kor(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET, "군사II급비밀").build(),
            PRINCIPAL,
            TRILATERAL,
            ENGINE,
            NOW);
    assertThat(level).isEqualTo(Level.SECRET);
  }

  @Test
  void aTopSecretMessageIsAboveTheTrilateralCeilingForEveryone() {
    assertThatThrownBy(
            () ->
                SendCheck.checkLabel(
                    kor(ClassificationLevel.CLASSIFICATION_LEVEL_TOP_SECRET, "군사I급비밀").build(),
                    PRINCIPAL,
                    TRILATERAL,
                    ENGINE,
                    NOW))
        .isInstanceOfSatisfying(
            SendRefusal.class,
            refusal -> {
              assertThat(refusal.kind()).isEqualTo(SendRefusal.Kind.PRECONDITION);
              assertThat(refusal.getMessage()).contains("above the ceiling SECRET");
            });
  }

  @Test
  void aMessageAboveAWatchOfficersClearanceIsRefusedNamingTheParty() {
    Conference korUsa = BOOK.find("KOR-USA").orElseThrow();
    assertThatThrownBy(
            () ->
                SendCheck.checkLabel(
                    kor(ClassificationLevel.CLASSIFICATION_LEVEL_TOP_SECRET, "군사I급비밀")
                        .clearReleasableTo()
                        .addAllReleasableTo(List.of("KOR", "USA"))
                        .build(),
                    PRINCIPAL,
                    korUsa,
                    ENGINE,
                    NOW))
        .isInstanceOfSatisfying(
            SendRefusal.class,
            refusal -> {
              assertThat(refusal.kind()).isEqualTo(SendRefusal.Kind.PRECONDITION);
              assertThat(refusal.party()).isEqualTo("KOR");
              assertThat(refusal.getMessage())
                  .contains("kor-watch-officer")
                  .contains("INSUFFICIENT_CLEARANCE");
            });
  }

  @Test
  void aMessageNotReleasableToOneNationIsRefusedForAll() {
    assertThatThrownBy(
            () ->
                SendCheck.checkLabel(
                    kor(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET, "군사II급비밀")
                        .clearReleasableTo()
                        .addAllReleasableTo(List.of("KOR", "USA"))
                        .build(),
                    PRINCIPAL,
                    TRILATERAL,
                    ENGINE,
                    NOW))
        .isInstanceOfSatisfying(
            SendRefusal.class,
            refusal -> {
              assertThat(refusal.party()).isEqualTo("JPN");
              assertThat(refusal.getMessage()).contains("NOT_RELEASABLE_TO_NATION");
            });
  }

  @Test
  void anotherNationsLabelOrAReleaseIsRefused() {
    SecurityLabel japanese =
        kor(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET, "極秘")
            .setPolicy("JPN")
            .setOriginator("JPN")
            .build();
    assertThatThrownBy(() -> SendCheck.checkLabel(japanese, NSA, TRILATERAL, ENGINE, NOW))
        .isInstanceOfSatisfying(
            SendRefusal.class,
            refusal -> assertThat(refusal.kind()).isEqualTo(SendRefusal.Kind.DENIED));
    SecurityLabel released =
        kor(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET, "군사II급비밀")
            .setRelease(Release.newBuilder().setMarking("SECRET"))
            .build();
    assertThatThrownBy(() -> SendCheck.checkLabel(released, NSA, TRILATERAL, ENGINE, NOW))
        .isInstanceOfSatisfying(
            SendRefusal.class,
            refusal -> assertThat(refusal.kind()).isEqualTo(SendRefusal.Kind.INVALID));
  }

  @Test
  void flashOverrideIsForPrincipalsOnly() {
    SendCheck.checkPrecedence(Precedence.PRECEDENCE_FLASH_OVERRIDE, PRINCIPAL);
    SendCheck.checkPrecedence(Precedence.PRECEDENCE_FLASH, NSA);
    assertThatThrownBy(() -> SendCheck.checkPrecedence(Precedence.PRECEDENCE_FLASH_OVERRIDE, NSA))
        .isInstanceOfSatisfying(
            SendRefusal.class,
            refusal -> assertThat(refusal.kind()).isEqualTo(SendRefusal.Kind.DENIED));
    assertThatThrownBy(() -> SendCheck.checkPrecedence(Precedence.PRECEDENCE_UNSPECIFIED, NSA))
        .isInstanceOfSatisfying(
            SendRefusal.class,
            refusal -> assertThat(refusal.kind()).isEqualTo(SendRefusal.Kind.INVALID));
  }

  @Test
  void textMayHoldLinesTabsAndAnyScriptButNoControlsOrOverrides() {
    SendCheck.checkText("북한 미사일 발사\n\t弾道ミサイル 🚀");
    for (String bad :
        List.of("", "bell\u0007", "escape\u001b[2J", "flip\u202Eevil", "nul\u0000", "\uFFFF")) {
      assertThatThrownBy(() -> SendCheck.checkText(bad))
          .isInstanceOfSatisfying(
              SendRefusal.class,
              refusal -> assertThat(refusal.kind()).isEqualTo(SendRefusal.Kind.INVALID));
    }
    SendCheck.checkText("가".repeat(SendCheck.MAX_TEXT));
    assertThatThrownBy(() -> SendCheck.checkText("가".repeat(SendCheck.MAX_TEXT + 1)))
        .hasMessageContaining("at most 16384");
  }
}
