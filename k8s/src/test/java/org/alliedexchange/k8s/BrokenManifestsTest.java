package org.alliedexchange.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The checks catch what they are for: a broken manifest fails the strict parse, and a mutated copy
 * of the trilateral overlay fails the checks with a message naming the object.
 */
class BrokenManifestsTest {

  @TempDir static Path copy;

  @BeforeAll
  static void copyTheManifests() throws IOException {
    for (String dir : List.of("base", "components", "overlays")) {
      Path from = Kustomize.K8S.resolve(dir);
      try (Stream<Path> files = Files.walk(from)) {
        for (Path file : files.toList()) {
          Path to = copy.resolve(dir).resolve(from.relativize(file).toString());
          if (Files.isDirectory(file)) {
            Files.createDirectories(to);
          } else {
            Files.copy(file, to);
          }
        }
      }
    }
  }

  private static final String DEPLOYMENT =
      """
      apiVersion: apps/v1
      kind: Deployment
      metadata:
        name: gateway
      spec:
        %s
        selector:
          matchLabels:
            app.kubernetes.io/name: gateway
        template:
          metadata:
            labels:
              app.kubernetes.io/name: gateway
          spec:
            containers:
              - name: gateway
                image: localhost/allied/gateway:0.1.0
      """;

  @Test
  void aWellFormedManifestParses() throws IOException {
    assertThat(StrictManifests.parse(DEPLOYMENT.formatted("replicas: 2"))).hasSize(1);
  }

  @Test
  void anUnknownFieldFailsTheParseNamingObjectAndPath() {
    assertThatThrownBy(() -> StrictManifests.parse(DEPLOYMENT.formatted("replica: 2")))
        .isInstanceOf(StrictManifests.NotStrict.class)
        .hasMessageContaining("Deployment/gateway")
        .hasMessageContaining("unknown field(s) at Deployment.spec: [replica]");
    assertThatThrownBy(
            () ->
                StrictManifests.parse(
                    DEPLOYMENT.formatted("replicas: 2").replace("image:", "imagee:")))
        .hasMessageContaining("Deployment.spec.template.spec.containers[0]: [imagee]");
  }

  @Test
  void aWrongTypeFailsTheParse() {
    assertThatThrownBy(() -> StrictManifests.parse(DEPLOYMENT.formatted("replicas: two")))
        .isInstanceOf(StrictManifests.NotStrict.class)
        .hasMessageStartingWith("Deployment/gateway: ");
    assertThatThrownBy(() -> StrictManifests.parse(DEPLOYMENT.formatted("replicas: \"2\"")))
        .as("a number given as a string")
        .isInstanceOf(StrictManifests.NotStrict.class);
    assertThatThrownBy(() -> StrictManifests.parse(DEPLOYMENT.formatted("minReadySeconds: []")))
        .isInstanceOf(StrictManifests.NotStrict.class);
  }

  @Test
  void anUnknownKindOrAnUnknownOperatorFieldFails() {
    assertThatThrownBy(
            () ->
                StrictManifests.parse(
                    "apiVersion: v1\nkind: Pod\nmetadata:\n  name: stray\nspec:\n  containers: []\n"))
        .hasMessageContaining("Pod/stray: v1 Pod is not a kind this deployment uses");
    assertThatThrownBy(
            () ->
                StrictManifests.parse(
                    """
                    apiVersion: k8s.keycloak.org/v2alpha1
                    kind: Keycloak
                    metadata:
                      name: keycloak
                    spec:
                      instances: 1
                      hostname:
                        hostnme: https://keycloak.example
                    """))
        .hasMessageContaining("Keycloak/keycloak: unknown field Keycloak.spec.hostname.hostnme");
  }

