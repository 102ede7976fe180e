package org.alliedexchange.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import org.alliedexchange.api.exchange.v1.GetResponse;
import org.alliedexchange.api.exchange.v1.ProductContent;
import org.alliedexchange.api.label.v1.Binding;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.junit.jupiter.api.Test;

class LabelFieldsTest {

  static final SecurityLabel LABEL =
      SecurityLabel.newBuilder()
          .setPolicy("KOR")
          .setMarking("군사II급비밀")
          .setLevel(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET)
          .setOriginator("KOR")
          .addReleasableTo("KOR")
          .addReleasableTo("JPN")
          .build();
  static final ProductContent CONTENT =
      ProductContent.newBuilder().setId("p-1").setTopic("dprk.missile.launch").build();
  static final Binding BINDING =
      Binding.newBuilder()
          .setSigner("KOR")
          .setKeyId("kor-1")
          .setSignature(ByteString.copyFromUtf8("sig"))
          .build();

  private static byte[] bound() {
    return GetResponse.newBuilder()
        .setLabel(LABEL)
        .setContent(CONTENT)
        .setBinding(BINDING)
        .build()
        .toByteArray();
  }

  @Test
  void aBoundMessageShowsWhereItsLabelContentAndBindingSit() throws Exception {
    byte[] message = bound();

    LabelFields fields = LabelFields.scan(message, true);

    assertThat(fields).isNotNull();
    assertThat(fields.labelCount()).isEqualTo(1);
    assertThat(fields.contentCount()).isEqualTo(1);
    assertThat(fields.bindingCount()).isEqualTo(1);
    assertThat(fields.label(message)).isEqualTo(LABEL);
    assertThat(fields.labelBytes(message)).isEqualTo(LABEL.toByteArray());
    assertThat(fields.contentBytes(message)).isEqualTo(CONTENT.toByteArray());
    assertThat(
            Binding.parseFrom(
                Arrays.copyOfRange(
                    message,
                    fields.bindingStart(),
                    fields.bindingStart() + fields.bindingLength())))
        .isEqualTo(BINDING);
  }

  @Test
  void inAMessageThatIsNotBoundOnlyFieldOneIsTheGuards() {
    // field 2 as a varint: fine when unbound (any schema), not the convention when bound
    byte[] message = concat(tagged(1, LABEL.toByteArray()), new byte[] {0x10, 0x05});

    LabelFields unbound = LabelFields.scan(message, false);

    assertThat(unbound).isNotNull();
    assertThat(unbound.labelCount()).isEqualTo(1);
    assertThat(unbound.contentStart()).isEqualTo(-1);
    assertThat(LabelFields.scan(message, true)).isNull();
  }

  @Test
  void aSecondLabelIsCountedSoTheGuardCanRefuseIt() {
    byte[] twice = concat(tagged(1, LABEL.toByteArray()), tagged(1, LABEL.toByteArray()));

    assertThat(LabelFields.scan(twice, false).labelCount()).isEqualTo(2);
  }

  @Test
  void anUnlabelledMessageHasNoLabel() {
    LabelFields fields = LabelFields.scan(new byte[0], true);

    assertThat(fields.labelCount()).isZero();
    assertThat(fields.labelStart()).isEqualTo(-1);
    assertThatThrownBy(() -> fields.label(new byte[0]))
        .isInstanceOf(InvalidProtocolBufferException.class);
  }

  @Test
  void aTruncatedMessageIsNotReadable() {
    byte[] message = bound();

    for (int cut = 1; cut < message.length; cut++) {
      LabelFields fields = LabelFields.scan(Arrays.copyOf(message, cut), true);
      // a cut may fall between fields (then it reads as fewer fields), never inside one unnoticed
      if (fields != null) {
        assertThat(fields.labelCount() + fields.contentCount() + fields.bindingCount())
            .as("cut at " + cut)
            .isLessThan(3);
      }
    }
    assertThat(LabelFields.scan(Arrays.copyOf(message, message.length - 1), true)).isNull();
  }

  @Test
  void aTruncatedVarintIsNotReadable() {
    // tag of field 1, then a length whose varint never ends
    assertThat(LabelFields.scan(new byte[] {0x0a, (byte) 0x80, (byte) 0x80}, false)).isNull();
    // a tag whose varint never ends
    assertThat(LabelFields.scan(new byte[] {(byte) 0x80}, false)).isNull();
  }

  @Test
  void aLabelOfTheWrongWireTypeIsNotTheConvention() {
    assertThat(LabelFields.scan(new byte[] {0x08, 0x01}, false)).as("varint").isNull();
    assertThat(LabelFields.scan(new byte[] {0x0d, 1, 2, 3, 4}, false)).as("fixed32").isNull();
    assertThat(LabelFields.scan(new byte[] {0x0b, 0x0c}, false)).as("group").isNull();
    assertThat(
            LabelFields.scan(
                concat(tagged(1, LABEL.toByteArray()), new byte[] {0x19, 1, 2, 3, 4, 5, 6, 7, 8}),
                true))
        .as("binding as fixed64")
        .isNull();
  }

  @Test
  void aLengthBeyondTheMessageIsNotReadable() {
    // length 2^31 - 1 and a length that overflows to negative: neither may wrap past the bounds
    // check
    assertThat(
            LabelFields.scan(
                new byte[] {0x0a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x07, 1, 2},
                false))
        .isNull();
    assertThat(
            LabelFields.scan(
                new byte[] {0x0a, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x0f, 1, 2},
                false))
        .isNull();
    assertThat(LabelFields.scan(new byte[] {0x0a, 0x05, 1, 2}, false)).isNull();
  }

  @Test
  void unknownFieldsAreSkippedWhateverTheirType() {
    ByteArrayOutputStream message = new ByteArrayOutputStream();
    message.writeBytes(new byte[] {0x20, (byte) 0x96, 0x01}); // field 4 varint
    message.writeBytes(new byte[] {0x2d, 1, 2, 3, 4}); // field 5 fixed32
    message.writeBytes(new byte[] {0x33, 0x38, 0x01, 0x34}); // field 6 group holding field 7
    message.writeBytes(tagged(1, LABEL.toByteArray()));
    message.writeBytes(tagged(9, new byte[] {0x0a, 0x00}));

    LabelFields fields = LabelFields.scan(message.toByteArray(), true);

    assertThat(fields).isNotNull();
    assertThat(fields.labelCount()).isEqualTo(1);
  }

  @Test
  void deeplyNestedUnknownGroupsAreRefusedNotOverflowed() {
    byte[] deep = new byte[100_000];
    Arrays.fill(deep, (byte) 0x23); // field 4, start group, nested without end

    assertThat(LabelFields.scan(deep, true)).isNull();
  }

  @Test
  void aFieldOneThatIsNotALabelFailsToParse() {
    byte[] message = tagged(1, new byte[] {(byte) 0x80});

    LabelFields fields = LabelFields.scan(message, false);

    assertThat(fields.labelCount()).isEqualTo(1);
    assertThatThrownBy(() -> fields.label(message))
        .isInstanceOf(InvalidProtocolBufferException.class);
  }

  static byte[] tagged(int field, byte[] value) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write((field << 3) | 2);
    int length = value.length;
    while ((length & ~0x7f) != 0) {
      out.write((length & 0x7f) | 0x80);
      length >>>= 7;
    }
    out.write(length);
    out.writeBytes(value);
    return out.toByteArray();
  }

  static byte[] concat(byte[] first, byte[] second) {
    byte[] out = Arrays.copyOf(first, first.length + second.length);
    System.arraycopy(second, 0, out, first.length, second.length);
    return out;
  }
}
