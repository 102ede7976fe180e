package org.alliedexchange.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The text `allied audit` prints for what the auditors' API answers, against a stand-in gateway
 * (AuditCommandIT uses the real one).
 */
class AuditCommandTest {

  private HttpServer gateway;
  private final List<String> asked = new CopyOnWriteArrayList<>();
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private int status = 200;
  private String body = "{}";
  private Path token;

  @BeforeEach
  void start(@TempDir Path dir) throws IOException {
    token = Files.writeString(dir.resolve("jpn-auditor.token"), "the-token\n");
    gateway = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    gateway.createContext(
        "/",
        exchange -> {
          asked.add(
              exchange.getRequestURI()
                  + " "
                  + exchange.getRequestHeaders().getFirst("Authorization"));
          byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(status, bytes.length);
          try (OutputStream response = exchange.getResponseBody()) {
            response.write(bytes);
          }
        });
    gateway.start();
  }

  @AfterEach
  void stop() {
    gateway.stop(0);
  }

  @Test
  void queryPrintsALinePerRecordAndTheCursorOnStderr() {
    body =
        """
        {"records": [
          {"relationship": "JPN-KOR", "sequence": "1", "label": {"release": {"marking": "極秘"}},
           "event": {"occurredAt": "2026-11-01T09:00:00Z", "transfer": {"decision": "DECISION_DENY",
             "label": {"originator": "JPN", "marking": "極秘"}, "recipientNation": "KOR", "recipientSystem": "kor-reader",
             "productId": "p-1", "reasons": ["DENY_REASON_NOT_RELEASABLE_TO_NATION", "DENY_REASON_LEVEL_NOT_COVERED"]}}},
          {"relationship": "JPN-KOR", "sequence": "2", "redacted": true}],
         "withheld": 1, "withheldReasons": "above clearance", "nextCursor": "JPN-KOR:2"}
        """;

    int exit = run("audit", "query", "--relationship", "JPN-KOR", "--decision", "deny");

    assertThat(exit).isZero();
    assertThat(stdout())
        .isEqualTo(
            """
        JPN-KOR #1  2026-11-01T09:00:00Z  DENY  JPN->KOR  kor-reader  p-1  極秘  [極秘]  NOT_RELEASABLE_TO_NATION,LEVEL_NOT_COVERED
        JPN-KOR #2  (above your clearance: chain link only)
        """);
    assertThat(stderr())
        .isEqualTo("withheld by the gateway: 1 (above clearance)\nmore: --cursor JPN-KOR:2\n");
    assertThat(asked)
        .containsExactly(
            "/audit/v1/records?relationship=JPN-KOR&decision=deny&page-size=100 Bearer the-token");
  }

  @Test
  void reportPrintsTheBalanceFlowsRefusalsAndChanges() {
    body =
        """
        {"relationship": "JPN-KOR", "fromDay": "2026-11-01", "toDay": "2026-11-30", "label": {"release": {"marking": "極秘"}},
         "balance": {"a": "JPN", "b": "KOR", "aToB": "0", "bToA": "5", "difference": "-5"},
         "flows": [{"from": "KOR", "to": "JPN", "level": "CLASSIFICATION_LEVEL_SECRET", "released": "5", "refused": "0"}],
         "refusals": [{"from": "JPN", "to": "KOR", "reason": "DENY_REASON_NOT_RELEASABLE_TO_NATION", "count": "1"}],
         "agreementChanges": [{"effectiveAt": "2026-11-02T00:00:00Z", "agreementId": "KOR-JPN-GSOMIA-2016",
           "previousStatus": "AGREEMENT_STATUS_IN_FORCE", "status": "AGREEMENT_STATUS_SUSPENDED", "changedBy": "federation-automation",
           "reason": "drill"}],
         "identityChanges": [], "checkpoint": {"sequence": "6", "issuedAt": "2026-11-30T00:00:00Z"}, "checkpointSignatureValid": true}
        """;

    int exit = run("audit", "report", "--relationship", "JPN-KOR", "--from", "2026-11-01");

    assertThat(exit).isZero();
    assertThat(stdout())
        .isEqualTo(
            """
        Compliance report JPN-KOR, 2026-11-01 to 2026-11-30 (marked 極秘)
          released JPN->KOR: 0, KOR->JPN: 5, balance -5
          flows:
            KOR->JPN  SECRET  released 5, refused 0
          refusals:
            JPN->KOR  NOT_RELEASABLE_TO_NATION  1
          agreement changes:
            2026-11-02T00:00:00Z  KOR-JPN-GSOMIA-2016  IN_FORCE -> SUSPENDED  by federation-automation: drill
          identity changes: []
          dead letters: 0 (and 0 unattributed, shown in every report)
          checkpoint: record 6 at 2026-11-30T00:00:00Z, signature valid
        """);
    assertThat(asked)
        .containsExactly("/audit/v1/report?relationship=JPN-KOR&from=2026-11-01 Bearer the-token");
  }

