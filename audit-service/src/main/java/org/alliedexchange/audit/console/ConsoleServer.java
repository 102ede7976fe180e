package org.alliedexchange.audit.console;

import io.netty.handler.ssl.ClientAuth;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.accesstoken.TokenValidator;
import org.alliedexchange.api.access.Roles;
import org.alliedexchange.audit.chain.AuditorScope;
import org.alliedexchange.audit.chain.Relationships;
import org.alliedexchange.policy.Federation;
import org.alliedexchange.policy.NationalScheme;
import org.alliedexchange.serviceruntime.GatewayOnlyTls;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.DisposableServer;
import reactor.netty.http.Http2SslContextSpec;
import reactor.netty.http.HttpProtocol;
import reactor.netty.http.server.HttpServer;

/**
 * Serves the auditor console's page: static files, and {@code whoami} for the page to greet the
 * auditor by name and offer the relationships it reads. It is reached through the gateway, which
 * logs the auditor in and relays the access token; the token is validated here again and must carry
 * the auditor role, so the page is not served to anyone who reaches this port some other way; with
 * TLS configured (the default), only a gateway's client certificate gets past the handshake. The
 * page holds no data: it fetches everything from the gateway's auditors' API, where each record
 * passes the guard.
 */
public final class ConsoleServer implements SmartLifecycle {

  private static final Logger LOG = LoggerFactory.getLogger(ConsoleServer.class);
  static final String PATH = "/console";
  private static final String RESOURCES = "/org/alliedexchange/audit/console/";
  private static final Map<String, String> FILES =
      Map.of(
          "", "index.html",
          "index.html", "index.html",
          "console.js", "console.js",
          "console.css", "console.css");
  private static final Map<String, String> TYPES =
      Map.of(
          "html", "text/html; charset=utf-8",
          "js", "text/javascript; charset=utf-8",
          "css", "text/css; charset=utf-8");

