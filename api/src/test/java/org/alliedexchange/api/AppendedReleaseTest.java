package org.alliedexchange.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import java.util.Arrays;
import org.alliedexchange.api.exchange.v1.GetResponse;
import org.alliedexchange.api.exchange.v1.SearchResponse;
import org.alliedexchange.api.label.v1.Release;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.junit.jupiter.api.Test;

class AppendedReleaseTest {

  private static final Release RELEASE =
      Release.newBuilder()
          .setRecipientNation("JPN")
          .setMarking("極秘")
          .setTransferId("t-1")
          .setAgreementId("kor-jpn-gsomia")
          .setReleasedAt(Timestamp.newBuilder().setSeconds(1_700_000_000L))
          .build();

  @Test
  void theOriginalBytesAreKeptAndTheReleaseMergesIntoTheLabel() throws Exception {
    GetResponse original =
        GetResponse.newBuilder()
            .setLabel(LabelFieldsTest.LABEL)
            .setContent(LabelFieldsTest.CONTENT)
            .setBinding(LabelFieldsTest.BINDING)
            .build();
    byte[] bytes = original.toByteArray();

    byte[] released = AppendedRelease.append(bytes, RELEASE);

    assertThat(Arrays.copyOf(released, bytes.length)).isEqualTo(bytes);
    GetResponse received = GetResponse.parseFrom(released);
    assertThat(received.getLabel().getRelease()).isEqualTo(RELEASE);
    assertThat(received.getLabel().toBuilder().clearRelease().build())
        .isEqualTo(original.getLabel());
    assertThat(received.getContent()).isEqualTo(original.getContent());
    assertThat(received.getBinding()).isEqualTo(original.getBinding());
  }

  @Test
  void theAppendedFieldIsExactlyALabelHoldingTheRelease() throws Exception {
    byte[] released = AppendedRelease.append(new byte[0], RELEASE);

    assertThat(released)
        .isEqualTo(
            LabelFieldsTest.tagged(
                1, SecurityLabel.newBuilder().setRelease(RELEASE).build().toByteArray()));
    // the scanner sees a second field 1: the guard never takes a message that already carries one
    assertThat(
            LabelFields.scan(
                    AppendedRelease.append(
                        LabelFieldsTest.tagged(1, LabelFieldsTest.LABEL.toByteArray()), RELEASE),
                    false)
                .labelCount())
        .isEqualTo(2);
  }

  @Test
  void aLargeReleaseGetsMultiByteLengths() throws Exception {
    Release large = RELEASE.toBuilder().setMarking("極".repeat(100)).build();

    byte[] released = AppendedRelease.append(new byte[0], large);

    assertThat(GetResponse.parseFrom(released).getLabel().getRelease()).isEqualTo(large);
  }

  /** Moved from the gateway's GrpcFrameReaderTest with the encoder. */
  @Test
  void theAppendedReleaseMergesIntoTheLabelAndLeavesTheOriginalBytesFirst() throws Exception {
    byte[] original =
        SearchResponse.newBuilder()
            .setLabel(SecurityLabel.newBuilder().setMarking("군사II급비밀").setOriginator("KOR"))
            .setCursor("s1")
            .build()
            .toByteArray();
    byte[] released =
        AppendedRelease.append(
            original, Release.newBuilder().setMarking("極秘").setRecipientNation("JPN").build());
    assertThat(java.util.Arrays.copyOf(released, original.length)).isEqualTo(original);
    SearchResponse parsed = SearchResponse.parseFrom(released);
    assertThat(parsed.getLabel().getMarking()).isEqualTo("군사II급비밀");
    assertThat(parsed.getLabel().getRelease().getMarking()).isEqualTo("極秘");
    assertThat(parsed.getCursor()).isEqualTo("s1");
  }
}
