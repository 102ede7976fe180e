package org.alliedexchange.gateway.config;

import org.alliedexchange.gateway.auditors.AuditorApi;
import org.alliedexchange.gateway.auditors.AuditorCalls;
import org.alliedexchange.gateway.auditors.AuditorTokens;
import org.alliedexchange.gateway.auditors.ConsoleLogin;
import org.alliedexchange.gateway.auditors.ConsoleSecurity;
import org.alliedexchange.gateway.auditors.ConsoleSessionTokens;
import org.alliedexchange.gateway.auditors.LoopbackTls;
import org.alliedexchange.gateway.auditors.RecordExport;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.ssl.SslBundles;
import org.springframework.boot.web.server.Ssl;
import org.springframework.boot.web.server.WebServerSslBundle;
import org.springframework.boot.web.server.autoconfigure.ServerProperties;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.config.web.server.ServerHttpSecurity;
import org.springframework.security.web.server.SecurityWebFilterChain;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * The auditors' HTTP/JSON API, which calls the auditors' gRPC API through this gateway's own guard
 * over loopback.
 */
@Configuration(proxyBeanMethods = false)
class AuditorsConfiguration {

  @Bean(destroyMethod = "close")
  AuditorCalls auditorCalls(
      ApplicationContext context, ServerProperties server, ObjectProvider<SslBundles> bundles) {
    Ssl ssl = server.getSsl();
    // read at start-up: a certificate the loopback client cannot use stops the gateway, not an
    // auditor's first call
    LoopbackTls tls =
        Ssl.isEnabled(ssl)
            ? LoopbackTls.of(WebServerSslBundle.get(ssl, bundles.getIfAvailable()))
            : null;
    // the port is known once the server listens, which is after the beans are made
    return new AuditorCalls(
        () -> ((WebServerApplicationContext) context).getWebServer().getPort(), tls);
  }

  @Bean
  RouterFunction<ServerResponse> auditorApi(
      AuditorCalls calls, ObjectProvider<ConsoleLogin> console) {
    ConsoleLogin login = console.getIfAvailable();
    AuditorTokens tokens =
        login != null ? new ConsoleSessionTokens(login) : AuditorTokens.bearerOnly();
    return new AuditorApi(calls, tokens, new RecordExport(calls, tokens)).routes();
  }

  /**
   * Without the console, the auditors' API takes bearer tokens, and Spring Security guards nothing
   * else.
   */
  @Bean
  @ConditionalOnProperty(
      name = "allied.gateway.console.enabled",
      havingValue = "false",
      matchIfMissing = true)
  SecurityWebFilterChain bearerOnlySecurity(ServerHttpSecurity http) {
    return ConsoleSecurity.bearerOnlyChain(http);
  }
}
