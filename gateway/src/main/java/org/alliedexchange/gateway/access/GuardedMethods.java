package org.alliedexchange.gateway.access;

import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.alliedexchange.api.GatewayLabelConvention;
import org.alliedexchange.accesstoken.Caller;

/**
 * The RPCs the gateway routes, read from the API's descriptors: every method of a guarded service that
 * the gateway routes, each with an access rule. A guarded method without a rule stops the gateway at
 * start-up, so a new RPC cannot go out unguarded because nobody wrote its rule.
 */
public final class GuardedMethods {

  /** The exchange API, routed to the nation the caller names. */
  public static final String EXCHANGE_SERVICE = "allied.exchange.v1.ExchangeService";

  /** The auditors' API, routed to the audit service. */
  public static final String AUDIT_SERVICE = "allied.audit.v1.AuditService";

  private record Rule(String role, boolean ownNationOnly, boolean requestLabelled) {}

  private static final Rule AUDITOR = new Rule(Caller.AUDITOR, false, false);
  private static final Map<String, Rule> AUDIT_RULES = Map.of(
      "QueryRecords", AUDITOR,
      "ExportRecords", AUDITOR,
      "VerifyChain", AUDITOR,
      "GetCheckpoint", AUDITOR,
      "GetComplianceReport", AUDITOR);

  private static final Map<String, Rule> EXCHANGE_RULES = Map.of(
      "Publish", new Rule(Caller.PUBLISH, true, true),
      "AmendReleasability", new Rule(Caller.PUBLISH, true, false),
      "Get", new Rule(Caller.READ, false, false),
      "Search", new Rule(Caller.READ, false, false),
      "Subscribe", new Rule(Caller.READ, false, false));

  private final Map<String, GuardedMethod> byPath;

  private GuardedMethods(Map<String, GuardedMethod> byPath) {
    this.byPath = byPath;
  }

  public static GuardedMethods fromApi() {
    return of(GatewayLabelConvention.apiFiles());
  }

  static GuardedMethods of(List<FileDescriptor> files) {
    Map<String, GuardedMethod> methods = new LinkedHashMap<>();
    for (ServiceDescriptor service : GatewayLabelConvention.guardedServices(files)) {
      Map<String, Rule> rules;
      GuardedMethod.Destination destination;
      if (service.getFullName().equals(EXCHANGE_SERVICE)) {
        rules = EXCHANGE_RULES;
        destination = GuardedMethod.Destination.NATION;
      } else if (service.getFullName().equals(AUDIT_SERVICE)) {
        rules = AUDIT_RULES;
        destination = GuardedMethod.Destination.AUDIT_SERVICE;
      } else {
        continue;
      }
      for (MethodDescriptor method : service.getMethods()) {
        Rule rule = rules.get(method.getName());
        if (rule == null) {
          throw new IllegalStateException("the guarded method " + service.getFullName() + "/" + method.getName()
              + " has no access rule in " + GuardedMethods.class.getSimpleName() + ": write one before it can be served");
        }
        if (method.isClientStreaming()) {
          throw new IllegalStateException(method.getFullName() + " streams requests, which the guard does not check");
        }
        String path = "/" + service.getFullName() + "/" + method.getName();
        methods.put(path, new GuardedMethod(path, service.getFullName(), method.getName(), method.isServerStreaming(),
            GatewayLabelConvention.isBound(method.getOutputType()), rule.role(), rule.ownNationOnly(), rule.requestLabelled(), destination));
      }
    }
    return new GuardedMethods(Map.copyOf(methods));
  }

  /** The method at an HTTP/2 path, or null when the gateway does not serve it. */
  public GuardedMethod at(String path) {
    return byPath.get(path);
  }

  public List<String> paths() {
    return List.copyOf(new TreeSet<>(byPath.keySet()));
  }
}
