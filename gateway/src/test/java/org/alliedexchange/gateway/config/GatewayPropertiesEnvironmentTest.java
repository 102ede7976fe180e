package org.alliedexchange.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/** The gateway configured by environment variables alone, as a container or a pod runs it. */
class GatewayPropertiesEnvironmentTest {

  @Test
  void nationsNamedInEnvironmentVariablesKeepTheirUpperCaseCodes() {
    Map<String, Object> env = new LinkedHashMap<>();
    env.put("ALLIED_GATEWAY_NATIONS_KOR_ADDRESSES_0_", "https://exchange-kor:9090");
    env.put("ALLIED_GATEWAY_NATIONS_KOR_BINDINGKEYS_0_", "/etc/allied/binding-keys/KOR.pem");
    env.put("ALLIED_GATEWAY_AUTH_ISSUER", "http://keycloak:8080/realms/allied");
    env.put("ALLIED_GATEWAY_AUDITREDIS", "redis://gateway:secret@redis:6379");
    StandardEnvironment environment = new StandardEnvironment();
    // the process's own environment replaced by these variables, bound as Spring binds one
    environment
        .getPropertySources()
        .replace(
            StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
            new SystemEnvironmentPropertySource(
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, env));
    ConfigurationPropertySources.attach(environment);

    GatewayProperties properties =
        Binder.get(environment).bind("allied.gateway", GatewayProperties.class).get();

    assertThat(properties.nations()).containsOnlyKeys("KOR");
    assertThat(properties.nations().get("KOR").addresses())
        .containsExactly(URI.create("https://exchange-kor:9090"));
    assertThat(properties.nations().get("KOR").bindingKeys())
        .containsExactly(Path.of("/etc/allied/binding-keys/KOR.pem"));
  }
}