  static Stream<Arguments> mutations() {
    return Stream.of(
        Arguments.of(
            "a privileged container",
            patch(
                "Deployment",
                "gateway",
                "add",
                "/spec/template/spec/containers/0/securityContext/privileged",
                "true"),
            "Deployment/gateway container gateway: is privileged"),
        Arguments.of(
            "privilege escalation allowed",
            patch(
                "StatefulSet",
                "redis",
                "replace",
                "/spec/template/spec/containers/0/securityContext/allowPrivilegeEscalation",
                "true"),
            "StatefulSet/redis container redis: does not set allowPrivilegeEscalation: false"),
        Arguments.of(
            "a host path",
            patch(
                "Deployment",
                "audit-service",
                "add",
                "/spec/template/spec/volumes/-",
                "{name: host, hostPath: {path: /var/run}}"),
            "Deployment/audit-service: volume host is hostPath, not allowed by restricted"),
        Arguments.of(
            "no limits",
            patch(
                "Deployment",
                "audit-service",
                "remove",
                "/spec/template/spec/containers/0/resources/limits",
                null),
            "Deployment/audit-service container audit-service: has no limits.cpu"),
        Arguments.of(
            "a latest tag",
            "images:\n  - name: localhost/allied/exchange-service\n    newTag: latest\n",
            "Deployment/exchange-service-jpn container exchange-service: image localhost/allied/exchange-service:latest is tagged latest"),
        Arguments.of(
            "no tag",
            patch(
                "StatefulSet",
                "postgres",
                "replace",
                "/spec/template/spec/containers/0/image",
                "docker.io/library/postgres"),
            "StatefulSet/postgres container postgres: image docker.io/library/postgres has no tag"),
        Arguments.of(
            "no readiness probe",
            patch(
                "Deployment",
                "exchange-service-usa",
                "remove",
                "/spec/template/spec/containers/0/readinessProbe",
                null),
            "Deployment/exchange-service-usa container exchange-service: has no readinessProbe"),
        Arguments.of(
            "a writable root filesystem",
            patch(
                "Deployment",
                "gateway",
                "replace",
                "/spec/template/spec/containers/0/securityContext/readOnlyRootFilesystem",
                "false"),
            "Deployment/gateway container gateway: has a writable root filesystem"),
        Arguments.of(
            "a Service selecting nothing",
            patch(
                "Service",
                "audit-service",
                "replace",
                "/spec/selector",
                "{app.kubernetes.io/name: audit}"),
            "Service/audit-service: selector {app.kubernetes.io/name=audit} matches no pod template"),
        Arguments.of(
            "a PodDisruptionBudget selecting nothing",
            patch(
                "PodDisruptionBudget",
                "exchange-service-kor",
                "add",
                "/spec/selector/matchLabels/allied.org~1nation",
                "jpnn"),
            "PodDisruptionBudget/exchange-service-kor: selector"),
        Arguments.of(
            "one gateway replica",
            patch("Deployment", "gateway", "replace", "/spec/replicas", "1"),
            "Deployment/gateway: has 1 replicas; at least 2"),
        Arguments.of(
            "no autoscaler",
            patch("HorizontalPodAutoscaler", "gateway", "replace", "/spec/minReplicas", "1"),
            "Deployment/gateway: no HorizontalPodAutoscaler keeps it at 2 or more replicas"),
        Arguments.of(
            "a pod no policy selects",
            """
            patches:
              - target:
                  kind: Deployment
                  name: audit-service
                patch: |-
                  - op: replace
                    path: /spec/selector/matchLabels/app.kubernetes.io~1name
                    value: stray
                  - op: replace
                    path: /spec/template/metadata/labels/app.kubernetes.io~1name
                    value: stray
            """,
            "Deployment/audit-service: pods"),
        Arguments.of(
            "no default deny",
            patch("NetworkPolicy", "default-deny", "replace", "/spec/policyTypes", "[Ingress]"),
            "NetworkPolicy: no default deny"),
        Arguments.of(
            "no Pod Security label",
            patch(
                "Namespace",
                "allied-exchange",
                "remove",
                "/metadata/labels/pod-security.kubernetes.io~1enforce",
                null),
            "Namespace/allied-exchange: pod-security.kubernetes.io/enforce is not restricted"),
        Arguments.of(
            "a hotline node without its peers' public keys",
            """
            patches:
              - target:
                  kind: Deployment
                  name: hotline-service-jpn
                patch: |-
                  apiVersion: apps/v1
                  kind: Deployment
                  metadata:
                    name: hotline-service-jpn
                  spec:
                    template:
                      spec:
                        volumes:
                          - name: federation-keys
                            configMap:
                              name: allied-keys-of-jpn-only
            """,
            "Deployment/hotline-service-jpn container hotline-service: gets no peer public keys"),
        Arguments.of(
            "a hotline node that does not load the peers' keys",
            """
            patches:
              - target:
                  kind: Deployment
                  name: hotline-service-usa
                patch: |-
                  apiVersion: apps/v1
                  kind: Deployment
                  metadata:
                    name: hotline-service-usa
                  spec:
                    template:
                      spec:
                        containers:
                          - name: hotline-service
                            env:
                              - name: SPRING_CONFIG_ADDITIONAL_LOCATION
                                value: optional:file:/etc/allied/other/
            """,
            "Deployment/hotline-service-usa container hotline-service: does not load"),
        Arguments.of(
            "a password in a ConfigMap",
            "configMapGenerator:\n  - name: leaky\n    options: {disableNameSuffixHash: true}\n"
                + "    literals: [db-password=hunter2]\n",
            "ConfigMap/leaky: key db-password looks secret"),
        Arguments.of(
            "a Redis URL with its password in a ConfigMap",
            "configMapGenerator:\n  - name: leaky\n    options: {disableNameSuffixHash: true}\n"
                + "    literals: [redis=redis://gateway:hunter2@redis:6379]\n",
            "ConfigMap/leaky: redis holds a URL with a password"),
        Arguments.of(
            "a committed Secret",
            "secretGenerator:\n  - name: leaked\n    literals: [password=hunter2]\n",
            "Secret/leaked"));
  }

  private static String patch(String kind, String name, String op, String path, String value) {
    return "patches:\n  - target:\n      kind: "
        + kind
        + "\n      name: "
        + name
        + "\n    patch: |-\n      - op: "
        + op
        + "\n        path: "
        + path
        + (value == null ? "" : "\n        value: " + value)
        + "\n";
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("mutations")
  void aMutatedOverlayFailsTheChecksNamingTheObject(String what, String mutation, String expected)
      throws Exception {
    Path overlay = Files.createTempDirectory(copy.resolve("overlays"), "mutated");
    Files.writeString(
        overlay.resolve("kustomization.yaml"),
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../trilateral\n"
            + mutation);
    String rendered = Kustomize.build(overlay);

    List<String> violations = ManifestChecks.violations(StrictManifests.parse(rendered), rendered);

    assertThat(violations).as(what).anySatisfy(v -> assertThat(v).startsWith(expected));
  }
}
