package org.alliedexchange.k8s;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Renders the Keycloak operator's {@code KeycloakRealmImport} from {@code
 * identity/realm/allied-realm.json}, the realm's one source: the realm verbatim (JSON is YAML), and
 * each {@code ${ALLIED_...}} placeholder in it taken from the Secret {@value #SECRET} under its own
 * name. JDK only, so {@code generate-secrets.sh} runs it as a source file, and the build runs it
 * before the tests.
 */
public final class RealmImportRenderer {

  /** The Secret that holds every placeholder's value, made by {@code generate-secrets.sh}. */
  public static final String SECRET = "keycloak-realm";

  /** The realm's own environment placeholders; Keycloak's message keys (${username}) are not. */
  static final Pattern PLACEHOLDER = Pattern.compile("\\$\\{(ALLIED_[A-Z0-9_]+)}");

  private RealmImportRenderer() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 2) {
      System.err.println(
          "usage: RealmImportRenderer <identity/realm/allied-realm.json> <out.yaml>");
      System.exit(2);
    }
    Path realm = Path.of(args[0]);
    Path out = Path.of(args[1]);
    String rendered = render(Files.readString(realm, StandardCharsets.UTF_8));
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, rendered, StandardCharsets.UTF_8);
    System.out.println("rendered " + out + " from " + realm);
  }

  /** The placeholders the realm names. */
  public static Set<String> placeholders(String realmJson) {
    Set<String> names = new TreeSet<>();
    Matcher matcher = PLACEHOLDER.matcher(realmJson);
    while (matcher.find()) {
      names.add(matcher.group(1));
    }
    return names;
  }

  public static String render(String realmJson) {
    if (realmJson.indexOf('\t') >= 0) {
      throw new IllegalArgumentException(
          "the realm file holds a tab, which YAML does not indent by");
    }
    StringBuilder yaml = new StringBuilder();
    yaml.append(
            "# Rendered from identity/realm/allied-realm.json by RealmImportRenderer: do not edit,\n")
        .append("# do not commit (k8s/README.md, \"The realm\").\n")
        .append("apiVersion: k8s.keycloak.org/v2alpha1\n")
        .append("kind: KeycloakRealmImport\n")
        .append("metadata:\n")
        .append("  name: allied\n")
        .append("spec:\n")
        .append("  keycloakCRName: keycloak\n")
        .append("  placeholders:\n");
    for (String name : placeholders(realmJson)) {
      yaml.append("    ")
          .append(name)
          .append(":\n      secret:\n        name: ")
          .append(SECRET)
          .append("\n        key: ")
          .append(name)
          .append('\n');
    }
    yaml.append("  realm:\n");
    for (String line : realmJson.strip().split("\n", -1)) {
      yaml.append("    ").append(line).append('\n');
    }
    return yaml.toString();
  }
}
