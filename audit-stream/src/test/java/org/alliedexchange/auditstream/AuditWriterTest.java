package org.alliedexchange.auditstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.alliedexchange.api.audit.v1.AgreementStatusChanged;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.BindingViolation;
import org.alliedexchange.api.audit.v1.Decision;
import org.alliedexchange.api.audit.v1.HotlineEvent;
import org.alliedexchange.api.audit.v1.IdentityChanged;
import org.alliedexchange.api.audit.v1.ProductServed;
import org.alliedexchange.api.audit.v1.ReleasabilityAmended;
import org.alliedexchange.api.audit.v1.TransferRecord;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.junit.jupiter.api.Test;

/** Who may record what: each writer's own records pass, anything naming another is refused. */
class AuditWriterTest {

  @Test
  void eachWriterHasItsOwnStreamUnderTheBaseKey() {
    assertThat(AuditWriter.of(List.of("KOR", "JPN")))
        .extracting(AuditWriter::streamKey)
        .containsExactly(
            "allied:audit",
            "allied:audit:identity",
            "allied:audit:exchange:KOR",
            "allied:audit:hotline:KOR",
            "allied:audit:exchange:JPN",
            "allied:audit:hotline:JPN");
    assertThat(AuditWriter.exchange("USA").streamKey("test:audit"))
        .isEqualTo("test:audit:exchange:USA");
  }

