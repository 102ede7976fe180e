package org.alliedexchange.gateway.access;

import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.alliedexchange.api.GatewayLabelConvention;
import org.alliedexchange.api.access.AccessTable;
import org.alliedexchange.api.access.MethodAccess;

/**
 * The RPCs the gateway routes, read from the API's descriptors: every method of a guarded service
 * that the gateway routes, each with its access rule from the API's {@link AccessTable}. A guarded
 * method without a rule stops the gateway at start-up, so a new RPC cannot go out unguarded because
 * nobody wrote its rule.
 */
public final class GuardedMethods {

  /** The exchange API, routed to the nation the caller names. */
  public static final String EXCHANGE_SERVICE = AccessTable.EXCHANGE.service();

  /** The auditors' API, routed to the audit service. */
  public static final String AUDIT_SERVICE = AccessTable.AUDIT.service();

  /** The hotline members' API, routed to the hotline node of the nation the caller names. */
  public static final String HOTLINE_SERVICE = AccessTable.HOTLINE.service();

  /** The hotline nodes' relay, routed to the hotline node of the nation the caller names. */
  public static final String HOTLINE_RELAY = AccessTable.HOTLINE_RELAY.service();

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
      GuardedMethod.Destination destination;
      if (service.getFullName().equals(EXCHANGE_SERVICE)) {
        destination = GuardedMethod.Destination.NATION;
      } else if (service.getFullName().equals(AUDIT_SERVICE)) {
        destination = GuardedMethod.Destination.AUDIT_SERVICE;
      } else if (service.getFullName().equals(HOTLINE_SERVICE)
          || service.getFullName().equals(HOTLINE_RELAY)) {
        destination = GuardedMethod.Destination.HOTLINE;
      } else {
        continue;
      }
      AccessTable rules = AccessTable.forService(service.getFullName());
      for (MethodDescriptor method : service.getMethods()) {
        // throws for a method without a rule: the gateway does not start
        MethodAccess rule = rules.method(method.getName());
        if (method.isClientStreaming()) {
          throw new IllegalStateException(
              method.getFullName() + " streams requests, which the guard does not check");
        }
        String path = "/" + service.getFullName() + "/" + method.getName();
        methods.put(
            path,
            new GuardedMethod(
                path,
                service.getFullName(),
                method.getName(),
                method.isServerStreaming(),
                GatewayLabelConvention.isBound(method.getOutputType()),
                rule.role(),
                rule.ownNationOnly(),
                rule.requestLabelled(),
                destination,
                GatewayLabelConvention.declaredFields(method.getOutputType())));
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
