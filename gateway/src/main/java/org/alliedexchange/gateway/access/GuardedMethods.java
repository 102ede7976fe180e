package org.alliedexchange.gateway.access;

import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.Descriptors.MethodDescriptor;
import com.google.protobuf.Descriptors.ServiceDescriptor;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.alliedexchange.api.GatewayLabelConvention;
import org.alliedexchange.token.Caller;

/**
 * The RPCs the gateway routes, read from the API's descriptors: every method of a guarded service that
 * the gateway routes, each with an access rule. A guarded method without a rule stops the gateway at
 * start-up, so a new RPC cannot go out unguarded because nobody wrote its rule.
 */
public final class GuardedMethods {

  /** The exchange API, routed to the nation the caller names. */
  public static final String EXCHANGE_SERVICE = "allied.exchange.v1.ExchangeService";

  private record Rule(String role, boolean ownNationOnly, boolean requestLabelled) {}

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
      if (!service.getFullName().equals(EXCHANGE_SERVICE)) {
        continue;
      }
      for (MethodDescriptor method : service.getMethods()) {
        Rule rule = EXCHANGE_RULES.get(method.getName());
        if (rule == null) {
          throw new IllegalStateException("the guarded method " + service.getFullName() + "/" + method.getName()
              + " has no access rule in " + GuardedMethods.class.getSimpleName() + ": write one before it can be served");
        }
        if (method.isClientStreaming()) {
          throw new IllegalStateException(method.getFullName() + " streams requests, which the guard does not check");
        }
        String path = "/" + service.getFullName() + "/" + method.getName();
        methods.put(path, new GuardedMethod(path, service.getFullName(), method.getName(), method.isServerStreaming(),
            GatewayLabelConvention.isBound(method.getOutputType()), rule.role(), rule.ownNationOnly(), rule.requestLabelled()));
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