  /** An answer: status, content type, body. */
  private record Page(int status, String type, byte[] body, String location) {
    static Page text(int status, String text) {
      return new Page(
          status, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8), null);
    }
  }

  private final String host;
  private final int requestedPort;
  private final TokenValidator tokens;
  private final GatewayOnlyTls tls;
  private final Federation federation;
  private final Map<String, byte[]> files = new ConcurrentHashMap<>();
  private volatile DisposableServer server;

  /**
   * @param tls who may connect; null for plaintext to anyone (only when configured so explicitly)
   */
  public ConsoleServer(
      String host, int port, TokenValidator tokens, GatewayOnlyTls tls, Federation federation) {
    this.host = host;
    this.requestedPort = port;
    this.tokens = tokens;
    this.tls = tls;
    this.federation = federation;
  }

  @Override
  public void start() {
    // HTTP/1.1 and HTTP/2 (h2c in plaintext): the gateway's backend client speaks HTTP/2 to every
    // backend
    HttpServer http = HttpServer.create().host(host).port(requestedPort);
    if (tls == null) {
      http = http.protocol(HttpProtocol.HTTP11, HttpProtocol.H2C);
    } else {
      Http2SslContextSpec spec =
          Http2SslContextSpec.forServer(tls.privateKey(), tls.chain())
              .configure(
                  builder ->
                      builder.trustManager(tls.clientTrust()).clientAuth(ClientAuth.REQUIRE));
      http =
          http.protocol(HttpProtocol.HTTP11, HttpProtocol.H2).secure(ssl -> ssl.sslContext(spec));
    }
    server =
        http.handle(
                (request, response) -> {
                  String path = request.fullPath();
                  String authorization = request.requestHeaders().get("Authorization");
                  boolean head = request.method().name().equals("HEAD");
                  Mono<Page> page =
                      request.method().name().equals("GET") || head
                          ? Mono.fromCallable(() -> answer(path, authorization))
                              .subscribeOn(Schedulers.boundedElastic())
                          : Mono.just(Page.text(405, "only GET\n"));
                  return page.onErrorResume(
                          e -> {
                            LOG.error("console request for {} failed", path, e);
                            return Mono.just(
                                Page.text(
                                    500, "the console failed on this request; it is logged\n"));
                          })
                      .flatMap(
                          answer -> {
                            response
                                .status(answer.status())
                                .header("Content-Type", answer.type())
                                .header("Cache-Control", "no-store")
                                .header("X-Content-Type-Options", "nosniff")
                                .header("Referrer-Policy", "no-referrer")
                                .header(
                                    "Content-Security-Policy",
                                    "default-src 'self'; frame-ancestors 'none'; form-action 'self'");
                            if (answer.location() != null) {
                              response.header("Location", answer.location());
                            }
                            return head
                                ? response.send().then()
                                : response.sendByteArray(Mono.just(answer.body())).then();
                          });
                })
            .bindNow();
    LOG.info(
        "auditor console page on {}://{}:{}{}/ (reach it through the gateway)",
        tls == null ? "http" : "https",
        host,
        port(),
        PATH);
  }

  public int port() {
    DisposableServer running = server;
    return running == null ? -1 : running.port();
  }

  private Page answer(String path, String authorization) throws IOException {
    Caller caller;
    try {
      caller = tokens.validateHeader(authorization);
    } catch (TokenValidator.InvalidTokenException e) {
      return Page.text(401, "log in through the gateway's /console/: " + e.getMessage() + "\n");
    } catch (TokenValidator.KeysUnavailableException e) {
      // not the auditor's fault: logging in again would not help
      return Page.text(
          503, "the audit service cannot check tokens now: " + e.getMessage() + "; retry later\n");
    }
    if (!caller.hasRole(Roles.AUDITOR)) {
      return Page.text(
          403, caller.system() + " lacks the role " + Roles.AUDITOR + " the console needs\n");
    }
    if (path.equals(PATH)) {
      return new Page(302, "text/plain; charset=utf-8", new byte[0], PATH + "/");
    }
    if (!path.startsWith(PATH + "/")) {
      return Page.text(404, "no such page\n");
    }
    String name = path.substring(PATH.length() + 1);
    if (name.equals("whoami")) {
      NationalScheme scheme = federation.nation(caller.nation());
      return new Page(
          200,
          "application/json",
          ("{\"username\":"
                  + quote(caller.system())
                  + ",\"nation\":"
                  + quote(caller.nation())
                  + ",\"nationName\":"
                  + quote(scheme == null ? "" : scheme.name())
                  + ",\"clearance\":"
                  + quote(caller.clearance() == null ? "" : caller.clearance().name())
                  + ",\"relationships\":"
                  + relationships(caller.nation())
                  + "}")
              .getBytes(StandardCharsets.UTF_8),
          null);
    }
    String file = FILES.get(name);
    if (file == null) {
      return Page.text(404, "no such page\n");
    }
    byte[] body = files.get(file);
    if (body == null) {
      try (InputStream in = ConsoleServer.class.getResourceAsStream(RESOURCES + file)) {
        if (in == null) {
          return Page.text(500, "the console's " + file + " is missing from the build\n");
        }
        body = in.readAllBytes();
      }
      files.put(file, body);
    }
    return new Page(200, TYPES.get(file.substring(file.lastIndexOf('.') + 1)), body, null);
  }

  /**
   * The relationships an auditor of {@code nation} reads, as a JSON array: each bilateral one with
   * another nation of the federation, in order, then the nation's own chain. The console offers
   * them as choices, so an auditor never has to type one.
   */
  private String relationships(String nation) {
    List<String> bilateral = new ArrayList<>();
    if (AuditorScope.isNation(nation)) {
      for (NationalScheme other : federation.nations()) {
        if (!other.code().equals(nation) && AuditorScope.isNation(other.code())) {
          bilateral.add(Relationships.between(nation, other.code()));
        }
      }
      java.util.Collections.sort(bilateral);
      bilateral.add(nation);
    }
    StringBuilder out = new StringBuilder("[");
    for (String relationship : bilateral) {
      out.append(out.length() == 1 ? "" : ",").append(quote(relationship));
    }
    return out.append(']').toString();
  }

  private static String quote(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : (text == null ? "" : text).toCharArray()) {
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20 || c == '<' || c == '>' || c == '&') {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('"').toString();
  }

  @Override
  public void stop() {
    DisposableServer running = server;
    if (running != null) {
      running.disposeNow(Duration.ofSeconds(5));
      server = null;
    }
  }

  @Override
  public boolean isRunning() {
    return server != null;
  }
}
