package org.alliedexchange.hotline.relay;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Timestamp;
import com.google.protobuf.UnknownFieldSet;
import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.alliedexchange.api.hotline.v1.Conference;
import org.alliedexchange.api.hotline.v1.HotlineMessage;
import org.alliedexchange.api.hotline.v1.MessageType;
import org.alliedexchange.api.hotline.v1.Precedence;
import org.alliedexchange.api.hotline.v1.RelayContent;
import org.alliedexchange.api.label.v1.Binding;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.Release;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.hotline.FuzzRuns;
import org.alliedexchange.hotline.domain.ConferenceBook;
import org.alliedexchange.hotline.domain.SendCheck;
import org.alliedexchange.hotline.domain.SendRefusal;
import org.alliedexchange.policy.FederationConfig;
import org.alliedexchange.policy.ReleasabilityEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a lying peer's node could send as a relayed item (a RelayResponse, through the gateway),
 * taken as a receiving node takes it before storing anything: {@link RelayWire#decode}, then the
 * label, content and binding parsed, then a message's text and label checked by {@link SendCheck}.
 * Each step refuses with its own error (a protobuf parse error, a {@link SendRefusal}) or accepts;
 * nothing else is thrown. What decode accepts is exactly what the relay convention allows (read
 * here again from protobuf's own field set): the first label occurrence, the one content and
 * binding, byte for byte, and at most one later label carrying only the gateway's release; encoded
 * again, it decodes the same.
 *
 * <p>An input is either raw bytes or a genuine item built from the input's choices (odd Unicode in
 * the text and names, huge fields, a binding over other content, a release, a field too many).
 */
class RelayWireFuzzTest {

  private static final ReleasabilityEngine ENGINE =
      new ReleasabilityEngine(FederationConfig.loadDefault());
  private static final ConferenceBook BOOK = ConferenceBook.loadBuiltIn();
  private static final Instant NOW = Instant.parse("2026-11-27T02:00:00Z");
  private static final AtomicLong INPUTS = new AtomicLong();

  @FuzzTest
  @Timeout(10)
  void aRelayedItemIsRefusedOrTakenApartAsTheConventionSays(FuzzedDataProvider data)
      throws Exception {
    INPUTS.incrementAndGet();
    byte[] response = data.consumeBoolean() ? data.consumeRemainingAsBytes() : crafted(data);
    Optional<Expected> expected = expected(response);
    RelayWire.Item item;
    try {
      item = RelayWire.decode(response);
    } catch (InvalidProtocolBufferException refused) {
      assertThat(expected).as("refused: " + refused.getMessage()).isEmpty();
      assertThat(refused.getMessage()).isNotBlank();
      return;
    }
    assertThat(expected).as("accepted what the convention refuses").isPresent();
    assertThat(item.label()).isEqualTo(expected.get().label());
    assertThat(item.content()).isEqualTo(expected.get().content());
    assertThat(item.binding()).isEqualTo(expected.get().binding());
    assertThat(item.release()).isEqualTo(expected.get().release());
    RelayWire.Item again =
        RelayWire.decode(RelayWire.encode(item.label(), item.content(), item.binding()));
    assertThat(again.label()).isEqualTo(item.label());
    assertThat(again.content()).isEqualTo(item.content());
    assertThat(again.binding()).isEqualTo(item.binding());
    assertThat(again.release()).isNull();
    takeAsANodeDoes(item);
  }

  @Test
  void aGenuineItemIsTakenApartAndATamperedOneRefused() throws Exception {
    SecurityLabel label = label("KOR");
    byte[] content = content("KOR", "JPN-KOR-USA", "北 탄도미사일 발사").toByteArray();
    byte[] genuine =
        RelayWire.encode(label.toByteArray(), content, binding("KOR", content).toByteArray());
    Release release =
        Release.newBuilder()
            .setRecipientNation("JPN")
            .setMarking("極秘")
            .setTransferId("0f8e6d4c-1111-4222-8333-944455556666")
            .build();
    byte[] released =
        concat(genuine, field(1, SecurityLabel.newBuilder().setRelease(release).build()));

    RelayWire.Item item = RelayWire.decode(released);

    assertThat(item.label()).isEqualTo(label.toByteArray());
    assertThat(item.content()).isEqualTo(content);
    assertThat(item.release()).isEqualTo(release);
    takeAsANodeDoes(item);
    // a second label that is more than a release: a peer trying to swap the label it signed
    assertThatThrownBy(() -> RelayWire.decode(concat(genuine, field(1, label("KOR")))))
        .isInstanceOf(InvalidProtocolBufferException.class)
        .hasMessage("a second label that is more than the gateway's release");
    assertThatThrownBy(() -> RelayWire.decode(concat(genuine, new byte[] {0x28, 0x01})))
        .isInstanceOf(InvalidProtocolBufferException.class)
        .hasMessage("field 5 is not bytes");
  }

  @AfterAll
  static void theFuzzerRan() {
    FuzzRuns.assertRan(INPUTS.get());
  }

  /**
   * What a receiving node does with the parts before it stores anything: each parse refuses with a
   * protobuf error, a message's checks with a SendRefusal.
   */
  private static void takeAsANodeDoes(RelayWire.Item item) {
    RelayContent content;
    SecurityLabel label;
    try {
      content = RelayContent.parseFrom(item.content());
      label = SecurityLabel.parseFrom(item.label());
      Binding.parseFrom(item.binding());
    } catch (InvalidProtocolBufferException refused) {
      return;
    }
    if (content.getItemCase() != RelayContent.ItemCase.MESSAGE) {
      return;
    }
    HotlineMessage message = content.getMessage();
    Optional<Conference> conference = BOOK.find(content.getConference());
    try {
      SendCheck.checkText(message.getText());
      if (conference.isPresent()) {
        SendCheck.checkLabel(
            label,
            new SendCheck.Sender(message.getSender(), content.getOrigin(), true),
            conference.get(),
            ENGINE,
            NOW);
      }
    } catch (SendRefusal refused) {
      assertThat(refused.getMessage()).isNotBlank();
    }
  }

  /** The parts as the relay convention reads them, or empty when it refuses the bytes. */
  record Expected(byte[] label, byte[] content, byte[] binding, Release release) {}

  static Optional<Expected> expected(byte[] response) {
    UnknownFieldSet fields;
    try {
      fields = UnknownFieldSet.parseFrom(response);
    } catch (InvalidProtocolBufferException e) {
      return Optional.empty();
    }
    Map<Integer, UnknownFieldSet.Field> byNumber = fields.asMap();
    for (Map.Entry<Integer, UnknownFieldSet.Field> entry : byNumber.entrySet()) {
      UnknownFieldSet.Field field = entry.getValue();
      boolean onlyBytes =
          field.getVarintList().isEmpty()
              && field.getFixed32List().isEmpty()
              && field.getFixed64List().isEmpty()
              && field.getGroupList().isEmpty();
      if (entry.getKey() < 1 || entry.getKey() > 3 || !onlyBytes) {
        return Optional.empty();
      }
    }
    List<ByteString> labels = values(byNumber, 1);
    List<ByteString> contents = values(byNumber, 2);
    List<ByteString> bindings = values(byNumber, 3);
    if (labels.isEmpty() || labels.size() > 2 || contents.size() != 1 || bindings.size() != 1) {
      return Optional.empty();
    }
    Release release = null;
    if (labels.size() == 2) {
      SecurityLabel appended;
      try {
        appended = SecurityLabel.parseFrom(labels.get(1));
      } catch (InvalidProtocolBufferException e) {
        return Optional.empty();
      }
      if (!appended.hasRelease()
          || !appended.toBuilder()
              .clearRelease()
              .build()
              .equals(SecurityLabel.getDefaultInstance())) {
        return Optional.empty();
      }
      release = appended.getRelease();
    }
    return Optional.of(
        new Expected(
            labels.get(0).toByteArray(),
            contents.get(0).toByteArray(),
            bindings.get(0).toByteArray(),
            release));
  }

  private static List<ByteString> values(Map<Integer, UnknownFieldSet.Field> fields, int number) {
    UnknownFieldSet.Field field = fields.get(number);
    return field == null ? List.of() : field.getLengthDelimitedList();
  }

  // ----- a genuine item, as the input chooses to bend it

  private static byte[] crafted(FuzzedDataProvider data) throws Exception {
    String origin = data.pickValue(List.of("KOR", "JPN", "USA", "kor", "XXX", ""));
    String conference =
        data.pickValue(List.of("JPN-KOR-USA", "KOR-USA", "JPN-KOR", "JPN-USA", "NOPE"));
    String text = data.consumeString(data.consumeInt(0, 64));
    if (data.consumeBoolean()) {
      // huge: past the text limit
      text = text + "가".repeat(data.consumeInt(0, 2 * SendCheck.MAX_TEXT));
    }
    SecurityLabel label =
        data.consumeBoolean()
            ? label(origin)
            : label(origin).toBuilder()
                .setMarking(data.consumeString(24))
                // any level, those the enum does not know too
                .setLevelValue(data.consumeInt(-1, 8))
                .addReleasableTo(data.consumeString(4))
                .addCommunities(data.consumeString(12))
                .build();
    RelayContent content =
        content(origin, conference, text).toBuilder()
            .setSequence(data.consumeLong())
            .setMessage(
                content(origin, conference, text).getMessage().toBuilder()
                    .setSender(data.consumeString(24))
                    .setId(data.consumeString(80)))
            .build();
    byte[] contentBytes = content.toByteArray();
    // a binding over this content, or over other content (a peer swapping what it signed)
    byte[] signed = data.consumeBoolean() ? contentBytes : data.consumeBytes(64);
    byte[] response =
        RelayWire.encode(label.toByteArray(), contentBytes, binding(origin, signed).toByteArray());
    switch (data.consumeInt(0, 3)) {
      case 1 ->
          response =
              concat(
                  response,
                  field(
                      1,
                      SecurityLabel.newBuilder()
                          .setRelease(
                              Release.newBuilder()
                                  .setRecipientNation(data.consumeString(4))
                                  .setMarking(data.consumeString(24))
                                  .setTransferId(data.consumeString(40)))
                          .build()));
      case 2 -> response = concat(response, data.consumeBytes(32));
      case 3 -> response = concat(data.consumeBytes(16), response);
      default -> {}
    }
    return response;
  }

  static SecurityLabel label(String nation) {
    return SecurityLabel.newBuilder()
        .setPolicy(nation)
        .setLevel(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET)
        .setMarking("군사II급비밀")
        .setOriginator(nation)
        .addAllReleasableTo(List.of("JPN", "KOR", "USA"))
        .setCreatedAt(Timestamp.newBuilder().setSeconds(NOW.getEpochSecond() - 60))
        .build();
  }

  static RelayContent content(String origin, String conference, String text) {
    return RelayContent.newBuilder()
        .setId("6b1f0c2e-7d51-4e55-9a77-0b3c5e9d2f10")
        .setTopic("hotline." + conference)
        .setOrigin(origin)
        .setConference(conference)
        .setSequence(1)
        .setCreatedAt(Timestamp.newBuilder().setSeconds(NOW.getEpochSecond()))
        .setPrecedence(Precedence.PRECEDENCE_FLASH)
        .setMessage(
            HotlineMessage.newBuilder()
                .setId("0d7c3b9a-2e4f-4a61-8c85-3f2b1a0e9d87")
                .setConference(conference)
                .setOrigin(origin)
                .setSender(origin.toLowerCase() + "-principal")
                .setPrecedence(Precedence.PRECEDENCE_FLASH)
                .setType(MessageType.MESSAGE_TYPE_EXERCISE)
                .setSerial(1)
                .setText(text))
        .build();
  }

  static Binding binding(String signer, byte[] content) throws Exception {
    return Binding.newBuilder()
        .setSigner(signer)
        .setKeyId("fuzz")
        .setAlgorithm("SHA256withECDSA")
        .setContentDigest(ByteString.copyFrom(MessageDigest.getInstance("SHA-256").digest(content)))
        .setSignature(ByteString.copyFrom(new byte[64]))
        .setTreeSize(1)
        .setVersion(1)
        .build();
  }

  private static byte[] field(int number, com.google.protobuf.MessageLite value) {
    return UnknownFieldSet.newBuilder()
        .addField(
            number,
            UnknownFieldSet.Field.newBuilder().addLengthDelimited(value.toByteString()).build())
        .build()
        .toByteArray();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(a.length + b.length);
    out.writeBytes(a);
    out.writeBytes(b);
    return out.toByteArray();
  }
}
