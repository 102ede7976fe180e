package org.alliedexchange.auditstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Timestamp;
import com.google.protobuf.UnknownFieldSet;
import java.util.Collections;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.alliedexchange.api.audit.v1.AgreementStatusChanged;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.BindingViolation;
import org.alliedexchange.api.audit.v1.Decision;
import org.alliedexchange.api.audit.v1.DenyReason;
import org.alliedexchange.api.audit.v1.IdentityChanged;
import org.alliedexchange.api.audit.v1.ReleasabilityAmended;
import org.alliedexchange.api.audit.v1.TransferRecord;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The one rule of what the audit log stores, as the writers and the audit service apply it. */
class AuditEventRulesTest {

  private static AuditEvent.Builder event() {
    return AuditEvent.newBuilder()
        .setEventId(UUID.randomUUID().toString())
        .setOccurredAt(Timestamp.newBuilder().setSeconds(1_780_000_000L))
        .setSource("gateway/gw-1");
  }

  private static TransferRecord.Builder transfer() {
    return TransferRecord.newBuilder()
        .setTransferId(UUID.randomUUID().toString())
        .setDecision(Decision.DECISION_PERMIT)
        .setLabel(
            SecurityLabel.newBuilder()
                .setPolicy("KOR")
                .setOriginator("KOR")
                .setMarking("군사II급비밀")
                .addReleasableTo("KOR")
                .addReleasableTo("JPN"))
        .setRecipientNation("JPN")
        .setRecipientSystem("jpn-mod-reader")
        .setProductId(UUID.randomUUID().toString())
        .setMethod("/allied.exchange.v1.ExchangeService/Get")
        .setSourceNation("KOR");
  }

  private static AuditEvent amendment(String... releasableTo) {
    return event()
        .setReleasabilityAmended(
            ReleasabilityAmended.newBuilder()
                .setProductId("p-1")
                .setOriginator("KOR")
                .addPreviousReleasableTo("KOR")
                .addAllReleasableTo(java.util.List.of(releasableTo))
                .setJustification("shared with JPN\nafter review"))
        .build();
  }

  @Test
  void eventsEveryWriterMakesAreStorable() {
    assertThat(AuditEventRules.problem(event().setTransfer(transfer()).build())).isEmpty();
    assertThat(AuditEventRules.problem(amendment("KOR", "JPN"))).isEmpty();
    assertThat(
            AuditEventRules.problem(
                event()
                    .setAgreementStatusChanged(
                        AgreementStatusChanged.newBuilder()
                            .setAgreementId("KOR-JPN-GSOMIA-2016")
                            .addParties("KOR")
                            .addParties("JPN"))
                    .build()))
        .isEmpty();
    // an identity without a nation goes to the UNKNOWN chain, as before
    assertThat(
            AuditEventRules.problem(
                event()
                    .setIdentityChanged(IdentityChanged.newBuilder().setOperation("CREATE"))
                    .build()))
        .isEmpty();
    assertThat(
            AuditEventRules.problem(
                event()
                    .setBindingViolation(BindingViolation.newBuilder().setNation("KOR"))
                    .build()))
        .isEmpty();
    assertThat(AuditEventRules.problem(event().setTransfer(transfer()).build().toByteArray()))
        .isEmpty();
  }

  @Test
  void aNulInAnAmendedReleasableToIsRefusedNamingWhere() {
    assertThat(AuditEventRules.problem(amendment("KOR", "\u0000")))
        .contains("releasability_amended.releasable_to[1] holds NUL: \"\\u0000\"");
  }

  @ParameterizedTest
  @ValueSource(strings = {"kor", "KO", "KORE", "K0R", "Ｋ OR", "KOR ", "КОR"})
  void aNationIsThreeUpperCaseAsciiLetters(String nation) {
    assertThat(AuditEventRules.problem(amendment("KOR", nation)))
        .get()
        .asString()
        .startsWith("releasability_amended.releasable_to[1] is not an ISO 3166-1 alpha-3 nation");
    assertThat(
            AuditEventRules.problem(
                event().setTransfer(transfer().setRecipientNation(nation)).build()))
        .get()
        .asString()
        .startsWith("transfer.recipient_nation is not an ISO 3166-1 alpha-3 nation");
  }

