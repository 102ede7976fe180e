package org.alliedexchange.gateway.hotline;

import com.google.protobuf.MessageOrBuilder;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.alliedexchange.api.access.Roles;
import org.alliedexchange.api.hotline.v1.GetStatusRequest;
import org.alliedexchange.api.hotline.v1.HotlineServiceGrpc;
import org.alliedexchange.api.hotline.v1.ListConferencesResponse;
import org.alliedexchange.api.hotline.v1.WatchRequest;
import org.alliedexchange.api.hotline.v1.WatchResponse;
import org.alliedexchange.gateway.auditors.AuditorApiErrors;
import org.alliedexchange.gateway.auditors.AuditorJson;
import org.alliedexchange.gateway.auditors.AuditorTokens;
import org.alliedexchange.gateway.auditors.ConsoleLogin;
import org.alliedexchange.policy.Federation;
import org.alliedexchange.policy.Level;
import org.alliedexchange.policy.NationalScheme;
import org.springframework.core.ParameterizedTypeReference;
import org.springframework.http.CacheControl;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.codec.ServerSentEvent;
import org.springframework.security.web.server.csrf.CsrfToken;
import org.springframework.web.reactive.function.server.RouterFunction;
import org.springframework.web.reactive.function.server.RouterFunctions;
import org.springframework.web.reactive.function.server.ServerRequest;
import org.springframework.web.reactive.function.server.ServerResponse;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The watch officer's page at {@code /hotline/} and its JSON API under {@code /hotline/api/}:
 *
 * <ul>
 *   <li>{@code GET /hotline/api/me}: the person (name, nation, role), their nation's markings and
 *       the CSRF token the page's POSTs carry;
 *   <li>{@code GET /hotline/api/conferences}, {@code GET /hotline/api/status};
 *   <li>{@code POST /hotline/api/send} {@code {"conference", "precedence", "marking", "text",
 *       "drill"}}, {@code POST /hotline/api/ack} {@code {"messageId"}}, {@code POST
 *       /hotline/api/mark-read} {@code {"messageIds"}}, {@code POST /hotline/api/ack-alarm} {@code
 *       {"alarmId"}};
 *   <li>{@code GET /hotline/api/watch?conference=&from=}: the conference's messages, receipts,
 *       links and alarms as {@code text/event-stream}, each event's id its cursor, so a
 *       reconnecting browser resumes where it stopped ({@code Last-Event-ID}).
 * </ul>
 *
 * Each is a call of the HotlineService through this gateway ({@link HotlineCalls}), with the
 * person's token: the guard decides and records every message shown. Answers are the proto3 JSON
 * mapping of the service's responses; errors are {@code {"error": "<gRPC code>", "message"}} with
 * the matching HTTP status ({@link AuditorApiErrors}). The page is served only to a hotline member.
 */
public final class HotlineApi {

  static final String PAGE = ConsoleLogin.HOTLINE_PATH;
  static final String API = ConsoleLogin.HOTLINE_API_PATH;
  private static final String BACKEND = "the hotline node";
  private static final Duration HEARTBEAT = Duration.ofSeconds(15);
  private static final String PAGE_FILES = "/org/alliedexchange/gateway/hotline/page/";

  private final HotlineCalls calls;
  private final AuditorTokens tokens;
  private final Federation federation;
  private final Clock clock;
  private final Map<String, byte[]> files;

  public HotlineApi(HotlineCalls calls, AuditorTokens tokens, Federation federation, Clock clock) {
    this.calls = calls;
    this.tokens = tokens;
    this.federation = federation;
    this.clock = clock;
    this.files =
        Map.of(
            "index.html", file("index.html"),
            "hotline.css", file("hotline.css"),
            "hotline.js", file("hotline.js"));
  }

