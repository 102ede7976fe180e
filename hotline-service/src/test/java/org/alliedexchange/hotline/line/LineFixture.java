package org.alliedexchange.hotline.line;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.alliedexchange.label.NationalKey;

/** One KOR node's supervision on a fake clock, a fake node and a store in memory. */
final class LineFixture {

  static final Instant START = Instant.parse("2026-11-26T12:00:00.500Z");
  static final Map<String, NationalKey> KEYS = new HashMap<>();

  final FakeTime time = new FakeTime(START);
  final FakeNode node = new FakeNode("KOR", time).answering(2_000);
  final MemoryLineStore store = new MemoryLineStore();
  LineSettings settings = LineSettings.defaults();
  LineSupervisor supervisor;

  LineFixture start() {
    supervisor = new LineSupervisor(node, store, heads("KOR"), settings, time, time);
    supervisor.start();
    return this;
  }

  /** The node stops and a new one starts on the same store, as after a crash. */
  LineFixture restart() {
    supervisor.close();
    time.reopen();
    return start();
  }

  /** Settings with a line test every {@code interval}. */
  LineFixture testEvery(Duration interval, Duration ackWithin) {
    LineSettings d = LineSettings.defaults();
    settings =
        new LineSettings(
            d.probeInterval(),
            d.probeSlowAfter(),
            interval,
            ackWithin,
            d.ackWithinFlash(),
            d.ackWithinImmediate(),
            d.alarmRepeat(),
            d.escalateAfter(),
            d.tick());
    return this;
  }

  ChainHeads heads(String nation) {
    Map<String, PublicKey> peers = new HashMap<>();
    for (String peer : new String[] {"JPN", "KOR", "USA"}) {
      if (!peer.equals(nation)) {
        peers.put(peer, key(peer).keyPair().getPublic());
      }
    }
    return new ChainHeads(key(nation), peers, time);
  }

  static synchronized NationalKey key(String nation) {
    return KEYS.computeIfAbsent(
        nation,
        n -> {
          try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            KeyPair pair = generator.generateKeyPair();
            return new NationalKey(pair, NationalKey.keyId(pair.getPublic()));
          } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
          }
        });
  }
}
