package org.alliedexchange.k8s;

import io.fabric8.kubernetes.api.model.Capabilities;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerPort;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.SeccompProfile;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What every rendered overlay must satisfy, checked on the typed objects. Each violation names its
 * object ({@code Kind/name}) and what is wrong.
 */
final class ManifestChecks {

  /** The project's own services: uid 10001, a read-only root, and the actuator's probes. */
  static final Set<String> SERVICES =
      Set.of("gateway", "exchange-service", "hotline-service", "audit-service");

  /**
   * The labels the Keycloak operator puts on the pods it makes, besides the pod template's; an
   * assumption about the operator that only a cluster confirms (k8s/README.md).
   */
  static final Map<String, String> KEYCLOAK_OPERATOR_LABELS =
      Map.of("app", "keycloak", "app.kubernetes.io/managed-by", "keycloak-operator");

  private static final Set<String> RESTRICTED_VOLUMES =
      Set.of(
          "configMap",
          "csi",
          "downwardAPI",
          "emptyDir",
          "ephemeral",
          "persistentVolumeClaim",
          "projected",
          "secret");

  private static final String NAME = "app.kubernetes.io/name";

  /**
   * The federation's public keys, one ConfigMap for every nation's hotline node and the gateway,
   * written by generate-secrets.sh outside git: {@code <NATION>.pem} and the nodes' {@code
   * hotline-peer-keys.yaml} ({@code allied.hotline.peer-keys.*}).
   */
  static final String FEDERATION_KEYS = "allied-federation-keys";

  static final String PEER_KEYS_FILE = "hotline-peer-keys.yaml";

  /** A ConfigMap key that names a secret: a password, a private key, a credential. */
  private static final Pattern SECRET_KEY =
      Pattern.compile("(?i).*(password|passwd|secret|private|credential|\\.key$|^key$).*");

  /** A URL with a password in it (scheme://user:password@host). */
  private static final Pattern PASSWORD_URL =
      Pattern.compile("[a-z][a-z0-9+.-]*://[^/\\s:@]+:[^/\\s@]+@");

  /** A pod some object makes: its owner, its labels and its spec. */
  record Pods(String owner, String namespace, Map<String, String> labels, PodSpec spec) {}

  private final List<HasMetadata> objects;
  private final List<String> violations = new ArrayList<>();

  private ManifestChecks(List<HasMetadata> objects) {
    this.objects = objects;
  }

  /** Every violation in the rendered objects; empty when they pass. */
  static List<String> violations(List<HasMetadata> objects, String renderedText) {
    ManifestChecks checks = new ManifestChecks(objects);
    checks.noSecrets(renderedText);
    checks.namespaceRestricted();
    for (Pods pods : checks.pods()) {
      checks.restricted(pods);
      checks.containers(pods);
    }
    checks.workloadSelectors();
    checks.serviceSelectors();
    checks.disruptionBudgets();
    checks.gatewayScaling();
    checks.networkPolicies();
    checks.federationKeys();
    checks.all(ConfigMap.class).forEach(c -> checks.violations.addAll(secretsIn(c)));
    return checks.violations;
  }

  private <T> Stream<T> all(Class<T> type) {
    return objects.stream().filter(type::isInstance).map(type::cast);
  }

  private static String id(HasMetadata object) {
    return object.getKind() + "/" + object.getMetadata().getName();
  }

  private void fail(String owner, String problem) {
    violations.add(owner + ": " + problem);
  }

  /** The pods the objects make. */
  static List<Pods> podsOf(List<HasMetadata> objects) {
    return new ManifestChecks(objects).pods();
  }

  List<Pods> pods() {
    List<Pods> pods = new ArrayList<>();
    all(Deployment.class).forEach(d -> pods.add(pods(id(d), d, d.getSpec().getTemplate())));
    all(StatefulSet.class).forEach(s -> pods.add(pods(id(s), s, s.getSpec().getTemplate())));
    all(GenericKubernetesResource.class)
        .filter(r -> r.getKind().equals("Keycloak"))
        .forEach(
            keycloak -> {
              PodTemplateSpec template = keycloakPodTemplate(keycloak);
              Map<String, String> labels = new HashMap<>(KEYCLOAK_OPERATOR_LABELS);
              labels.put("app.kubernetes.io/instance", keycloak.getMetadata().getName());
              if (template.getMetadata() != null && template.getMetadata().getLabels() != null) {
                labels.putAll(template.getMetadata().getLabels());
              }
              PodSpec spec = Optional.ofNullable(template.getSpec()).orElseGet(PodSpec::new);
              pods.add(new Pods(id(keycloak), keycloak.getMetadata().getNamespace(), labels, spec));
            });
    return pods;
  }

