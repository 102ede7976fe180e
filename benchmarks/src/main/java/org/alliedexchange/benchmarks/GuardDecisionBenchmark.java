package org.alliedexchange.benchmarks;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.api.GatewayLabelConvention;
import org.alliedexchange.api.access.Roles;
import org.alliedexchange.api.exchange.v1.SearchResponse;
import org.alliedexchange.auditstream.AuditEventRules;
import org.alliedexchange.gateway.guard.MessageGuard;
import org.alliedexchange.label.BindingSigner;
import org.alliedexchange.label.BindingVerifier;
import org.alliedexchange.label.NationalKey;
import org.alliedexchange.policy.FederationConfig;
import org.alliedexchange.policy.Level;
import org.alliedexchange.policy.ReleasabilityEngine;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The guard's work for one released message, on one thread: read the label, decide, check the
 * binding (its signature remembered, as for every product after the first), append the release and
 * write the audit record, checked as the audit service will.
 *
 * <p>{@code decide} is the guard as it runs: the record checked from the parts the guard already
 * holds. {@code decideAndReadRecordBack} adds what it did before: reading each record back whole to
 * check it. The difference is what that reading cost per message.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@Threads(1)
public class GuardDecisionBenchmark {

  private MessageGuard guard;
  private MessageGuard.CallInfo call;
  private byte[] message;
  private Instant now;

  @Setup
  public void setUp() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair pair = generator.generateKeyPair();
    NationalKey key = new NationalKey(pair, NationalKey.keyId(pair.getPublic()));
    ReleasabilityEngine engine = new ReleasabilityEngine(FederationConfig.loadDefault());
    guard =
        new MessageGuard(
            () -> engine,
            Map.of("KOR", new BindingVerifier(Map.of(key.keyId(), pair.getPublic()), 1024)));
    call =
        new MessageGuard.CallInfo(
            new Caller(
                "jpn-mod-reader",
                "JPN",
                Level.SECRET,
                Set.of("MISSILE_WARNING"),
                Set.of(Roles.EXCHANGE_READ)),
            "allied.exchange.v1.ExchangeService/Subscribe",
            "KOR",
            "0af7651916cd43dd8448eb211c80319c",
            GatewayLabelConvention.declaredFields(SearchResponse.getDescriptor()));
    now = Instant.parse("2026-11-27T09:00:00Z");
    // the product the gateway load run serves: a signed KOR warning with a 600-character report
    message = GatewayLoadServers.product(new BindingSigner("KOR", key));
    MessageGuard.Verdict verdict = guard.decide(message, true, call, now);
    if (!verdict.permitted() || verdict.record().problem().isPresent()) {
      throw new IllegalStateException("the benchmark's message must be released and recorded");
    }
  }

  @Benchmark
  public MessageGuard.Verdict decide() {
    return guard.decide(message, true, call, now);
  }

  @Benchmark
  public Optional<String> decideAndReadRecordBack() {
    return AuditEventRules.problem(guard.decide(message, true, call, now).record().bytes());
  }
}
