package org.alliedexchange.audit.chain;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every way of tampering with a stored chain is caught, and names the first record that does not
 * fit.
 */
class ChainVerifierTest {

  private static List<ChainVerifier.Link> chain(int length) {
    List<ChainVerifier.Link> links = new ArrayList<>();
    byte[] previous = ChainHash.GENESIS;
    for (int i = 1; i <= length; i++) {
      byte[] event = ("event " + i).getBytes(StandardCharsets.UTF_8);
      byte[] hash = ChainHash.link("JPN-KOR", i, previous, event);
      links.add(ChainVerifier.Link.ofEvent(i, "e" + i, event, hash));
      previous = hash;
    }
    return links;
  }

  private static ChainVerifier.Result verify(
      List<ChainVerifier.Link> links, Checkpoint checkpoint) {
    ChainVerifier verifier = new ChainVerifier("JPN-KOR", checkpoint);
    links.forEach(verifier::accept);
    return verifier.result();
  }

  private static Checkpoint checkpointOf(List<ChainVerifier.Link> links) {
    ChainVerifier.Link last = links.get(links.size() - 1);
    return new Checkpoint(
        "JPN-KOR",
        last.sequence(),
        last.hash(),
        Instant.parse("2026-11-21T00:00:00Z"),
        new byte[0]);
  }

  @Test
  void anUntouchedChainVerifies() {
    List<ChainVerifier.Link> links = chain(10);
    ChainVerifier.Result result = verify(links, checkpointOf(links));
    assertThat(result.verified()).isTrue();
    assertThat(result.checked()).isEqualTo(10);
  }

  @Test
  void anEditedRecordIsNamed() {
    List<ChainVerifier.Link> links = chain(10);
    ChainVerifier.Link original = links.get(4);
    links.set(
        4,
        ChainVerifier.Link.ofEvent(
            5,
            original.eventId(),
            "event 5, amended".getBytes(StandardCharsets.UTF_8),
            original.hash()));
    ChainVerifier.Result result = verify(links, null);
    assertThat(result.verified()).isFalse();
    assertThat(result.firstBad()).isEqualTo(5);
    assertThat(result.detail()).contains("record 5", "e5");
  }

  @Test
  void aDeletedRecordIsNamed() {
    List<ChainVerifier.Link> links = chain(10);
    links.remove(6);
    ChainVerifier.Result result = verify(links, null);
    assertThat(result.verified()).isFalse();
    assertThat(result.firstBad()).isEqualTo(7);
    assertThat(result.detail()).contains("record 7", "missing");
  }

  @Test
  void reorderedRecordsAreCaughtEvenWhenRenumbered() {
    List<ChainVerifier.Link> links = chain(10);
    Collections.swap(links, 2, 3);
    assertThat(verify(links, null).firstBad()).isEqualTo(3);
    // renumbered so the sequence looks whole: the hashes still break at the first moved record
    ChainVerifier.Link third = links.get(2);
    ChainVerifier.Link fourth = links.get(3);
    links.set(2, new ChainVerifier.Link(3, third.eventId(), third.eventDigest(), third.hash()));
    links.set(3, new ChainVerifier.Link(4, fourth.eventId(), fourth.eventDigest(), fourth.hash()));
    ChainVerifier.Result result = verify(links, null);
    assertThat(result.verified()).isFalse();
    assertThat(result.firstBad()).isEqualTo(3);
  }

  @Test
  void aTruncatedChainIsCaughtByTheCheckpoint() {
    List<ChainVerifier.Link> links = chain(10);
    Checkpoint checkpoint = checkpointOf(links);
    List<ChainVerifier.Link> truncated = new ArrayList<>(links.subList(0, 8));
    assertThat(verify(truncated, null).verified()).as("consistent in itself").isTrue();
    ChainVerifier.Result result = verify(truncated, checkpoint);
    assertThat(result.verified()).isFalse();
    assertThat(result.firstBad()).isEqualTo(9);
    assertThat(result.detail()).contains("removed from the end");
  }

  @Test
  void aChainRewrittenFromSomeRecordOnIsCaughtByTheCheckpoint() {
    List<ChainVerifier.Link> links = chain(10);
    Checkpoint checkpoint = checkpointOf(links);
    // rewrite records 6..10 with new content and freshly computed hashes: consistent in itself
    byte[] previous = links.get(4).hash();
    for (int i = 6; i <= 10; i++) {
      byte[] event = ("forged " + i).getBytes(StandardCharsets.UTF_8);
      byte[] hash = ChainHash.link("JPN-KOR", i, previous, event);
      links.set(i - 1, ChainVerifier.Link.ofEvent(i, "f" + i, event, hash));
      previous = hash;
    }
    assertThat(verify(links, null).verified()).isTrue();
    ChainVerifier.Result result = verify(links, checkpoint);
    assertThat(result.verified()).isFalse();
    assertThat(result.firstBad()).isEqualTo(10);
    assertThat(result.detail()).contains("rewritten");
  }

  @Test
  void relationshipsAreNamedTheSameFromEitherSide() {
    assertThat(Relationships.between("KOR", "JPN")).isEqualTo("JPN-KOR");
    assertThat(Relationships.between("JPN", "KOR")).isEqualTo("JPN-KOR");
    assertThat(Relationships.between("KOR", "KOR")).isEqualTo("KOR");
  }
}
