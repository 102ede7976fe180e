package org.alliedexchange.audit.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.Set;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.api.access.AccessTable;
import org.alliedexchange.api.access.Roles;
import org.alliedexchange.audit.chain.AuditorScope;
import org.alliedexchange.policy.Level;
import org.junit.jupiter.api.Test;

/**
 * The auditor scope's refusals reach the caller as the gRPC status and description the API
 * documents.
 */
class AuditorCallsTest {

  private static Caller caller(String nation, String... roles) {
    return new Caller("jpn-auditor", nation, Level.SECRET, Set.of(), Set.of(roles));
  }

  private static Status statusOf(Throwable e) {
    return ((StatusRuntimeException) e).getStatus();
  }

  @Test
  void anAuditorOfANationGetsItsScope() {
    AuditorScope scope = AuditorCalls.scope(caller("JPN", Roles.AUDITOR), "QueryRecords");
    assertThat(scope.nation()).isEqualTo("JPN");
    assertThat(scope.clearance()).isEqualTo(Level.SECRET);
    assertThat(AuditorCalls.relationship(scope, "JPN")).isEqualTo("JPN");
    assertThat(AuditorCalls.relationship(scope, "JPN-KOR")).isEqualTo("JPN-KOR");
  }

  @Test
  void aCallerWithoutTheAuditorRoleOrANationIsDenied() {
    assertThatThrownBy(() -> AuditorCalls.scope(caller("JPN", Roles.EXCHANGE_READ), "QueryRecords"))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(e -> assertThat(statusOf(e).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED))
        .satisfies(
            e ->
                assertThat(statusOf(e).getDescription())
                    .isEqualTo("jpn-auditor lacks the role auditor that the audit log needs"));
    assertThatThrownBy(() -> AuditorCalls.scope(caller(null, Roles.AUDITOR), "QueryRecords"))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(e -> assertThat(statusOf(e).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED))
        .satisfies(
            e ->
                assertThat(statusOf(e).getDescription())
                    .isEqualTo(
                        "jpn-auditor has no nation, so no relationship of its own to audit"));
  }

  @Test
  void everyRpcOfTheAuditApiAsksForTheRoleTheApisTableGivesIt() {
    for (String method : AccessTable.AUDIT.methodNames()) {
      assertThat(AuditorCalls.scope(caller("JPN", Roles.AUDITOR), method).nation())
          .isEqualTo("JPN");
      assertThatThrownBy(() -> AuditorCalls.scope(caller("JPN", Roles.EXCHANGE_READ), method))
          .isInstanceOf(StatusRuntimeException.class)
          .satisfies(
              e -> assertThat(statusOf(e).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED));
    }
  }

  @Test
  void anotherNationsRelationshipIsPermissionDeniedAndAMalformedOneInvalid() {
    AuditorScope japan = AuditorCalls.scope(caller("JPN", Roles.AUDITOR), "QueryRecords");
    assertThatThrownBy(() -> AuditorCalls.relationship(japan, "KOR-USA"))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(e -> assertThat(statusOf(e).getCode()).isEqualTo(Status.Code.PERMISSION_DENIED))
        .satisfies(
            e ->
                assertThat(statusOf(e).getDescription())
                    .isEqualTo(
                        "an auditor of JPN reads only the relationships JPN is party to, not KOR-USA"));
    assertThatThrownBy(() -> AuditorCalls.relationship(japan, "KOR-JPN"))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(e -> assertThat(statusOf(e).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT))
        .satisfies(
            e ->
                assertThat(statusOf(e).getDescription())
                    .isEqualTo(
                        "name the nations of a relationship in alphabetical order: JPN-KOR, not KOR-JPN"));
    assertThatThrownBy(() -> AuditorCalls.relationship(japan, "jpn"))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(e -> assertThat(statusOf(e).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT));
    assertThatThrownBy(() -> AuditorCalls.relationship(japan, ""))
        .isInstanceOf(StatusRuntimeException.class)
        .satisfies(e -> assertThat(statusOf(e).getCode()).isEqualTo(Status.Code.INVALID_ARGUMENT))
        .satisfies(
            e ->
                assertThat(statusOf(e).getDescription())
                    .isEqualTo("name a relationship, like JPN-USA or JPN"));
  }
}
