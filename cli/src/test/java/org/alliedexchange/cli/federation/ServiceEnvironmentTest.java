package org.alliedexchange.cli.federation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

/** A service process is configured by environment variables Spring binds back to the same keys. */
class ServiceEnvironmentTest {

  @Test
  void plainKeysTakeTheirRelaxedBindingNames() {
    Map<String, Object> properties = new LinkedHashMap<>();
    properties.put("allied.exchange.nation", "KOR");
    properties.put("allied.exchange.database.migration-username", "allied_owner");
    properties.put("allied.gateway.audit-service.addresses[0]", "https://127.0.0.1:1");
    properties.put("server.port", 8443);

    assertThat(ServiceEnvironment.of(properties))
        .containsExactlyInAnyOrderEntriesOf(
            Map.of(
                "ALLIED_EXCHANGE_NATION", "KOR",
                "ALLIED_EXCHANGE_DATABASE_MIGRATIONUSERNAME", "allied_owner",
                "ALLIED_GATEWAY_AUDITSERVICE_ADDRESSES_0", "https://127.0.0.1:1",
                "SERVER_PORT", "8443"));
  }

  @Test
  void aMapKeyInCapitalsKeepsItsCaseInSpringApplicationJson() {
    Map<String, Object> properties = new LinkedHashMap<>();
    properties.put("allied.gateway.nations.KOR.addresses[0]", "https://127.0.0.1:2");
    properties.put("server.port", "8443");

    Map<String, String> environment = ServiceEnvironment.of(properties);

    assertThat(environment).containsEntry("SERVER_PORT", "8443").hasSize(2);
    assertThat(
            JsonMapper.builder()
                .build()
                .readTree(environment.get("SPRING_APPLICATION_JSON"))
                .path("allied.gateway.nations.KOR.addresses[0]")
                .asString())
        .isEqualTo("https://127.0.0.1:2");
  }
}
