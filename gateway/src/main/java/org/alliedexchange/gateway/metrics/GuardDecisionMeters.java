package org.alliedexchange.gateway.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.function.Consumer;
import org.alliedexchange.gateway.guard.MessageGuard;
import org.alliedexchange.policy.Reason;

/**
 * Counts the guard's decisions ({@value #DECISIONS}): {@code decision="released",reason="none"}, or
 * {@code decision="withheld"} once for each reason (a message withheld for two reasons counts under
 * both), {@code reason="BINDING_INVALID"} when its originator's signature failed. Registered up
 * front: a decision only increments.
 */
public final class GuardDecisionMeters implements Consumer<MessageGuard.Verdict> {

  public static final String DECISIONS = "allied.guard.decisions";

  private final Counter released;
  private final Counter[] withheld;
  private final Counter bindingInvalid;

  public GuardDecisionMeters(MeterRegistry registry) {
    released = counter(registry, "released", "none");
    Reason[] reasons = Reason.values();
    withheld = new Counter[reasons.length];
    for (Reason reason : reasons) {
      withheld[reason.ordinal()] = counter(registry, "withheld", reason.name());
    }
    bindingInvalid = counter(registry, "withheld", "BINDING_INVALID");
  }

  private static Counter counter(MeterRegistry registry, String decision, String reason) {
    return Counter.builder(DECISIONS)
        .description("The guard's decisions on response messages, by reason")
        .tag("decision", decision)
        .tag("reason", reason)
        .register(registry);
  }

  @Override
  public void accept(MessageGuard.Verdict verdict) {
    if (verdict.permitted()) {
      released.increment();
      return;
    }
    for (Reason reason : verdict.reasons()) {
      withheld[reason.ordinal()].increment();
    }
    if (verdict.bindingInvalid()) {
      bindingInvalid.increment();
    }
  }
}