  private static byte[] file(String name) {
    try (InputStream in = HotlineApi.class.getResourceAsStream(PAGE_FILES + name)) {
      if (in == null) {
        throw new IllegalStateException("the hotline page's " + name + " is not in the gateway");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public RouterFunction<ServerResponse> routes() {
    return RouterFunctions.route()
        .GET(
            PAGE,
            request ->
                ServerResponse.status(HttpStatus.FOUND)
                    .location(java.net.URI.create(PAGE + "/"))
                    .build())
        .GET(PAGE + "/", request -> page(request, "index.html", MediaType.TEXT_HTML))
        .GET(
            PAGE + "/hotline.css",
            request -> page(request, "hotline.css", MediaType.valueOf("text/css")))
        .GET(
            PAGE + "/hotline.js",
            request -> page(request, "hotline.js", MediaType.valueOf("text/javascript")))
        .GET(API + "/me", this::me)
        .GET(API + "/conferences", this::conferences)
        .GET(
            API + "/status",
            request ->
                unary(
                    request,
                    person ->
                        calls.unary(
                            person,
                            GetStatusRequest.getDefaultInstance(),
                            HotlineServiceGrpc.HotlineServiceStub::getStatus)))
        .POST(
            API + "/send",
            request ->
                withBody(
                    request,
                    (person, body) ->
                        calls.unary(
                            person,
                            HotlineRequests.send(
                                body, person, federation.nation(person.nation()), clock),
                            HotlineServiceGrpc.HotlineServiceStub::send)))
        .POST(
            API + "/ack",
            request ->
                withBody(
                    request,
                    (person, body) ->
                        calls.unary(
                            person,
                            HotlineRequests.acknowledge(body),
                            HotlineServiceGrpc.HotlineServiceStub::acknowledge)))
        .POST(
            API + "/mark-read",
            request ->
                withBody(
                    request,
                    (person, body) ->
                        calls.unary(
                            person,
                            HotlineRequests.markRead(body),
                            HotlineServiceGrpc.HotlineServiceStub::markRead)))
        .POST(
            API + "/ack-alarm",
            request ->
                withBody(
                    request,
                    (person, body) ->
                        calls.unary(
                            person,
                            HotlineRequests.acknowledgeAlarm(body),
                            HotlineServiceGrpc.HotlineServiceStub::acknowledgeAlarm)))
        .GET(API + "/watch", this::watch)
        .build();
  }

  private Mono<Person> person(ServerRequest request) {
    return tokens.token(request.exchange()).map(Person::of);
  }

  /** The page's files, to a hotline member only: anyone else is told which role they lack. */
  private Mono<ServerResponse> page(ServerRequest request, String name, MediaType type) {
    return person(request)
        .flatMap(
            person ->
                person.has(Roles.HOTLINE_MEMBER)
                    ? ServerResponse.ok()
                        .contentType(type)
                        .cacheControl(CacheControl.noStore())
                        .bodyValue(files.get(name))
                    : ServerResponse.status(HttpStatus.FORBIDDEN)
                        .contentType(MediaType.TEXT_PLAIN)
                        .bodyValue(
                            person.username()
                                + " lacks the role "
                                + Roles.HOTLINE_MEMBER
                                + ": the hotline page is for the hotline's members\n"))
        .onErrorResume(
            e ->
                ServerResponse.status(
                        e instanceof AuditorTokens.NoToken
                            ? HttpStatus.UNAUTHORIZED
                            : HttpStatus.BAD_REQUEST)
                    .contentType(MediaType.TEXT_PLAIN)
                    .bodyValue(e.getMessage() + "\n"));
  }

  private Mono<ServerResponse> me(ServerRequest request) {
    Mono<CsrfToken> csrf = request.exchange().getAttribute(CsrfToken.class.getName());
    return person(request)
        .flatMap(
            person ->
                (csrf == null ? Mono.<CsrfToken>empty() : csrf)
                    .map(token -> csrfJson(token))
                    .defaultIfEmpty("null")
                    .flatMap(
                        csrfJson ->
                            ServerResponse.ok()
                                .contentType(MediaType.APPLICATION_JSON)
                                .cacheControl(CacheControl.noStore())
                                .bodyValue(meJson(person, csrfJson))))
        .onErrorResume(e -> AuditorApiErrors.error(e, BACKEND));
  }

  private static String csrfJson(CsrfToken token) {
    return "{\"header\":"
        + AuditorJson.quote(token.getHeaderName())
        + ",\"token\":"
        + AuditorJson.quote(token.getToken())
        + "}";
  }

  private String meJson(Person person, String csrf) {
    NationalScheme scheme = federation.nation(person.nation());
    StringBuilder markings = new StringBuilder("[");
    if (scheme != null) {
      for (Level level : Level.values()) {
        for (String marking : scheme.markingsByLevel().getOrDefault(level, List.of())) {
          markings
              .append(markings.length() == 1 ? "" : ",")
              .append("{\"marking\":")
              .append(AuditorJson.quote(marking))
              .append(",\"level\":")
              .append(AuditorJson.quote(level.name()))
              .append('}');
        }
      }
    }
    markings.append(']');
    return "{\"username\":"
        + AuditorJson.quote(person.username())
        + ",\"nation\":"
        + AuditorJson.quote(person.nation())
        + ",\"clearance\":"
        + AuditorJson.quote(person.clearance())
        + ",\"role\":"
        + AuditorJson.quote(person.hotlineRole())
        + ",\"principal\":"
        + person.has(Roles.HOTLINE_PRINCIPAL)
        + ",\"markings\":"
        + markings
        + ",\"csrf\":"
        + csrf
        + "}";
  }

  private Mono<ServerResponse> conferences(ServerRequest request) {
    return person(request)
        .flatMap(calls::conferences)
        .flatMap(
            list -> {
              StringBuilder json = new StringBuilder("{\"conferences\":[");
              for (int i = 0; i < list.size(); i++) {
                ListConferencesResponse one = list.get(i);
                json.append(i == 0 ? "" : ",").append(AuditorJson.print(one));
              }
              return ok(json.append("]}").toString());
            })
        .onErrorResume(e -> AuditorApiErrors.error(e, BACKEND));
  }

  private Mono<ServerResponse> unary(
      ServerRequest request,
      java.util.function.Function<Person, Mono<? extends MessageOrBuilder>> call) {
    return person(request)
        .flatMap(call)
        .flatMap(answer -> ok(AuditorJson.print(answer)))
        .onErrorResume(e -> AuditorApiErrors.error(e, BACKEND));
  }

  private Mono<ServerResponse> withBody(
      ServerRequest request,
      java.util.function.BiFunction<
              Person, com.google.protobuf.Struct, Mono<? extends MessageOrBuilder>>
          call) {
    return person(request)
        .flatMap(
            person ->
                request
                    .bodyToMono(String.class)
                    .defaultIfEmpty("")
                    .map(HotlineRequests::body)
                    .flatMap(body -> call.apply(person, body)))
        .flatMap(answer -> ok(AuditorJson.print(answer)))
        .onErrorResume(e -> AuditorApiErrors.error(e, BACKEND));
  }

  private static Mono<ServerResponse> ok(String json) {
    return ServerResponse.ok()
        .contentType(MediaType.APPLICATION_JSON)
        .cacheControl(CacheControl.noStore())
        .bodyValue(json);
  }

  private static final ServerSentEvent<String> END = ServerSentEvent.<String>builder().build();

  private Mono<ServerResponse> watch(ServerRequest request) {
    return person(request)
        .flatMap(
            person -> {
              WatchRequest watch =
                  HotlineRequests.watch(
                      request.queryParam("conference").orElse(""),
                      request.queryParam("from").orElse(""),
                      request.headers().firstHeader("Last-Event-ID"));
              Flux<ServerSentEvent<String>> events =
                  calls
                      .watch(person, watch)
                      .map(HotlineApi::event)
                      // the stream has begun (200): a failure is the last event, for the page to
                      // show
                      .onErrorResume(e -> Flux.just(failure(e)))
                      .concatWith(Flux.just(END));
              // a comment now and then, so that no proxy closes a quiet conference's stream
              Flux<ServerSentEvent<String>> heartbeats =
                  Flux.interval(HEARTBEAT)
                      .map(i -> ServerSentEvent.<String>builder().comment("line open").build());
              Flux<ServerSentEvent<String>> stream =
                  Flux.merge(events, heartbeats).takeWhile(event -> event != END);
              return ServerResponse.ok()
                  .contentType(MediaType.TEXT_EVENT_STREAM)
                  .cacheControl(CacheControl.noStore())
                  .body(stream, new ParameterizedTypeReference<ServerSentEvent<String>>() {});
            })
        .onErrorResume(e -> AuditorApiErrors.error(e, BACKEND));
  }

  static ServerSentEvent<String> event(WatchResponse response) {
    String kind =
        switch (response.getEventCase()) {
          case MESSAGE -> "message";
          case RECEIPT -> "receipt";
          case LINK -> "link";
          case ALARM -> "alarm";
          case EVENT_NOT_SET -> "unknown";
        };
    ServerSentEvent.Builder<String> event =
        ServerSentEvent.builder(AuditorJson.print(response)).event(kind);
    if (!response.getCursor().isEmpty()) {
      event.id(response.getCursor());
    }
    return event.build();
  }

  static ServerSentEvent<String> failure(Throwable e) {
    Status status = Status.fromThrowable(e);
    String message =
        status.getDescription() != null
            ? status.getDescription()
            : BACKEND + " answered " + status.getCode();
    return ServerSentEvent.builder(
            "{\"error\":"
                + AuditorJson.quote(status.getCode().name())
                + ",\"message\":"
                + AuditorJson.quote(message)
                + "}")
        .event("failure")
        .build();
  }
}
