package org.alliedexchange.hotline.line;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.Signature;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.alliedexchange.api.audit.v1.HotlineEvent;
import org.alliedexchange.api.hotline.v1.Alarm;
import org.alliedexchange.api.hotline.v1.AlarmKind;
import org.alliedexchange.api.hotline.v1.ChainHead;
import org.alliedexchange.label.NationalKey;
import org.junit.jupiter.api.Test;

/** Signing, verifying and comparing chain heads; CHAIN_MISMATCH. */
class ChainHeadsTest {

  private final LineFixture line = new LineFixture();

  @Test
  void aSignedHeadVerifiesWithTheSignersPublicKeyOverTheStatementOfTheProto() throws Exception {
    List<RelayItemDigest> items = items("JPN", 3, 1);
    ChainHead head = line.heads("JPN").sign("JPN-KOR", items);

    assertThat(head.getThroughMap()).isEqualTo(Map.of("JPN", 3L));
    assertThat(head.getKeyId()).isEqualTo(LineFixture.key("JPN").keyId());
    assertThat(line.heads("KOR").verify("JPN", head)).isEmpty();

    ByteArrayOutputStream statement = new ByteArrayOutputStream();
    statement.writeBytes("allied-hotline-head-v1".getBytes(StandardCharsets.UTF_8));
    statement.write(0);
    statement.writeBytes("JPN-KOR".getBytes(StandardCharsets.UTF_8));
    statement.write(0);
    statement.writeBytes("JPN:3".getBytes(StandardCharsets.UTF_8));
    statement.write(0);
    statement.writeBytes(head.getHeadHash().toByteArray());
    statement.writeBytes(ByteBuffer.allocate(8).putLong(head.getSignedAt().getSeconds()).array());
    Signature verifier = Signature.getInstance(NationalKey.ALGORITHM);
    verifier.initVerify(LineFixture.key("JPN").keyPair().getPublic());
    verifier.update(statement.toByteArray());
    assertThat(verifier.verify(head.getSignature().toByteArray())).isTrue();
  }

  @Test
  void aChangedHashPositionTimeOrKeyNoLongerVerifies() {
    ChainHead head = line.heads("JPN").sign("JPN-KOR", items("JPN", 3, 1));
    ChainHeads kor = line.heads("KOR");

    byte[] other = head.getHeadHash().toByteArray();
    other[0] ^= 1;
    assertThat(kor.verify("JPN", head.toBuilder().setHeadHash(ByteString.copyFrom(other)).build()))
        .hasValueSatisfying(why -> assertThat(why).contains("does not hold"));
    assertThat(kor.verify("JPN", head.toBuilder().putThrough("JPN", 2).build())).isPresent();
    assertThat(
            kor.verify(
                "JPN",
                head.toBuilder().setSignedAt(head.getSignedAt().toBuilder().setSeconds(1)).build()))
        .isPresent();
    // USA's key cannot pass for JPN's
    ChainHead byUsa = line.heads("USA").sign("JPN-KOR", items("JPN", 3, 1));
    assertThat(kor.verify("JPN", byUsa))
        .hasValueSatisfying(why -> assertThat(why).contains("not JPN's configured key"));
    assertThat(new ChainHeads(LineFixture.key("KOR"), Map.of(), line.time).verify("JPN", head))
        .hasValueSatisfying(why -> assertThat(why).contains("no public key is configured for JPN"));
  }

  @Test
  void aHeadCoversEachOriginsRunFromOneAndNeverBeyondAGap() {
    List<RelayItemDigest> items = new ArrayList<>(items("JPN", 3, 1));
    items.add(new RelayItemDigest("JPN", 5, sha(5)));
    items.addAll(items("KOR", 2, 2));

    assertThat(ChainHeads.contiguousThrough(items)).isEqualTo(Map.of("JPN", 3L, "KOR", 2L));
    assertThat(ChainHeads.hash(items, Map.of("JPN", 5L))).isEmpty();
    List<RelayItemDigest> reversed = new ArrayList<>(items);
    java.util.Collections.reverse(reversed);
    assertThat(ChainHeads.hash(reversed, Map.of("JPN", 3L, "KOR", 2L)).orElseThrow())
        .isEqualTo(ChainHeads.hash(items, Map.of("JPN", 3L, "KOR", 2L)).orElseThrow());
    assertThat(ChainHeads.hash(items, Map.of("JPN", 2L)).orElseThrow())
        .isNotEqualTo(ChainHeads.hash(items, Map.of("JPN", 3L)).orElseThrow());
  }

