package org.alliedexchange.containers;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.EnumMap;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.alliedexchange.devservers.FederationCertificates;
import org.alliedexchange.devservers.FederationCertificates.Use;
import org.alliedexchange.devservers.LocalRedis;
import org.alliedexchange.label.NationalKey;
import org.testcontainers.containers.BindMode;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.Network;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.containers.wait.strategy.WaitStrategy;

/**
 * The federation started from its images, each part in its own container on one network: Redis, a
 * PostgreSQL per service (one for the three hotline nodes, a database each), Keycloak, each
 * nation's exchange service and hotline node, the audit service and the gateway, which reaches
 * every backend by its name only. Only the gateway and Keycloak are published, on 127.0.0.1. Files
 * (certificates, keys, the realm, Redis's users) are written under a work directory and mounted
 * read-only; secrets are generated for each start.
 */
final class ContainerFederation implements AutoCloseable {

  private static final String REALM_RESOURCE =
      "/org/alliedexchange/devservers/realm/allied-realm.json";
  private static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{(ALLIED_[A-Z0-9_]+)}");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final int SERVICE_USER = 10001;
  private static final Duration SERVICE_START = Duration.ofMinutes(3);

  private final Path work;
  private final List<String> nations;
  private final Consumer<String> progress;
  private final Network network = Network.newNetwork();
  private final List<GenericContainer<?>> started = new ArrayList<>();
  private final Map<String, GenericContainer<?>> exchanges = new LinkedHashMap<>();
  private final Map<String, GenericContainer<?>> hotlines = new LinkedHashMap<>();
  private final Map<String, Double> readySeconds = new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<String, String> realmPlaceholders = new TreeMap<>();
  private final int gatewayPort = freePort();
  private final int keycloakPort = freePort();
  private double startSeconds;

  ContainerFederation(Path work, List<String> nations, Consumer<String> progress) {
    this.work = work;
    this.nations = nations;
    this.progress = progress;
  }

  /** The gateway as the national systems reach it. */
  String gatewayUrl() {
    return "http://127.0.0.1:" + gatewayPort;
  }

  /** The realm's issuer, as the national systems reach Keycloak and as its tokens name it. */
  String issuer() {
    return "http://127.0.0.1:" + keycloakPort + "/realms/allied";
  }

  /** The realm file's placeholders' values: the sample systems' secrets, people's passwords. */
  Map<String, String> realmPlaceholders() {
    return realmPlaceholders;
  }

  /** Seconds from each container's run to ready, by its name on the network. */
  Map<String, Double> readySeconds() {
    return new TreeMap<>(readySeconds);
  }

  /** Seconds from the first container's run to the whole federation ready. */
  double startSeconds() {
    return startSeconds;
  }

  GenericContainer<?> exchange(String nation) {
    return exchanges.get(nation);
  }

  GenericContainer<?> hotline(String nation) {
    return hotlines.get(nation);
  }

