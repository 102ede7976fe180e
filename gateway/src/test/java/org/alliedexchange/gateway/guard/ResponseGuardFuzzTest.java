package org.alliedexchange.gateway.guard;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.api.trace.Span;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.api.AppendedRelease;
import org.alliedexchange.api.CanonicalMessages;
import org.alliedexchange.api.LabelFields;
import org.alliedexchange.api.access.Roles;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.label.v1.Binding;
import org.alliedexchange.api.label.v1.Release;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.auditstream.AuditEventRules;
import org.alliedexchange.auditstream.CheckedEvent;
import org.alliedexchange.auditstream.UnstorableAuditEvent;
import org.alliedexchange.gateway.access.GuardedMethod;
import org.alliedexchange.gateway.access.GuardedMethods;
import org.alliedexchange.label.BindingVerifier;
import org.alliedexchange.label.NationalKey;
import org.alliedexchange.label.ProtoLabels;
import org.alliedexchange.policy.Decision;
import org.alliedexchange.policy.FederationConfig;
import org.alliedexchange.policy.ReleasabilityEngine;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.core.io.buffer.DataBuffer;
import org.springframework.core.io.buffer.DataBufferUtils;
import org.springframework.core.io.buffer.DefaultDataBufferFactory;
import reactor.core.publisher.Flux;

/**
 * The gateway's guard on any response body a hostile exchange or audit service could send: the
 * frame reader, {@link MessageGuard} and {@link ResponseGuard} together, with an audit stream that
 * takes or refuses each stretch of records. Whatever arrives, in whatever buffers, nothing throws,
 * and every message that leaves is one the backend sent, labelled once with a label the engine
 * permits to the caller (with a binding that verifies, when bound), re-marked for the caller, and
 * has exactly one record the audit stream took: a PERMIT for that label under the release's
 * transfer id.
 *
 * <p>An input is one byte choosing the call and when the audit stream fails, then the body: framed
 * gRPC messages. The corpus ({@code ResponseGuardFuzzTestInputs/}) holds real bodies: KOR products
 * signed with {@link #KOR_KEY}, releasable to JPN or not, and audit records.
 */
class ResponseGuardFuzzTest {

  /** KOR's signing key, the same in every run so that the committed corpus' bindings verify. */
  static final NationalKey KOR_KEY = fixedKey("allied-exchange fuzz corpus: KOR");

  static final Caller JAPAN =
      Caller.of(
          "jpn-reader",
          "JPN",
          "SECRET",
          List.of("MISSILE_WARNING"),
          List.of(Roles.EXCHANGE_READ, Roles.AUDITOR));

  /** What the first byte's low two bits choose: streams and unary calls, bound and not. */
  static final List<String> PATHS =
      List.of(
          "/" + GuardedMethods.EXCHANGE_SERVICE + "/Search",
          "/" + GuardedMethods.EXCHANGE_SERVICE + "/Get",
          "/" + GuardedMethods.AUDIT_SERVICE + "/QueryRecords",
          "/" + GuardedMethods.AUDIT_SERVICE + "/VerifyChain");

  private static final ReleasabilityEngine ENGINE =
      new ReleasabilityEngine(FederationConfig.loadDefault());
  private static final BindingVerifier KOR_VERIFIER =
      new BindingVerifier(Map.of(KOR_KEY.keyId(), KOR_KEY.keyPair().getPublic()), 64);
  private static final MessageGuard MESSAGES =
      new MessageGuard(() -> ENGINE, Map.of("KOR", KOR_VERIFIER));
  private static final GuardedMethods METHODS = GuardedMethods.fromApi();
  private static final AtomicLong INPUTS = new AtomicLong();