  @Test
  void aPeersHeadMatchingThisNodesHistoryIsAuditedAsMatchedWithoutAlarm() {
    line.start();
    List<RelayItemDigest> items = both();
    line.node.items.put("JPN-KOR", items);

    line.supervisor.onChainHead("JPN", line.heads("JPN").sign("JPN-KOR", items));

    assertThat(chainAudits())
        .extracting(HotlineEvent::getReason)
        .singleElement()
        .asString()
        .startsWith("MATCHED through {JPN=3, KOR=2}");
    assertThat(chainAlarms()).isEmpty();
  }

  @Test
  void aPeerWhoseHistoryDiffersRaisesChainMismatch() {
    line.start();
    line.node.items.put("JPN-KOR", both());
    List<RelayItemDigest> rewritten = new ArrayList<>(both());
    rewritten.set(1, new RelayItemDigest("JPN", 2, sha(99)));

    line.supervisor.onChainHead("JPN", line.heads("JPN").sign("JPN-KOR", rewritten));

    assertThat(chainAudits())
        .extracting(HotlineEvent::getReason)
        .singleElement()
        .asString()
        .startsWith("MISMATCH");
    Alarm alarm = chainAlarms().get(0);
    assertThat(alarm.getPeer()).isEqualTo("JPN");
    assertThat(alarm.getConference()).isEqualTo("JPN-KOR");
    assertThat(alarm.getDetail()).contains("does not match this node's");
  }

  @Test
  void aHeadWithABadSignatureIsRejectedAndRaisesChainMismatch() {
    line.start();
    line.node.items.put("JPN-KOR", both());
    ChainHead forged = line.heads("USA").sign("JPN-KOR", both());

    line.supervisor.onChainHead("JPN", forged);

    assertThat(chainAudits())
        .extracting(HotlineEvent::getReason)
        .singleElement()
        .asString()
        .startsWith("REJECTED");
    assertThat(chainAlarms())
        .extracting(Alarm::getDetail)
        .singleElement()
        .asString()
        .contains("rejected");
  }

  @Test
  void aHeadOfAConferenceThePeerIsNotInOrNamingAStrangerIsRejected() {
    line.start();
    line.supervisor.onChainHead("JPN", line.heads("JPN").sign("KOR-USA", items("KOR", 1, 1)));
    line.supervisor.onChainHead("JPN", line.heads("JPN").sign("JPN-KOR", items("RUS", 1, 1)));

    assertThat(chainAudits())
        .extracting(HotlineEvent::getReason)
        .allSatisfy(reason -> assertThat(reason).startsWith("REJECTED"))
        .hasSize(2);
  }

  @Test
  void aPeerClaimingMoreOfThisNationsItemsThanItSentIsAMismatchAtOnce() {
    line.start();
    line.node.items.put("JPN-KOR", items("KOR", 2, 2));
    line.supervisor.onChainHead("JPN", line.heads("JPN").sign("JPN-KOR", items("KOR", 4, 2)));

    assertThat(chainAlarms())
        .extracting(Alarm::getDetail)
        .singleElement()
        .asString()
        .contains("KOR sent only 2");
  }

  @Test
  void aHeadAheadOfThisNodeIsComparedOnceTheMissingItemsArrived() {
    line.start();
    line.node.items.put("JPN-KOR", items("JPN", 1, 1));
    line.supervisor.onChainHead("JPN", line.heads("JPN").sign("JPN-KOR", items("JPN", 3, 1)));
    line.time.advance(Duration.ofSeconds(30));
    assertThat(chainAudits()).isEmpty();

    line.node.items.put("JPN-KOR", items("JPN", 3, 1));
    line.time.advance(Duration.ofSeconds(10));

    assertThat(chainAudits())
        .extracting(HotlineEvent::getReason)
        .singleElement()
        .asString()
        .startsWith("MATCHED");
  }

  private List<HotlineEvent> chainAudits() {
    return line.node.audits(HotlineEvent.Kind.CHAIN_HEAD);
  }

  private List<Alarm> chainAlarms() {
    return line.supervisor.openAlarms().stream()
        .filter(a -> a.getKind() == AlarmKind.ALARM_KIND_CHAIN_MISMATCH)
        .toList();
  }

  private static List<RelayItemDigest> both() {
    List<RelayItemDigest> items = new ArrayList<>(items("JPN", 3, 1));
    items.addAll(items("KOR", 2, 2));
    return items;
  }

  private static List<RelayItemDigest> items(String origin, int count, int seed) {
    List<RelayItemDigest> items = new ArrayList<>();
    for (int seq = 1; seq <= count; seq++) {
      items.add(new RelayItemDigest(origin, seq, sha(seed * 100 + seq)));
    }
    return items;
  }

  private static byte[] sha(int n) {
    byte[] sha = new byte[32];
    sha[0] = (byte) n;
    sha[31] = (byte) (n >> 8);
    return sha;
  }
}
