package org.alliedexchange.cli.federation;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import tools.jackson.databind.json.JsonMapper;

/**
 * A service's Spring properties as the environment of its own process: each key in the form
 * Spring's relaxed binding reads ({@code allied.exchange.database.migration-username} = {@code
 * ALLIED_EXCHANGE_DATABASE_MIGRATIONUSERNAME}, {@code addresses[0]} = {@code ADDRESSES_0}). A key
 * whose form would lose something (a map key in capitals, such as the gateway's {@code
 * allied.gateway.nations.KOR.*}, which an environment variable would bind lower-cased) goes whole
 * into {@code SPRING_APPLICATION_JSON}, which Spring reads as properties, keys unchanged.
 */
final class ServiceEnvironment {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  // lower-case words, dots, dashes and list indexes: what an environment name carries faithfully
  private static final Pattern PLAIN = Pattern.compile("[a-z0-9.-]+(\\[[0-9]+])*(\\.[a-z0-9-]+)*");

  private ServiceEnvironment() {}

  static Map<String, String> of(Map<String, Object> properties) {
    Map<String, String> environment = new LinkedHashMap<>();
    Map<String, String> json = new TreeMap<>();
    new TreeMap<>(properties)
        .forEach(
            (key, value) -> {
              if (PLAIN.matcher(key).matches()) {
                environment.put(name(key), String.valueOf(value));
              } else {
                json.put(key, String.valueOf(value));
              }
            });
    if (!json.isEmpty()) {
      environment.put("SPRING_APPLICATION_JSON", JSON.writeValueAsString(json));
    }
    return environment;
  }

  /** The environment variable Spring binds to {@code key} (its canonical form). */
  static String name(String key) {
    return key.replace("-", "")
        .replace("]", "")
        .replace('[', '_')
        .replace('.', '_')
        .toUpperCase(java.util.Locale.ROOT);
  }
}
