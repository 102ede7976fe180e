package org.alliedexchange.gateway.config;

import io.netty.handler.ssl.SslContext;
import java.net.URI;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.alliedexchange.gateway.access.GuardedMethods;
import org.alliedexchange.gateway.routing.BackendClientTls;
import org.alliedexchange.gateway.routing.BackendConnectionWindow;
import org.alliedexchange.gateway.routing.BackendEventLoops;
import org.alliedexchange.gateway.routing.BackendHeaders;
import org.alliedexchange.gateway.routing.NationRouter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.cloud.gateway.config.HttpClientCustomizer;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.route.builder.RouteLocatorBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import reactor.netty.http.HttpProtocol;

/**
 * Where calls go: the routes, each nation's exchange service replicas and the audit service's, and
 * the HTTP/2 client that reaches them.
 */
@Configuration(proxyBeanMethods = false)
class RoutingConfiguration {

  private static final Logger LOG = LoggerFactory.getLogger(RoutingConfiguration.class);

  /**
   * The placeholder every exchange route starts with; {@link NationRouter} replaces it per call.
   */
  static final String NATION_ROUTED = "http://nation-routed.invalid";

  @Bean
  NationRouter nationRouter(GatewayProperties properties) {
    Map<String, List<URI>> addresses = new HashMap<>();
    Map<String, List<URI>> hotline = new HashMap<>();
    properties
        .nations()
        .forEach(
            (nation, config) -> {
              checkAddresses("allied.gateway.nations." + nation + ".addresses", config.addresses());
              checkAddresses(
                  "allied.gateway.nations." + nation + ".hotline-addresses",
                  config.hotlineAddresses());
              addresses.put(nation, config.addresses());
              hotline.put(nation, config.hotlineAddresses());
            });
    checkAddresses("allied.gateway.audit-service.addresses", properties.auditService().addresses());
    return new NationRouter(addresses, hotline, properties.auditService().addresses());
  }

  private static void checkAddresses(String key, List<URI> addresses) {
    for (URI address : addresses) {
      if (!("http".equals(address.getScheme()) || "https".equals(address.getScheme()))
          || address.getHost() == null
          || address.getPort() < 0) {
        throw new IllegalArgumentException(
            key + ": " + address + " is not http://host:port (h2c) or https://host:port");
      }
    }
  }

  /** The headers sent to backends, in one pass ({@link BackendHeaders}). */
  @Bean
  BackendHeaders backendRequestHeaders() {
    return BackendHeaders.forRequests();
  }

  /** The hop-by-hop headers of an unguarded route's response (the console's page) removed. */
  @Bean
  BackendHeaders backendResponseHeaders() {
    return BackendHeaders.forResponses();
  }

  /**
   * Spring Cloud Gateway's default request header filters, each copying every header once more,
   * replaced by {@link BackendHeaders}.
   */
  @Bean
  static org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor
      withoutReplacedHeaderFilters() {
    return new org.springframework.beans.factory.support.BeanDefinitionRegistryPostProcessor() {
      @Override
      public void postProcessBeanDefinitionRegistry(
          org.springframework.beans.factory.support.BeanDefinitionRegistry registry) {
        for (String name : BackendHeaders.REPLACED_DEFAULT_FILTERS) {
          if (registry.containsBeanDefinition(name)) {
            registry.removeBeanDefinition(name);
          }
        }
      }

      @Override
      public void postProcessBeanFactory(
          org.springframework.beans.factory.config.ConfigurableListableBeanFactory factory) {}
    };
  }

  @Bean
  RouteLocator exchangeRoutes(RouteLocatorBuilder routes) {
    return routes
        .routes()
        .route(
            "exchange",
            r -> r.path("/" + GuardedMethods.EXCHANGE_SERVICE + "/*").uri(NATION_ROUTED))
        .route("audit", r -> r.path("/" + GuardedMethods.AUDIT_SERVICE + "/*").uri(NATION_ROUTED))
        .route(
            "hotline", r -> r.path("/" + GuardedMethods.HOTLINE_SERVICE + "/*").uri(NATION_ROUTED))
        .route(
            "hotline-relay",
            r -> r.path("/" + GuardedMethods.HOTLINE_RELAY + "/*").uri(NATION_ROUTED))
        .build();
  }

