package org.alliedexchange.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import java.util.List;
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
        .contains("gateway", "audit-service", "exchange-service-kor");
  }
}
