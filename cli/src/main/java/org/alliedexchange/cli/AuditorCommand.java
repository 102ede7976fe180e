package org.alliedexchange.cli;

import static org.alliedexchange.cli.AuditCommand.JSON;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import org.alliedexchange.api.AlliedMetadata;
import org.alliedexchange.cli.AuditCommand.AuditRefused;
import org.alliedexchange.cli.AuditCommand.GatewayOptions;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;
import tools.jackson.databind.JsonNode;

/**
 * What every `allied audit` subcommand shares: one GET to the gateway's auditors' API, and one
 * line, exit 1, for any failure.
 */
abstract class AuditorCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin GatewayOptions gateway;

  abstract int run(PrintWriter out) throws Exception;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    try {
      int code = run(spec.commandLine().getOut());
      spec.commandLine().getOut().flush();
      return code;
    } catch (AuditRefused e) {
      err.println("allied audit " + spec.name() + ": " + e.getMessage());
      return 1;
    } catch (IOException e) {
      err.println(
          "allied audit "
              + spec.name()
              + ": cannot reach the gateway at "
              + gateway.base()
              + ": "
              + e);
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    } catch (Exception e) {
      err.println("allied audit " + spec.name() + ": " + e.getMessage());
      return 1;
    }
  }

  /**
   * GETs an auditors' API path and returns its body; a refusal becomes AuditRefused with the
   * gateway's gRPC code and message.
   */
  InputStream open(String path, Map<String, String> parameters) throws Exception {
    StringBuilder query = new StringBuilder();
    parameters.forEach(
        (name, value) ->
            query
                .append(query.length() == 0 ? "?" : "&")
                .append(name)
                .append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
    URI base = gateway.base();
    HttpRequest request =
        HttpRequest.newBuilder(
                URI.create(base.toString().replaceAll("/+$", "") + "/audit/v1/" + path + query))
            .header(AlliedMetadata.AUTHORIZATION_NAME, AlliedMetadata.bearer(gateway.token()))
            .timeout(Duration.ofMinutes(30))
            .GET()
            .build();
    // HTTP/1.1: the gateway's HTTP/2 is for gRPC; plain requests need no upgrade
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    HttpResponse<InputStream> response =
        client.send(request, HttpResponse.BodyHandlers.ofInputStream());
    if (response.statusCode() == 200) {
      return response.body();
    }
    String text;
    try (InputStream in = response.body()) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    String message;
    try {
      JsonNode error = JSON.readTree(text);
      message =
          error.path("error").asString("HTTP " + response.statusCode())
              + ": "
              + error.path("message").asString("");
    } catch (RuntimeException notJson) {
      message = "HTTP " + response.statusCode() + ": " + text;
    }
    throw new AuditRefused(message);
  }

  String getString(String path, Map<String, String> parameters) throws Exception {
    try (InputStream in = open(path, parameters)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
