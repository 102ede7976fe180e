package org.alliedexchange.gateway.config;

import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.propagation.ContextPropagators;
import io.opentelemetry.sdk.OpenTelemetrySdk;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanProcessor;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.alliedexchange.accesstoken.TokenSettings;
import org.alliedexchange.auditstream.AuditBatchWriter;
import org.alliedexchange.gateway.access.CallAccessFilter;
import org.alliedexchange.gateway.access.GuardedMethods;
import org.alliedexchange.gateway.agreements.AgreementAdminApi;
import org.alliedexchange.federationstate.AgreementBoard;
import org.alliedexchange.gateway.guard.GuardTrailers;
import org.alliedexchange.gateway.guard.MessageGuard;
import org.alliedexchange.gateway.guard.ReleaseGuardFilter;
import org.alliedexchange.gateway.guard.ResponseGuard;
import org.alliedexchange.gateway.ratelimit.RateLimiter;
import org.alliedexchange.gateway.routing.NationRouter;
import org.alliedexchange.label.BindingVerifier;
import org.alliedexchange.label.NationalKey;
import org.alliedexchange.policy.Federation;
import org.alliedexchange.policy.FederationConfig;
import org.alliedexchange.accesstoken.TokenValidator;
import org.alliedexchange.gateway.auditors.AuditorApi;
import org.alliedexchange.gateway.auditors.AuditorCalls;
import org.alliedexchange.gateway.auditors.AuditorTokens;
import org.alliedexchange.gateway.auditors.ConsoleLogin;
import org.alliedexchange.gateway.auditors.LoopbackTls;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.oauth2.client.ReactiveOAuth2AuthorizedClientManager;
import org.springframework.security.oauth2.client.registration.ReactiveClientRegistrationRepository;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.cloud.gateway.config.HttpClientCustomizer;
import org.springframework.cloud.gateway.route.RouteLocator;
import org.springframework.cloud.gateway.route.builder.RouteLocatorBuilder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.netty.http.HttpProtocol;
import reactor.netty.resources.LoopResources;

/** The gateway's parts, built from {@link GatewayProperties} and checked before the port opens. */
@Configuration(proxyBeanMethods = false)
@EnableConfigurationProperties(GatewayProperties.class)
public class GatewayConfiguration {

  /** The placeholder every exchange route starts with; {@link NationRouter} replaces it per call. */
  static final String NATION_ROUTED = "http://nation-routed.invalid";

  @Bean
  Federation federation(GatewayProperties properties) {
    Federation federation = properties.policyConfig() == null ? FederationConfig.loadDefault() : FederationConfig.load(properties.policyConfig());
    for (String nation : properties.nations().keySet()) {
      if (federation.nation(nation) == null) {
        throw new IllegalArgumentException("allied.gateway.nations." + nation + ": not a nation of the federation configuration; known: "
            + federation.nations().stream().map(n -> n.code()).toList());
      }
    }
    return federation;
  }

  @Bean
  TokenValidator tokenValidator(GatewayProperties properties) {
    TokenSettings auth = properties.auth();
    return new TokenValidator(auth.issuer(), auth.jwks(), auth.audience(), auth.clockSkew());
  }

  @Bean(destroyMethod = "close")
  AgreementBoard agreementBoard(Federation federation, GatewayProperties properties) {
    return new AgreementBoard(federation, redis(properties), properties.auditStream(), Clock.systemUTC());
  }

  @Bean(destroyMethod = "close")
  AuditBatchWriter auditBatchWriter(GatewayProperties properties) {
    return AuditBatchWriter.connect(redis(properties), properties.auditStream(), properties.audit().timeout(),
        properties.audit().maxBatch(), 100_000);
  }

  @Bean(destroyMethod = "close")
  RateLimiter rateLimiter(GatewayProperties properties) {
    return new RateLimiter(redis(properties), properties.rateLimit().redisTimeout(), properties.rateLimit()::limitFor, Clock.systemUTC());
  }