  private static Pods pods(String owner, HasMetadata workload, PodTemplateSpec template) {
    Map<String, String> labels =
        template.getMetadata() == null || template.getMetadata().getLabels() == null
            ? Map.of()
            : template.getMetadata().getLabels();
    return new Pods(owner, workload.getMetadata().getNamespace(), labels, template.getSpec());
  }

  static PodTemplateSpec keycloakPodTemplate(GenericKubernetesResource keycloak) {
    Object unsupported = spec(keycloak).get("unsupported");
    Object template = unsupported instanceof Map<?, ?> map ? map.get("podTemplate") : null;
    return template == null
        ? new PodTemplateSpec()
        : StrictManifests.convert(template, PodTemplateSpec.class);
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> spec(GenericKubernetesResource resource) {
    Object spec = resource.getAdditionalProperties().get("spec");
    return spec instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
  }

  // --- secrets -------------------------------------------------------------------------------

  private void noSecrets(String renderedText) {
    all(Secret.class)
        .forEach(
            s ->
                fail(
                    id(s),
                    "a Secret in the manifests (generate-secrets.sh makes them, outside git)"));
    if (renderedText.contains("PRIVATE KEY")) {
      fail("rendered output", "holds a PEM private key");
    }
  }

  /**
   * What in {@code configMap} is secret and so belongs in a Secret: a key naming a password or a
   * private key, a PEM private key, a URL with a password; its violations.
   */
  static List<String> secretsIn(ConfigMap configMap) {
    List<String> found = new ArrayList<>();
    Objects.requireNonNullElse(configMap.getData(), Map.<String, String>of())
        .forEach(
            (key, value) -> {
              if (SECRET_KEY.matcher(key).matches()) {
                found.add(id(configMap) + ": key " + key + " looks secret (a Secret's, not here)");
              }
              if (value != null && value.contains("PRIVATE KEY")) {
                found.add(id(configMap) + ": " + key + " holds a PEM private key");
              }
              if (value != null && PASSWORD_URL.matcher(value).find()) {
                found.add(id(configMap) + ": " + key + " holds a URL with a password");
              }
            });
    if (configMap.getBinaryData() != null && !configMap.getBinaryData().isEmpty()) {
      found.add(id(configMap) + ": binaryData cannot be checked for secrets");
    }
    return found;
  }

  /**
   * Every hotline node reads its peers' public keys: the federation's ConfigMap mounted, and its
   * {@code hotline-peer-keys.yaml} loaded ({@code SPRING_CONFIG_ADDITIONAL_LOCATION}); without them
   * every line test would raise CHAIN_MISMATCH.
   */
  private void federationKeys() {
    for (Pods pods : pods()) {
      if (!"hotline-service".equals(pods.labels().get(NAME))) {
        continue;
      }
      for (Container container : pods.spec().getContainers()) {
        Optional<String> mount = federationKeysMount(pods.spec(), container);
        String location =
            Objects.requireNonNullElse(container.getEnv(), List.<EnvVar>of()).stream()
                .filter(e -> e.getName().equals("SPRING_CONFIG_ADDITIONAL_LOCATION"))
                .map(EnvVar::getValue)
                .filter(Objects::nonNull)
                .findFirst()
                .orElse("");
        if (mount.isEmpty()) {
          fail(
              pods.owner() + " container " + container.getName(),
              "gets no peer public keys (mounts no ConfigMap " + FEDERATION_KEYS + ")");
        } else if (!List.of(location.split(","))
            .contains("file:" + mount.get() + "/" + PEER_KEYS_FILE)) {
          fail(
              pods.owner() + " container " + container.getName(),
              "does not load "
                  + mount.get()
                  + "/"
                  + PEER_KEYS_FILE
                  + " (SPRING_CONFIG_ADDITIONAL_LOCATION is '"
                  + location
                  + "'), so it maps no peer key");
        }
      }
    }
  }

  /** Where {@code container} mounts the whole federation keys ConfigMap, if it does. */
  static Optional<String> federationKeysMount(PodSpec spec, Container container) {
    for (VolumeMount mount :
        Objects.requireNonNullElse(container.getVolumeMounts(), List.<VolumeMount>of())) {
      boolean keys =
          Objects.requireNonNullElse(spec.getVolumes(), List.<Volume>of()).stream()
              .anyMatch(
                  v ->
                      v.getName().equals(mount.getName())
                          && v.getConfigMap() != null
                          && FEDERATION_KEYS.equals(v.getConfigMap().getName())
                          && (v.getConfigMap().getItems() == null
                              || v.getConfigMap().getItems().isEmpty())
                          && (mount.getSubPath() == null || mount.getSubPath().isEmpty()));
      if (keys) {
        return Optional.of(mount.getMountPath());
      }
    }
    return Optional.empty();
  }

  // --- Pod Security "restricted"
  // (https://kubernetes.io/docs/concepts/security/pod-security-standards/)

  private void namespaceRestricted() {
    List<Namespace> namespaces = all(Namespace.class).toList();
    if (namespaces.isEmpty()) {
      fail("Namespace", "none rendered, so none carries the Pod Security labels");
    }
    for (Namespace namespace : namespaces) {
      Map<String, String> labels =
          Objects.requireNonNullElse(namespace.getMetadata().getLabels(), Map.of());
      if (!"restricted".equals(labels.get("pod-security.kubernetes.io/enforce"))) {
        fail(id(namespace), "pod-security.kubernetes.io/enforce is not restricted");
      }
    }
  }

  private void restricted(Pods pods) {
    PodSpec spec = pods.spec();
    String owner = pods.owner();
    if (Boolean.TRUE.equals(spec.getHostNetwork())
        || Boolean.TRUE.equals(spec.getHostPID())
        || Boolean.TRUE.equals(spec.getHostIPC())) {
      fail(owner, "shares a host namespace (hostNetwork, hostPID or hostIPC)");
    }
    for (Volume volume : Objects.requireNonNullElse(spec.getVolumes(), List.<Volume>of())) {
      String type = volumeType(volume);
      if (!RESTRICTED_VOLUMES.contains(type)) {
        fail(owner, "volume " + volume.getName() + " is " + type + ", not allowed by restricted");
      }
    }
    PodSecurityContext pod =
        Objects.requireNonNullElse(spec.getSecurityContext(), new PodSecurityContext());
    if (pod.getRunAsUser() != null && pod.getRunAsUser() == 0) {
      fail(owner, "runs as uid 0");
    }
    for (Container container : allContainers(spec)) {
      String where = owner + " container " + container.getName();
      SecurityContext context =
          Objects.requireNonNullElse(container.getSecurityContext(), new SecurityContext());
      if (Boolean.TRUE.equals(context.getPrivileged())) {
        fail(where, "is privileged");
      }
      if (!Boolean.FALSE.equals(context.getAllowPrivilegeEscalation())) {
        fail(where, "does not set allowPrivilegeEscalation: false");
      }
      if (!Boolean.TRUE.equals(context.getRunAsNonRoot())
          && !Boolean.TRUE.equals(pod.getRunAsNonRoot())) {
        fail(where, "does not set runAsNonRoot: true");
      }
      if (context.getRunAsUser() != null && context.getRunAsUser() == 0) {
        fail(where, "runs as uid 0");
      }
      if (!runtimeDefault(context.getSeccompProfile())
          && !(context.getSeccompProfile() == null && runtimeDefault(pod.getSeccompProfile()))) {
        fail(where, "has no seccompProfile RuntimeDefault (or Localhost)");
      }
      Capabilities capabilities = context.getCapabilities();
      if (capabilities == null
          || capabilities.getDrop() == null
          || !capabilities.getDrop().contains("ALL")) {
        fail(where, "does not drop ALL capabilities");
      }
      if (capabilities != null
          && capabilities.getAdd() != null
          && !Set.of("NET_BIND_SERVICE").containsAll(capabilities.getAdd())) {
        fail(where, "adds capabilities " + capabilities.getAdd());
      }
      for (ContainerPort port :
          Objects.requireNonNullElse(container.getPorts(), List.<ContainerPort>of())) {
        if (port.getHostPort() != null && port.getHostPort() != 0) {
          fail(where, "uses hostPort " + port.getHostPort());
        }
      }
    }
  }

  private static boolean runtimeDefault(SeccompProfile profile) {
    return profile != null && Set.of("RuntimeDefault", "Localhost").contains(profile.getType());
  }

  private static String volumeType(Volume volume) {
    Map<?, ?> fields = StrictManifests.convert(volume, Map.class);
    return fields.keySet().stream()
        .map(String::valueOf)
        .filter(k -> !k.equals("name"))
        .findFirst()
        .orElse("?");
  }

  static List<Container> allContainers(PodSpec spec) {
    List<Container> containers = new ArrayList<>();
    containers.addAll(Objects.requireNonNullElse(spec.getInitContainers(), List.of()));
    containers.addAll(Objects.requireNonNullElse(spec.getContainers(), List.of()));
    return containers;
  }

  // --- containers: images, resources, probes, this project's hardening ------------------------

  private void containers(Pods pods) {
    boolean operatorMade = pods.owner().startsWith("Keycloak/");
    String service = pods.labels().get(NAME);
    PodSecurityContext pod =
        Objects.requireNonNullElse(pods.spec().getSecurityContext(), new PodSecurityContext());
    if (!operatorMade
        && SERVICES.contains(service)
        && !Long.valueOf(10001).equals(pod.getRunAsUser())) {
      fail(pods.owner(), "does not run as uid 10001 (allied)");
    }
    for (Container container : allContainers(pods.spec())) {
      String where = pods.owner() + " container " + container.getName();
      boolean initContainer =
          pods.spec().getInitContainers() != null
              && pods.spec().getInitContainers().contains(container);
      // the operator fills in Keycloak's own container (image, resources, probes)
      boolean operatorFilled = operatorMade && !initContainer;
      if (!operatorFilled) {
        image(where, container.getImage());
        resources(where, container.getResources());
      }
      if (!operatorMade) {
        SecurityContext context =
            Objects.requireNonNullElse(container.getSecurityContext(), new SecurityContext());
        if (!Boolean.TRUE.equals(context.getReadOnlyRootFilesystem())) {
          fail(where, "has a writable root filesystem (readOnlyRootFilesystem: true)");
        }
      }
      if (!operatorMade && !initContainer) {
        probes(where, service, container);
      }
    }
    if (operatorMade) {
      all(GenericKubernetesResource.class)
          .filter(r -> pods.owner().equals(id(r)))
          .forEach(
              keycloak -> {
                image(pods.owner(), String.valueOf(spec(keycloak).get("image")));
                Object resources = spec(keycloak).get("resources");
                resources(
                    pods.owner(),
                    resources == null
                        ? null
                        : StrictManifests.convert(resources, ResourceRequirements.class));
              });
    }
  }

  private void image(String where, String image) {
    if (image == null || image.isBlank() || image.equals("null")) {
      fail(where, "names no image");
      return;
    }
    if (image.contains("@sha256:")) {
      return;
    }
    String last = image.substring(image.lastIndexOf('/') + 1);
    int colon = last.indexOf(':');
    if (colon < 0) {
      fail(where, "image " + image + " has no tag (pin a version or a digest)");
    } else if (last.substring(colon + 1).equals("latest")) {
      fail(where, "image " + image + " is tagged latest (pin a version or a digest)");
    }
  }

  private void resources(String where, ResourceRequirements resources) {
    for (String kind : List.of("requests", "limits")) {
      Map<String, ?> values =
          resources == null
              ? null
              : kind.equals("requests") ? resources.getRequests() : resources.getLimits();
      for (String resource : List.of("cpu", "memory")) {
        if (values == null || !values.containsKey(resource)) {
          fail(where, "has no " + kind + "." + resource);
        }
      }
    }
  }

  private void probes(String where, String service, Container container) {
    if (container.getLivenessProbe() == null) {
      fail(where, "has no livenessProbe");
    }
    if (container.getReadinessProbe() == null) {
      fail(where, "has no readinessProbe");
    }
    if (container.getStartupProbe() == null) {
      fail(where, "has no startupProbe");
    }
    if (!SERVICES.contains(service)) {
      return;
    }
    Map<String, Integer> ports = new HashMap<>();
    for (ContainerPort port :
        Objects.requireNonNullElse(container.getPorts(), List.<ContainerPort>of())) {
      if (port.getName() != null) {
        ports.put(port.getName(), port.getContainerPort());
      }
    }
    actuator(
        where,
        "readinessProbe",
        container.getReadinessProbe(),
        "/actuator/health/readiness",
        ports);
    // no kubelet gRPC probe: the gateway's port wants a token, the backends' the gateway's
    // certificate, and the kubelet has neither
    actuator(
        where, "livenessProbe", container.getLivenessProbe(), "/actuator/health/liveness", ports);
    actuator(
        where, "startupProbe", container.getStartupProbe(), "/actuator/health/liveness", ports);
  }

  private void actuator(
      String where, String which, Probe probe, String path, Map<String, Integer> ports) {
    if (probe == null) {
      return;
    }
    if (probe.getHttpGet() == null || !path.equals(probe.getHttpGet().getPath())) {
      fail(where, which + " is not GET " + path);
      return;
    }
    var port = probe.getHttpGet().getPort();
    Integer number = port.getIntVal() != null ? port.getIntVal() : ports.get(port.getStrVal());
    if (!Integer.valueOf(8081).equals(number)) {
      fail(where, which + " is not on the management port 8081");
    }
  }

  // --- selectors ---------------------------------------------------------------------------------

  static boolean selects(LabelSelector selector, Map<String, String> labels) {
    if (selector == null) {
      return false;
    }
    Map<String, String> match = Objects.requireNonNullElse(selector.getMatchLabels(), Map.of());
    for (var entry : match.entrySet()) {
      if (!entry.getValue().equals(labels.get(entry.getKey()))) {
        return false;
      }
    }
    for (LabelSelectorRequirement requirement :
        Objects.requireNonNullElse(
            selector.getMatchExpressions(), List.<LabelSelectorRequirement>of())) {
      String value = labels.get(requirement.getKey());
      List<String> values = Objects.requireNonNullElse(requirement.getValues(), List.of());
      boolean ok =
          switch (requirement.getOperator()) {
            case "In" -> value != null && values.contains(value);
            case "NotIn" -> value == null || !values.contains(value);
            case "Exists" -> value != null;
            case "DoesNotExist" -> value == null;
            default -> false;
          };
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static boolean emptySelector(LabelSelector selector) {
    return selector == null
        || ((selector.getMatchLabels() == null || selector.getMatchLabels().isEmpty())
            && (selector.getMatchExpressions() == null
                || selector.getMatchExpressions().isEmpty()));
  }

  private void workloadSelectors() {
    all(Deployment.class)
        .forEach(d -> ownSelector(id(d), d.getSpec().getSelector(), d.getSpec().getTemplate()));
    all(StatefulSet.class)
        .forEach(s -> ownSelector(id(s), s.getSpec().getSelector(), s.getSpec().getTemplate()));
  }

  private void ownSelector(String owner, LabelSelector selector, PodTemplateSpec template) {
    Map<String, String> labels =
        template.getMetadata() == null || template.getMetadata().getLabels() == null
            ? Map.<String, String>of()
            : template.getMetadata().getLabels();
    if (emptySelector(selector) || !selects(selector, labels)) {
      fail(owner, "selector " + describe(selector) + " does not match its pod template's labels");
    }
  }

  private void serviceSelectors() {
    List<Pods> pods = pods();
    for (Service service : all(Service.class).toList()) {
      if ("ExternalName".equals(service.getSpec().getType())) {
        continue;
      }
      Map<String, String> selector = service.getSpec().getSelector();
      if (selector == null || selector.isEmpty()) {
        fail(id(service), "selects no pods");
        continue;
      }
      LabelSelector asSelector = new LabelSelector(null, selector);
      List<Pods> selected = pods.stream().filter(p -> selects(asSelector, p.labels())).toList();
      if (selected.isEmpty()) {
        fail(id(service), "selector " + selector + " matches no pod template");
        continue;
      }
      for (ServicePort port : service.getSpec().getPorts()) {
        var target = port.getTargetPort();
        for (Pods p : selected) {
          boolean found =
              p.spec().getContainers().stream()
                  .flatMap(
                      c ->
                          Objects.requireNonNullElse(c.getPorts(), List.<ContainerPort>of())
                              .stream())
                  .anyMatch(
                      cp ->
                          target == null
                              ? Objects.equals(cp.getContainerPort(), port.getPort())
                              : target.getStrVal() != null
                                  ? target.getStrVal().equals(cp.getName())
                                  : Objects.equals(target.getIntVal(), cp.getContainerPort()));
          if (!found) {
            fail(
                id(service),
                "port "
                    + port.getName()
                    + " targets "
                    + target
                    + ", which "
                    + p.owner()
                    + " does not expose");
          }
        }
      }
    }
  }

  private void disruptionBudgets() {
    List<Pods> pods = pods();
    for (PodDisruptionBudget budget : all(PodDisruptionBudget.class).toList()) {
      LabelSelector selector = budget.getSpec().getSelector();
      if (emptySelector(selector) || pods.stream().noneMatch(p -> selects(selector, p.labels()))) {
        fail(id(budget), "selector " + describe(selector) + " matches no pod template");
      }
    }
  }

  private void gatewayScaling() {
    Optional<Deployment> gateway =
        all(Deployment.class).filter(d -> d.getMetadata().getName().equals("gateway")).findFirst();
    if (gateway.isEmpty()) {
      fail("Deployment/gateway", "missing");
      return;
    }
    Integer replicas = gateway.get().getSpec().getReplicas();
    if (replicas == null || replicas < 2) {
      fail("Deployment/gateway", "has " + replicas + " replicas; at least 2");
    }
    List<HorizontalPodAutoscaler> autoscalers = all(HorizontalPodAutoscaler.class).toList();
    for (HorizontalPodAutoscaler hpa : autoscalers) {
      var target = hpa.getSpec().getScaleTargetRef();
      boolean exists =
          all(Deployment.class)
              .anyMatch(
                  d ->
                      "Deployment".equals(target.getKind())
                          && "apps/v1".equals(target.getApiVersion())
                          && d.getMetadata().getName().equals(target.getName()));
      if (!exists) {
        fail(
            id(hpa),
            "scales " + target.getKind() + "/" + target.getName() + ", which is not rendered");
      }
    }
    boolean scaled =
        autoscalers.stream()
            .anyMatch(
                hpa ->
                    "gateway".equals(hpa.getSpec().getScaleTargetRef().getName())
                        && hpa.getSpec().getMinReplicas() != null
                        && hpa.getSpec().getMinReplicas() >= 2
                        && hpa.getSpec().getMaxReplicas() >= hpa.getSpec().getMinReplicas());
    if (!scaled) {
      fail("Deployment/gateway", "no HorizontalPodAutoscaler keeps it at 2 or more replicas");
    }
  }

  // --- network policies --------------------------------------------------------------------------

  private void networkPolicies() {
    List<NetworkPolicy> policies = all(NetworkPolicy.class).toList();
    boolean defaultDeny =
        policies.stream()
            .anyMatch(
                p ->
                    emptySelector(p.getSpec().getPodSelector())
                        && p.getSpec().getPolicyTypes() != null
                        && p.getSpec().getPolicyTypes().containsAll(List.of("Ingress", "Egress"))
                        && (p.getSpec().getIngress() == null || p.getSpec().getIngress().isEmpty())
                        && (p.getSpec().getEgress() == null || p.getSpec().getEgress().isEmpty()));
    if (!defaultDeny) {
      fail("NetworkPolicy", "no default deny (empty podSelector, Ingress and Egress, no rules)");
    }
    for (Pods pods : pods()) {
      boolean covered =
          policies.stream()
              .filter(p -> !emptySelector(p.getSpec().getPodSelector()))
              .anyMatch(p -> selects(p.getSpec().getPodSelector(), pods.labels()));
      if (!covered) {
        fail(
            pods.owner(),
            "pods " + pods.labels() + " are selected by no NetworkPolicy of their own");
      }
    }
  }

  private static String describe(LabelSelector selector) {
    return selector == null
        ? "(none)"
        : String.valueOf(Objects.requireNonNullElse(selector.getMatchLabels(), Map.of()))
            + (selector.getMatchExpressions() == null ? "" : " " + selector.getMatchExpressions());
  }
}