  /**
   * Starts everything: stores and Keycloak first, then the backends and the hotline nodes, then the
   * gateway.
   */
  ContainerFederation start(Images images) throws Exception {
    long begin = System.nanoTime();
    Files.createDirectories(work);
    FederationCertificates ca = FederationCertificates.openOrCreate(work.resolve("pki"));
    Map<LocalRedis.User, String> redisPasswords = new EnumMap<>(LocalRedis.User.class);
    for (LocalRedis.User user : LocalRedis.User.values()) {
      if (!user.national()) {
        redisPasswords.put(user, secret());
      }
    }
    // each nation's exchange service and hotline node its own user, writing its own audit stream
    Map<String, String> exchangeRedisPasswords = new LinkedHashMap<>();
    nations.forEach(nation -> exchangeRedisPasswords.put(nation, secret()));
    Map<String, String> hotlineRedisPasswords = new LinkedHashMap<>();
    nations.forEach(nation -> hotlineRedisPasswords.put(nation, secret()));
    String realmInside =
        "http://"
            + ServiceEnvironment.KEYCLOAK
            + ":"
            + ServiceEnvironment.KEYCLOAK_PORT
            + "/realms/allied/protocol/openid-connect";
    ServiceEnvironment.Realm realm =
        new ServiceEnvironment.Realm(issuer(), realmInside + "/certs", realmInside + "/token");

    GenericContainer<?> redis =
        container(images.redis(), ServiceEnvironment.REDIS)
            .withCommand(ServiceEnvironment.redisArguments().toArray(String[]::new))
            .withFileSystemBind(
                redisAcl(redisPasswords, exchangeRedisPasswords, hotlineRedisPasswords).toString(),
                ServiceEnvironment.CONFIG + "/users.acl",
                BindMode.READ_ONLY)
            .waitingFor(Wait.forLogMessage(".*Ready to accept connections.*", 1));
    List<String> services = new ArrayList<>();
    nations.forEach(nation -> services.add(ServiceEnvironment.exchange(nation)));
    services.add(ServiceEnvironment.AUDIT);
    Map<String, ServiceEnvironment.Database> databases = new LinkedHashMap<>();
    List<GenericContainer<?>> postgres = new ArrayList<>();
    Path roles = imagesFile("postgres-init/roles.sh");
    for (String service : services) {
      ServiceEnvironment.Database database =
          new ServiceEnvironment.Database(secret(), secret(), secret());
      databases.put(service, database);
      postgres.add(
          container(images.postgres(), ServiceEnvironment.postgres(service))
              .withEnv(ServiceEnvironment.postgres(database))
              .withFileSystemBind(
                  roles.toString(), "/docker-entrypoint-initdb.d/roles.sh", BindMode.READ_ONLY)
              .waitingFor(
                  Wait.forLogMessage(".*database system is ready to accept connections.*", 1)));
    }
    // the hotline nodes share one PostgreSQL server, a database and an owner and a service role
    // per node (none can reach another's database), as k8s's in-cluster store: a fourth to sixth
    // server would cost initdb and memory on a 2-core machine for no isolation the test checks
    Map<String, ServiceEnvironment.Database> hotlineDatabases = new LinkedHashMap<>();
    nations.forEach(
        nation ->
            hotlineDatabases.put(
                nation, new ServiceEnvironment.Database(secret(), secret(), null)));
    postgres.add(
        container(images.postgres(), ServiceEnvironment.POSTGRES_HOTLINE)
            .withEnv(ServiceEnvironment.hotlinePostgres(secret()))
            .withFileSystemBind(
                k8sFile("components/stores-in-cluster/create-databases.sh").toString(),
                "/docker-entrypoint-initdb.d/create-databases.sh",
                BindMode.READ_ONLY)
            .withFileSystemBind(
                hotlineRoles(hotlineDatabases, images.postgres()).toString(),
                ServiceEnvironment.CONFIG + "/postgres-roles",
                BindMode.READ_ONLY)
            .waitingFor(
                Wait.forLogMessage(".*database system is ready to accept connections.*", 1)));
    GenericContainer<?> keycloak =
        container(images.keycloak(), ServiceEnvironment.KEYCLOAK)
            .withCommand(
                ServiceEnvironment.keycloakArguments("http://127.0.0.1:" + keycloakPort)
                    .toArray(String[]::new))
            .withEnv(
                ServiceEnvironment.keycloak(
                    secret(), realm(), redisPasswords.get(LocalRedis.User.IDENTITY_LISTENER)))
            .withFileSystemBind(
                realmFile().toString(),
                "/opt/keycloak/data/import/allied-realm.json",
                BindMode.READ_ONLY)
            .withCreateContainerCmdModifier(
                cmd ->
                    cmd.getHostConfig()
                        .withPortBindings(
                            new PortBinding(
                                Ports.Binding.bindIpAndPort("127.0.0.1", keycloakPort),
                                ExposedPort.tcp(ServiceEnvironment.KEYCLOAK_PORT))))
            .waitingFor(
                Wait.forLogMessage(".*Keycloak .* started in .*", 1)
                    .withStartupTimeout(SERVICE_START));

    List<GenericContainer<?>> stores = new ArrayList<>(postgres);
    stores.add(redis);
    startAll(stores);
    // Keycloak takes longest; the services need only its issuer's name to start
    CompletableFuture<Void> keycloakStart =
        CompletableFuture.runAsync(() -> startAll(List.of(keycloak)));

    List<GenericContainer<?>> backends = new ArrayList<>();
    for (String nation : nations) {
      String name = ServiceEnvironment.exchange(nation);
      Path files = serviceFiles(name);
      issue(ca, name, Use.SERVER, files);
      NationalKey key = NationalKey.loadOrCreate(files.resolve("signing-key.pem"));
      key.writePublicKeyBeside(files.resolve("signing-key.pem"));
      Path bindingKeys = work.resolve("gateway/etc/binding-keys");
      Files.createDirectories(bindingKeys);
      Files.writeString(bindingKeys.resolve(nation + ".pem"), key.publicKeyPem());
      GenericContainer<?> exchange =
          service(images.exchangeService(), name, files)
              .withEnv(
                  ServiceEnvironment.exchangeService(
                      nation, realm, databases.get(name), exchangeRedisPasswords.get(nation)));
      exchanges.put(nation, exchange);
      backends.add(exchange);
    }
    Path auditFiles = serviceFiles(ServiceEnvironment.AUDIT);
    issue(ca, ServiceEnvironment.AUDIT, Use.SERVER, auditFiles);
    NationalKey.loadOrCreate(auditFiles.resolve("checkpoint-key.pem"))
        .writePublicKeyBeside(auditFiles.resolve("checkpoint-key.pem"));
    backends.add(
        service(images.auditService(), ServiceEnvironment.AUDIT, auditFiles)
            .withEnv(
                ServiceEnvironment.auditService(
                    realm,
                    databases.get(ServiceEnvironment.AUDIT),
                    redisPasswords.get(LocalRedis.User.AUDIT))));
    // the hotline nodes start beside the backends; the gateway needs only their names, and they
    // find the gateway and Keycloak when they first relay
    List<GenericContainer<?>> hotlineNodes = new ArrayList<>();
    Map<String, String> secrets = realm();
    for (String nation : nations) {
      String name = ServiceEnvironment.hotline(nation);
      Path files = serviceFiles(name);
      issue(ca, name, Use.SERVER, files);
      // the nation's binding key, the exchange service's: the gateway already trusts it
      Path exchangeFiles = serviceFiles(ServiceEnvironment.exchange(nation));
      Files.copy(exchangeFiles.resolve("signing-key.pem"), files.resolve("signing-key.pem"));
      Files.copy(
          exchangeFiles.resolve("signing-key.pub.pem"), files.resolve("signing-key.pub.pem"));
      Path peerKeys = Files.createDirectories(files.resolve("peer-keys"));
      List<String> peers = nations.stream().filter(peer -> !peer.equals(nation)).toList();
      for (String peer : peers) {
        Files.copy(
            serviceFiles(ServiceEnvironment.exchange(peer)).resolve("signing-key.pub.pem"),
            peerKeys.resolve(peer + ".pem"));
      }
      GenericContainer<?> node =
          service(images.hotlineService(), name, files)
              .withEnv(
                  ServiceEnvironment.hotlineNode(
                      nation,
                      peers,
                      realm,
                      hotlineDatabases.get(nation),
                      hotlineRedisPasswords.get(nation),
                      secrets.get("ALLIED_SECRET_" + nation + "_HOTLINE")));
      hotlines.put(nation, node);
      hotlineNodes.add(node);
    }
    CompletableFuture<Void> hotlineStart = CompletableFuture.runAsync(() -> startAll(hotlineNodes));
    startAll(backends);

    Path gatewayFiles = serviceFiles(ServiceEnvironment.GATEWAY);
    issue(ca, "allied-gateway", Use.CLIENT, gatewayFiles);
    GenericContainer<?> gateway =
        service(images.gateway(), ServiceEnvironment.GATEWAY, gatewayFiles)
            .withEnv(
                ServiceEnvironment.gateway(
                    realm, nations, redisPasswords.get(LocalRedis.User.GATEWAY)))
            .withCreateContainerCmdModifier(
                cmd ->
                    cmd.getHostConfig()
                        .withPortBindings(
                            new PortBinding(
                                Ports.Binding.bindIpAndPort("127.0.0.1", gatewayPort),
                                ExposedPort.tcp(ServiceEnvironment.GATEWAY_PORT))));
    startAll(List.of(gateway));
    keycloakStart.join();
    hotlineStart.join();
    startSeconds = (System.nanoTime() - begin) / 1e9;
    progress.accept(String.format("federation of containers ready in %.1f s", startSeconds));
    return this;
  }