  @Test
  void aRefusalIsOneLineWithTheGatewaysCodeAndExitOne() {
    status = 403;
    body = "{\"error\": \"PERMISSION_DENIED\", \"message\": \"JPN is not party to KOR-USA\"}";

    int exit = run("audit", "verify", "--relationship", "KOR-USA");

    assertThat(exit).isEqualTo(1);
    assertThat(stdout()).isEmpty();
    assertThat(stderr())
        .isEqualTo("allied audit verify: PERMISSION_DENIED: JPN is not party to KOR-USA\n");
  }

  @Test
  void anAnswerThatIsNotJsonIsShownAsItCame() {
    status = 502;
    body = "upstream unavailable";

    int exit = run("audit", "export", "--relationship", "JPN-KOR");

    assertThat(exit).isEqualTo(1);
    assertThat(stderr()).isEqualTo("allied audit export: HTTP 502: upstream unavailable\n");
  }

  @Test
  void verifyReportRefusesAFileThatIsNoReportWithAReasonAndExitThree(@TempDir Path dir)
      throws IOException {
    Path key = dir.resolve("checkpoint-key.pem");
    org.alliedexchange.label.NationalKey.loadOrCreate(key).writePublicKeyBeside(key);
    String trusted = org.alliedexchange.label.NationalKey.publicKeyFile(key).toString();
    Path huge = dir.resolve("huge.json");
    Files.write(huge, new byte[3 << 20]);
    Path typed = dir.resolve("typed.json");
    Files.writeString(typed, "{\"relationship\": \"JPN-KOR\", \"balance\": \"lots\"}");
    Path unsigned = dir.resolve("unsigned.json");
    Files.writeString(unsigned, "{\"relationship\": \"JPN-KOR\", \"fromDay\": \"2026-11-01\"}");

    assertThat(run("audit", "verify-report", huge.toString(), "--key", trusted, "--offline"))
        .isEqualTo(3);
    assertThat(run("audit", "verify-report", typed.toString(), "--key", trusted, "--offline"))
        .isEqualTo(3);
    assertThat(run("audit", "verify-report", unsigned.toString(), "--key", trusted, "--offline"))
        .isEqualTo(3);
    assertThat(stdout())
        .contains(
            "NOT VERIFIED (malformed): "
                + huge
                + ": the file is 1048577 bytes; a signed report is at most 1048576",
            "NOT VERIFIED (malformed): " + typed + ": the file is not a signed compliance report:",
            "NOT VERIFIED (malformed): " + unsigned + ": the file carries no signature")
        .doesNotContain("Exception");
    assertThat(stderr()).isEmpty();
    // nothing was asked of the gateway: offline
    assertThat(asked).isEmpty();
    assertThat(
            run("audit", "verify-report", dir.resolve("missing.json").toString(), "--key", trusted))
        .isEqualTo(1);
    assertThat(stderr()).contains("no such file");
  }

  private int run(String... args) {
    List<String> all = new java.util.ArrayList<>(List.of(args));
    all.addAll(
        List.of(
            "--gateway",
            "http://127.0.0.1:" + gateway.getAddress().getPort(),
            "--token-file",
            token.toString()));
    return Allied.commandLine(new ByteArrayInputStream(new byte[0]), out, err, Clock.systemUTC())
        .execute(all.toArray(String[]::new));
  }

  private String stdout() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }
}