  /** Each nation's verifier trusts only that nation's keys, so no nation can sign for another. */
  @Bean
  Map<String, BindingVerifier> bindingVerifiers(GatewayProperties properties) {
    Map<String, BindingVerifier> verifiers = new HashMap<>();
    properties.nations().forEach((nation, config) -> {
      Map<String, PublicKey> keys = new LinkedHashMap<>();
      for (int i = 0; i < config.bindingKeys().size(); i++) {
        Path file = config.bindingKeys().get(i);
        String key = "allied.gateway.nations." + nation + ".binding-keys[" + i + "]";
        try {
          PublicKey publicKey = NationalKey.publicKey(Files.readString(file));
          keys.put(NationalKey.keyId(publicKey), publicKey);
        } catch (IOException e) {
          throw new IllegalArgumentException(key + ": cannot read " + file + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(key + ": " + file + " holds no EC public key: " + e.getMessage(), e);
        }
      }
      verifiers.put(nation, new BindingVerifier(keys, 100_000));
    });
    return verifiers;
  }

  @Bean
  MessageGuard messageGuard(AgreementBoard board, Map<String, BindingVerifier> bindingVerifiers) {
    return new MessageGuard(board::engine, bindingVerifiers);
  }

  @Bean
  ResponseGuard responseGuard(MessageGuard guard, AuditBatchWriter audit, AgreementBoard board, GatewayProperties properties) {
    return new ResponseGuard(guard, audit, board::problem, properties.maxMessageBytes());
  }

  @Bean
  GuardedMethods guardedMethods() {
    return GuardedMethods.fromApi();
  }

  @Bean(destroyMethod = "close")
  OpenTelemetrySdk openTelemetry(ObjectProvider<SpanProcessor> processors) {
    var tracer = SdkTracerProvider.builder()
        .setResource(Resource.getDefault().merge(Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), "gateway"))));
    processors.orderedStream().forEach(tracer::addSpanProcessor);
    return OpenTelemetrySdk.builder()
        .setTracerProvider(tracer.build())
        .setPropagators(ContextPropagators.create(W3CTraceContextPropagator.getInstance()))
        .build();
  }

  @Bean
  CallAccessFilter callAccessFilter(GuardedMethods methods, GatewayProperties properties, TokenValidator tokens, RateLimiter rateLimiter,
      OpenTelemetrySdk telemetry) {
    return new CallAccessFilter(methods, properties.nations().keySet(), properties.auditService().configured(), tokens, rateLimiter, telemetry);
  }

  @Bean
  NationRouter nationRouter(GatewayProperties properties) {
    Map<String, List<URI>> addresses = new HashMap<>();
    properties.nations().forEach((nation, config) -> {
      checkAddresses("allied.gateway.nations." + nation + ".addresses", config.addresses());
      addresses.put(nation, config.addresses());
    });
    checkAddresses("allied.gateway.audit-service.addresses", properties.auditService().addresses());
    return new NationRouter(addresses, properties.auditService().addresses());
  }

  private static void checkAddresses(String key, List<URI> addresses) {
    for (URI address : addresses) {
      if (!("http".equals(address.getScheme()) || "https".equals(address.getScheme())) || address.getHost() == null || address.getPort() < 0) {
        throw new IllegalArgumentException(key + ": " + address + " is not http://host:port (h2c) or https://host:port");
      }
    }
  }

  @Bean
  ReleaseGuardFilter releaseGuardFilter(ResponseGuard guard, OpenTelemetrySdk telemetry, GatewayProperties properties) {
    return new ReleaseGuardFilter(guard, telemetry, properties.maxMessageBytes());
  }

  @Bean
  GuardTrailers guardTrailers() {
    return new GuardTrailers();
  }

  @Bean
  RouteLocator exchangeRoutes(RouteLocatorBuilder routes) {
    return routes.routes()
        .route("exchange", r -> r.path("/" + GuardedMethods.EXCHANGE_SERVICE + "/*").uri(NATION_ROUTED))
        .route("audit", r -> r.path("/" + GuardedMethods.AUDIT_SERVICE + "/*").uri(NATION_ROUTED))
        .build();
  }

  /**
   * Exchange services speak gRPC: HTTP/2 with prior knowledge (h2c) over plaintext, or HTTP/2 over TLS
   * when their addresses are https (one or the other for all nations: the client protocol is global).
   */
  /**
   * Event loops of their own for the connections to exchange services, not colocated with the loop that
   * accepted the caller's connection: otherwise one national system's connection and its backend
   * connection share one thread, and a guarded call's work cannot spread over the cores.
   */
  @Bean(destroyMethod = "dispose")
  LoopResources backendLoops() {
    return LoopResources.create("allied-backend", 1, Runtime.getRuntime().availableProcessors(), true, false);
  }

  @Bean
  HttpClientCustomizer exchangeProtocol(GatewayProperties properties, LoopResources backendLoops, Environment environment) {
    String insecure = "spring.cloud.gateway.server.webflux.httpclient.ssl.use-insecure-trust-manager";
    if (environment.getProperty(insecure, Boolean.class, false)) {
      throw new IllegalArgumentException(insecure + " would accept any certificate from anyone posing as an exchange service;"
          + " name the exchange services' certificates in spring.cloud.gateway.server.webflux.httpclient.ssl.trusted-x509-certificates");
    }
    List<URI> backends = new java.util.ArrayList<>(properties.auditService().addresses());
    properties.nations().values().forEach(n -> backends.addAll(n.addresses()));
    long tls = backends.stream().filter(a -> "https".equals(a.getScheme())).count();
    long all = backends.size();
    if (tls != 0 && tls != all) {
      throw new IllegalArgumentException("allied.gateway.nations.*.addresses and allied.gateway.audit-service.addresses: all http (h2c)"
          + " or all https (TLS), not a mix");
    }
    HttpProtocol protocol = tls == 0 ? HttpProtocol.H2C : HttpProtocol.H2;
    return client -> client.protocol(protocol).runOn(backendLoops);
  }

  @Bean
  RouterFunction<ServerResponse> agreementAdmin(AgreementBoard board, TokenValidator tokens) {
    return new AgreementAdminApi(board, tokens).routes();
  }

  @Bean(destroyMethod = "close")
  AuditorCalls auditorCalls(org.springframework.context.ApplicationContext context,
      org.springframework.boot.web.server.autoconfigure.ServerProperties server, ObjectProvider<org.springframework.boot.ssl.SslBundles> bundles) {
    org.springframework.boot.web.server.Ssl ssl = server.getSsl();
    // read at start-up: a certificate the loopback client cannot use stops the gateway, not an auditor's first call
    LoopbackTls tls = org.springframework.boot.web.server.Ssl.isEnabled(ssl)
        ? LoopbackTls.of(org.springframework.boot.web.server.WebServerSslBundle.get(ssl, bundles.getIfAvailable()))
        : null;
    // the port is known once the server listens, which is after the beans are made
    return new AuditorCalls(() -> ((org.springframework.boot.web.server.context.WebServerApplicationContext) context).getWebServer().getPort(), tls);
  }

  @Bean
  RouterFunction<ServerResponse> auditorApi(AuditorCalls calls, ObjectProvider<ConsoleLogin> console) {
    ConsoleLogin login = console.getIfAvailable();
    return new AuditorApi(calls, login != null ? login : AuditorTokens.bearerOnly()).routes();
  }

  /** Without the console, the auditors' API takes bearer tokens, and Spring Security guards nothing else. */
  @Bean
  @ConditionalOnProperty(name = "allied.gateway.console.enabled", havingValue = "false", matchIfMissing = true)
  SecurityWebFilterChain bearerOnlySecurity(ServerHttpSecurity http) {
    return ConsoleLogin.bearerOnlyChain(http);
  }

  /** The auditor console: Keycloak login with PKCE at the gateway, the page from the audit service with the token relayed. */
  @Configuration(proxyBeanMethods = false)
  @ConditionalOnProperty(name = "allied.gateway.console.enabled", havingValue = "true")
  static class Console {

    @Bean
    ConsoleLogin consoleLogin(GatewayProperties properties) {
      if (properties.auditService().consoleUrl() == null) {
        throw new IllegalArgumentException("allied.gateway.console.enabled needs allied.gateway.audit-service.console-url:"
            + " where the audit service serves the console's page");
      }
      return new ConsoleLogin(properties.auth().issuer(), properties.auth().jwks(), properties.console().clientId(),
          properties.console().keycloakTimeout());
    }

    @Bean
    ReactiveClientRegistrationRepository clientRegistrations(ConsoleLogin login) {
      return login.registrations();
    }

    @Bean
    ReactiveOAuth2AuthorizedClientManager authorizedClientManager(ConsoleLogin login) {
      return login.authorizedClientManager();
    }

    @Bean
    SecurityWebFilterChain consoleSecurity(ServerHttpSecurity http, ConsoleLogin login) {
      return login.chain(http);
    }

    @Bean
    RouteLocator consoleRoute(RouteLocatorBuilder routes, GatewayProperties properties) {
      return routes.routes()
          .route("console", r -> r.path(ConsoleLogin.CONSOLE_PATH, ConsoleLogin.CONSOLE_PATH + "/**")
              .filters(f -> f.tokenRelay(ConsoleLogin.REGISTRATION))
              // static files: a page that does not come within seconds is an error (504), not a browser left waiting
              .metadata(org.springframework.cloud.gateway.support.RouteMetadataUtils.RESPONSE_TIMEOUT_ATTR, 15_000)
              .metadata(org.springframework.cloud.gateway.support.RouteMetadataUtils.CONNECT_TIMEOUT_ATTR, 2_000)
              .uri(properties.auditService().consoleUrl()))
          .build();
    }
  }

  private static URI redis(GatewayProperties properties) {
    URI url = properties.auditRedis();
    if (!"redis".equals(url.getScheme()) || url.getHost() == null) {
      throw new IllegalArgumentException("allied.gateway.audit-redis: " + url + " is not redis://host:port");
    }
    return url;
  }
}
