package org.alliedexchange.gateway.config;

import java.time.Clock;
import org.alliedexchange.accesstoken.TokenValidator;
import org.alliedexchange.federationstate.AgreementBoard;
import org.alliedexchange.gateway.agreements.AgreementAdminApi;
import org.alliedexchange.policy.Federation;
import org.alliedexchange.policy.FederationConfig;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.ServerResponse;

/**
 * The federation the gateway decides by, its agreements' current statuses (shared in Redis), and
 * the admin API that changes them.
 */
@Configuration(proxyBeanMethods = false)
class AgreementsConfiguration {

  @Bean
  Federation federation(GatewayProperties properties) {
    Federation federation =
        properties.policyConfig() == null
            ? FederationConfig.loadDefault()
            : FederationConfig.load(properties.policyConfig());
    for (String nation : properties.nations().keySet()) {
      if (federation.nation(nation) == null) {
        throw new IllegalArgumentException(
            "allied.gateway.nations."
                + nation
                + ": not a nation of the federation configuration; known: "
                + federation.nations().stream().map(n -> n.code()).toList());
      }
    }
    return federation;
  }

  @Bean(destroyMethod = "close")
  AgreementBoard agreementBoard(Federation federation, GatewayProperties properties) {
    return new AgreementBoard(
        federation,
        GatewayConfiguration.redis(properties),
        properties.auditStream(),
        Clock.systemUTC());
  }

  @Bean
  RouterFunction<ServerResponse> agreementAdmin(
      AgreementBoard board,
      TokenValidator tokens,
      org.alliedexchange.gateway.access.IdentityRevocations revocations) {
    return new AgreementAdminApi(board, tokens, revocations).routes();
  }
}
