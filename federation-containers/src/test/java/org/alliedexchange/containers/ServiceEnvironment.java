package org.alliedexchange.containers;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.alliedexchange.devservers.LocalRedis;

/**
 * Every container's environment and mounted files, in one place, as the manifests in {@code k8s/}
 * give them (same variable names, same paths), so the two can be checked against each other. The
 * services read their Spring properties in environment form ({@code allied.exchange.nation} is
 * {@code ALLIED_EXCHANGE_NATION}); files are mounted read-only under {@code /etc/allied/}, state is
 * written under {@code /var/lib/allied/}.
 */
final class ServiceEnvironment {

  /** Where each service's files are mounted: certificate, key, the CA, signing keys. */
  static final String CONFIG = "/etc/allied";

  /** The writable state of a service (a volume). */
  static final String STATE = "/var/lib/allied";

  static final int GATEWAY_PORT = 8443;
  static final int GRPC_PORT = 9090;
  static final int CONSOLE_PAGE_PORT = 9091;
  static final int MANAGEMENT_PORT = 8081;
  static final int KEYCLOAK_PORT = 8080;
  static final int REDIS_PORT = 6379;
  static final int POSTGRES_PORT = 5432;

  static final String REDIS = "redis";
  static final String KEYCLOAK = "keycloak";
  static final String AUDIT = "audit-service";
  static final String GATEWAY = "gateway";

  /**
   * The one PostgreSQL server of the three hotline nodes, a database and two roles per node, as
   * k8s's in-cluster store makes them (its create-databases.sh, mounted unchanged).
   */
  static final String POSTGRES_HOTLINE = "postgres-hotline";

  private ServiceEnvironment() {}

  /** A nation's exchange service's host name on the network, e.g. exchange-kor. */
  static String exchange(String nation) {
    return "exchange-" + nation.toLowerCase();
  }

  /** A nation's hotline node's host name on the network, e.g. hotline-kor. */
  static String hotline(String nation) {
    return "hotline-" + nation.toLowerCase();
  }

  /** A nation's hotline node's database on {@link #POSTGRES_HOTLINE}, e.g. hotline_kor. */
  static String hotlineDatabase(String nation) {
    return "hotline_" + nation.toLowerCase();
  }

  /** The PostgreSQL of {@code service} (exchange-kor, audit-service). */
  static String postgres(String service) {
    return "postgres-" + service;
  }

  /**
   * What every service shares: tokens of the realm (the issuer they name; the keys and the token
   * endpoint inside the network).
   */
  record Realm(String issuer, String jwksUri, String tokenUri) {}

  /**
   * A service's logins to its PostgreSQL: the role it works as, and the owner its migrations run
   * as.
   */
  record Database(String servicePassword, String ownerPassword, String superuserPassword) {}

  static Map<String, String> exchangeService(
      String nation, Realm realm, Database database, String redisPassword) {
    String name = exchange(nation);
    Map<String, String> env = new LinkedHashMap<>(management());
    env.put(env("allied.exchange.nation"), nation);
    env.put(env("allied.exchange.host"), "0.0.0.0");
    env.put(env("allied.exchange.port"), Integer.toString(GRPC_PORT));
    env.put(env("allied.exchange.data-dir"), STATE);
    env.put(env("allied.exchange.signing-key"), CONFIG + "/signing-key.pem");
    env.putAll(database("allied.exchange.database", postgres(name), database));
    env.put(
        env("allied.exchange.audit-redis"),
        redisUrl(LocalRedis.User.EXCHANGE.username(nation), redisPassword));
    env.put(env("allied.exchange.auth.issuer"), realm.issuer());
    env.put(env("allied.exchange.auth.jwks-uri"), realm.jwksUri());
    env.put(env("allied.exchange.tls.certificate"), CONFIG + "/tls.crt");
    env.put(env("allied.exchange.tls.private-key"), CONFIG + "/tls.key");
    env.put(env("allied.exchange.tls.client-authority"), CONFIG + "/ca.crt");
    return env;
  }

  static Map<String, String> auditService(Realm realm, Database database, String redisPassword) {
    Map<String, String> env = new LinkedHashMap<>(management());
    env.put(env("allied.audit.host"), "0.0.0.0");
    env.put(env("allied.audit.port"), Integer.toString(GRPC_PORT));
    env.put(env("allied.audit.console-port"), Integer.toString(CONSOLE_PAGE_PORT));
    env.put(env("allied.audit.data-dir"), STATE);
    env.put(env("allied.audit.signing-key"), CONFIG + "/checkpoint-key.pem");
    env.putAll(database("allied.audit.database", postgres(AUDIT), database));
    env.put(env("allied.audit.audit-redis"), redisUrl("audit", redisPassword));
    env.put(env("allied.audit.auth.issuer"), realm.issuer());
    env.put(env("allied.audit.auth.jwks-uri"), realm.jwksUri());
    env.put(env("allied.audit.tls.certificate"), CONFIG + "/tls.crt");
    env.put(env("allied.audit.tls.private-key"), CONFIG + "/tls.key");
    env.put(env("allied.audit.tls.client-authority"), CONFIG + "/ca.crt");
    return env;
  }

