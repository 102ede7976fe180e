package org.alliedexchange.gateway.config;

import java.time.Clock;
import org.alliedexchange.gateway.auditors.AuditorCalls;
import org.alliedexchange.gateway.auditors.AuditorTokens;
import org.alliedexchange.gateway.auditors.ConsoleLogin;
import org.alliedexchange.gateway.auditors.ConsoleSessionTokens;
import org.alliedexchange.gateway.hotline.HotlineApi;
import org.alliedexchange.gateway.hotline.HotlineCalls;
import org.alliedexchange.policy.Federation;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * The hotline page and its JSON API, which call the HotlineService through this gateway's own guard
 * over the same loopback channel as the auditors' API.
 */
@Configuration(proxyBeanMethods = false)
class HotlineConfiguration {

  @Bean
  RouterFunction<ServerResponse> hotlineApi(
      AuditorCalls loopback, Federation federation, ObjectProvider<ConsoleLogin> console) {
    ConsoleLogin login = console.getIfAvailable();
    String hint =
        "log in to the hotline page at "
            + ConsoleLogin.HOTLINE_PATH
            + "/, or send a hotline member's token as `Authorization: Bearer <token>`";
    AuditorTokens tokens =
        login != null
            ? new ConsoleSessionTokens(login, hint)
            : exchange ->
                AuditorTokens.bearer(exchange)
                    .switchIfEmpty(
                        reactor.core.publisher.Mono.error(() -> new AuditorTokens.NoToken(hint)));
    return new HotlineApi(
            new HotlineCalls(loopback::loopback), tokens, federation, Clock.systemUTC())
        .routes();
  }
}
