package org.alliedexchange.benchmarks;

import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.alliedexchange.policy.Decision;
import org.alliedexchange.policy.FederationConfig;
import org.alliedexchange.policy.Label;
import org.alliedexchange.policy.Level;
import org.alliedexchange.policy.Recipient;
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
 * One releasability decision on the default configuration, on one thread (one core): the guard
 * makes one per message it passes, so this bounds the guard's per-message policy cost.
 *
 * <p>{@code mixed} cycles through a realistic spread of labels and recipients (permits abroad and
 * at home, denials for level, nation, need-to-know, NOFORN and invalid labels), so neither the
 * branch predictor nor the JIT sees a single path; the others isolate one path each.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 5, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(2)
@Threads(1)
public class ReleasabilityDecisionBenchmark {

  private ReleasabilityEngine engine;
  private Instant at;
  private Label korSecretToJpnUsa;
  private Label korTopSecret;
  private Recipient jpnSecret;
  private Recipient jpnTopSecret;
  private Label[] labels;
  private Recipient[] recipients;
  private int next;

  @Setup
  public void setUp() {
    engine = new ReleasabilityEngine(FederationConfig.loadDefault());
    at = Instant.parse("2026-01-01T00:00:00Z");
    korSecretToJpnUsa =
        label("KOR", "군사II급비밀", Set.of("KOR", "JPN", "USA"), Set.of("MISSILE"), Set.of());
    korTopSecret = label("KOR", "군사I급비밀", Set.of("KOR", "JPN", "USA"), Set.of(), Set.of());
    jpnSecret = new Recipient("JPN", Level.SECRET, Set.of("MISSILE"));
    jpnTopSecret = new Recipient("JPN", Level.TOP_SECRET, Set.of("MISSILE"));
    List<Label> mix =
        List.of(
            korSecretToJpnUsa,
            korTopSecret,
            label("KOR", "군사II급비밀", Set.of("KOR"), Set.of(), Set.of("NOFORN")),
            label(
                "USA",
                "TOP SECRET",
                Set.of("USA", "JPN", "KOR"),
                Set.of("MISSILE"),
                Set.of("ORCON")),
            label("JPN", "特定秘密", Set.of("JPN", "USA"), Set.of(), Set.of()),
            label("KOR", "極秘", Set.of("KOR", "JPN"), Set.of(), Set.of()));
    List<Recipient> to =
        List.of(
            jpnSecret,
            new Recipient("USA", Level.TOP_SECRET, Set.of("MISSILE")),
            new Recipient("KOR", Level.SECRET, Set.of()),
            jpnTopSecret,
            new Recipient("USA", Level.CONFIDENTIAL, Set.of()),
            new Recipient("KOR", Level.TOP_SECRET, Set.of("MISSILE")),
            new Recipient("JPN", Level.SECRET, Set.of()));
    // every label against every recipient: 42 pairs
    labels = new Label[mix.size() * to.size()];
    recipients = new Recipient[labels.length];
    int i = 0;
    for (Label label : mix) {
      for (Recipient recipient : to) {
        labels[i] = label;
        recipients[i++] = recipient;
      }
    }
  }

  private static Label label(
      String nation,
      String marking,
      Set<String> releasableTo,
      Set<String> communities,
      Set<String> controls) {
    return new Label(nation, null, marking, nation, releasableTo, communities, controls);
  }

  @Benchmark
  public Decision permitAbroad() {
    return engine.decide(korSecretToJpnUsa, jpnSecret, at);
  }

  @Benchmark
  public Decision denyLevelNotCovered() {
    return engine.decide(korTopSecret, jpnTopSecret, at);
  }

  @Benchmark
  public Decision mixed() {
    int i = next;
    next = i + 1 == labels.length ? 0 : i + 1;
    return engine.decide(labels[i], recipients[i], at);
  }
}
