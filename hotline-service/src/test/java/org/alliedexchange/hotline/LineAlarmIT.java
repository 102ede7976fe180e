package org.alliedexchange.hotline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.alliedexchange.accesstoken.TestTokens;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.HotlineEvent;
import org.alliedexchange.api.hotline.v1.AcknowledgeAlarmRequest;
import org.alliedexchange.api.hotline.v1.Alarm;
import org.alliedexchange.api.hotline.v1.AlarmKind;
import org.alliedexchange.api.hotline.v1.EscalationLevel;
import org.alliedexchange.api.hotline.v1.GetStatusRequest;
import org.alliedexchange.api.hotline.v1.GetStatusResponse;
import org.alliedexchange.api.hotline.v1.HotlineServiceGrpc;
import org.alliedexchange.api.hotline.v1.LinkState;
import org.alliedexchange.api.hotline.v1.PeerLink;
import org.alliedexchange.auditstream.AuditStreamReader;
import org.alliedexchange.auditstream.AuditWriter;
import org.alliedexchange.devservers.LocalPostgres;
import org.alliedexchange.devservers.LocalRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A KOR node whose peers never answer (it has no gateway): the links go RED, each raises an alarm
 * that repeats and escalates, a watch officer may no longer acknowledge it once it reached the
 * adviser, the adviser does over gRPC and it stops; the other alarm outlives a restart of the node.
 */
class LineAlarmIT {

  static Path data;
  static LocalRedis redis;
  static LocalPostgres postgres;
  static TestTokens tokens;

  @BeforeAll
  static void start() throws Exception {
    data = Files.createTempDirectory("allied-hotline-line-");
    redis = LocalRedis.start(data.resolve("redis"));
    postgres = LocalPostgres.start(data.resolve("postgres"));
    tokens = new TestTokens();
  }

  @AfterAll
  static void stop() {
    tokens.close();
    postgres.close();
    redis.close();
  }

  @Test
  void aRedLinkRaisesAnAlarmThatEscalatesUntilAcknowledgedOverGrpcAndOutlivesARestart() {
    String jpnAlarm;
    String usaAlarm;
    try (HotlineServiceApplication.Running node =
        HotlineServiceApplication.start(properties(), null)) {
      ManagedChannel channel = channel(node.port());
      try {
        GetStatusResponse red =
            await()
                .atMost(Duration.ofSeconds(20))
                .until(
                    () -> status(channel, "kor-watch-officer"),
                    s ->
                        s.getLinksList().stream()
                                .allMatch(l -> l.getState() == LinkState.LINK_STATE_RED)
                            && linkAlarms(s).size() == 2);
        assertThat(red.getLinksList()).extracting(PeerLink::getPeer).containsExactly("JPN", "USA");
        jpnAlarm = alarmOf(red, "JPN").getId();
        usaAlarm = alarmOf(red, "USA").getId();
        assertThat(alarmOf(red, "JPN").getDetail()).contains("the link to JPN is RED");

        await()
            .atMost(Duration.ofSeconds(20))
            .until(
                () -> alarmOf(status(channel, "kor-watch-officer"), "JPN").getLevel(),
                level -> level == EscalationLevel.ESCALATION_LEVEL_ADVISER);
        assertThatThrownBy(() -> acknowledge(channel, "kor-watch-officer", jpnAlarm))
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e -> {
                  assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
                  assertThat(e.getStatus().getDescription()).contains("escalated to ADVISER");
                });

        Alarm acknowledged = acknowledge(channel, "kor-nsa", jpnAlarm);

        assertThat(acknowledged.getAcknowledgedBy()).isEqualTo("kor-nsa");
        assertThat(linkAlarms(status(channel, "kor-watch-officer")))
            .extracting(Alarm::getPeer)
            .containsExactly("USA");
        int steps = steps(jpnAlarm).size();
        // the acknowledged alarm is quiet for longer than two of its repeats; the other goes on
        int usaSteps = steps(usaAlarm).size();
        await()
            .during(Duration.ofMillis(2500))
            .atMost(Duration.ofSeconds(5))
            .until(() -> steps(jpnAlarm).size() == steps);
        assertThat(steps(usaAlarm).size()).isGreaterThan(usaSteps);
        assertThat(steps(jpnAlarm))
            .startsWith("RAISED", "REPEATED")
            .contains("ESCALATED:ADVISER")
            .endsWith("ACKNOWLEDGED");
      } finally {
        channel.shutdownNow();
      }
    }