  /** The images the federation runs. */
  interface Images {
    String redis();

    String postgres();

    String keycloak();

    String exchangeService();

    String auditService();

    String gateway();

    String hotlineService();
  }

  private GenericContainer<?> container(String image, String name) {
    GenericContainer<?> container =
        new NetworkedContainer(image)
            .withNetwork(network)
            .withNetworkAliases(name)
            .withCreateContainerCmdModifier(
                cmd -> cmd.withName("allied-it-" + name + "-" + gatewayPort))
            .withLogConsumer(frame -> {});
    return container;
  }

  /**
   * A service's container as the manifests run it: user 10001, root filesystem read-only, {@code
   * /tmp} and the state directory writable (tmpfs), its files mounted read-only.
   */
  private GenericContainer<?> service(String image, String name, Path files) {
    ownBy(files);
    WaitStrategy ready =
        Wait.forLogMessage(".*Started \\w+Application in .*", 1).withStartupTimeout(SERVICE_START);
    return container(image, name)
        .withFileSystemBind(files.toString(), ServiceEnvironment.CONFIG, BindMode.READ_ONLY)
        .withCreateContainerCmdModifier(
            cmd ->
                cmd.withUser(SERVICE_USER + ":" + SERVICE_USER)
                    .getHostConfig()
                    .withReadonlyRootfs(true)
                    .withTmpFs(
                        Map.of(
                            "/tmp",
                            "rw,size=64m,mode=1777",
                            ServiceEnvironment.STATE,
                            // U: owned by the container's user (Podman)
                            "rw,size=64m,mode=0700,U")))
        .waitingFor(ready);
  }

