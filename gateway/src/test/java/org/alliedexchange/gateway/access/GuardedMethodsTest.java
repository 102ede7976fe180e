package org.alliedexchange.gateway.access;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.api.trace.Span;
import java.util.Set;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.api.access.AccessTable;
import org.alliedexchange.gateway.guard.GuardedCall;
import org.alliedexchange.policy.Level;
import org.junit.jupiter.api.Test;

/**
 * The gateway's routes take their access rules from the API's table, the one the services check
 * too.
 */
class GuardedMethodsTest {

  private final GuardedMethods methods = GuardedMethods.fromApi();

  @Test
  void everyRouteCarriesTheRuleOfTheApisTable() {
    assertThat(methods.paths())
        .hasSize(
            AccessTable.EXCHANGE.methodNames().size()
                + AccessTable.AUDIT.methodNames().size()
                + AccessTable.HOTLINE.methodNames().size()
                + AccessTable.HOTLINE_RELAY.methodNames().size());
    for (String path : methods.paths()) {
      GuardedMethod method = methods.at(path);
      AccessTable table = AccessTable.forService(method.service());
      assertThat(method.role()).isEqualTo(table.method(method.method()).role());
      assertThat(method.ownNationOnly()).isEqualTo(table.method(method.method()).ownNationOnly());
      assertThat(method.requestLabelled())
          .isEqualTo(table.method(method.method()).requestLabelled());
    }
  }

  @Test
  void publishNeedsThePublishRoleGoesToTheOwnNationAndHasItsRequestLabelChecked() {
    GuardedMethod publish = methods.at("/allied.exchange.v1.ExchangeService/Publish");

    assertThat(publish.role()).isEqualTo("exchange-publish");
    assertThat(publish.ownNationOnly()).isTrue();
    assertThat(publish.requestLabelled()).isTrue();
    assertThat(publish.destination()).isEqualTo(GuardedMethod.Destination.NATION);
    assertThat(methods.at("/allied.audit.v1.AuditService/QueryRecords").role())
        .isEqualTo("auditor");
  }

  @Test
  void hotlineMembersCallOnlyTheirOwnNodeWhileNodesPullFromAnyPeer() {
    GuardedMethod send = methods.at("/allied.hotline.v1.HotlineService/Send");
    GuardedMethod relay = methods.at("/allied.hotline.v1.HotlineRelay/Relay");

    assertThat(send.role()).isEqualTo("hotline-member");
    assertThat(send.ownNationOnly()).isTrue();
    assertThat(send.requestLabelled()).isTrue();
    assertThat(send.bound()).isFalse();
    assertThat(send.destination()).isEqualTo(GuardedMethod.Destination.HOTLINE);
    assertThat(relay.role()).isEqualTo("hotline-relay");
    assertThat(relay.ownNationOnly()).isFalse();
    assertThat(relay.bound()).isTrue();
    assertThat(relay.serverStreaming()).isTrue();
    assertThat(relay.destination()).isEqualTo(GuardedMethod.Destination.HOTLINE);
    assertThat(methods.at("/allied.audit.v1.AuditService/QueryRecords").destination())
        .isEqualTo(GuardedMethod.Destination.AUDIT_SERVICE);
  }

  @Test
  void aCallNamesTheBackendItGoesToWhenThatFails() {
    Caller watchOfficer =
        new Caller("jpn-watch-officer", "JPN", Level.SECRET, Set.of(), Set.of("hotline-member"));

    assertThat(
            new GuardedCall(
                    watchOfficer,
                    methods.at("/allied.hotline.v1.HotlineService/Send"),
                    "JPN",
                    Span.getInvalid())
                .backendName())
        .isEqualTo("the hotline node of JPN");
    assertThat(
            new GuardedCall(
                    watchOfficer,
                    methods.at("/allied.exchange.v1.ExchangeService/Get"),
                    "KOR",
                    Span.getInvalid())
                .backendName())
        .isEqualTo("the exchange service of KOR");
    assertThat(
            new GuardedCall(
                    watchOfficer,
                    methods.at("/allied.audit.v1.AuditService/QueryRecords"),
                    "JPN",
                    Span.getInvalid())
                .backendName())
        .isEqualTo("the audit service");
  }
}