  /**
   * Event loops of their own for the connections to exchange services, not colocated with the loop
   * that accepted the caller's connection: otherwise one national system's connection and its
   * backend connection share one thread, and a guarded call's work cannot spread over the cores.
   * One per core, each connection on the next ({@link BackendEventLoops}).
   */
  @Bean(destroyMethod = "shutdownGracefully")
  BackendEventLoops backendLoops() {
    return new BackendEventLoops(Math.max(2, Runtime.getRuntime().availableProcessors()));
  }

  /**
   * Exchange services speak gRPC: HTTP/2 over mutual TLS when their addresses are https (the
   * gateway's client certificate from {@code allied.gateway.backend-tls.*}), or HTTP/2 with prior
   * knowledge (h2c) over plaintext, only to backends explicitly set to plaintext (one or the other
   * for all backends and the console page: the client protocol is global). Connections are pooled
   * and kept, so a TLS handshake is paid per connection, not per call. Each connection's receive
   * window is widened ({@link BackendConnectionWindow}), so a caller that stops reading holds up
   * only its own stream; each stream's is {@code limits.backend-stream-window-bytes} (64 KiB,
   * Netty's default, held a long stream to about 42,000 messages/s while its stretches waited on
   * the audit stream; 1 MiB, gRPC Java's, gave about 51,000 in the same sitting).
   */
  @Bean
  HttpClientCustomizer exchangeProtocol(
      GatewayProperties properties, BackendEventLoops backendLoops, Environment environment) {
    String insecure =
        "spring.cloud.gateway.server.webflux.httpclient.ssl.use-insecure-trust-manager";
    if (environment.getProperty(insecure, Boolean.class, false)) {
      throw new IllegalArgumentException(
          insecure
              + " would accept any certificate from anyone posing as an exchange service; name the"
              + " authority of the backends' certificates in allied.gateway.backend-tls.authority");
    }
    List<URI> backends = new ArrayList<>(properties.auditService().addresses());
    properties
        .nations()
        .values()
        .forEach(
            n -> {
              backends.addAll(n.addresses());
              backends.addAll(n.hotlineAddresses());
            });
    long tls = backends.stream().filter(a -> "https".equals(a.getScheme())).count();
    long all = backends.size();
    if (tls != 0 && tls != all) {
      throw new IllegalArgumentException(
          "allied.gateway.nations.*.addresses and allied.gateway.audit-service.addresses: all http"
              + " (h2c) or all https (TLS), not a mix");
    }
    URI console = properties.auditService().consoleUrl();
    if (console != null && "https".equals(console.getScheme()) != (tls != 0 || all == 0)) {
      throw new IllegalArgumentException(
          "allied.gateway.audit-service.console-url: "
              + console
              + " must be "
              + (tls != 0 ? "https" : "http")
              + " like the backends' addresses (one client reaches them all)");
    }
    boolean secure = tls != 0 || (console != null && "https".equals(console.getScheme()));
    int streamWindow = properties.limits().backendStreamWindowBytes();
    if (!secure) {
      LOG.warn(
          "the backends' addresses are http: calls to them are plaintext (h2c), without the"
              + " gateway's client certificate; only for backends behind a service mesh doing"
              + " mutual TLS");
      return client ->
          client
              .protocol(HttpProtocol.H2C)
              .http2Settings(http2 -> http2.initialWindowSize(streamWindow))
              .runOn(backendLoops)
              .resolver(FRESH_NAMES)
              .doOnConnected(BackendConnectionWindow::widen);
    }
    GatewayProperties.BackendTls settings = properties.backendTls();
    SslContext context =
        BackendClientTls.open(settings.certificate(), settings.privateKey(), settings.authority());
    return client ->
        client
            .protocol(HttpProtocol.H2)
            .http2Settings(http2 -> http2.initialWindowSize(streamWindow))
            .secure(spec -> spec.sslContext(context))
            .runOn(backendLoops)
            .resolver(FRESH_NAMES)
            .doOnConnected(BackendConnectionWindow::widen);
  }

  /**
   * A backend restarted at a new address (a container or pod) is found again within seconds: its
   * name's address is kept 5 s at most, and a failed lookup not at all.
   */
  private static final java.util.function.Consumer<
          reactor.netty.transport.NameResolverProvider.NameResolverSpec>
      FRESH_NAMES =
          spec ->
              spec.cacheMaxTimeToLive(java.time.Duration.ofSeconds(5))
                  .cacheNegativeTimeToLive(java.time.Duration.ZERO);
}