  /** Starts {@code containers} at once, recording each one's time from run to ready. */
  private void startAll(List<GenericContainer<?>> containers) {
    List<CompletableFuture<Void>> starts = new ArrayList<>();
    for (GenericContainer<?> container : containers) {
      starts.add(
          CompletableFuture.runAsync(
              () -> {
                String name =
                    container.getNetworkAliases().get(container.getNetworkAliases().size() - 1);
                long begin = System.nanoTime();
                synchronized (started) {
                  started.add(container);
                }
                try {
                  container.start();
                } catch (RuntimeException e) {
                  throw new IllegalStateException(
                      name + " did not start; its log:\n" + tail(container.getLogs(), 40), e);
                }
                double seconds = (System.nanoTime() - begin) / 1e9;
                readySeconds.put(name, seconds);
                progress.accept(String.format("%s: ready in %.1f s", name, seconds));
              }));
    }
    CompletableFuture.allOf(starts.toArray(CompletableFuture[]::new)).join();
  }

  /** The sample realm's placeholders, each a new secret but the console's URL. */
  private Map<String, String> realm() {
    Matcher matcher = PLACEHOLDER.matcher(realmText());
    while (matcher.find()) {
      String name = matcher.group(1);
      realmPlaceholders.putIfAbsent(
          name, name.equals("ALLIED_CONSOLE_URL") ? gatewayUrl() : secret());
    }
    return realmPlaceholders;
  }

  private Path realmFile() throws IOException {
    Path file = work.resolve("keycloak/allied-realm.json");
    Files.createDirectories(file.getParent());
    Files.writeString(file, realmText());
    return file;
  }

