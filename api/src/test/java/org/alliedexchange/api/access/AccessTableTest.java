package org.alliedexchange.api.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import java.util.List;
import org.alliedexchange.api.GatewayLabelConvention;
import org.junit.jupiter.api.Test;

class AccessTableTest {

  private static final List<ServiceDescriptor> GUARDED =
      GatewayLabelConvention.guardedServices(GatewayLabelConvention.apiFiles());

  @Test
  void everyRpcOfEveryGuardedServiceHasARule() {
    assertThat(GUARDED)
        .extracting(ServiceDescriptor::getFullName)
        .contains(AccessTable.EXCHANGE.service(), AccessTable.AUDIT.service());
    for (ServiceDescriptor service : GUARDED) {
      AccessTable table = AccessTable.forService(service.getFullName());
      assertThat(table)
          .as("access table of the guarded service %s", service.getFullName())
          .isNotNull();
      List<String> rpcs = service.getMethods().stream().map(MethodDescriptor::getName).toList();
      // a new RPC without a rule fails here; a rule for an RPC that is gone does too
      assertThat(table.methodNames())
          .as("rules of %s", service.getFullName())
          .containsExactlyInAnyOrderElementsOf(rpcs);
    }
  }

  @Test
  void writesNeedThePublishRoleAndGoOnlyToTheCallersOwnNation() {
    for (String write : List.of("Publish", "AmendReleasability")) {
      assertThat(AccessTable.EXCHANGE.method(write).role()).isEqualTo("exchange-publish");
      assertThat(AccessTable.EXCHANGE.method(write).ownNationOnly()).isTrue();
    }
    assertThat(AccessTable.EXCHANGE.method("Publish").requestLabelled()).isTrue();
    assertThat(AccessTable.EXCHANGE.method("AmendReleasability").requestLabelled()).isFalse();
  }

  @Test
  void readsNeedTheReadRoleFromAnyNation() {
    for (String read : List.of("Get", "Search", "Subscribe")) {
      assertThat(AccessTable.EXCHANGE.method(read))
          .isEqualTo(new MethodAccess("exchange-read", false, false));
    }
  }

  @Test
  void theAuditorsApiNeedsTheAuditorRoleThroughout() {
    for (String method : AccessTable.AUDIT.methodNames()) {
      assertThat(AccessTable.AUDIT.method(method))
          .isEqualTo(new MethodAccess("auditor", false, false));
    }
  }

  @Test
  void aMethodWithoutARuleIsRefusedNotLetThrough() {
    assertThatThrownBy(() -> AccessTable.EXCHANGE.method("Delete"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("allied.exchange.v1.ExchangeService/Delete has no access rule");
    assertThat(AccessTable.forService("allied.other.v1.OtherService")).isNull();
  }
}
