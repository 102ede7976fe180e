package org.alliedexchange.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.Decision;
import org.alliedexchange.api.audit.v1.DenyReason;
import org.alliedexchange.api.audit.v1.TransferRecord;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.audit.AuditServiceApplication;
import org.alliedexchange.audit.chain.Checkpoint;
import org.alliedexchange.audit.store.Checkpoints;
import org.alliedexchange.auditstream.AuditStreamWriter;
import org.alliedexchange.devservers.LocalKeycloak;
import org.alliedexchange.devservers.LocalPostgres;
import org.alliedexchange.devservers.LocalRedis;
import org.alliedexchange.gateway.auditors.ConsoleLogin;
import org.alliedexchange.label.NationalKey;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The auditor console in a real headless Chromium (Debian's chromium and chromium-driver), logging
 * in through the real Keycloak with the authorization code flow and PKCE at the gateway: the log,
 * the report with its chart, verification and export, all as an auditor sees them.
 */
class AuditorConsoleIT {

  static final int MAX_SESSIONS = 64;
  static Path dir;
  static LocalRedis redis;
  static LocalPostgres auditDatabase;
  static LocalKeycloak keycloak;
  static AuditServiceApplication.Running audit;
  static GatewayApplication.Running gateway;
  static int gatewayPort;
  WebDriver browser;

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("allied-console-");
    redis = LocalRedis.start(dir.resolve("redis"));
    try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      gatewayPort = socket.getLocalPort();
    }
    keycloak =
        LocalKeycloak.builder()
            .auditRedis(redis.url())
            .consoleUrl("http://127.0.0.1:" + gatewayPort)
            .start();

    auditDatabase = LocalPostgres.start(dir.resolve("audit").resolve("postgres"));
    Map<String, Object> auditProperties =
        AuditServiceApplication.localProperties(
            dir.resolve("audit"),
            auditDatabase.url(),
            redis.url(),
            keycloak.issuer(),
            URI.create(keycloak.issuer() + "/protocol/openid-connect/certs"));
    auditProperties.put("allied.audit.checkpoint-every", "200ms");
    BackendCertificates pki = new BackendCertificates(dir.resolve("pki"));
    audit = AuditServiceApplication.start(pki.audit(auditProperties));

    // the gateway needs a nation to serve; this test calls none of its exchange services
    Path korKey = dir.resolve("kor-key.pem");
    NationalKey.loadOrCreate(korKey).writePublicKeyBeside(korKey);
    Map<String, Object> properties =
        pki.gateway(
            GatewayApplication.localProperties(
                gatewayPort,
                keycloak.issuer(),
                URI.create(keycloak.issuer() + "/protocol/openid-connect/certs"),
                redis.url()));
    GatewayApplication.addNation(
        properties, "KOR", URI.create("https://127.0.0.1:1"), NationalKey.publicKeyFile(korKey));
    // the console's page is a backend port too: the gateway reaches it over mutual TLS
    GatewayApplication.addAuditService(
        properties,
        URI.create("https://127.0.0.1:" + audit.port()),
        URI.create("https://127.0.0.1:" + audit.consolePort()));
    // the in-memory session store's bound, scaled down from its 10,000 so a test can reach it
    properties.put("server.reactive.session.max-sessions", Integer.toString(MAX_SESSIONS));
    gateway = GatewayApplication.start(properties);

    // what the gateway would have recorded: KOR -> JPN released at SECRET twice, refused at TOP
    // SECRET once
    try (AuditStreamWriter writer =
        AuditStreamWriter.connect(redis.url(), "allied:audit", Duration.ofSeconds(2))) {
      writer.append(
          transfer(
              Decision.DECISION_PERMIT,
              "군사II급비밀",
              ClassificationLevel.CLASSIFICATION_LEVEL_SECRET,
              "p-secret-1"));
      writer.append(
          transfer(
              Decision.DECISION_PERMIT,
              "군사II급비밀",
              ClassificationLevel.CLASSIFICATION_LEVEL_SECRET,
              "p-secret-2"));
      writer.append(
          transfer(
              Decision.DECISION_DENY,
              "군사I급비밀",
              ClassificationLevel.CLASSIFICATION_LEVEL_TOP_SECRET,
              "p-top-secret"));
    }
    // the audit service has stored all three and signed a checkpoint over them: the log shows them,
    // the verification covers them
    Checkpoints checkpoints = audit.context().getBean(Checkpoints.class);
    Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              Checkpoint latest = checkpoints.latest("JPN-KOR");
              return latest != null && latest.sequence() == 3;
            });
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
    if (audit != null) {
      audit.close();
    }
    if (auditDatabase != null) {
      auditDatabase.close();
    }
    if (keycloak != null) {
      keycloak.close();
    }
    redis.close();
  }

  static AuditEvent transfer(
      Decision decision, String marking, ClassificationLevel level, String product) {
    Instant now = Instant.now();
    TransferRecord.Builder transfer =
        TransferRecord.newBuilder()
            .setTransferId(UUID.randomUUID().toString())
            .setDecision(decision)
            .setLabel(
                SecurityLabel.newBuilder()
                    .setPolicy("KOR")
                    .setOriginator("KOR")
                    .setMarking(marking)
                    .setLevel(level))
            .setRecipientNation("JPN")
            .setRecipientSystem("jpn-mod-reader")
            .setProductId(product)
            .setTopic("dprk.missile.launch")
            .setMethod("ExchangeService/Get")
            .setSourceNation("KOR");
    if (decision == Decision.DECISION_PERMIT) {
      transfer.setRecipientMarking("極秘").setAgreementId("KOR-JPN-GSOMIA-2016");
    } else {
      transfer.addReasons(DenyReason.DENY_REASON_LEVEL_NOT_COVERED);
    }
    return AuditEvent.newBuilder()
        .setEventId(transfer.getTransferId())
        .setSource("gateway")
        .setOccurredAt(
            Timestamp.newBuilder().setSeconds(now.getEpochSecond()).setNanos(now.getNano()))
        .setTransfer(transfer)
        .build();
  }

  @BeforeEach
  void openBrowser() throws Exception {
    browser = HeadlessChromium.open(dir);
  }

  @AfterEach
  void closeBrowser(org.junit.jupiter.api.TestInfo test) {
    HeadlessChromium.close(browser, test.getDisplayName());
  }

  WebElement await(By by) {
    return new WebDriverWait(browser, Duration.ofSeconds(30))
        .until(ExpectedConditions.visibilityOfElementLocated(by));
  }

  void logIn(String username) {
    browser.get("http://127.0.0.1:" + gatewayPort + "/console/");
    // the gateway sent the browser to Keycloak's login page, with a PKCE challenge
    new WebDriverWait(browser, Duration.ofSeconds(30))
        .until(ExpectedConditions.urlContains("/protocol/openid-connect/auth"));
    assertThat(browser.getCurrentUrl())
        .contains("code_challenge_method=S256", "code_challenge=", "client_id=allied-console");
    HeadlessChromium.signIn(browser, username, keycloak.password(username));
  }

  @Test
  void anAuditorLogsInThroughKeycloakAndReadsTheLogTheReportAndTheVerification() {
    logIn("jpn-auditor");
    new WebDriverWait(browser, Duration.ofSeconds(60))
        .until(ExpectedConditions.textToBePresentInElementLocated(By.id("who"), "auditor of JPN"));
    assertThat(browser.getCurrentUrl()).isEqualTo("http://127.0.0.1:" + gatewayPort + "/console/");

    // the log: both releases readable and re-marked for Japan, the refusal above the auditor's
    // clearance as its link only
    new WebDriverWait(browser, Duration.ofSeconds(30))
        .until(
            ExpectedConditions.textToBePresentInElementLocated(
                By.id("log-status"), "3 records shown"));
    List<WebElement> rows = browser.findElements(By.cssSelector("#records tbody tr"));
    assertThat(rows).hasSize(3);
    assertThat(rows.get(0).getText())
        .contains(
            "JPN-KOR #1", "released", "KOR → JPN", "jpn-mod-reader", "p-secret-1", "군사II급비밀 → 極秘");
    assertThat(rows.get(2).getText()).contains("above your clearance");
    assertThat(rows.get(2).getAttribute("class")).isEqualTo("redacted");

    // filters narrow the log
    new org.openqa.selenium.support.ui.Select(browser.findElement(By.name("decision")))
        .selectByValue("permit");
    browser.findElement(By.name("product")).sendKeys("p-secret-2");
    browser.findElement(By.id("search")).click();
    new WebDriverWait(browser, Duration.ofSeconds(30))
        .until(
            ExpectedConditions.textToBePresentInElementLocated(
                By.id("log-status"), "1 record shown"));
    assertThat(browser.findElement(By.cssSelector("#records tbody")).getText())
        .contains("p-secret-2")
        .doesNotContain("p-secret-1");

    // export, as the browser downloads it: CSV with the filters applied
    String csvLink = browser.findElement(By.id("export-csv")).getAttribute("href");
    assertThat(csvLink).contains("/audit/v1/export?", "product=p-secret-2", "format=csv");
    Object csv =
        ((org.openqa.selenium.JavascriptExecutor) browser)
            .executeAsyncScript(
                "const done = arguments[arguments.length - 1]; fetch(arguments[0]).then(r => r.text()).then(done, e => done('failed: ' + e));",
                csvLink);
    assertThat(csv.toString())
        .startsWith("relationship,sequence,")
        .contains("p-secret-2")
        .doesNotContain("p-secret-1");

    // the report, with the chart of the flows each way
    browser.findElement(By.cssSelector("nav button[data-tab=report]")).click();
    await(By.id("r-relationship")).sendKeys("JPN-KOR");
    browser.findElement(By.id("report-run")).click();
    await(By.id("report"));
    assertThat(browser.findElement(By.id("balance")).getText())
        .contains("KOR → JPN: 2", "JPN → KOR: 0");
    WebElement released =
        browser.findElement(
            By.cssSelector(
                "#flows-chart rect[data-direction='KOR>JPN'][data-level='SECRET'][data-kind='released']"));
    assertThat(released.getAttribute("data-value")).isEqualTo("2");
    assertThat(Double.parseDouble(released.getAttribute("height"))).isGreaterThan(0);
    assertThat(
            browser
                .findElement(
                    By.cssSelector(
                        "#flows-chart rect[data-direction='KOR>JPN'][data-level='TOP_SECRET'][data-kind='refused']"))
                .getAttribute("data-value"))
        .isEqualTo("1");
    assertThat(browser.findElement(By.cssSelector("#refusals tbody")).getText())
        .contains("LEVEL_NOT_COVERED");
    new WebDriverWait(browser, Duration.ofSeconds(30))
        .until(
            ExpectedConditions.textToBePresentInElementLocated(
                By.id("checkpoint"), "signature valid"));

    // verification of the chain
    browser.findElement(By.cssSelector("nav button[data-tab=verify]")).click();
    await(By.id("v-relationship")).sendKeys("JPN-KOR");
    browser.findElement(By.id("verify-run")).click();
    new WebDriverWait(browser, Duration.ofSeconds(30))
        .until(
            ExpectedConditions.textToBePresentInElementLocated(By.id("verify-status"), "Verified"));
    assertThat(browser.findElement(By.id("verify-status")).getText())
        .contains("verified 3 records of JPN-KOR");
  }

  @Test
  void anAuditorLogsOutAndInAgainRoundAfterRound() {
    // rounds on one browser's keep-alive connections: each login reaches the console, each logout
    // ends the session at the gateway and at Keycloak (a stalled connection here once hung a login
    // in ten) (KOR's auditor: the reads it makes are on KOR's own chain, not in the log the other
    // tests count)
    for (int round = 1; round <= 12; round++) {
      logIn("kor-auditor");
      new WebDriverWait(browser, Duration.ofSeconds(30))
          .withMessage("login " + round)
          .until(
              ExpectedConditions.textToBePresentInElementLocated(By.id("who"), "auditor of KOR"));
      browser.findElement(By.id("logout")).click();
      // Keycloak's session ended too: its form asks again instead of signing the auditor straight
      // back in
      new WebDriverWait(browser, Duration.ofSeconds(30))
          .withMessage("logout " + round)
          .until(ExpectedConditions.urlContains("/protocol/openid-connect/auth"));
      assertThat(await(By.id("username")).isDisplayed()).isTrue();
    }
    // the ended session reads nothing
    browser.get("http://127.0.0.1:" + gatewayPort + "/audit/v1/records?relationship=JPN-KOR");
    assertThat(browser.findElement(By.tagName("body")).getText())
        .contains("log in to the auditor console")
        .doesNotContain("p-secret-1");
    // a logout with no session left leads back to the console's login, not to a page of Spring's
    browser.get("http://127.0.0.1:" + gatewayPort + ConsoleLogin.LOGOUT_PATH);
    new WebDriverWait(browser, Duration.ofSeconds(30))
        .until(ExpectedConditions.urlContains("/protocol/openid-connect/auth"));
    // Spring's own login and logout pages are not the console's
    browser.get("http://127.0.0.1:" + gatewayPort + "/logout");
    assertThat(browser.findElements(By.cssSelector("form button"))).isEmpty();
  }

  @Test
  void aLoginThatFailsSaysWhyAndOffersNoLoop() {
    // a forged or replayed callback: no authorization request is pending in this browser's session
    browser.get(
        "http://127.0.0.1:" + gatewayPort + "/login/oauth2/code/keycloak?code=forged&state=forged");
    assertThat(browser.findElement(By.tagName("body")).getText())
        .startsWith("login to the auditor console failed:")
        .contains("start again at /console/");
    assertThat(browser.getCurrentUrl())
        .isEqualTo(
            "http://127.0.0.1:"
                + gatewayPort
                + "/login/oauth2/code/keycloak?code=forged&state=forged");
  }

  private static java.net.http.HttpResponse<String> unauthenticated(String path, String cookie)
      throws Exception {
    java.net.http.HttpRequest.Builder request =
        java.net.http.HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gatewayPort + path))
            .timeout(Duration.ofSeconds(10));
    if (cookie != null) {
      request.header("cookie", cookie);
    }
    return HTTP.send(request.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  private static final java.net.http.HttpClient HTTP =
      java.net.http.HttpClient.newBuilder()
          .version(java.net.http.HttpClient.Version.HTTP_1_1)
          .followRedirects(java.net.http.HttpClient.Redirect.NEVER)
          .build();

  /** The sessions the gateway's in-memory store holds. */
  private static int storedSessions() {
    org.springframework.web.server.session.DefaultWebSessionManager manager =
        (org.springframework.web.server.session.DefaultWebSessionManager)
            gateway
                .context()
                .getBean(org.springframework.web.server.session.WebSessionManager.class);
    return ((org.springframework.web.server.session.InMemoryWebSessionStore)
            manager.getSessionStore())
        .getSessions()
        .size();
  }

  @Test
  void unauthenticatedRequestsFarBeyondTheSessionStoresBoundLeaveNothingOnTheGatewayAndLoginsGoOn()
      throws Exception {
    int before = storedSessions();
    // five times what the session store holds, as a script would send them: each is sent to
    // Keycloak with a login started
    for (int i = 0; i < 5 * MAX_SESSIONS; i++) {
      java.net.http.HttpResponse<String> started =
          unauthenticated("/oauth2/authorization/keycloak", null);
      assertThat(started.statusCode()).isEqualTo(302);
      assertThat(started.headers().allValues("set-cookie"))
          .noneMatch(cookie -> cookie.startsWith("SESSION="));
      assertThat(unauthenticated("/console/", null).statusCode()).isEqualTo(302);
    }
    assertThat(storedSessions()).isLessThanOrEqualTo(before);

    // KOR's auditor: its reads land on KOR's own chain, not in the log the other tests count
    logIn("kor-auditor");
    new WebDriverWait(browser, Duration.ofSeconds(60))
        .until(ExpectedConditions.textToBePresentInElementLocated(By.id("who"), "auditor of KOR"));
  }

  @Test
  void aPendingLoginIsASealedCookieForTheCallbackOnlyAndAForgedOrAlteredOneIsRefused()
      throws Exception {
    java.net.http.HttpResponse<String> started =
        unauthenticated("/oauth2/authorization/keycloak", null);
    String setCookie =
        started.headers().allValues("set-cookie").stream()
            .filter(c -> c.startsWith("allied-console-login="))
            .findFirst()
            .orElseThrow();
    assertThat(setCookie.toLowerCase(java.util.Locale.ROOT))
        .contains("path=/login/oauth2/code/", "httponly", "samesite=lax", "max-age=600");
    String sealed = setCookie.substring(setCookie.indexOf('=') + 1, setCookie.indexOf(';'));
    String location = started.headers().firstValue("location").orElseThrow();
    String state =
        java.net.URLDecoder.decode(
            location.replaceAll(".*[?&]state=([^&]*).*", "$1"),
            java.nio.charset.StandardCharsets.UTF_8);
    String callback =
        "/login/oauth2/code/keycloak?code=forged&state="
            + java.net.URLEncoder.encode(state, java.nio.charset.StandardCharsets.UTF_8);

    // one character changed in the middle of the sealed value
    int middle = sealed.length() / 2;
    String altered =
        sealed.substring(0, middle)
            + (sealed.charAt(middle) == 'A' ? 'B' : 'A')
            + sealed.substring(middle + 1);
    // sealed by someone else, in the same form
    String forged = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(new byte[600]);
    for (String cookie : List.of(altered, forged)) {
      java.net.http.HttpResponse<String> refused =
          unauthenticated(callback, "allied-console-login=" + cookie);
      assertThat(refused.statusCode()).isEqualTo(401);
      assertThat(refused.body())
          .startsWith("login to the auditor console failed:")
          .contains("authorization_request_not_found");
    }
    // the genuine cookie opens: the forged code then fails at Keycloak, not for want of a login
    java.net.http.HttpResponse<String> genuine =
        unauthenticated(callback, "allied-console-login=" + sealed);
    assertThat(genuine.statusCode()).isEqualTo(401);
    assertThat(genuine.body())
        .startsWith("login to the auditor console failed:")
        .doesNotContain("authorization_request_not_found");
  }

  @Test
  void someoneWithoutTheAuditorRoleIsNotServedTheConsole() {
    logIn("federation-admin");
    new WebDriverWait(browser, Duration.ofSeconds(60))
        .until(ExpectedConditions.urlContains("/console/"));
    new WebDriverWait(browser, Duration.ofSeconds(30))
        .until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("body"), "lacks"));
    assertThat(browser.findElement(By.tagName("body")).getText())
        .contains("lacks the role auditor");
    assertThat(browser.findElements(By.id("records"))).isEmpty();
  }
}
