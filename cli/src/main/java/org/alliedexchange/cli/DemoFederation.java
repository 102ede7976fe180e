package org.alliedexchange.cli;

import static org.alliedexchange.cli.DemoCommand.AGREEMENT;
import static org.alliedexchange.cli.DemoNarrator.expect;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.alliedexchange.api.AlliedMetadata;
import org.alliedexchange.cli.DemoCommand.NotShown;
import org.alliedexchange.client.AlliedClient;
import org.alliedexchange.client.ClientCredentialsTokens;
import org.alliedexchange.client.PersonLogin;
import org.alliedexchange.client.TokenSource;
import tools.jackson.databind.JsonNode;

/**
 * The running local federation as its state file describes it: the demo's clients, people,
 * subscriptions and hotline screens, the agreement it suspends and resumes, and the hotline node it
 * stops and starts. Closing it resumes the agreement and starts the node if a failed step left them
 * so, then closes what the demo opened.
 */
final class DemoFederation implements AutoCloseable {

  private final JsonNode state;
  private final DemoNarrator narrator;
  private boolean suspended;
  private final List<AutoCloseable> open = new ArrayList<>();
  private final java.util.Set<String> stoppedNodes = new java.util.TreeSet<>();

  DemoFederation(JsonNode state, DemoNarrator narrator) {
    this.state = state;
    this.narrator = narrator;
  }

  String console() {
    return state.path("console").asString();
  }

  /**
   * The state file's entry in {@code list} whose {@code key} is {@code name}, and its {@code
   * field}.
   */
  private String fromState(String list, String key, String name, String field) {
    for (JsonNode entry : state.path(list)) {
      if (entry.path(key).asString("").equals(name)) {
        return entry.path(field).asString();
      }
    }
    throw new NotShown(
        "the state file has no "
            + field
            + " for "
            + name
            + (name.equals("federation-automation")
                ? " (a federation started before it existed: `./allied up --fresh`)"
                : ""));
  }

  AlliedClient system(String clientId) {
    String secret = fromState("systems", "clientId", clientId, "clientSecret");
    AlliedClient client =
        AlliedClient.connect(
            URI.create(state.path("gateway").asString()),
            ClientCredentialsTokens.shared(
                URI.create(state.path("keycloak").path("tokenEndpoint").asString()),
                clientId,
                secret));
    open.add(client);
    return client;
  }

  AlliedClient person(String username) {
    String password = fromState("people", "username", username, "password");
    String token =
        PersonLogin.login(
            URI.create(state.path("keycloak").path("issuer").asString()),
            "allied-console",
            URI.create(state.path("gateway").asString() + "/console/"),
            username,
            password);
    AlliedClient client =
        AlliedClient.connect(URI.create(state.path("gateway").asString()), TokenSource.of(token));
    open.add(client);
    return client;
  }

  private String adminToken() {
    String secret = fromState("systems", "clientId", "federation-automation", "clientSecret");
    return new ClientCredentialsTokens(
            URI.create(state.path("keycloak").path("tokenEndpoint").asString()),
            "federation-automation",
            secret,
            Clock.systemUTC())
        .token();
  }

  String agreementStatus() throws Exception {
    HttpResponse<String> response =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .build()
            .send(
                HttpRequest.newBuilder(
                        URI.create(state.path("gateway").asString() + "/admin/v1/agreements"))
                    .header(AlliedMetadata.AUTHORIZATION_NAME, AlliedMetadata.bearer(adminToken()))
                    .GET()
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    expect(
        response.statusCode() == 200,
        "the agreements could not be read: HTTP " + response.statusCode() + " " + response.body());
    for (JsonNode agreement : Json.MAPPER.readTree(response.body()).path("agreements")) {
      if (agreement.path("id").asString("").equals(AGREEMENT)) {
        return agreement.path("status").asString("");
      }
    }
    throw new NotShown("the federation has no agreement " + AGREEMENT);
  }

  /**
   * Suspends or resumes the demo's agreement and shows its new status; a suspension is remembered
   * for {@link #close}.
   */
  void admin(String change, String reason) throws Exception {
    String token = adminToken();
    HttpResponse<String> response =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .build()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            state.path("gateway").asString()
                                + "/admin/v1/agreements/"
                                + AGREEMENT
                                + "/"
                                + change))
                    .header(AlliedMetadata.AUTHORIZATION_NAME, AlliedMetadata.bearer(token))
                    .header("Content-Type", "application/json")
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            Json.MAPPER.writeValueAsString(Map.of("reason", reason))))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    expect(
        response.statusCode() == 200,
        "the agreement could not be changed: HTTP "
            + response.statusCode()
            + " "
            + response.body());
    narrator.show(
        AGREEMENT
            + ": "
            + Json.MAPPER.readTree(response.body()).path("status").asString()
            + " (by federation-automation: "
            + reason
            + ")");
    suspended = change.equals("suspend");
  }

  /** Whether the federation runs hotline nodes: its state file names them as services. */
  boolean hasHotline() {
    for (String name : state.path("services").propertyNames()) {
      if (name.startsWith("hotline-")) {
        return true;
      }
    }
    return false;
  }

  /** A person's screen on a hotline conference, closed with the demo. */
  DemoHotlineWatch watch(
      String who, AlliedClient client, String nation, String conference, String from) {
    DemoHotlineWatch watch = new DemoHotlineWatch(who, client, nation, conference, from);
    open.add(watch);
    return watch;
  }

  /**
   * Stops or starts {@code nation}'s hotline node through the running federation's controls
   * (`change` is "stop" or "start"); a stop is remembered for {@link #close}.
   */
  void hotlineNode(String nation, String change) throws Exception {
    JsonNode control = state.path("control");
    if (control.path("url").asString("").isEmpty()) {
      throw new NotShown(
          "the state file names no controls (a federation started before the hotline: `./allied up` again)");
    }
    HttpResponse<String> response =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .build()
            .send(
                HttpRequest.newBuilder(
                        URI.create(
                            control.path("url").asString() + "/hotline/" + nation + "/" + change))
                    .header(
                        AlliedMetadata.AUTHORIZATION_NAME,
                        AlliedMetadata.bearer(control.path("token").asString()))
                    .timeout(java.time.Duration.ofMinutes(3))
                    .POST(HttpRequest.BodyPublishers.noBody())
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    expect(
        response.statusCode() == 200,
        "the hotline node "
            + nation
            + " could not "
            + change
            + ": HTTP "
            + response.statusCode()
            + " "
            + response.body().strip());
    if (change.equals("stop")) {
      stoppedNodes.add(nation);
    } else {
      stoppedNodes.remove(nation);
    }
  }

  DemoSubscription subscribe(AlliedClient client, String topic) {
    DemoSubscription subscription = new DemoSubscription(client, topic);
    open.add(subscription);
    return subscription;
  }

  @Override
  public void close() throws Exception {
    if (suspended) {
      // a failed step must not leave the federation with the agreement suspended
      admin("resume", "demo: restoring the agreement after a failed step");
    }
    for (String nation : List.copyOf(stoppedNodes)) {
      // a failed step must not leave a nation's hotline cut
      hotlineNode(nation, "start");
    }
    for (AutoCloseable closeable : open) {
      closeable.close();
    }
  }
}