  /**
   * A nation's hotline node: its database {@code hotline_<nation>} on the hotline nodes' PostgreSQL
   * (roles {@code hotline_<nation>_service} and {@code _owner}, as k8s's create-databases.sh names
   * them), its own Redis user, the nation's signing key (the exchange service's, copied to {@code
   * signing-key.pem}), each peer's public key ({@code peer-keys/<PEER>.pem}), and the gateway and
   * Keycloak by their names: it pulls from its peers through {@code http://gateway:8443} (h2c
   * inside the network, as in k8s) as its own system {@code <nation>-hotline}.
   */
  static Map<String, String> hotlineNode(
      String nation,
      List<String> peers,
      Realm realm,
      Database database,
      String redisPassword,
      String relayClientSecret) {
    Map<String, String> env = new LinkedHashMap<>(management());
    // the test's only departure from the manifests, for its 2 cores: three more JVMs start beside
    // the backends and Keycloak, and the demo restarts Japan's; C1 alone does far less JIT work
    env.put("JAVA_TOOL_OPTIONS", "-XX:TieredStopAtLevel=1");
    env.put(env("allied.hotline.nation"), nation);
    env.put(env("allied.hotline.host"), "0.0.0.0");
    env.put(env("allied.hotline.port"), Integer.toString(GRPC_PORT));
    env.put(env("allied.hotline.data-dir"), STATE);
    env.put(env("allied.hotline.signing-key-file"), CONFIG + "/signing-key.pem");
    String db = hotlineDatabase(nation);
    env.put(
        env("allied.hotline.database.url"),
        "jdbc:postgresql://" + POSTGRES_HOTLINE + ":" + POSTGRES_PORT + "/" + db);
    env.put(env("allied.hotline.database.username"), db + "_service");
    env.put(env("allied.hotline.database.password"), database.servicePassword());
    env.put(env("allied.hotline.database.migration-username"), db + "_owner");
    env.put(env("allied.hotline.database.migration-password"), database.ownerPassword());
    env.put(env("allied.hotline.audit-redis"), redisUrl(hotlineRedisUser(nation), redisPassword));
    env.put(env("allied.hotline.auth.issuer"), realm.issuer());
    env.put(env("allied.hotline.auth.jwks-uri"), realm.jwksUri());
    env.put(env("allied.hotline.tls.certificate"), CONFIG + "/tls.crt");
    env.put(env("allied.hotline.tls.private-key"), CONFIG + "/tls.key");
    env.put(env("allied.hotline.tls.client-authority"), CONFIG + "/ca.crt");
    env.put(env("allied.hotline.gateway.address"), "http://" + GATEWAY + ":" + GATEWAY_PORT);
    env.put(env("allied.hotline.relay-client.token-uri"), realm.tokenUri());
    env.put(env("allied.hotline.relay-client.client-id"), nation.toLowerCase() + "-hotline");
    env.put(env("allied.hotline.relay-client.client-secret"), relayClientSecret);
    for (String peer : peers) {
      // bound lower-cased (jpn); the node upper-cases the map's keys
      env.put(env("allied.hotline.peer-keys." + peer), CONFIG + "/peer-keys/" + peer + ".pem");
    }
    return env;
  }

  /** A hotline node's Redis user (k8s's generate-secrets.sh names it the same). */
  static String hotlineRedisUser(String nation) {
    return LocalRedis.User.HOTLINE.username(nation);
  }

  /**
   * The hotline nodes' PostgreSQL: the superuser's password only; its roles and databases come from
   * the password files {@code /etc/allied/postgres-roles/<db>.owner|.service} (mounted).
   */
  static Map<String, String> hotlinePostgres(String superuserPassword) {
    return Map.of("POSTGRES_PASSWORD", superuserPassword);
  }

  /**
   * The gateway: each nation's exchange service and hotline node by their names only, with the
   * public key their bindings are signed with ({@code /etc/allied/binding-keys/<NATION>.pem}).
   */
  static Map<String, String> gateway(Realm realm, List<String> nations, String redisPassword) {
    Map<String, String> env = new LinkedHashMap<>(management());
    env.put(env("server.address"), "0.0.0.0");
    env.put(env("server.port"), Integer.toString(GATEWAY_PORT));
    env.put(env("allied.gateway.auth.issuer"), realm.issuer());
    env.put(env("allied.gateway.auth.jwks-uri"), realm.jwksUri());
    env.put(env("allied.gateway.audit-redis"), redisUrl("gateway", redisPassword));
    for (String nation : nations) {
      env.put(
          env("allied.gateway.nations." + nation + ".addresses[0]"),
          "https://" + exchange(nation) + ":" + GRPC_PORT);
      env.put(
          env("allied.gateway.nations." + nation + ".hotline-addresses[0]"),
          "https://" + hotline(nation) + ":" + GRPC_PORT);
      env.put(
          env("allied.gateway.nations." + nation + ".binding-keys[0]"),
          CONFIG + "/binding-keys/" + nation + ".pem");
    }
    env.put(env("allied.gateway.audit-service.addresses[0]"), "https://" + AUDIT + ":" + GRPC_PORT);
    env.put(
        env("allied.gateway.audit-service.console-url"),
        "https://" + AUDIT + ":" + CONSOLE_PAGE_PORT);
    env.put(env("allied.gateway.console.enabled"), "true");
    env.put(env("allied.gateway.backend-tls.certificate"), CONFIG + "/tls.crt");
    env.put(env("allied.gateway.backend-tls.private-key"), CONFIG + "/tls.key");
    env.put(env("allied.gateway.backend-tls.authority"), CONFIG + "/ca.crt");
    return env;
  }

