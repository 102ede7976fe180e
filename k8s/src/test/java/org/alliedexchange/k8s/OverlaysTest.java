package org.alliedexchange.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Every overlay renders with {@code kubectl kustomize}, parses strictly into the typed model, and
 * passes every check: Pod Security restricted, probes, requests and limits, pinned images,
 * selectors that match their pods, network policies over every pod, a scaled gateway, no secret.
 */
class OverlaysTest {

  static final List<String> OVERLAYS = Kustomize.OVERLAYS;

  @ParameterizedTest(name = "overlays/{0}")
  @FieldSource("OVERLAYS")
  void rendersParsesStrictlyAndPassesEveryCheck(String overlay) throws Exception {
    String rendered = Kustomize.build(Kustomize.K8S.resolve("overlays").resolve(overlay));
    List<HasMetadata> objects = StrictManifests.parse(rendered);

    assertThat(ManifestChecks.violations(objects, rendered)).as("overlays/" + overlay).isEmpty();
    assertThat(objects)
        .filteredOn(Deployment.class::isInstance)
        .extracting(o -> o.getMetadata().getName())
        .contains("gateway", "audit-service", "exchange-service-kor", "hotline-service-kor");
  }

  /**
   * A hotline node hears only the gateway, and reaches only the gateway (its peers), its
   * PostgreSQL, Redis and Keycloak; the gateway may call it.
   */
  @Test
  void hotlineNodesHearOnlyTheGatewayAndReachOnlyItAndTheirStores() throws Exception {
    List<HasMetadata> objects =
        StrictManifests.parse(Kustomize.build(Kustomize.K8S.resolve("overlays/trilateral")));
    NetworkPolicy hotline =
        objects.stream()
            .filter(NetworkPolicy.class::isInstance)
            .map(NetworkPolicy.class::cast)
            .filter(p -> p.getMetadata().getName().equals("hotline-service"))
            .findFirst()
            .orElseThrow();

    assertThat(hotline.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
    assertThat(hotline.getSpec().getIngress())
        .singleElement()
        .satisfies(
            rule -> {
              assertThat(rule.getFrom())
                  .extracting(peer -> peer.getPodSelector().getMatchLabels())
                  .containsExactly(Map.of("app.kubernetes.io/name", "gateway"));
              assertThat(rule.getPorts())
                  .extracting(p -> p.getPort().getIntVal())
                  .containsExactly(9090);
            });
    assertThat(hotline.getSpec().getEgress())
        .extracting(
            rule ->
                rule.getTo().get(0).getPodSelector().getMatchLabels().values().iterator().next()
                    + ":"
                    + rule.getPorts().get(0).getPort().getIntVal())
        .containsExactlyInAnyOrder(
            "gateway:8443", "postgres:5432", "redis:6379", "keycloak-operator:8080");
    NetworkPolicy gateway =
        objects.stream()
            .filter(NetworkPolicy.class::isInstance)
            .map(NetworkPolicy.class::cast)
            .filter(p -> p.getMetadata().getName().equals("gateway"))
            .findFirst()
            .orElseThrow();
    assertThat(gateway.getSpec().getEgress())
        .anySatisfy(
            rule ->
                assertThat(rule.getTo().get(0).getPodSelector().getMatchLabels())
                    .containsEntry("app.kubernetes.io/name", "hotline-service"));
    assertThat(objects)
        .filteredOn(o -> o.getMetadata().getName().startsWith("gateway-nation-"))
        .extracting(
            o -> ((io.fabric8.kubernetes.api.model.ConfigMap) o).getData().get("application.yaml"))
        .allSatisfy(
            yaml -> assertThat(yaml).contains("hotline-addresses:", "https://hotline-service-"));
  }
}