    try (HotlineServiceApplication.Running node =
        HotlineServiceApplication.start(properties(), null)) {
      ManagedChannel channel = channel(node.port());
      try {
        List<Alarm> open = linkAlarms(status(channel, "kor-principal"));
        assertThat(open).extracting(Alarm::getId).containsExactly(usaAlarm);
        assertThat(open.get(0).getLevel())
            .isNotEqualTo(EscalationLevel.ESCALATION_LEVEL_WATCH_OFFICER);
        assertThat(acknowledge(channel, "kor-principal", usaAlarm).getAcknowledgedBy())
            .isEqualTo("kor-principal");
      } finally {
        channel.shutdownNow();
      }
    }
  }

  private static Map<String, Object> properties() {
    Map<String, Object> properties =
        HotlineServiceApplication.localProperties(
            "KOR", data.resolve("kor"), postgres.url(), redis.url(), tokens.issuer, tokens.jwks());
    // as deployed: the node works as a role granted only what afterMigrate.sql grants
    properties.putAll(postgres.serviceProperties("allied.hotline.database"));
    properties.put("allied.hotline.tls.insecure-plaintext", "true");
    properties.put("allied.hotline.probe-interval", "200ms");
    properties.put("allied.hotline.alarm-repeat", "1s");
    properties.put("allied.hotline.escalate-after", "2s");
    return properties;
  }

  private static ManagedChannel channel(int port) {
    return NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
  }

  private static HotlineServiceGrpc.HotlineServiceBlockingStub as(
      ManagedChannel channel, String username) {
    String role =
        username.endsWith("principal")
            ? "hotline-principal"
            : username.endsWith("nsa") ? "hotline-adviser" : "hotline-watch-officer";
    Metadata nation = new Metadata();
    nation.put(Metadata.Key.of("allied-nation", Metadata.ASCII_STRING_MARSHALLER), "KOR");
    return HotlineServiceGrpc.newBlockingStub(channel)
        .withInterceptors(MetadataUtils.newAttachHeadersInterceptor(nation))
        .withCallCredentials(
            TestTokens.bearer(
                tokens.personToken(
                    "allied-console",
                    username,
                    "KOR",
                    "SECRET",
                    List.of(),
                    List.of("hotline-member", role))))
        .withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  private static GetStatusResponse status(ManagedChannel channel, String username) {
    return as(channel, username).getStatus(GetStatusRequest.getDefaultInstance());
  }

  private static Alarm acknowledge(ManagedChannel channel, String username, String alarmId) {
    return as(channel, username)
        .acknowledgeAlarm(AcknowledgeAlarmRequest.newBuilder().setAlarmId(alarmId).build())
        .getAlarm();
  }

  private static List<Alarm> linkAlarms(GetStatusResponse status) {
    return status.getOpenAlarmsList().stream()
        .filter(a -> a.getKind() == AlarmKind.ALARM_KIND_LINK_RED)
        .toList();
  }

  private static Alarm alarmOf(GetStatusResponse status, String peer) {
    return linkAlarms(status).stream()
        .filter(a -> a.getPeer().equals(peer))
        .findFirst()
        .orElseThrow();
  }

  /** The alarm's steps as the audit stream holds them. */
  private static List<String> steps(String alarmId) {
    return AuditStreamReader.readAll(
            redis.url(), LocalRedis.NATIONS.stream().map(AuditWriter::hotline).toList())
        .stream()
        .filter(AuditEvent::hasHotline)
        .map(AuditEvent::getHotline)
        .filter(e -> e.getKind() == HotlineEvent.Kind.ALARM && e.getAlarmId().equals(alarmId))
        .map(HotlineEvent::getAlarmStep)
        .toList();
  }
}
