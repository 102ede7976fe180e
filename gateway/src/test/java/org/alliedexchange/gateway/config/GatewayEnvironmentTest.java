package org.alliedexchange.gateway.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/** The gateway configured by environment variables alone, as a container or a pod gives it. */
class GatewayEnvironmentTest {

  static StandardEnvironment environment(Map<String, Object> variables) {
    StandardEnvironment environment = new StandardEnvironment();
    environment
        .getPropertySources()
        .replace(
            StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME,
            new SystemEnvironmentPropertySource(
                StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, variables));
    ConfigurationPropertySources.attach(environment);
    return environment;
  }

  @Test
  void everyKeyBindsFromItsEnvironmentFormNationsInUpperCase() {
    Map<String, Object> variables = new LinkedHashMap<>();
    variables.put(
        "ALLIED_GATEWAY_NATIONS_KOR_ADDRESSES",
        "https://exchange-kor:9090,https://exchange-kor-2:9090");
    variables.put("ALLIED_GATEWAY_NATIONS_KOR_BINDINGKEYS", "/etc/allied/keys/kor.pub.pem");
    variables.put("ALLIED_GATEWAY_NATIONS_JPN_ADDRESSES_0_", "https://exchange-jpn:9090");
    variables.put("ALLIED_GATEWAY_NATIONS_JPN_HOTLINEADDRESSES", "https://hotline-jpn:9090");
    variables.put("ALLIED_GATEWAY_NATIONS_JPN_BINDINGKEYS_0_", "/etc/allied/keys/jpn.pub.pem");
    variables.put("ALLIED_GATEWAY_AUTH_ISSUER", "http://keycloak:8080/realms/allied");
    variables.put("ALLIED_GATEWAY_AUDITREDIS", "redis://gateway:secret@redis:6379");
    variables.put("ALLIED_GATEWAY_BACKENDTLS_PRIVATEKEY", "/etc/allied/tls/gateway.key");
    variables.put("ALLIED_GATEWAY_AUDITSERVICE_ADDRESSES", "https://audit:9090");
    variables.put("ALLIED_GATEWAY_RATELIMIT_CALLSPERSECOND", "50");
    variables.put("ALLIED_GATEWAY_LIMITS_BACKENDSTREAMWINDOWBYTES", "262144");
    variables.put("MANAGEMENT_SERVER_PORT", "8081");
    variables.put("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318");
    StandardEnvironment environment = environment(variables);

    GatewayProperties properties =
        Binder.get(environment).bind("allied.gateway", GatewayProperties.class).get();

    assertThat(properties.nations()).containsOnlyKeys("KOR", "JPN");
    assertThat(properties.nations().get("KOR").addresses())
        .containsExactly(
            URI.create("https://exchange-kor:9090"), URI.create("https://exchange-kor-2:9090"));
    assertThat(properties.nations().get("KOR").bindingKeys())
        .containsExactly(Path.of("/etc/allied/keys/kor.pub.pem"));
    assertThat(properties.nations().get("JPN").addresses())
        .containsExactly(URI.create("https://exchange-jpn:9090"));
    assertThat(properties.nations().get("JPN").hotlineAddresses())
        .containsExactly(URI.create("https://hotline-jpn:9090"));
    assertThat(properties.nations().get("KOR").hotlineAddresses()).isEmpty();
    assertThat(properties.auth().issuer())
        .isEqualTo(URI.create("http://keycloak:8080/realms/allied"));
    assertThat(properties.auditRedis()).isEqualTo(URI.create("redis://gateway:secret@redis:6379"));
    assertThat(properties.backendTls().privateKey())
        .isEqualTo(Path.of("/etc/allied/tls/gateway.key"));
    assertThat(properties.auditService().addresses())
        .containsExactly(URI.create("https://audit:9090"));
    assertThat(properties.rateLimit().callsPerSecond()).isEqualTo(50);
    assertThat(properties.limits().backendStreamWindowBytes()).isEqualTo(262_144);
    assertThat(environment.getProperty("management.server.port")).isEqualTo("8081");
    assertThat(environment.getProperty("otel.exporter.otlp.endpoint"))
        .isEqualTo("http://collector:4318");
  }

  @Test
  void unsetABackendMaySendOneMebibyteOfAResponseAheadAsGrpcJavaDoes() {
    GatewayProperties.Limits limits =
        Binder.get(environment(Map.of()))
            .bindOrCreate("allied.gateway.limits", GatewayProperties.Limits.class);

    assertThat(limits.backendStreamWindowBytes()).isEqualTo(1 << 20);
    assertThat(limits.maxOpenStreamsPerSystem()).isEqualTo(32);
  }

  @Test
  void aNationConfiguredTwiceInDifferentCaseIsRefusedNamingTheKey() {
    GatewayProperties.Nation nation =
        new GatewayProperties.Nation(
            List.of(URI.create("http://a:1")), List.of(Path.of("k.pem")), null);
    Map<String, GatewayProperties.Nation> nations = new LinkedHashMap<>();
    nations.put("KOR", nation);
    nations.put("kor", nation);
    assertThatThrownBy(
            () ->
                new GatewayProperties(
                    nations,
                    null,
                    null,
                    "allied:audit",
                    null,
                    null,
                    null,
                    4096,
                    null,
                    null,
                    null,
                    null))
        .hasMessageStartingWith("allied.gateway.nations.kor: the nation is configured twice");
  }

  @Test
  void tracesAreExportedOnlyWhenAnEndpointIsConfigured() {
    assertThat(GatewayConfiguration.otlp(null)).isNull();
    assertThat(GatewayConfiguration.otlp(" ")).isNull();
    var exporter = GatewayConfiguration.otlp("http://127.0.0.1:4318");
    assertThat(exporter).isNotNull();
    exporter.shutdown();
    assertThatThrownBy(() -> GatewayConfiguration.otlp("collector:4318"))
        .hasMessageStartingWith("otel.exporter.otlp.endpoint: must be an http:// or https:// URL");
  }
}
