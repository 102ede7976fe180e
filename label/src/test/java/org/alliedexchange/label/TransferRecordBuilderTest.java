package org.alliedexchange.label;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.alliedexchange.api.audit.v1.Decision;
import org.alliedexchange.api.audit.v1.DenyReason;
import org.alliedexchange.api.audit.v1.TransferRecord;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.policy.Level;
import org.alliedexchange.policy.Reason;
import org.junit.jupiter.api.Test;

class TransferRecordBuilderTest {

  @Test
  void aReleaseRecordsWhoGotWhatUnderWhichMarkingAndAgreement() {
    TransferRecord record =
        new TransferRecordBuilder("t-1", "allied.exchange.v1.ExchangeService/Get", "KOR")
            .recipient("JPN", "jpn-mod-reader", Level.SECRET)
            .product("p-1", "dprk.missile.launch")
            .permitted("極秘", "kor-jpn-gsomia")
            .build();

    assertThat(record)
        .isEqualTo(
            TransferRecord.newBuilder()
                .setTransferId("t-1")
                .setMethod("allied.exchange.v1.ExchangeService/Get")
                .setSourceNation("KOR")
                .setRecipientNation("JPN")
                .setRecipientSystem("jpn-mod-reader")
                .setRecipientClearance(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET)
                .setProductId("p-1")
                .setTopic("dprk.missile.launch")
                .setDecision(Decision.DECISION_PERMIT)
                .setRecipientMarking("極秘")
                .setAgreementId("kor-jpn-gsomia")
                .build());
  }

  @Test
  void aWithholdingRecordsTheEnginesReasonsThenTheBinding() {
    SecurityLabel label = SecurityLabel.newBuilder().setOriginator("KOR").build();

    TransferRecordBuilder builder =
        new TransferRecordBuilder("t-2", "m", "KOR")
            .recipient("USA", "usa-reader", Level.CONFIDENTIAL)
            .product("p-2", null)
            .label(label)
            .withheld(List.of(Reason.NOT_RELEASABLE_TO_NATION, Reason.LEVEL_NOT_COVERED), true);
    TransferRecord record = builder.build();

    assertThat(record.getDecision()).isEqualTo(Decision.DECISION_DENY);
    assertThat(record.getReasonsList())
        .containsExactly(
            DenyReason.DENY_REASON_NOT_RELEASABLE_TO_NATION,
            DenyReason.DENY_REASON_LEVEL_NOT_COVERED,
            DenyReason.DENY_REASON_BINDING_INVALID);
    assertThat(record.getLabel()).isEqualTo(label);
    assertThat(record.getTopic()).isEmpty();
    assertThat(record.getAgreementId()).isEmpty();
    assertThat(builder.productId()).isEqualTo("p-2");
  }

  @Test
  void missingTextsAreRecordedEmpty() {
    TransferRecord record =
        new TransferRecordBuilder("t-3", null, null)
            .recipient(null, null, null)
            .permitted("SECRET", null)
            .build();

    assertThat(record.getRecipientNation()).isEmpty();
    assertThat(record.getRecipientClearance())
        .isEqualTo(ClassificationLevel.CLASSIFICATION_LEVEL_UNSPECIFIED);
    assertThat(record.getAgreementId()).isEmpty();
    assertThat(record.getProductId()).isEmpty();
  }
}
