package org.alliedexchange.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.KeyToPath;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeProjection;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * generate-secrets.sh makes every Secret the manifests name, with every key they read, and nothing
 * it makes is in the manifests: the mutual TLS chain, the keys and the passwords are as the
 * services need them.
 */
class GeneratedSecretsTest {

  @TempDir static Path out;
  static Map<String, Secret> secrets;

  @BeforeAll
  static void generate() throws Exception {
    Process process =
        new ProcessBuilder(
                Kustomize.K8S.resolve("generate-secrets.sh").toString(),
                "--out",
                out.toString(),
                "--console-url",
                "https://allied.test")
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).as("generate-secrets.sh finished").isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    secrets =
        StrictManifests.parse(Files.readString(out.resolve("secrets.yaml"))).stream()
            .map(Secret.class::cast)
            .collect(Collectors.toMap(s -> s.getMetadata().getName(), s -> s));
    federationKeys = federationKeys(out);
  }

  static ConfigMap federationKeys;

  private static ConfigMap federationKeys(Path dir) throws Exception {
    return (ConfigMap)
        StrictManifests.parse(Files.readString(dir.resolve("federation-keys.yaml"))).stream()
            .filter(o -> o.getMetadata().getName().equals(ManifestChecks.FEDERATION_KEYS))
            .findFirst()
            .orElseThrow();
  }

  private static Process generate(Path dir, String... options) throws Exception {
    List<String> command =
        new ArrayList<>(
            List.of(
                Kustomize.K8S.resolve("generate-secrets.sh").toString(), "--out", dir.toString()));
    command.addAll(List.of(options));
    return new ProcessBuilder(command).redirectErrorStream(true).start();
  }

  /** Secret name and key, for every reference the trilateral overlay makes. */
  private static List<String> references(List<HasMetadata> objects) {
    List<String> references = new ArrayList<>();
    ManifestChecks.podsOf(objects)
        .forEach(
            pods -> {
              for (Container container : ManifestChecks.allContainers(pods.spec())) {
                for (EnvVar env :
                    Objects.requireNonNullElse(container.getEnv(), List.<EnvVar>of())) {
                  if (env.getValueFrom() != null && env.getValueFrom().getSecretKeyRef() != null) {
                    var ref = env.getValueFrom().getSecretKeyRef();
                    references.add(ref.getName() + "/" + ref.getKey());
                  }
                }
              }
              for (Volume volume :
                  Objects.requireNonNullElse(pods.spec().getVolumes(), List.<Volume>of())) {
                if (volume.getSecret() != null) {
                  references.add(volume.getSecret().getSecretName() + "/");
                  for (KeyToPath item :
                      Objects.requireNonNullElse(
                          volume.getSecret().getItems(), List.<KeyToPath>of())) {
                    references.add(volume.getSecret().getSecretName() + "/" + item.getKey());
                  }
                }
                if (volume.getProjected() != null) {
                  for (VolumeProjection source : volume.getProjected().getSources()) {
                    if (source.getSecret() != null) {
                      for (KeyToPath item : source.getSecret().getItems()) {
                        references.add(source.getSecret().getName() + "/" + item.getKey());
                      }
                    }
                  }
                }
              }
            });
    for (HasMetadata object : objects) {
      if (object instanceof GenericKubernetesResource resource) {
        Map<String, Object> spec = ManifestChecks.spec(resource);
        if (resource.getKind().equals("Keycloak")) {
          Map<?, ?> db = (Map<?, ?>) spec.get("db");
          for (String which : List.of("usernameSecret", "passwordSecret")) {
            Map<?, ?> ref = (Map<?, ?>) db.get(which);
            references.add(ref.get("name") + "/" + ref.get("key"));
          }
          references.add(((Map<?, ?>) spec.get("http")).get("tlsSecret") + "/tls.crt");
          references.add(((Map<?, ?>) spec.get("http")).get("tlsSecret") + "/tls.key");
          String admin =
              (String)
                  ((Map<?, ?>) ((Map<?, ?>) spec.get("bootstrapAdmin")).get("user")).get("secret");
          references.add(admin + "/username");
          references.add(admin + "/password");
        } else {
          ((Map<?, ?>) spec.get("placeholders"))
              .values()
              .forEach(
                  p -> {
                    Map<?, ?> ref = (Map<?, ?>) ((Map<?, ?>) p).get("secret");
                    references.add(ref.get("name") + "/" + ref.get("key"));
                  });
        }
      }
    }
    return references;
  }

  @Test
  void everySecretTheManifestsNameIsGeneratedWithEveryKeyTheyRead() throws Exception {
    List<HasMetadata> objects =
        StrictManifests.parse(Kustomize.build(Kustomize.K8S.resolve("overlays/trilateral")));
    List<String> references = references(objects);

    assertThat(references).hasSizeGreaterThan(40);
    for (String reference : references) {
      String name = reference.substring(0, reference.indexOf('/'));
      String key = reference.substring(reference.indexOf('/') + 1);
      assertThat(secrets).as("generated Secrets").containsKey(name);
      if (!key.isEmpty()) {
        assertThat(secrets.get(name).getStringData()).as(reference).containsKey(key);
      }
    }
    assertThat(new TreeSet<>(secrets.keySet()))
        .as("nothing generated that no manifest reads")
        .isEqualTo(
            references.stream()
                .map(r -> r.substring(0, r.indexOf('/')))
                .collect(Collectors.toCollection(TreeSet::new)));
  }

  @Test
  void backendsGetServerCertificatesAndTheGatewayTheOnlyClientCertificate() throws Exception {
    X509Certificate ca = certificate(secrets.get("gateway-tls").getStringData().get("ca.crt"));
    X509Certificate gateway =
        certificate(secrets.get("gateway-tls").getStringData().get("tls.crt"));
    X509Certificate kor =
        certificate(secrets.get("exchange-service-kor-tls").getStringData().get("tls.crt"));

    gateway.verify(ca.getPublicKey());
    kor.verify(ca.getPublicKey());
    assertThat(gateway.getSubjectX500Principal().getName()).isEqualTo("CN=allied-gateway");
    assertThat(gateway.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
    assertThat(kor.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
    assertThat(kor.getSubjectAlternativeNames())
        .extracting(name -> (Object) name.get(1))
        .contains("exchange-service-kor", "exchange-service-kor.allied-exchange.svc");
    assertThat(secrets.get("exchange-service-kor-tls").getStringData().get("tls.key"))
        .startsWith("-----BEGIN PRIVATE KEY-----");
    String caKey = Files.readString(out.resolve("pki/ca.key")).strip();
    assertThat(secrets.values())
        .as("the CA's key stays out of every Secret")
        .allSatisfy(
            s -> assertThat(s.getStringData().values()).noneMatch(v -> v.strip().equals(caKey)));
  }

  @Test
  void keysAndPasswordsAreWhatTheServicesRead() {
    Map<String, String> signing = secrets.get("exchange-service-jpn-signing-key").getStringData();
    String pair = signing.get("signing-key.pem");
    assertThat(pair).contains("-----BEGIN PRIVATE KEY-----", "-----BEGIN PUBLIC KEY-----");
    assertThat(pair).endsWith(signing.get("signing-key.pub.pem"));
    assertThat(signing.get("signing-key.pub.pem")).endsWith("-----END PUBLIC KEY-----\n");
    assertThat(
            Base64.getDecoder()
                .decode(secrets.get("gateway-console-login-key").getStringData().get("login-key")))
        .hasSize(32);
    assertThat(secrets.get("gateway-redis").getStringData().get("url"))
        .matches("redis://gateway:[A-Za-z0-9]{32}@redis:6379");
    assertThat(secrets.get("redis-acl").getStringData().get("users.acl"))
        .startsWith("user default off")
        .doesNotContain(secrets.get("gateway-redis").getStringData().get("url").split("[:@]")[2]);
    assertThat(secrets.get("exchange-service-usa-db").getStringData())
        .containsEntry("url", "jdbc:postgresql://postgres:5432/exchange_usa")
        .containsEntry("username", "exchange_usa_service")
        .containsEntry("migration-username", "exchange_usa_owner");
    assertThat(secrets.get("keycloak-realm").getStringData())
        .containsEntry("ALLIED_CONSOLE_URL", "https://allied.test");
  }

  @Test
  void eachWriterOfTheAuditStreamMayAppendToItsOwnKeyOnly() {
    List<String> users =
        List.of(secrets.get("redis-acl").getStringData().get("users.acl").split("\n"));
    for (String n : List.of("KOR", "JPN", "USA")) {
      for (String service : List.of("exchange", "hotline")) {
        String user = service + "-" + n.toLowerCase();
        assertThat(users)
            .filteredOn(line -> line.startsWith("user " + user + " "))
            .singleElement()
            .asString()
            .contains(" ~allied:audit:" + service + ":" + n + " ")
            .doesNotContain("~allied:audit ", "~allied:audit:* ", "~allied:* ", "~* ");
      }
    }
    assertThat(users)
        .filteredOn(line -> line.startsWith("user identity-listener "))
        .singleElement()
        .asString()
        .contains(" ~allied:audit:identity ")
        .doesNotContain("~allied:audit ", "~allied:audit:* ", "~allied:* ");
    // the gateways' key is the base stream itself, and nothing under it
    assertThat(users)
        .filteredOn(line -> line.startsWith("user gateway "))
        .singleElement()
        .asString()
        .contains(" ~allied:audit ")
        .doesNotContain("~allied:audit:* ", "~allied:* ", "~* ");
  }

  @Test
  void eachHotlineNodeGetsItsOwnStoresCertificateAndTheRealmsSecretOfItsClient() throws Exception {
    for (String n : List.of("kor", "jpn", "usa")) {
      // the node logs in with the secret Keycloak's realm import gives its client
      assertThat(
              secrets
                  .get("hotline-service-" + n + "-relay-client")
                  .getStringData()
                  .get("client-secret"))
          .matches("[A-Za-z0-9]{32}")
          .isEqualTo(
              secrets
                  .get("keycloak-realm")
                  .getStringData()
                  .get("ALLIED_SECRET_" + n.toUpperCase() + "_HOTLINE"));
      assertThat(secrets.get("hotline-service-" + n + "-db").getStringData())
          .containsEntry("url", "jdbc:postgresql://postgres:5432/hotline_" + n)
          .containsEntry("username", "hotline_" + n + "_service");
      assertThat(secrets.get("hotline-service-" + n + "-redis").getStringData().get("url"))
          .matches("redis://hotline-" + n + ":[A-Za-z0-9]{32}@redis:6379");
    }
    String korNodePassword =
        secrets.get("hotline-service-kor-redis").getStringData().get("url").split("[:@]")[2];
    assertThat(secrets.get("redis-acl").getStringData().get("users.acl"))
        .contains("user hotline-kor on #")
        .doesNotContain(korNodePassword);
    X509Certificate ca = certificate(secrets.get("gateway-tls").getStringData().get("ca.crt"));
    X509Certificate node =
        certificate(secrets.get("hotline-service-jpn-tls").getStringData().get("tls.crt"));
    node.verify(ca.getPublicKey());
    assertThat(node.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
    assertThat(node.getSubjectAlternativeNames())
        .extracting(name -> (Object) name.get(1))
        .contains("hotline-service-jpn", "hotline-service-jpn.allied-exchange.svc");
  }

  /**
   * Every hotline node of the trilateral overlay reads every peer's public key, the very key the
   * peer signs with, from the federation's ConfigMap; the gateway verifies each nation's bindings
   * with the same file; and every ConfigMap the manifests name but do not hold is generated.
   */
  @Test
  void everyHotlineNodeAndTheGatewayGetEveryNationsPublicKeyFromTheFederationsConfigMap()
      throws Exception {
    List<HasMetadata> objects =
        StrictManifests.parse(Kustomize.build(Kustomize.K8S.resolve("overlays/trilateral")));
    Map<String, String> keys = federationKeys.getData();
    Map<String, String> nodes = new TreeMap<>();
    for (ManifestChecks.Pods pods : ManifestChecks.podsOf(objects)) {
      if (!"hotline-service".equals(pods.labels().get("app.kubernetes.io/name"))) {
        continue;
      }
      Container node = pods.spec().getContainers().get(0);
      String nation = env(node, "ALLIED_HOTLINE_NATION");
      String mount = ManifestChecks.federationKeysMount(pods.spec(), node).orElseThrow();
      assertThat(env(node, "SPRING_CONFIG_ADDITIONAL_LOCATION"))
          .isEqualTo("file:" + mount + "/" + ManifestChecks.PEER_KEYS_FILE);
      nodes.put(nation, mount);
    }
    assertThat(nodes).containsOnlyKeys("KOR", "JPN", "USA");
    JsonNode peerKeys =
        new ObjectMapper(new YAMLFactory())
            .readTree(keys.get(ManifestChecks.PEER_KEYS_FILE))
            .path("allied")
            .path("hotline")
            .path("peer-keys");
    nodes.forEach(
        (nation, mount) -> {
          for (String peer : nodes.keySet()) {
            if (peer.equals(nation)) {
              continue;
            }
            String as = nation + "'s node's key of " + peer;
            assertThat(peerKeys.path(peer).asText()).as(as).isEqualTo(mount + "/" + peer + ".pem");
            assertThat(keys.get(peer + ".pem"))
                .as(as + ": the public half of the key " + peer + " signs with")
                .isEqualTo(
                    secrets
                        .get("exchange-service-" + peer.toLowerCase() + "-signing-key")
                        .getStringData()
                        .get("signing-key.pub.pem"));
          }
        });

    List<String> gatewayKeys = new ArrayList<>();
    List<String> named = new ArrayList<>();
    for (ManifestChecks.Pods pods : ManifestChecks.podsOf(objects)) {
      for (Volume volume :
          Objects.requireNonNullElse(pods.spec().getVolumes(), List.<Volume>of())) {
        if (volume.getConfigMap() != null) {
          named.add(volume.getConfigMap().getName() + "/");
        }
        if (volume.getProjected() != null) {
          for (VolumeProjection source : volume.getProjected().getSources()) {
            if (source.getConfigMap() != null) {
              for (KeyToPath item :
                  Objects.requireNonNullElse(
                      source.getConfigMap().getItems(), List.<KeyToPath>of())) {
                named.add(source.getConfigMap().getName() + "/" + item.getKey());
                if (pods.owner().equals("Deployment/gateway")
                    && source.getConfigMap().getName().equals(ManifestChecks.FEDERATION_KEYS)) {
                  gatewayKeys.add(item.getKey() + " as " + item.getPath());
                }
              }
            }
          }
        }
      }
    }
    assertThat(gatewayKeys)
        .as("the gateway's binding keys, one per nation, from the same ConfigMap")
        .containsExactlyInAnyOrder(
            "KOR.pem as signing-key.pub.pem",
            "JPN.pem as signing-key.pub.pem",
            "USA.pem as signing-key.pub.pem");
    List<String> rendered =
        objects.stream()
            .filter(ConfigMap.class::isInstance)
            .map(o -> o.getMetadata().getName())
            .toList();
    for (String reference : named) {
      String name = reference.substring(0, reference.indexOf('/'));
      String key = reference.substring(reference.indexOf('/') + 1);
      if (!rendered.contains(name)) {
        assertThat(name)
            .as("a ConfigMap neither rendered nor generated")
            .isEqualTo(ManifestChecks.FEDERATION_KEYS);
        if (!key.isEmpty()) {
          assertThat(keys).as(reference).containsKey(key);
        }
      }
    }
  }

  /**
   * The federation's ConfigMap holds public keys and paths only: no key or password of any
   * generated Secret but the public halves and certificates, nothing that looks secret.
   */
  @Test
  void theFederationsKeysHoldNothingSecret() throws Exception {
    assertThat(federationKeys.getData())
        .containsOnlyKeys("KOR.pem", "JPN.pem", "USA.pem", ManifestChecks.PEER_KEYS_FILE);
    assertThat(ManifestChecks.secretsIn(federationKeys)).isEmpty();
    List<String> secretValues = new ArrayList<>();
    secrets.values().stream()
        .flatMap(secret -> secret.getStringData().entrySet().stream())
        .filter(
            e ->
                !e.getKey().endsWith(".pub.pem")
                    && !e.getKey().endsWith(".crt")
                    && !e.getKey().endsWith("username")
                    && !e.getKey().equals("ALLIED_CONSOLE_URL"))
        .map(e -> e.getValue().strip())
        .forEach(secretValues::add);
    secretValues.add(Files.readString(out.resolve("pki/ca.key")).strip());
    assertThat(secretValues).hasSizeGreaterThan(40);
    for (String value : federationKeys.getData().values()) {
      assertThat(secretValues).noneMatch(value::contains);
    }
  }

  /**
   * A site running one nation takes its peers' public keys as their operators publish them, and
   * refuses a private key, which would land in a ConfigMap.
   */
  @Test
  void aSiteOfOneNationTakesItsPeersPublishedPublicKeysAndRefusesAPrivateKey(
      @TempDir Path site, @TempDir Path refused) throws Exception {
    Path jpn = site.resolve("jpn.pub.pem");
    Path usa = site.resolve("usa.pub.pem");
    Files.writeString(jpn, federationKeys.getData().get("JPN.pem"));
    Files.writeString(usa, federationKeys.getData().get("USA.pem"));

    Process process =
        generate(
            site.resolve("out"),
            "--nations",
            "KOR",
            "--peer-key",
            "JPN=" + jpn,
            "--peer-key",
            "USA=" + usa);
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
    ConfigMap keys = federationKeys(site.resolve("out"));
    assertThat(keys.getData().get("JPN.pem")).isEqualTo(federationKeys.getData().get("JPN.pem"));
    assertThat(keys.getData().get("USA.pem")).isEqualTo(federationKeys.getData().get("USA.pem"));
    assertThat(keys.getData().get("KOR.pem"))
        .startsWith("-----BEGIN PUBLIC KEY-----")
        .isNotEqualTo(federationKeys.getData().get("KOR.pem"));
    assertThat(keys.getData().get(ManifestChecks.PEER_KEYS_FILE))
        .contains(
            "JPN: /etc/allied/federation-keys/JPN.pem",
            "USA: /etc/allied/federation-keys/USA.pem",
            "KOR: /etc/allied/federation-keys/KOR.pem");

    Process leak =
        generate(
            refused, "--nations", "KOR", "--peer-key", "JPN=" + out.resolve("signing-key-jpn.pem"));
    String said = new String(leak.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(leak.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(leak.exitValue()).isEqualTo(2);
    assertThat(said).contains("--peer-key JPN: ").contains("is not a PEM public key");
    assertThat(refused.resolve("federation-keys.yaml")).doesNotExist();
  }

  private static String env(Container container, String name) {
    return container.getEnv().stream()
        .filter(e -> e.getName().equals(name))
        .map(EnvVar::getValue)
        .findFirst()
        .orElseThrow(() -> new AssertionError(container.getName() + " has no " + name));
  }

  private static X509Certificate certificate(String pem) throws Exception {
    return (X509Certificate)
        CertificateFactory.getInstance("X.509")
            .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
  }
}
