package org.alliedexchange.k8s;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.PodTemplateSpec;
import io.fabric8.kubernetes.api.model.ResourceRequirements;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Parses rendered manifests into fabric8's typed Kubernetes model, strictly: a wrong type fails the
 * parse, a string is never taken for a number or a boolean, and a field the model does not know
 * (which fabric8 keeps in {@code additionalProperties}) is an error naming its path. The operator's
 * resources, which fabric8 has no model for, are held to the fields this project uses of their
 * CRDs, with their pod template and resources parsed as the typed model.
 */
final class StrictManifests {

  /** The kinds a deployment of k8s/ may hold, each with its typed model. */
  static final Map<String, Class<? extends HasMetadata>> KINDS =
      Map.ofEntries(
          Map.entry("v1/Namespace", Namespace.class),
          Map.entry("v1/ServiceAccount", ServiceAccount.class),
          Map.entry("v1/Service", Service.class),
          Map.entry("v1/ConfigMap", ConfigMap.class),
          Map.entry("v1/Secret", Secret.class),
          Map.entry("apps/v1/Deployment", Deployment.class),
          Map.entry("apps/v1/StatefulSet", StatefulSet.class),
          Map.entry("policy/v1/PodDisruptionBudget", PodDisruptionBudget.class),
          Map.entry("autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class),
          Map.entry("networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class),
          Map.entry("k8s.keycloak.org/v2alpha1/Keycloak", GenericKubernetesResource.class),
          Map.entry(
              "k8s.keycloak.org/v2alpha1/KeycloakRealmImport", GenericKubernetesResource.class));

  /** The fields of the Keycloak operator's resources this project may set, by path. */
  private static final Map<String, Set<String>> OPERATOR_FIELDS =
      Map.ofEntries(
          Map.entry("Keycloak", Set.of("apiVersion", "kind", "metadata", "spec")),
          Map.entry("KeycloakRealmImport", Set.of("apiVersion", "kind", "metadata", "spec")),
          Map.entry(
              "Keycloak.spec",
              Set.of(
                  "instances",
                  "image",
                  "imagePullSecrets",
                  "startOptimized",
                  "db",
                  "http",
                  "hostname",
                  "proxy",
                  "bootstrapAdmin",
                  "ingress",
                  "resources",
                  "features",
                  "additionalOptions",
                  "truststores",
                  "unsupported")),
          Map.entry(
              "Keycloak.spec.db",
              Set.of(
                  "vendor",
                  "host",
                  "port",
                  "database",
                  "schema",
                  "url",
                  "usernameSecret",
                  "passwordSecret",
                  "poolInitialSize",
                  "poolMinSize",
                  "poolMaxSize")),
          Map.entry("Keycloak.spec.db.usernameSecret", Set.of("name", "key")),
          Map.entry("Keycloak.spec.db.passwordSecret", Set.of("name", "key")),
          Map.entry(
              "Keycloak.spec.http", Set.of("httpEnabled", "httpPort", "httpsPort", "tlsSecret")),
          Map.entry(
              "Keycloak.spec.hostname",
              Set.of("hostname", "admin", "strict", "backchannelDynamic")),
          Map.entry("Keycloak.spec.proxy", Set.of("headers")),
          Map.entry("Keycloak.spec.bootstrapAdmin", Set.of("user", "service")),
          Map.entry("Keycloak.spec.bootstrapAdmin.user", Set.of("secret")),
          Map.entry("Keycloak.spec.bootstrapAdmin.service", Set.of("secret")),
          Map.entry("Keycloak.spec.ingress", Set.of("enabled", "className", "annotations")),
          Map.entry("Keycloak.spec.unsupported", Set.of("podTemplate")),
          Map.entry(
              "KeycloakRealmImport.spec",
              Set.of("keycloakCRName", "realm", "placeholders", "resources")));

  private static final ObjectMapper YAML = strictMapper();

  private StrictManifests() {}

  /** A manifest the model does not take: a wrong type, or fields it does not know. */
  static final class NotStrict extends RuntimeException {
    NotStrict(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private static ObjectMapper strictMapper() {
    ObjectMapper mapper = new ObjectMapper(new YAMLFactory());
    mapper.enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    mapper.enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);
    for (LogicalType type : List.of(LogicalType.Integer, LogicalType.Float, LogicalType.Boolean)) {
      mapper.coercionConfigFor(type).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
    }
    return mapper;
  }

  /** The YAML's documents; a duplicate key, or YAML that does not parse, is {@link NotStrict}. */
  static List<JsonNode> documents(String yaml) {
    List<JsonNode> documents = new ArrayList<>();
    // one document at a time: kubectl and generate-secrets.sh separate them with a line of ---
    for (String text : yaml.split("(?m)^---[ \t]*$")) {
      JsonNode node;
      try {
        node = YAML.readTree(text);
      } catch (IOException | RuntimeException e) {
        throw new NotStrict("not a YAML document: " + e.getMessage(), e);
      }
      if (node != null && !node.isNull() && !node.isMissingNode()) {
        documents.add(node);
      }
    }
    return documents;
  }

  /** Every object, typed; throws {@link NotStrict} naming each object and field that is not. */
  static List<HasMetadata> parse(String yaml) throws IOException {
    List<HasMetadata> objects = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (JsonNode node : documents(yaml)) {
      String apiVersion = node.path("apiVersion").asText();
      String kind = node.path("kind").asText();
      String name = kind + "/" + node.path("metadata").path("name").asText("?");
      Class<? extends HasMetadata> type = KINDS.get(apiVersion + "/" + kind);
      if (type == null) {
        problems.add(name + ": " + apiVersion + " " + kind + " is not a kind this deployment uses");
        continue;
      }
      HasMetadata object;
      try {
        object = YAML.treeToValue(node, type);
      } catch (JsonProcessingException e) {
        throw new NotStrict(name + ": " + e.getOriginalMessage(), e);
      }
      List<String> unknown = new ArrayList<>();
      if (object instanceof GenericKubernetesResource) {
        checkOperatorResource(kind, node, unknown);
      } else {
        walk(object, kind, unknown);
      }
      unknown.forEach(problem -> problems.add(name + ": " + problem));
      objects.add(object);
    }
    if (!problems.isEmpty()) {
      throw new NotStrict(String.join("\n", problems), null);
    }
    return objects;
  }

  /** The operator's resources: only known fields; their pod template and resources typed. */
  private static void checkOperatorResource(String kind, JsonNode node, List<String> problems) {
    checkFields(kind, node, problems);
    JsonNode spec = node.path("spec");
    typed(spec.path("unsupported").path("podTemplate"), PodTemplateSpec.class, kind, problems);
    typed(spec.path("resources"), ResourceRequirements.class, kind, problems);
  }

  private static void checkFields(String path, JsonNode node, List<String> problems) {
    Set<String> allowed = OPERATOR_FIELDS.get(path);
    if (allowed == null || !node.isObject()) {
      return;
    }
    Iterator<String> names = node.fieldNames();
    while (names.hasNext()) {
      String field = names.next();
      if (!allowed.contains(field)) {
        problems.add("unknown field " + path + "." + field);
      } else {
        checkFields(path + "." + field, node.get(field), problems);
      }
    }
  }

  private static void typed(JsonNode node, Class<?> type, String path, List<String> problems) {
    if (node.isMissingNode()) {
      return;
    }
    try {
      walk(YAML.treeToValue((ObjectNode) node, type), path, problems);
    } catch (JsonProcessingException | ClassCastException e) {
      problems.add(path + ": not a " + type.getSimpleName() + ": " + e.getMessage());
    }
  }

  /**
   * Every non-empty {@code additionalProperties} in the object graph is a field the model lacks.
   */
  static void walk(Object value, String path, List<String> problems) {
    if (value == null) {
      return;
    }
    if (value instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        walk(list.get(i), path + "[" + i + "]", problems);
      }
      return;
    }
    if (value instanceof Map<?, ?> map) {
      map.forEach((key, item) -> walk(item, path + "." + key, problems));
      return;
    }
    Class<?> type = value.getClass();
    if (!type.getName().startsWith("io.fabric8.kubernetes.api.model")) {
      return;
    }
    for (Method getter : type.getMethods()) {
      if (getter.getParameterCount() != 0
          || Modifier.isStatic(getter.getModifiers())
          || getter.getDeclaringClass() == Object.class) {
        continue;
      }
      String name = getter.getName();
      if (name.equals("getAdditionalProperties")) {
        if (invoke(getter, value) instanceof Map<?, ?> extra && !extra.isEmpty()) {
          problems.add("unknown field(s) at " + path + ": " + extra.keySet());
        }
      } else if (name.startsWith("get") && name.length() > 3) {
        walk(
            invoke(getter, value),
            path + "." + Character.toLowerCase(name.charAt(3)) + name.substring(4),
            problems);
      }
    }
  }

  /** A value of the model converted to another of its types (a map, or a typed part of a CR). */
  static <T> T convert(Object value, Class<T> type) {
    return YAML.convertValue(value, type);
  }

  private static Object invoke(Method getter, Object target) {
    try {
      return getter.invoke(target);
    } catch (IllegalAccessException | InvocationTargetException e) {
      return null;
    }
  }
}
