package org.alliedexchange.gateway.access;

import static org.assertj.core.api.Assertions.assertThat;

import org.alliedexchange.api.access.AccessTable;
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
}