  @FuzzTest
  @Timeout(10)
  void everyReleasedMessageIsPermittedAndRecordedOnce(byte[] input) throws Exception {
    INPUTS.incrementAndGet();
    if (input.length == 0) {
      return;
    }
    int options = input[0] & 0xFF;
    byte[] body = Arrays.copyOfRange(input, 1, input.length);
    GuardedCall call =
        new GuardedCall(JAPAN, METHODS.at(PATHS.get(options & 3)), "KOR", Span.getInvalid());
    // 0: the audit stream takes every stretch; n: it refuses the n-th
    int failingWrite = (options >> 2) & 7;
    boolean staleAgreements = (options & 0x20) != 0;
    List<byte[]> taken = new ArrayList<>();
    AtomicInteger writes = new AtomicInteger();
    ResponseGuard guard =
        new ResponseGuard(
            MESSAGES,
            records -> {
              if (writes.incrementAndGet() == failingWrite) {
                return CompletableFuture.failedFuture(new IllegalStateException("Redis is down"));
              }
              for (CheckedEvent record : records) {
                // the guard checks its records from their parts; read back whole, each must get
                // the same answer from the audit service's rules
                assertThat(record.problem())
                    .as("the guard's answer for a record, against the full check's")
                    .isEqualTo(AuditEventRules.problem(record.bytes()));
              }
              if (records.stream().anyMatch(record -> record.problem().isPresent())) {
                // as the writer does: none of the stretch is queued
                return CompletableFuture.failedFuture(
                    new UnstorableAuditEvent(records.get(0).problem().orElse("unstorable")));
              }
              records.forEach(record -> taken.add(record.bytes()));
              return CompletableFuture.completedFuture(null);
            },
            () -> staleAgreements ? "agreement statuses not refreshed" : null,
            1 << 20);

    List<DataBuffer> out =
        guard
            .guard(call, Flux.fromIterable(buffers(body)), DefaultDataBufferFactory.sharedInstance)
            .collectList()
            .block(Duration.ofSeconds(5));

    assertReleasedOnlyWhatWasPermittedAndRecorded(
        messages(body),
        released(out),
        taken,
        call.method().bound(),
        call.method().responseFields(),
        call.method().destination() == GuardedMethod.Destination.AUDIT_SERVICE);
    if (staleAgreements) {
      assertThat(released(out)).as("released while agreement statuses were stale").isEmpty();
    }
  }

  @Test
  void theCorpusReachesAReleaseAndAWithholding() throws Exception {
    List<String> decisions = new ArrayList<>();
    for (String seed : List.of("search-releasable-and-not", "get-releasable")) {
      byte[] input =
          ResponseGuardFuzzTest.class
              .getResourceAsStream(
                  "ResponseGuardFuzzTestInputs/everyReleasedMessageIsPermittedAndRecordedOnce/"
                      + seed)
              .readAllBytes();
      for (byte[] message : messages(Arrays.copyOfRange(input, 1, input.length))) {
        decisions.add(
            MESSAGES
                    .decide(
                        message,
                        true,
                        new MessageGuard.CallInfo(
                            JAPAN,
                            "ExchangeService/Search",
                            "KOR",
                            null,
                            org.alliedexchange.api.GatewayLabelConvention.declaredFields(
                                org.alliedexchange.api.exchange.v1.SearchResponse.getDescriptor())),
                        Instant.now())
                    .permitted()
                ? "released"
                : "withheld");
      }
    }
    assertThat(decisions)
        .as("the committed products still verify under the fixed key")
        .contains("released", "withheld");
  }

  @AfterAll
  static void theFuzzerRan() {
    FuzzRuns.assertRan(INPUTS.get());
  }

  private static void assertReleasedOnlyWhatWasPermittedAndRecorded(
      List<byte[]> sent,
      List<byte[]> released,
      List<byte[]> taken,
      boolean bound,
      long declaredFields,
      boolean auditorsCall)
      throws InvalidProtocolBufferException {
    Map<String, AuditEvent> recordsById = new HashMap<>();
    for (byte[] record : taken) {
      AuditEvent event = AuditEvent.parseFrom(record);
      assertThat(event.getEventId()).as("a record's event id").isNotEmpty();
      assertThat(CanonicalMessages.firstUnknownField(event))
          .as("a record holding a field the audit service does not interpret")
          .isEmpty();
      assertThat(recordsById.put(event.getEventId(), event))
          .as("a second record under " + event.getEventId())
          .isNull();
    }
    int next = 0;
    for (byte[] message : released) {
      LabelFields fields = LabelFields.scan(message, bound);
      assertThat(fields).as("a released message that is not protobuf").isNotNull();
      Release release = fields.label(message).getRelease();
      byte[] original = Arrays.copyOf(message, message.length - appendedLength(release));
      assertThat(AppendedRelease.append(original, release))
          .as("the released bytes are a sent message and the gateway's release")
          .isEqualTo(message);
      next = indexOf(sent, original, next) + 1;
      assertThat(next).as("a released message the backend did not send, in order").isPositive();

      LabelFields originalFields = LabelFields.scan(original, bound);
      assertThat(originalFields.labelCount()).as("labels in a released message").isEqualTo(1);
      assertThat(originalFields.onlyFields(declaredFields))
          .as("released with a field its response does not declare")
          .isTrue();
      SecurityLabel label = originalFields.label(original);
      assertThat(label.hasRelease()).as("a release the backend set itself").isFalse();
      Decision decision = ENGINE.decide(ProtoLabels.toDomain(label), JAPAN.asRecipient(), now());
      assertThat(decision.permitted()).as("released against the engine: " + label).isTrue();
      if (bound) {
        assertThat(bindingVerifies(original, originalFields, label))
            .as("released with a binding that does not verify")
            .isTrue();
      }
      assertThat(release.getRecipientNation()).isEqualTo("JPN");
      assertThat(release.getMarking()).isEqualTo(decision.marking());

      if (auditorsCall && ReadRecords.isReadRecord(original)) {
        // an auditor's read of a read record is not recorded again
        assertThat(recordsById).doesNotContainKey(release.getTransferId());
        continue;
      }
      AuditEvent record = recordsById.remove(release.getTransferId());
      assertThat(record).as("the audit record of released transfer " + release).isNotNull();
      assertThat(record.getTransfer().getDecision())
          .isEqualTo(org.alliedexchange.api.audit.v1.Decision.DECISION_PERMIT);
      assertThat(record.getTransfer().getLabel()).as("the recorded label").isEqualTo(label);
      assertThat(record.getTransfer().getRecipientMarking()).isEqualTo(release.getMarking());
      // the fields every record of the call shares, encoded once for the call
      assertThat(record.getTransfer().getRecipientNation()).isEqualTo(JAPAN.nation());
      assertThat(record.getTransfer().getRecipientSystem()).isEqualTo(JAPAN.system());
      assertThat(record.getTransfer().getSourceNation()).isEqualTo("KOR");
      assertThat(record.getTransfer().getMethod()).isNotEmpty();
      assertThat(record.getSource()).isEqualTo(MessageGuard.SOURCE);
    }
  }