  @Test
  void anAmendmentNeedsItsOriginator() {
    AuditEvent event =
        event()
            .setReleasabilityAmended(ReleasabilityAmended.newBuilder().addReleasableTo("JPN"))
            .build();
    assertThat(AuditEventRules.problem(event))
        .contains(
            "releasability_amended.originator is not an ISO 3166-1 alpha-3 nation in upper case:"
                + " \"\"");
  }

  @Test
  void anUnknownFieldAtAnyDepthIsRefusedNamingItsPath() {
    TransferRecord.Builder transfer = transfer();
    transfer
        .getLabelBuilder()
        .setReviewAt(
            Timestamp.newBuilder()
                .setSeconds(1)
                .setUnknownFields(
                    UnknownFieldSet.newBuilder()
                        .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(1).build())
                        .build()));
    assertThat(AuditEventRules.problem(event().setTransfer(transfer).build()))
        .contains("unknown field at transfer.label.review_at.#99");
  }

  @Test
  void controlCharactersAndLoneSurrogatesAreRefusedWhereTheyBecomeColumns() {
    assertThat(
            AuditEventRules.problem(
                event().setTransfer(transfer().setRecipientSystem("jpn\treader")).build()))
        .contains("transfer.recipient_system holds a control character: \"jpn\\u0009reader\"");
    assertThat(
            AuditEventRules.problem(
                event().setTransfer(transfer().setProductId("p-\u0007")).build()))
        .contains("transfer.product_id holds a control character: \"p-\\u0007\"");
    assertThat(
            AuditEventRules.problem(
                event().setTransfer(transfer().setTopic("missile\ud800launch")).build()))
        .contains("transfer.topic holds a lone UTF-16 surrogate: \"missile\\ud800launch\"");
    // a surrogate pair is a character like any other
    assertThat(
            AuditEventRules.problem(
                event().setTransfer(transfer().setTopic("launch \ud83d\ude80")).build()))
        .isEmpty();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "t-1", "not-a-uuid-at-all-0000000000000000000", "\u0000"})
  void anEventIdIsAUuid(String id) {
    assertThat(AuditEventRules.problem(event().setEventId(id).setTransfer(transfer()).build()))
        .get()
        .asString()
        .startsWith("event_id ");
  }

  @Test
  void sizesAreBounded() {
    String longSystem = "s".repeat(AuditEventRules.MAX_COLUMN_CHARS + 1);
    assertThat(
            AuditEventRules.problem(
                event().setTransfer(transfer().setRecipientSystem(longSystem)).build()))
        .contains("transfer.recipient_system is 1025 characters, more than 1024");
    assertThat(
            AuditEventRules.problem(
                amendment(
                    Collections.nCopies(AuditEventRules.MAX_NATIONS + 1, "JPN")
                        .toArray(String[]::new))))
        .contains("releasability_amended.releasable_to names 257 nations, more than 256");
    AgreementStatusChanged.Builder many = AgreementStatusChanged.newBuilder();
    for (int i = 0; i < 17; i++) {
      many.addParties("A" + (char) ('A' + i) + "A");
    }
    assertThat(AuditEventRules.problem(event().setAgreementStatusChanged(many).build()))
        .contains("agreement_status_changed.parties names 17 nations, more than 16");
    byte[] huge =
        event()
            .setTransfer(transfer().setTopic("x".repeat(AuditEventRules.MAX_EVENT_BYTES)))
            .build()
            .toByteArray();
    assertThat(AuditEventRules.problem(huge).orElseThrow()).contains("more than 262144 are stored");
  }

  @Test
  void valuesOutsideTheSchemaAndTimesOutsideItsRangeAreRefused() {
    assertThat(
            AuditEventRules.problem(
                event().setTransfer(transfer().setDecisionValue(70_000)).build()))
        .contains("transfer.decision is 70000, not a value the schema knows");
    assertThat(
            AuditEventRules.problem(
                event()
                    .setOccurredAt(Timestamp.newBuilder().setSeconds(Long.MAX_VALUE))
                    .setTransfer(transfer())
                    .build()))
        .contains("occurred_at is outside google.protobuf.Timestamp's range");
    assertThat(AuditEventRules.problem(event().build()))
        .contains("the event has no kind (none of its `event` fields is set)");
  }

  @Test
  void bytesThatAreNotAnEventAreRefused() {
    assertThat(AuditEventRules.problem(new byte[] {(byte) 0xff, 0x01}).orElseThrow())
        .startsWith("not an AuditEvent: ");
  }

  @Test
  void theWritersRefuseBeforeWriting() throws Exception {
    AuditEvent bad = amendment("KOR", "\u0000");
    assertThatThrownBy(() -> AuditEventRules.require(bad))
        .isInstanceOf(UnstorableAuditEvent.class)
        .hasMessage(
            "the audit service would not store this event:"
                + " releasability_amended.releasable_to[1] holds NUL: \"\\u0000\"");
    // the batch writer fails the group's future before anything is queued (no Redis is needed)
    try (AuditBatchWriter writer =
        AuditBatchWriter.connect(
            java.net.URI.create("redis://127.0.0.1:1"),
            null,
            java.time.Duration.ofMillis(100),
            8,
            4)) {
      assertThatThrownBy(() -> writer.append(java.util.List.of(bad)).get())
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(UnstorableAuditEvent.class);
      assertThatThrownBy(
              () ->
                  writer
                      .appendChecked(java.util.List.of(CheckedEvent.check(bad.toByteArray())))
                      .get())
          .isInstanceOf(ExecutionException.class)
          .hasCauseInstanceOf(UnstorableAuditEvent.class);
    }
  }

  @Test
  void printableEscapesWhatCannotBeShown() {
    assertThat(AuditEventRules.printable("a\u0000b\ud800c", 80)).isEqualTo("a\\u0000b\\ud800c");
    assertThat(AuditEventRules.printable("abcdef", 3)).isEqualTo("abc…");
  }

  // ---- the transfer fast path: it may only ever say "plain" of what the generic walk accepts ----

  private static AuditEvent fullTransfer() {
    TransferRecord.Builder transfer =
        transfer().setTopic("dprk.missile.launch").setAgreementId("a");
    transfer
        .getLabelBuilder()
        .addCommunities("MISSILE_WARNING")
        .setCreatedAt(Timestamp.newBuilder().setSeconds(1))
        .setReviewAt(Timestamp.newBuilder().setSeconds(2))
        .getReleaseBuilder()
        .setRecipientNation("JPN")
        .setMarking("極秘")
        .setTransferId("t")
        .setAgreementId("a")
        .setReleasedAt(Timestamp.newBuilder().setSeconds(3));
    return event().setTraceId("0af7651916cd43dd8448eb211c80319c").setTransfer(transfer).build();
  }

  @Test
  void aPlainTransferIsPlainAndAcceptedByTheGenericWalk() {
    AuditEvent event = fullTransfer();

    assertThat(AuditEventRules.plainTransfer(event)).isTrue();
    assertThat(AuditEventRules.storableTransfer(event)).isTrue();
    assertThat(org.alliedexchange.api.CanonicalMessages.firstUnknownField(event)).isEmpty();
    assertThat(AuditEventRules.problem(event)).isEmpty();
  }

  @Test
  void aNulOrAnUnknownFieldAnywhereInATransferIsNeverCalledPlain() {
    // every string and message field the transfer's shape can hold, found through the schema: a
    // field added to it later that the fast path does not check fails here
    java.util.List<String> checked = new java.util.ArrayList<>();
    mutateEach(
        fullTransfer(),
        (path, poisoned) -> {
          checked.add(path);
          assertThat(AuditEventRules.plainTransfer(poisoned)).as(path).isFalse();
          assertThat(AuditEventRules.storableTransfer(poisoned)).as(path).isFalse();
          assertThat(storableFromParts(poisoned)).as(path).isFalse();
          assertThat(AuditEventRules.problem(poisoned)).as(path).isPresent();
        });
    assertThat(checked)
        .contains(
            "transfer.label.release.marking",
            "transfer.label.review_at#",
            "transfer.recipient_system",
            "trace_id");
  }

  // ---- the served-product fast path, held to the same rule ----

  private static AuditEvent fullServed() {
    org.alliedexchange.api.audit.v1.ProductServed.Builder served =
        org.alliedexchange.api.audit.v1.ProductServed.newBuilder()
            .setProductId(UUID.randomUUID().toString())
            .setTopic("dprk.missile.launch")
            .setRecipientNation("JPN")
            .setRecipientSystem("jpn-mod-reader")
            .setMethod("ExchangeService/Get")
            .setSourceNation("KOR");
    served
        .getLabelBuilder()
        .setPolicy("KOR")
        .setMarking("군사II급비밀")
        .setOriginator("KOR")
        .addReleasableTo("KOR")
        .addReleasableTo("JPN")
        .addCommunities("MISSILE_WARNING")
        .setCreatedAt(Timestamp.newBuilder().setSeconds(1))
        .setReviewAt(Timestamp.newBuilder().setSeconds(2));
    return event().setTraceId("0af7651916cd43dd8448eb211c80319c").setProductServed(served).build();
  }

  @Test
  void aServedProductIsStorableByHandAndANulOrUnknownFieldAnywhereIsNot() {
    assertThat(AuditEventRules.storableServed(fullServed())).isTrue();
    assertThat(org.alliedexchange.api.CanonicalMessages.firstUnknownField(fullServed())).isEmpty();
    java.util.List<String> checked = new java.util.ArrayList<>();
    mutateEach(
        fullServed(),
        (path, poisoned) -> {
          checked.add(path);
          assertThat(AuditEventRules.storableServed(poisoned)).as(path).isFalse();
          assertThat(AuditEventRules.problem(poisoned)).as(path).isPresent();
          // written from its parts, the same event carries the same answer
          CheckedEvent written = servedFromParts(poisoned);
          assertThat(written.problem())
              .as(path)
              .isPresent()
              .isEqualTo(AuditEventRules.problem(written.bytes()));
        });
    assertThat(checked)
        .contains(
            "product_served.label.communities",
            "product_served.label.review_at#",
            "product_served.recipient_system",
            "trace_id");
    AuditEvent noRecipient =
        fullServed().toBuilder()
            .setProductServed(fullServed().getProductServed().toBuilder().clearRecipientNation())
            .build();
    assertThat(AuditEventRules.storableServed(noRecipient)).isFalse();
    assertThat(AuditEventRules.problem(noRecipient))
        .contains(
            "product_served.recipient_nation is not an ISO 3166-1 alpha-3 nation in upper case: \"\"");
  }

  @Test
  void aServedProductWrittenFromItsPartsIsTheEventItsPartsMakeWithTheLabelAsStored()
      throws Exception {
    AuditEvent event = fullServed();

    CheckedEvent written = servedFromParts(event);

    assertThat(written.problem()).isEmpty();
    assertThat(AuditEvent.parseFrom(written.bytes())).isEqualTo(event);
    // a record naming no recipient is refused as reading it back would refuse it
    AuditEvent noRecipient =
        event.toBuilder()
            .setProductServed(event.getProductServed().toBuilder().clearRecipientNation())
            .build();
    assertThat(servedFromParts(noRecipient).problem())
        .hasValueSatisfying(problem -> assertThat(problem).contains("recipient_nation"));
    assertThatThrownBy(
            () ->
                CheckedEvent.served(
                    event,
                    event.getProductServed(),
                    event.getProductServed().getLabel(),
                    new byte[0]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  /** The event as an exchange service writes it: the label as the bytes it was read from. */
  private static CheckedEvent servedFromParts(AuditEvent event) {
    SecurityLabel label = event.getProductServed().getLabel();
    return CheckedEvent.served(
        event.toBuilder().clearProductServed().build(),
        event.getProductServed().toBuilder().clearLabel().build(),
        label,
        label.toByteArray());
  }

  /** Each reachable string set to hold NUL, and each reachable message given an unknown field. */
  private static void mutateEach(
      AuditEvent event, java.util.function.BiConsumer<String, AuditEvent> check) {
    AuditEvent.Builder root = event.toBuilder();
    // nested builders write through to the root, which is what is rebuilt after each change
    mutate(root, "", nested -> root.build(), check);
  }

  private static void mutate(
      com.google.protobuf.Message.Builder builder,
      String path,
      java.util.function.Function<com.google.protobuf.Message.Builder, AuditEvent> rebuild,
      java.util.function.BiConsumer<String, AuditEvent> check) {
    UnknownFieldSet before = builder.getUnknownFields();
    builder.setUnknownFields(
        UnknownFieldSet.newBuilder()
            .addField(99, UnknownFieldSet.Field.newBuilder().addVarint(1).build())
            .build());
    check.accept(path + "#", rebuild.apply(builder));
    builder.setUnknownFields(before);
    for (com.google.protobuf.Descriptors.FieldDescriptor field :
        builder.getDescriptorForType().getFields()) {
      String at = path.isEmpty() ? field.getName() : path + "." + field.getName();
      if (field.getJavaType() == com.google.protobuf.Descriptors.FieldDescriptor.JavaType.STRING) {
        Object previous = builder.getField(field);
        if (field.isRepeated()) {
          builder.addRepeatedField(field, "K\u0000R");
        } else {
          builder.setField(field, "x\u0000y");
        }
        check.accept(at, rebuild.apply(builder));
        builder.setField(field, previous);
      } else if (field.getJavaType()
              == com.google.protobuf.Descriptors.FieldDescriptor.JavaType.MESSAGE
          && !field.isRepeated()
          && builder.hasField(field)) {
        mutate(builder.getFieldBuilder(field), at, rebuild, check);
      }
    }
  }

  @Test
  void theFastCheckNeverAcceptsWhatTheFullCheckRefuses() {
    // every semantic rule the full check applies to a transfer, broken one at a time
    java.util.List<AuditEvent> broken =
        java.util.List.of(
            event().setEventId("not-a-uuid").setTransfer(transfer()).build(),
            event().setTransfer(transfer().setRecipientNation("jpn")).build(),
            event().setTransfer(transfer().setSourceNation("KO")).build(),
            event()
                .setTransfer(
                    transfer().setLabel(transfer().getLabel().toBuilder().addReleasableTo("GB1")))
                .build(),
            event()
                .setTransfer(
                    transfer().setLabel(transfer().getLabel().toBuilder().setOriginator("КОR")))
                .build(),
            event().setTransfer(transfer().setRecipientSystem("s".repeat(1025))).build(),
            event().setTransfer(transfer().setRecipientSystem("jpn\treader")).build(),
            event().setTransfer(transfer().setProductId("p-\u0007")).build(),
            event().setTransfer(transfer().setDecisionValue(9)).build(),
            event().setTransfer(transfer().setRecipientClearanceValue(42)).build(),
            event()
                .setTransfer(
                    transfer()
                        .setLabel(
                            transfer().getLabel().toBuilder()
                                .addAllReleasableTo(
                                    Collections.nCopies(AuditEventRules.MAX_NATIONS, "USA"))))
                .build(),
            event().setTransfer(transfer().addReasonsValue(77)).build(),
            event()
                .setOccurredAt(Timestamp.newBuilder().setSeconds(Long.MAX_VALUE))
                .setTransfer(transfer())
                .build());

    for (AuditEvent event : broken) {
      assertThat(AuditEventRules.storableTransfer(event)).as(event.toString()).isFalse();
      assertThat(storableFromParts(event)).as(event.toString()).isFalse();
      assertThat(AuditEventRules.problem(event)).as(event.toString()).isPresent();
      // the guard's records, written from their parts, say what reading them back would
      assertRefusedWrittenFromPartsAsReadBack(event);
    }
  }

  @Test
  void aTransferWrittenFromItsPartsIsTheEventItsPartsMakeAndPassesWithoutBeingReadBack() {
    AuditEvent event = fullTransfer();

    CheckedEvent written = writtenFromParts(event);

    assertThat(storableFromParts(event)).isTrue();
    assertThat(written.problem()).isEmpty();
    assertThat(AuditEventRules.problem(written.bytes())).isEmpty();
    // the guard's head takes its event id from the record's transfer id
    assertThat(AuditEventRules.check(written.bytes()).event())
        .isEqualTo(
            event.toBuilder()
                .setTransfer(event.getTransfer().toBuilder().setTransferId(event.getEventId()))
                .build());
  }

  @Test
  void partsThatWouldBeMergedOnReadingAreNeverCheckedAsParts() {
    AuditEvent event = fullTransfer();
    SecurityLabel label = event.getTransfer().getLabel();
    AuditEvent head = event.toBuilder().clearTransfer().build();

    // a record still holding a label, or a head already holding a transfer, would read back as
    // the merge of two: only the full check may decide those
    assertThat(
            AuditEventRules.storableTransfer(
                head, event.getTransfer(), label, event.getSerializedSize()))
        .isFalse();
    assertThat(
            AuditEventRules.storableTransfer(
                event,
                event.getTransfer().toBuilder().clearLabel().build(),
                label,
                event.getSerializedSize()))
        .isFalse();
    assertThat(
            AuditEventRules.storableTransfer(
                head,
                event.getTransfer().toBuilder().clearLabel().build(),
                label,
                AuditEventRules.MAX_EVENT_BYTES + 1))
        .isFalse();
  }

  @Test
  void aRecordTooLargeToStoreIsRefusedWhenWrittenFromItsParts() {
    AuditEvent event =
        event()
            .setTransfer(
                transfer()
                    .setLabel(
                        transfer().getLabel().toBuilder()
                            .setMarking("m".repeat(AuditEventRules.MAX_EVENT_BYTES))))
            .build();

    assertThat(writtenFromParts(event).problem())
        .hasValueSatisfying(problem -> assertThat(problem).contains("more than 262144"));
  }

  @Test
  void aCallsSharedFieldsBreakingARuleMakeEachOfItsRecordsRefusedAsReadingItBackWould() {
    // the fields a call's records share are checked once, with the call: each rule broken there
    java.util.List<AuditEvent> broken =
        java.util.List.of(
            event().setSource("gateway\u0000").setTransfer(transfer()).build(),
            event().setTraceId("0af7\u0007").setTransfer(transfer()).build(),
            event().setTransfer(transfer().setMethod("/Get\u0085")).build(),
            event().setTransfer(transfer().setRecipientNation("J\u0000N")).build(),
            event().setTransfer(transfer().setRecipientSystem("s".repeat(1025))).build(),
            event().setTransfer(transfer().setSourceNation("kor")).build(),
            event().setTransfer(transfer().setRecipientClearanceValue(42)).build());

    for (AuditEvent event : broken) {
      assertThat(callOf(event).storable()).as(event.toString()).isFalse();
      assertRefusedWrittenFromPartsAsReadBack(event);
    }
  }

  @Test
  void oneCallsRecordsShareItsFieldsAndEachReadsBackWithItsOwn() throws Exception {
    AuditEvent first = fullTransfer();
    AuditEvent second =
        first.toBuilder()
            .setEventId(UUID.randomUUID().toString())
            .setTransfer(
                first.getTransfer().toBuilder()
                    .setProductId("p-2")
                    .setDecision(Decision.DECISION_DENY)
                    .addReasons(DenyReason.DENY_REASON_NOT_RELEASABLE_TO_NATION))
            .build();
    TransferCall call = callOf(first);

    for (AuditEvent event : java.util.List.of(first, second)) {
      TransferRecord own = ownFields(event);
      byte[] label = event.getTransfer().getLabel().toByteArray();
      CheckedEvent written =
          CheckedEvent.transfer(
              call,
              own,
              event.getOccurredAt(),
              event.getTransfer().getLabel(),
              label,
              0,
              label.length);

      assertThat(written.problem()).isEmpty();
      assertThat(AuditEvent.parseFrom(written.bytes()))
          .isEqualTo(
              event.toBuilder()
                  .setTransfer(event.getTransfer().toBuilder().setTransferId(event.getEventId()))
                  .build());
    }
  }

  @Test
  void aRecordRepeatingItsCallsFieldsIsRefusedBeforeItIsWritten() {
    AuditEvent event = fullTransfer();
    // encoded twice, a field would read back as the last of the two: never written that way
    TransferRecord withRecipient =
        event.getTransfer().toBuilder()
            .clearLabel()
            .clearMethod()
            .clearSourceNation()
            .clearRecipientSystem()
            .clearRecipientClearance()
            .build();

    assertThatThrownBy(
            () ->
                CheckedEvent.transfer(
                    callOf(event), withRecipient, event.getOccurredAt(), null, null, 0, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("call's");
  }

  /** The fast check on the parts the guard holds: the event's head, the record, the label. */
  private static boolean storableFromParts(AuditEvent event) {
    return AuditEventRules.storableTransfer(
        event.toBuilder().clearTransfer().build(),
        event.getTransfer().toBuilder().clearLabel().build(),
        event.getTransfer().getLabel(),
        event.getSerializedSize());
  }

  /**
   * The event as the guard writes it: the call's shared fields apart, the head from the record, the
   * label as bytes.
   */
  private static CheckedEvent writtenFromParts(AuditEvent event) {
    TransferRecord transfer = event.getTransfer();
    SecurityLabel label = transfer.getLabel();
    byte[] labelBytes = label.toByteArray();
    return CheckedEvent.transfer(
        callOf(event),
        ownFields(event),
        event.getOccurredAt(),
        label,
        labelBytes,
        0,
        labelBytes.length);
  }

  /** The record's fields that are its message's own: no label, none its call shares. */
  private static TransferRecord ownFields(AuditEvent event) {
    return event.getTransfer().toBuilder()
        .clearLabel()
        .clearMethod()
        .clearSourceNation()
        .clearRecipientNation()
        .clearRecipientSystem()
        .clearRecipientClearance()
        .setTransferId(event.getEventId())
        .build();
  }

  /** Written from its parts, the event is refused, saying what reading it back says. */
  private static void assertRefusedWrittenFromPartsAsReadBack(AuditEvent event) {
    CheckedEvent written = writtenFromParts(event);
    assertThat(written.problem())
        .as(event.toString())
        .isPresent()
        .isEqualTo(AuditEventRules.problem(written.bytes()));
  }

  private static TransferCall callOf(AuditEvent event) {
    TransferRecord transfer = event.getTransfer();
    return new TransferCall(
        event.getSource(),
        event.getTraceId().isEmpty() ? null : event.getTraceId(),
        transfer.getMethod(),
        transfer.getSourceNation(),
        transfer.getRecipientNation(),
        transfer.getRecipientSystem(),
        transfer.getRecipientClearanceValue());
  }
}
