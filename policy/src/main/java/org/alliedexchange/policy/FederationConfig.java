package org.alliedexchange.policy;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads and validates the federation configuration: one YAML (or JSON) file of nations with their
 * marking schemes and agreements with their coverage and status history. Adding a nation or an
 * agreement is a change to that file, never to code. A configuration that is wrong anywhere is
 * refused whole, with a message naming the entry, e.g. {@code agreements[0] (KOR-JPN-GSOMIA):
 * covers.JPN: ...}.
 */
public final class FederationConfig {

  /**
   * The configuration of the local federation and the tests: KOR, JPN, USA and their three
   * agreements.
   */
  public static final String DEFAULT_RESOURCE =
      "/org/alliedexchange/policy/default-federation.yaml";

  static final YAMLMapper YAML = new YAMLMapper();

  private FederationConfig() {}

  /** The default configuration shipped in this jar. */
  public static Federation loadDefault() {
    try (InputStream in = FederationConfig.class.getResourceAsStream(DEFAULT_RESOURCE)) {
      if (in == null) {
        throw new PolicyConfigException(
            "the default federation configuration " + DEFAULT_RESOURCE + " is missing");
      }
      return parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), DEFAULT_RESOURCE);
    } catch (IOException e) {
      throw new PolicyConfigException("cannot read " + DEFAULT_RESOURCE + ": " + e.getMessage(), e);
    }
  }

  /** Reads a configuration file (YAML or JSON). */
  public static Federation load(Path file) {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new PolicyConfigException(
          "cannot read federation configuration " + file + ": " + e.getMessage(), e);
    }
    return parse(text, file.toString());
  }

  /**
   * The federation a service of {@code nation} serves in: the configuration at {@code file}, or the
   * default one when null. A nation the federation does not hold stops the service, naming the
   * setting {@code nationKey} and the nations there are.
   */
  public static Federation forService(Path file, String nation, String nationKey) {
    Federation federation = file == null ? loadDefault() : load(file);
    if (federation.nation(nation) == null) {
      throw new IllegalStateException(
          nationKey
              + ": "
              + nation
              + " is not a nation of the federation configuration "
              + federation.nations().stream().map(NationalScheme::code).toList());
    }
    return federation;
  }

  /** Parses a configuration; {@code source} names it in error messages. */
  public static Federation parse(String text, String source) {
    JsonNode root;
    try {
      root = YAML.readTree(text);
    } catch (JacksonException e) {
      throw new PolicyConfigException(
          source + ": not valid YAML or JSON: " + e.getOriginalMessage(), e);
    }
    if (root == null || !root.isObject()) {
      throw new PolicyConfigException(
          source + ": expected a mapping with `nations` and `agreements`");
    }
    try {
      return new FederationConfigReader(root).read();
    } catch (PolicyConfigException e) {
      throw new PolicyConfigException(source + ": " + e.getMessage(), e);
    }
  }
}