  private static boolean bindingVerifies(byte[] message, LabelFields fields, SecurityLabel label)
      throws InvalidProtocolBufferException {
    if (fields.contentCount() != 1 || fields.bindingCount() != 1) {
      return false;
    }
    Binding binding =
        Binding.parseFrom(
            Arrays.copyOfRange(
                message, fields.bindingStart(), fields.bindingStart() + fields.bindingLength()));
    return KOR_VERIFIER
        .verify(
            label.getOriginator(),
            fields.labelBytes(message),
            fields.contentBytes(message),
            binding)
        .valid();
  }

  private static Instant now() {
    return Instant.now();
  }

  private static int appendedLength(Release release) {
    return AppendedRelease.append(new byte[0], release).length;
  }

  private static int indexOf(List<byte[]> messages, byte[] message, int from) {
    for (int i = from; i < messages.size(); i++) {
      if (Arrays.equals(messages.get(i), message)) {
        return i;
      }
    }
    return -1;
  }

  /** The body cut into buffers of sizes taken from its own bytes. */
  private static List<DataBuffer> buffers(byte[] body) {
    List<DataBuffer> buffers = new ArrayList<>();
    int at = 0;
    for (int i = 0; at < body.length; i++) {
      int to = Math.min(body.length, at + 1 + (body[i % body.length] & 0xFF) * 4);
      buffers.add(DefaultDataBufferFactory.sharedInstance.wrap(Arrays.copyOfRange(body, at, to)));
      at = to;
    }
    return buffers;
  }

  /** The whole uncompressed messages at the start of a body, as the backend framed them. */
  static List<byte[]> messages(byte[] body) {
    List<byte[]> messages = new ArrayList<>();
    int at = 0;
    while (body.length - at >= 5 && body[at] == 0) {
      long length = Integer.toUnsignedLong(java.nio.ByteBuffer.wrap(body, at + 1, 4).getInt());
      if (body.length - at - 5 < length) {
        break;
      }
      messages.add(Arrays.copyOfRange(body, at + 5, at + 5 + (int) length));
      at += 5 + (int) length;
    }
    return messages;
  }

  private static List<byte[]> released(List<DataBuffer> out) {
    java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
    for (DataBuffer buffer : out) {
      byte[] chunk = new byte[buffer.readableByteCount()];
      buffer.read(chunk);
      DataBufferUtils.release(buffer);
      bytes.writeBytes(chunk);
    }
    byte[] body = bytes.toByteArray();
    List<byte[]> messages = messages(body);
    int framed = messages.stream().mapToInt(message -> 5 + message.length).sum();
    assertThat(framed)
        .as("the released body is whole frames: " + HexFormat.of().formatHex(body))
        .isEqualTo(body.length);
    return messages;
  }

  /** An EC key drawn from a seeded generator: the same key on every run of the same JDK. */
  static NationalKey fixedKey(String seed) {
    try {
      SecureRandom random = SecureRandom.getInstance("SHA1PRNG");
      random.setSeed(seed.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), random);
      KeyPair pair = generator.generateKeyPair();
      return new NationalKey(pair, NationalKey.keyId(pair.getPublic()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