  /**
   * A service's PostgreSQL: the superuser's password (as the upstream image takes it), the database
   * {@code allied}; {@code /docker-entrypoint-initdb.d/roles.sh} (mounted) creates the roles
   * allied_owner and allied_service from the two passwords here.
   */
  static Map<String, String> postgres(Database database) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("POSTGRES_PASSWORD", database.superuserPassword());
    env.put("POSTGRES_DB", "allied");
    env.put("ALLIED_OWNER_PASSWORD", database.ownerPassword());
    env.put("ALLIED_SERVICE_PASSWORD", database.servicePassword());
    return env;
  }

  /** Redis's arguments: the ACL file (mounted), append-only with fsync on every write. */
  static List<String> redisArguments() {
    return List.of(
        "--port", Integer.toString(REDIS_PORT),
        "--bind", "0.0.0.0",
        "--protected-mode", "no",
        "--aclfile", CONFIG + "/users.acl",
        "--appendonly", "yes",
        "--appendfsync", "always",
        "--save", "");
  }

  /**
   * Keycloak's arguments: the built distribution, one node (local caches), HTTP inside the network,
   * tokens naming the issuer {@code publicUrl} (where the national systems reach it), the realm
   * imported from {@code /opt/keycloak/data/import} (mounted).
   */
  static List<String> keycloakArguments(String publicUrl) {
    return List.of(
        "start",
        "--optimized",
        "--cache=local",
        "--http-enabled=true",
        "--http-host=0.0.0.0",
        "--http-port=" + KEYCLOAK_PORT,
        "--hostname=" + publicUrl,
        "--hostname-backchannel-dynamic=true",
        "--import-realm",
        "--db-url=jdbc:h2:file:/var/lib/keycloak/keycloakdb;NON_KEYWORDS=VALUE");
  }

  /**
   * Keycloak's environment: its bootstrap administrator, the realm file's placeholders (secrets,
   * the console's URL), the audit listener's Redis user.
   */
  static Map<String, String> keycloak(
      String adminPassword, Map<String, String> realmPlaceholders, String redisPassword) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put("KC_BOOTSTRAP_ADMIN_USERNAME", "admin");
    env.put("KC_BOOTSTRAP_ADMIN_PASSWORD", adminPassword);
    env.putAll(realmPlaceholders);
    env.put("ALLIED_AUDIT_REDIS_URL", redisUrl("identity-listener", redisPassword));
    return env;
  }

  private static Map<String, String> management() {
    Map<String, String> env = new LinkedHashMap<>();
    // the gRPC servers' threads are daemons: without it a service's JVM exits once started
    env.put(env("spring.main.keep-alive"), "true");
    env.put(env("management.server.port"), Integer.toString(MANAGEMENT_PORT));
    env.put(env("management.server.address"), "0.0.0.0");
    return env;
  }

  private static Map<String, String> database(String prefix, String host, Database database) {
    Map<String, String> env = new LinkedHashMap<>();
    env.put(env(prefix + ".url"), "jdbc:postgresql://" + host + ":" + POSTGRES_PORT + "/allied");
    env.put(env(prefix + ".username"), "allied_service");
    env.put(env(prefix + ".password"), database.servicePassword());
    env.put(env(prefix + ".migration-username"), "allied_owner");
    env.put(env(prefix + ".migration-password"), database.ownerPassword());
    return env;
  }

  /**
   * A Spring property's environment variable, by Spring Boot's rule: dots and brackets to
   * underscores, dashes removed, upper case ({@code allied.exchange.data-dir} is {@code
   * ALLIED_EXCHANGE_DATADIR}, {@code allied.gateway.nations.KOR.addresses[0]} is {@code
   * ALLIED_GATEWAY_NATIONS_KOR_ADDRESSES_0_}).
   */
  static String env(String property) {
    return property
        .replace("-", "")
        .replace('.', '_')
        .replace('[', '_')
        .replace(']', '_')
        .toUpperCase(java.util.Locale.ROOT);
  }

  private static String redisUrl(String user, String password) {
    return "redis://" + user + ":" + password + "@" + REDIS + ":" + REDIS_PORT;
  }
}