  @Test
  void aNationalWriterNeedsANationAndTheOthersTakeNone() {
    assertThatThrownBy(() -> AuditWriter.exchange("kor"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "the exchange service of a nation: ISO 3166-1 alpha-3 in upper case, not \"kor\"");
    assertThatThrownBy(() -> AuditWriter.hotline("KOR:x"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new AuditWriter(AuditWriter.Kind.GATEWAY, "KOR"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("the gateways serve no one nation");
  }

  @Test
  void theGatewaysRecordTransfersOfEveryRelationshipAndAgreementChanges() {
    AuditWriter gateways = AuditWriter.gateway();
    assertThat(gateways.refusal(transfer("JPN", "USA", "JPN"))).isEmpty();
    assertThat(gateways.refusal(agreement())).isEmpty();
    assertThat(gateways.refusal(identity()))
        .hasValue("the gateways may not record identity_changed events");
    assertThat(gateways.refusal(served("KOR", "KOR")))
        .hasValue("the gateways may not record product_served events");
  }

  @Test
  void anExchangeServiceRecordsOnlyItsOwnNationsProducts() {
    AuditWriter kor = AuditWriter.exchange("KOR");
    assertThat(kor.refusal(transfer("KOR", "JPN", "KOR"))).isEmpty();
    assertThat(kor.refusal(transfer("KOR", "JPN", ""))).isEmpty();
    // a release is the guard's to decide and record: the compliance report counts PERMITs as
    // releases, so an exchange service's PERMIT would be a release no guard made
    AuditEvent permit = transfer("KOR", "JPN", "KOR");
    permit =
        permit.toBuilder()
            .setTransfer(permit.getTransfer().toBuilder().setDecision(Decision.DECISION_PERMIT))
            .build();
    assertThat(kor.refusal(permit))
        .hasValue(
            "the exchange service of KOR may record only refusals (DENY), not a transfer decided"
                + " DECISION_PERMIT: releases are the guard's to decide");
    AuditEvent undecided =
        permit.toBuilder().setTransfer(permit.getTransfer().toBuilder().clearDecision()).build();
    assertThat(kor.refusal(undecided)).isPresent();
    assertThat(kor.refusal(transfer("KOR", "", "KOR")))
        .hasValue(
            "the exchange service of KOR wrote a record whose transfer.recipient_nation is empty");
    // the gateways record both
    assertThat(AuditWriter.gateway().refusal(permit)).isEmpty();
    assertThat(kor.refusal(served("KOR", "KOR"))).isEmpty();
    assertThat(kor.refusal(amended("KOR"))).isEmpty();
    assertThat(kor.refusal(binding("KOR"))).isEmpty();

    assertThat(kor.refusal(transfer("JPN", "USA", "JPN")))
        .hasValue(
            "the exchange service of KOR wrote a record whose transfer.source_nation is \"JPN\","
                + " not KOR");
    // its own service, another's product: a relationship it is not part of
    assertThat(kor.refusal(transfer("KOR", "USA", "JPN")))
        .hasValue(
            "the exchange service of KOR wrote a record whose transfer.label.originator is"
                + " \"JPN\", not KOR");
    assertThat(kor.refusal(transfer("", "USA", "KOR"))).isPresent();
    assertThat(kor.refusal(served("KOR", "USA"))).isPresent();
    assertThat(kor.refusal(served("JPN", "KOR"))).isPresent();
    assertThat(kor.refusal(amended("USA")))
        .hasValue(
            "the exchange service of KOR wrote a record whose releasability_amended.originator is"
                + " \"USA\", not KOR");
    assertThat(kor.refusal(binding("JPN"))).isPresent();
    assertThat(kor.refusal(agreement()))
        .hasValue("the exchange service of KOR may not record agreement_status_changed events");
    assertThat(kor.refusal(hotline("KOR", "KOR", "JPN"))).isPresent();
  }

  @Test
  void aHotlineNodeRecordsOnlyItsOwnStepsOfConferencesItIsAPartyTo() {
    AuditWriter kor = AuditWriter.hotline("KOR");
    assertThat(kor.refusal(hotline("KOR", "KOR", "JPN", "USA"))).isEmpty();
    assertThat(kor.refusal(hotline("KOR", "KOR"))).isEmpty();
    assertThat(kor.refusal(hotline("JPN", "KOR", "JPN")))
        .hasValue("the hotline node of KOR wrote a step naming the node \"JPN\"");
    assertThat(kor.refusal(hotline("KOR", "JPN", "USA")))
        .hasValue(
            "the hotline node of KOR wrote a step of a conference of [JPN, USA], which KOR is not"
                + " a party to");
    assertThat(kor.refusal(transfer("KOR", "JPN", "KOR")))
        .hasValue("the hotline node of KOR may not record transfer events");
  }

  @Test
  void keycloaksListenerRecordsIdentityChangesOnly() {
    AuditWriter keycloak = AuditWriter.identity();
    assertThat(keycloak.refusal(identity())).isEmpty();
    assertThat(keycloak.refusal(transfer("KOR", "JPN", "KOR")))
        .hasValue("Keycloak's identity listener may not record transfer events");
  }

  private static AuditEvent.Builder event() {
    return AuditEvent.newBuilder().setEventId(java.util.UUID.randomUUID().toString());
  }

  private static AuditEvent transfer(String source, String recipient, String originator) {
    return event()
        .setTransfer(
            TransferRecord.newBuilder()
                .setDecision(Decision.DECISION_DENY)
                .setSourceNation(source)
                .setRecipientNation(recipient)
                .setLabel(SecurityLabel.newBuilder().setOriginator(originator)))
        .build();
  }

  private static AuditEvent served(String source, String originator) {
    return event()
        .setProductServed(
            ProductServed.newBuilder()
                .setSourceNation(source)
                .setRecipientNation("JPN")
                .setLabel(SecurityLabel.newBuilder().setOriginator(originator)))
        .build();
  }

  private static AuditEvent amended(String originator) {
    return event()
        .setReleasabilityAmended(
            ReleasabilityAmended.newBuilder().setOriginator(originator).addReleasableTo("JPN"))
        .build();
  }

  private static AuditEvent binding(String nation) {
    return event().setBindingViolation(BindingViolation.newBuilder().setNation(nation)).build();
  }

  private static AuditEvent agreement() {
    return event()
        .setAgreementStatusChanged(
            AgreementStatusChanged.newBuilder().addParties("KOR").addParties("JPN"))
        .build();
  }

  private static AuditEvent identity() {
    return event().setIdentityChanged(IdentityChanged.newBuilder().setNation("JPN")).build();
  }

  private static AuditEvent hotline(String node, String... parties) {
    return event()
        .setHotline(HotlineEvent.newBuilder().setNode(node).addAllParties(List.of(parties)))
        .build();
  }
}
