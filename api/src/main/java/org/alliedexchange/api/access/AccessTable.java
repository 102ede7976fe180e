package org.alliedexchange.api.access;

import java.util.Map;
import java.util.Set;
import org.alliedexchange.api.audit.v1.AuditServiceGrpc;
import org.alliedexchange.api.exchange.v1.ExchangeServiceGrpc;
import org.alliedexchange.api.hotline.v1.HotlineRelayGrpc;
import org.alliedexchange.api.hotline.v1.HotlineServiceGrpc;

/**
 * One guarded service's access rules: each method, by its proto name, with what a caller needs to
 * call it. The one table per service that both the gateway and the service itself read, each for
 * its own, independent check. {@code AccessTableTest} fails the build when an RPC of a guarded
 * service has no rule.
 */
public final class AccessTable {

  /** The exchange API, one service per nation. */
  public static final AccessTable EXCHANGE =
      new AccessTable(
          ExchangeServiceGrpc.SERVICE_NAME,
          Map.of(
              "Publish", new MethodAccess(Roles.EXCHANGE_PUBLISH, true, true),
              "AmendReleasability", new MethodAccess(Roles.EXCHANGE_PUBLISH, true, false),
              "Get", new MethodAccess(Roles.EXCHANGE_READ, false, false),
              "Search", new MethodAccess(Roles.EXCHANGE_READ, false, false),
              "Subscribe", new MethodAccess(Roles.EXCHANGE_READ, false, false)));

  private static final MethodAccess AUDITOR = new MethodAccess(Roles.AUDITOR, false, false);

  /** The auditors' API of the audit service. */
  public static final AccessTable AUDIT =
      new AccessTable(
          AuditServiceGrpc.SERVICE_NAME,
          Map.of(
              "QueryRecords", AUDITOR,
              "ExportRecords", AUDITOR,
              "VerifyChain", AUDITOR,
              "GetCheckpoint", AUDITOR,
              "GetComplianceReport", AUDITOR));

  private static final MethodAccess HOTLINE_MEMBER =
      new MethodAccess(Roles.HOTLINE_MEMBER, true, false);

  /**
   * The hotline members' API: each person calls only the node of their own nation. Send's request
   * carries the message's label, whose originator must be the caller's nation.
   */
  public static final AccessTable HOTLINE =
      new AccessTable(
          HotlineServiceGrpc.SERVICE_NAME,
          Map.of(
              "ListConferences", HOTLINE_MEMBER,
              "Send", new MethodAccess(Roles.HOTLINE_MEMBER, true, true),
              "Watch", HOTLINE_MEMBER,
              "Acknowledge", HOTLINE_MEMBER,
              "MarkRead", HOTLINE_MEMBER,
              "AcknowledgeAlarm", HOTLINE_MEMBER,
              "GetStatus", HOTLINE_MEMBER));

  /** Node to node: a nation's hotline node pulls from a peer's (never its own). */
  public static final AccessTable HOTLINE_RELAY =
      new AccessTable(
          HotlineRelayGrpc.SERVICE_NAME,
          Map.of(
              "Relay", new MethodAccess(Roles.HOTLINE_RELAY, false, false),
              "Probe", new MethodAccess(Roles.HOTLINE_RELAY, false, false)));

  private static final Map<String, AccessTable> BY_SERVICE =
      Map.of(
          EXCHANGE.service,
          EXCHANGE,
          AUDIT.service,
          AUDIT,
          HOTLINE.service,
          HOTLINE,
          HOTLINE_RELAY.service,
          HOTLINE_RELAY);

  private final String service;
  private final Map<String, MethodAccess> methods;

  private AccessTable(String service, Map<String, MethodAccess> methods) {
    this.service = service;
    this.methods = Map.copyOf(methods);
  }

  /**
   * The table of a guarded service by its full proto name, or null when the API guards no such
   * service.
   */
  public static AccessTable forService(String fullServiceName) {
    return fullServiceName == null ? null : BY_SERVICE.get(fullServiceName);
  }

  /** The full proto name of the service, e.g. {@code allied.exchange.v1.ExchangeService}. */
  public String service() {
    return service;
  }

  /** The names of the methods that have a rule. */
  public Set<String> methodNames() {
    return methods.keySet();
  }

  /**
   * The rule of a method by its proto name, e.g. {@code Publish}; throws when it has none, as no
   * call may pass unruled.
   */
  public MethodAccess method(String name) {
    MethodAccess access = methods.get(name);
    if (access == null) {
      throw new IllegalStateException(
          "the guarded method "
              + service
              + "/"
              + name
              + " has no access rule in "
              + AccessTable.class.getName()
              + ": write one before it can be served");
    }
    return access;
  }
}