  private static String realmText() {
    try (InputStream in = ContainerFederation.class.getResourceAsStream(REALM_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException("the realm file " + REALM_RESOURCE + " is missing");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Redis's users as LocalRedis makes them (as k8s's generate-secrets.sh): one per component, and
   * one per nation's exchange service and hotline node; passwords as SHA-256 only.
   */
  private Path redisAcl(
      Map<LocalRedis.User, String> passwords,
      Map<String, String> exchange,
      Map<String, String> hotline)
      throws Exception {
    StringBuilder acl = new StringBuilder("user default off resetkeys resetchannels -@all\n");
    passwords.forEach((user, password) -> aclUser(acl, user.username(), password, user.rules()));
    nationalUsers(acl, LocalRedis.User.EXCHANGE, exchange);
    nationalUsers(acl, LocalRedis.User.HOTLINE, hotline);
    Path file = work.resolve("redis/users.acl");
    Files.createDirectories(file.getParent());
    Files.writeString(file, acl);
    // only hashes; readable by the image's redis user
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r--r--"));
    return file;
  }

  /** One {@code user} per nation, with that nation's password. */
  private static void nationalUsers(
      StringBuilder acl, LocalRedis.User user, Map<String, String> passwords) {
    passwords.forEach(
        (nation, password) -> aclUser(acl, user.username(nation), password, user.rules(nation)));
  }

  private static void aclUser(StringBuilder acl, String username, String password, String rules) {
    byte[] hash;
    try {
      hash = MessageDigest.getInstance("SHA-256").digest(password.getBytes(StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    acl.append("user ")
        .append(username)
        .append(" on #")
        .append(HexFormat.of().formatHex(hash))
        .append(" resetkeys resetchannels ")
        .append(rules)
        .append('\n');
  }

  /**
   * The hotline databases' role passwords as k8s's Secret {@code postgres-roles} gives them to
   * create-databases.sh: {@code <db>.owner} and {@code <db>.service}, readable by the image's
   * PostgreSQL user only.
   */
  private Path hotlineRoles(Map<String, ServiceEnvironment.Database> databases, String image)
      throws IOException {
    Path dir = work.resolve(ServiceEnvironment.POSTGRES_HOTLINE).resolve("postgres-roles");
    Files.createDirectories(dir);
    for (Map.Entry<String, ServiceEnvironment.Database> database : databases.entrySet()) {
      String db = ServiceEnvironment.hotlineDatabase(database.getKey());
      Files.writeString(dir.resolve(db + ".owner"), database.getValue().ownerPassword());
      Files.writeString(dir.resolve(db + ".service"), database.getValue().servicePassword());
    }
    int postgresUser =
        Integer.parseInt(
            ContainerEngine.podman(
                    null, "run", "--rm", "--network=none", "--entrypoint=id", image, "-u")
                .trim());
    try (var files = Files.list(dir)) {
      for (Path file : files.toList()) {
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("r--------"));
        Files.setAttribute(file, "unix:uid", postgresUser);
      }
    }
    return dir;
  }

  private Path k8sFile(String relative) {
    return Path.of(System.getProperty("allied.project.root", ".")).resolve("k8s").resolve(relative);
  }

  private Path serviceFiles(String service) throws IOException {
    Path dir = work.resolve(service).resolve("etc");
    Files.createDirectories(dir);
    return dir;
  }

  /** {@code name}'s certificate as a Kubernetes TLS secret mounts it: tls.crt, tls.key, ca.crt. */
  private static void issue(FederationCertificates ca, String name, Use use, Path files)
      throws IOException {
    FederationCertificates.Issued issued = ca.issue(name, use);
    Files.copy(issued.certificate(), files.resolve("tls.crt"));
    Files.copy(issued.privateKey(), files.resolve("tls.key"));
    Files.copy(issued.authority(), files.resolve("ca.crt"));
  }

  /** The service's files belong to its user, keys readable by it only. */
  private static void ownBy(Path dir) {
    try (var paths = Files.walk(dir)) {
      for (Path path : paths.toList()) {
        if (path.getFileName().toString().endsWith("key.pem")
            || path.getFileName().toString().equals("tls.key")) {
          Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        }
        try {
          Files.setAttribute(path, "unix:uid", SERVICE_USER);
          Files.setAttribute(path, "unix:gid", SERVICE_USER);
        } catch (IOException | UnsupportedOperationException notRoot) {
          // not root: the engine maps users (rootless); readable by the owner is then enough
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot hand " + dir + " to the service's user", e);
    }
  }

  private Path imagesFile(String relative) {
    return Path.of(System.getProperty("allied.project.root", "."))
        .resolve("federation-containers/src/test/images")
        .resolve(relative);
  }

  private static String secret() {
    byte[] random = new byte[24];
    RANDOM.nextBytes(random);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(random);
  }

  private static int freePort() {
    return org.alliedexchange.devservers.LoopbackPorts.free();
  }

  private static String tail(String log, int lines) {
    String[] all = log.split("\n");
    return String.join("\n", List.of(all).subList(Math.max(0, all.length - lines), all.length));
  }

  /** Stops every container and removes the network. */
  @Override
  public void close() {
    List<GenericContainer<?>> all;
    synchronized (started) {
      all = new ArrayList<>(started);
    }
    java.util.Collections.reverse(all);
    for (GenericContainer<?> container : all) {
      try {
        container.stop();
      } catch (RuntimeException e) {
        progress.accept("could not stop a container: " + e.getMessage());
      }
    }
    network.close();
  }
}
