package org.alliedexchange.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.Timestamp;
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
import org.openqa.selenium.JavascriptExecutor;
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
  static final int SESSIONS_PER_PERSON = 3;
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
    // picked now, bound after Keycloak's start: from below the outgoing range
    gatewayPort = org.alliedexchange.devservers.LoopbackPorts.free();
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
    properties.put(
        "allied.gateway.console.max-sessions-per-person", Integer.toString(SESSIONS_PER_PERSON));
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
  void anAuditorLogsInThroughKeycloakAndReadsTheLogTheReportAndTheVerification() throws Exception {
    logIn("jpn-auditor");
    new WebDriverWait(browser, Duration.ofSeconds(60))
        .until(ExpectedConditions.textToBePresentInElementLocated(By.id("who"), "auditor of JPN"));
    assertThat(browser.getCurrentUrl()).isEqualTo("http://127.0.0.1:" + gatewayPort + "/console/");
    // the person, not the client they logged in through
    assertThat(browser.findElement(By.id("who")).getText())
        .isEqualTo("jpn-auditor · auditor of JPN (Japan) · cleared SECRET")
        .doesNotContain("allied-console");
    // every form offers exactly the relationships a JPN auditor reads, the first chosen
    assertThat(options("f-relationship")).containsExactly("JPN-KOR", "JPN-USA", "JPN", "");
    assertThat(options("r-relationship")).containsExactly("JPN-KOR", "JPN-USA");
    assertThat(options("v-relationship")).containsExactly("JPN-KOR", "JPN-USA", "JPN");
    assertThat(chosen("r-relationship")).isEqualTo("JPN-KOR");
    assertThat(chosen("v-relationship")).isEqualTo("JPN-KOR");

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
    // the markings are drawn as glyphs, each its own, not as the same empty box
    markingsRenderAsGlyphs();
    // keyboard and contrast: WCAG 2.1 A and AA on the log
    assertThat(AxeCore.violations(browser)).as("axe on the transfer log").isEmpty();

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

    // the report, with the chart of the flows each way; the period's presets fill both days
    browser.findElement(By.cssSelector("nav button[data-tab=report]")).click();
    await(By.id("r-relationship"));
    java.time.LocalDate today = java.time.LocalDate.now(java.time.ZoneOffset.UTC);
    browser.findElement(By.cssSelector("#report-form button[data-preset='90']")).click();
    assertThat(browser.findElement(By.id("r-from")).getAttribute("value"))
        .isEqualTo(today.minusDays(89).toString());
    assertThat(browser.findElement(By.id("r-to")).getAttribute("value"))
        .isEqualTo(today.toString());
    browser.findElement(By.cssSelector("#report-form button[data-preset='month']")).click();
    assertThat(browser.findElement(By.id("r-from")).getAttribute("value"))
        .isEqualTo(today.withDayOfMonth(1).toString());
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
    chartHasFullLevelNamesALegendAndCounts();
    assertThat(browser.findElement(By.id("fact-auditor")).getText()).isEqualTo("jpn-auditor (JPN)");
    assertThat(AxeCore.violations(browser)).as("axe on the report").isEmpty();
    theReportPrintsAsADocument();
    theSignedReportDownloadsAndVerifiesAndATamperedOneIsRefused();

    // verification of the chain
    browser.findElement(By.cssSelector("nav button[data-tab=verify]")).click();
    await(By.id("v-relationship"));
    browser.findElement(By.id("verify-run")).click();
    new WebDriverWait(browser, Duration.ofSeconds(30))
        .until(
            ExpectedConditions.textToBePresentInElementLocated(By.id("verify-status"), "Verified"));
    assertThat(browser.findElement(By.id("verify-status")).getText())
        .contains("verified 3 records of JPN-KOR");
    assertThat(AxeCore.violations(browser)).as("axe on the verification").isEmpty();
    // the tabs are reached and switched by keyboard alone
    WebElement verifyTab = browser.findElement(By.id("tab-button-verify"));
    verifyTab.sendKeys(org.openqa.selenium.Keys.ARROW_LEFT);
    assertThat(browser.findElement(By.id("tab-report")).isDisplayed()).isTrue();
    assertThat(browser.switchTo().activeElement().getAttribute("id"))
        .isEqualTo("tab-button-report");
  }

  List<String> options(String select) {
    return browser.findElements(By.cssSelector("#" + select + " option")).stream()
        .map(option -> option.getAttribute("value"))
        .toList();
  }

  String chosen(String select) {
    return new org.openqa.selenium.support.ui.Select(browser.findElement(By.id(select)))
        .getFirstSelectedOption()
        .getAttribute("value");
  }

  /**
   * A screenshot of each character of 極秘 and 군사II급비밀, drawn as the page draws markings (its own
   * marking() and stylesheet): each must differ from every other and from the box drawn for a
   * character no font has. Without a Korean and Japanese face every one of them is that same box,
   * and this fails.
   */
  void markingsRenderAsGlyphs() throws Exception {
    JavascriptExecutor js = (JavascriptExecutor) browser;
    List<String> characters = List.of("極", "秘", "군", "사", "급", "비", "밀", "\u0378");
    js.executeScript(
        "const box = document.createElement('div'); box.id = 'glyph-check';"
            + "box.style.background = '#fff'; box.style.color = '#000';"
            + "arguments[0].forEach((c, i) => { const s = marking(c); s.id = 'glyph-' + i;"
            + " s.style.display = 'inline-block'; s.style.width = '64px'; s.style.height = '64px';"
            + " s.style.fontSize = '48px'; s.style.lineHeight = '64px'; s.style.textAlign = 'center';"
            + " box.appendChild(s); });"
            + "document.body.appendChild(box);",
        characters);
    List<int[]> pixels = new java.util.ArrayList<>();
    for (int i = 0; i < characters.size(); i++) {
      byte[] png =
          browser
              .findElement(By.id("glyph-" + i))
              .getScreenshotAs(org.openqa.selenium.OutputType.BYTES);
      java.awt.image.BufferedImage image =
          javax.imageio.ImageIO.read(new java.io.ByteArrayInputStream(png));
      pixels.add(
          image.getRGB(0, 0, image.getWidth(), image.getHeight(), null, 0, image.getWidth()));
    }
    js.executeScript("document.getElementById('glyph-check').remove()");
    int[] noGlyph = pixels.get(characters.size() - 1);
    for (int i = 0; i < characters.size() - 1; i++) {
      assertThat(java.util.Arrays.stream(pixels.get(i)).anyMatch(p -> (p & 0xffffff) < 0x808080))
          .as("%s leaves ink", characters.get(i))
          .isTrue();
      assertThat(java.util.Arrays.equals(pixels.get(i), noGlyph))
          .as("%s is drawn as a glyph, not as the box of a missing one", characters.get(i))
          .isFalse();
      for (int j = 0; j < i; j++) {
        assertThat(java.util.Arrays.equals(pixels.get(i), pixels.get(j)))
            .as("%s and %s are drawn differently", characters.get(i), characters.get(j))
            .isFalse();
      }
    }
  }

  void chartHasFullLevelNamesALegendAndCounts() {
    assertThat(
            browser
                .findElements(
                    By.cssSelector("#flows-chart [data-direction='KOR>JPN'] text.level-name"))
                .stream()
                .map(WebElement::getText)
                .toList())
        .containsExactly("UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL", "SECRET", "TOP SECRET");
    assertThat(
            browser
                .findElement(By.cssSelector("#flows-chart [data-legend-text=released]"))
                .getText())
        .startsWith("Released");
    assertThat(
            browser
                .findElement(By.cssSelector("#flows-chart [data-legend-text=refused]"))
                .getText())
        .startsWith("Refused");
    // the legend's swatches are the bars' colours
    JavascriptExecutor js = (JavascriptExecutor) browser;
    Object fills =
        js.executeScript(
            "const f = s => getComputedStyle(document.querySelector(s)).fill;"
                + "return [f('#flows-chart [data-legend=released]'), f(\"#flows-chart rect[data-kind=released]\"),"
                + " f('#flows-chart [data-legend=refused]'), f(\"#flows-chart rect[data-kind=refused]\")];");
    List<?> colours = (List<?>) fills;
    assertThat(colours.get(0)).isEqualTo(colours.get(1)).isNotEqualTo(colours.get(2));
    assertThat(colours.get(2)).isEqualTo(colours.get(3));
    assertThat(
            browser
                .findElement(
                    By.cssSelector("#flows-chart [data-count-for='KOR>JPN:SECRET:released']"))
                .getText())
        .isEqualTo("2");
    assertThat(
            browser
                .findElement(
                    By.cssSelector("#flows-chart [data-count-for='KOR>JPN:TOP_SECRET:refused']"))
                .getText())
        .isEqualTo("1");
    // from 1 to 1,000,000: drawn from such figures, the scale turns logarithmic, every bar is
    // seen, every count is printed whole, and no two level names (nor the legend's lines) overlap
    Object drawn =
        js.executeAsyncScript(
            "const done = arguments[arguments.length - 1];"
                + "const flows = [{from: 'KOR', to: 'JPN', level: 'CLASSIFICATION_LEVEL_SECRET', released: '1000000', refused: '1'},"
                + " {from: 'KOR', to: 'JPN', level: 'CLASSIFICATION_LEVEL_CONFIDENTIAL', released: '37', refused: '0'}];"
                + "const svg = document.getElementById('flows-chart');"
                + "chart(svg, flows, ['KOR>JPN', 'JPN>KOR'], wantsLogarithmic(flows));"
                + "const h = s => Number(svg.querySelector(s).getAttribute('height'));"
                + "const names = Array.from(svg.querySelectorAll(\"[data-direction='KOR>JPN'] text.level-name\")).map(t => t.getBBox());"
                + "const legend = Array.from(svg.querySelectorAll('[data-legend-text]')).map(t => t.getBBox());"
                + "const overlap = names.some((b, i) => i > 0 && names[i - 1].x + names[i - 1].width > b.x)"
                + " || legend[0].y + legend[0].height > legend[1].y"
                + " || Array.from(svg.querySelectorAll('text')).some(t => t.getBBox().x < 0 || t.getBBox().x + t.getBBox().width > 860);"
                + "const ticks = Array.from(svg.querySelectorAll(\"[data-direction='KOR>JPN'] text.tick\")).map(t => t.textContent);"
                + "done({logarithmic: wantsLogarithmic(flows), one: h(\"rect[data-direction='KOR>JPN'][data-level=SECRET][data-kind=refused]\"),"
                + " million: h(\"rect[data-direction='KOR>JPN'][data-level=SECRET][data-kind=released]\"),"
                + " count: svg.querySelector(\"[data-count-for='KOR>JPN:SECRET:released']\").textContent,"
                + " overlap, ticks: ticks.join(' ')});"
                + "drawChart();");
    Map<?, ?> big = (Map<?, ?>) drawn;
    assertThat(big.get("logarithmic")).isEqualTo(true);
    assertThat(((Number) big.get("one")).doubleValue()).isGreaterThanOrEqualTo(3);
    assertThat(((Number) big.get("million")).doubleValue())
        .isGreaterThan(((Number) big.get("one")).doubleValue() * 5);
    assertThat(big.get("count")).isEqualTo("1,000,000");
    assertThat(big.get("overlap")).isEqualTo(false);
    assertThat(big.get("ticks").toString()).contains("1", "1,000", "1M");
  }

  /**
   * Printed, the report is the document alone: no navigation or forms, headed by what it covers.
   */
  void theReportPrintsAsADocument() {
    org.openqa.selenium.chromium.HasCdp cdp = (org.openqa.selenium.chromium.HasCdp) browser;
    cdp.executeCdpCommand("Emulation.setEmulatedMedia", Map.of("media", "print"));
    try {
      assertThat(browser.findElement(By.tagName("nav")).isDisplayed()).isFalse();
      assertThat(browser.findElement(By.id("report-form")).isDisplayed()).isFalse();
      assertThat(browser.findElement(By.id("report-download")).isDisplayed()).isFalse();
      assertThat(browser.findElement(By.id("flows-chart")).isDisplayed()).isTrue();
      assertThat(browser.findElement(By.id("flows")).isDisplayed()).isTrue();
      assertThat(browser.findElement(By.cssSelector(".document-head")).getText())
          .contains(
              "Bilateral compliance report",
              "JPN – KOR",
              "jpn-auditor (JPN)",
              "record 3 of JPN-KOR");
    } finally {
      cdp.executeCdpCommand("Emulation.setEmulatedMedia", Map.of("media", ""));
    }
  }

  /**
   * The download the review takes away: the report signed by the audit service, carrying its
   * checkpoint; it verifies against the service's key and checkpoints, and a changed figure does
   * not.
   */
  void theSignedReportDownloadsAndVerifiesAndATamperedOneIsRefused() throws Exception {
    String link = browser.findElement(By.id("report-download")).getAttribute("href");
    assertThat(link).contains("/audit/v1/report?", "relationship=JPN-KOR", "format=signed");
    Object fetched =
        ((JavascriptExecutor) browser)
            .executeAsyncScript(
                "const done = arguments[arguments.length - 1];"
                    + "fetch(arguments[0]).then(r => r.text().then(t => done([r.headers.get('content-disposition'), t])),"
                    + " e => done(['failed', String(e)]));",
                link);
    List<?> answer = (List<?>) fetched;
    assertThat(String.valueOf(answer.get(0)))
        .startsWith("attachment; filename=\"compliance-report-JPN-KOR-");
    byte[] file = answer.get(1).toString().getBytes(java.nio.charset.StandardCharsets.UTF_8);
    java.security.PublicKey serviceKey =
        org.alliedexchange.label.NationalKey.publicKey(
            Files.readString(
                org.alliedexchange.label.NationalKey.publicKeyFile(
                    dir.resolve("audit").resolve("checkpoint-key.pem"))));
    Checkpoints checkpoints = audit.context().getBean(Checkpoints.class);
    org.alliedexchange.audit.chain.SignedReportVerifier.IssuedCheckpoints issued =
        (relationship, sequence) -> {
          Checkpoint held = checkpoints.at(relationship, sequence);
          return held == null
              ? null
              : org.alliedexchange.api.audit.v1.Checkpoint.newBuilder()
                  .setRelationship(held.relationship())
                  .setSequence(held.sequence())
                  .setHeadHash(com.google.protobuf.ByteString.copyFrom(held.headHash()))
                  .setIssuedAt(org.alliedexchange.label.WireMapping.timestamp(held.issuedAt()))
                  .setSignature(com.google.protobuf.ByteString.copyFrom(held.signature()))
                  .build();
        };
    var report = org.alliedexchange.audit.chain.SignedReportVerifier.read(file);
    var verdict =
        org.alliedexchange.audit.chain.SignedReportVerifier.verify(report, serviceKey, issued);
    assertThat(verdict.verified()).as(verdict.detail()).isTrue();
    assertThat(report.getCheckpoint().getSequence()).isEqualTo(3);
    assertThat(report.getSignature().getRequestedBy()).isEqualTo("jpn-auditor (JPN)");
    String text = new String(file, java.nio.charset.StandardCharsets.UTF_8);
    assertThat(text).contains("\"released\":\"2\"");
    var tampered =
        org.alliedexchange.audit.chain.SignedReportVerifier.verify(
            org.alliedexchange.audit.chain.SignedReportVerifier.read(
                text.replace("\"released\":\"2\"", "\"released\":\"20\"")
                    .getBytes(java.nio.charset.StandardCharsets.UTF_8)),
            serviceKey,
            issued);
    assertThat(tampered.failure())
        .isEqualTo(org.alliedexchange.audit.chain.SignedReportVerifier.Failure.TAMPERED);
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
      if (round == 1) {
        // KOR's auditor is offered KOR's relationships, not JPN's
        assertThat(browser.findElement(By.id("who")).getText()).startsWith("kor-auditor · ");
        assertThat(options("f-relationship")).containsExactly("JPN-KOR", "KOR-USA", "KOR", "");
        assertThat(options("r-relationship")).containsExactly("JPN-KOR", "KOR-USA");
        assertThat(options("v-relationship")).containsExactly("JPN-KOR", "KOR-USA", "KOR");
      }
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
  void aPersonHoldsAtMostSoManySessionsAndEachNewLoginEndsTheirLeastRecentlyUsed()
      throws Exception {
    // one person logging in again and again, as from many browsers (Keycloak's own session signs
    // each new gateway session straight in): the attack that would fill the session store
    List<String> sessions = new java.util.ArrayList<>();
    // more logins than the whole store holds
    int logins = MAX_SESSIONS + 4;
    for (int i = 0; i < logins; i++) {
      if (i == 0) {
        logIn("kor-auditor");
      } else {
        // a new browser session: straight to the login, which Keycloak's session signs in at
        // once, then the console (the page to return to is not what this test is about)
        browser.manage().deleteCookieNamed("SESSION");
        browser.get("http://127.0.0.1:" + gatewayPort + "/oauth2/authorization/keycloak");
        new WebDriverWait(browser, Duration.ofSeconds(30))
            .withMessage("signed in " + i)
            .until(driver -> driver.manage().getCookieNamed("SESSION") != null);
        browser.get("http://127.0.0.1:" + gatewayPort + "/console/");
      }
      new WebDriverWait(browser, Duration.ofSeconds(30))
          .withMessage("login " + i)
          .until(
              ExpectedConditions.textToBePresentInElementLocated(By.id("who"), "auditor of KOR"));
      sessions.add(browser.manage().getCookieNamed("SESSION").getValue());
    }

    assertThat(sessions).doesNotHaveDuplicates();
    // only the newest few still read; every older one was ended by a later login
    for (int i = 0; i < logins; i++) {
      int status =
          unauthenticated("/audit/v1/records?relationship=KOR", "SESSION=" + sessions.get(i))
              .statusCode();
      assertThat(status)
          .as("session of login " + i)
          .isEqualTo(i < logins - SESSIONS_PER_PERSON ? 401 : 200);
    }
    // and another person, in a browser of their own, still logs in: the store was never full
    HeadlessChromium.close(browser, "the first person's browser");
    browser = HeadlessChromium.open(dir);
    logIn("federation-admin");
    new WebDriverWait(browser, Duration.ofSeconds(60))
        .until(ExpectedConditions.textToBePresentInElementLocated(By.tagName("body"), "lacks"));
    assertThat(browser.manage().getCookieNamed("SESSION")).isNotNull();
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
