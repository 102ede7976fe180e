package org.alliedexchange.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.alliedexchange.api.hotline.v1.Alarm;
import org.alliedexchange.api.hotline.v1.AlarmKind;
import org.alliedexchange.api.hotline.v1.Conference;
import org.alliedexchange.api.hotline.v1.EscalationLevel;
import org.alliedexchange.api.hotline.v1.HotlineMessage;
import org.alliedexchange.api.hotline.v1.LinkState;
import org.alliedexchange.api.hotline.v1.MessageType;
import org.alliedexchange.api.hotline.v1.PeerLink;
import org.alliedexchange.api.hotline.v1.Precedence;
import org.alliedexchange.api.hotline.v1.Receipt;
import org.alliedexchange.api.hotline.v1.ReceiptState;
import org.alliedexchange.api.hotline.v1.SendRequest;
import org.alliedexchange.api.hotline.v1.WatchResponse;
import org.alliedexchange.api.label.v1.ClassificationLevel;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.devservers.LocalKeycloak;
import org.alliedexchange.devservers.LocalRedis;
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
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The watch officer's page in a real headless Chromium, logged in through the real Keycloak at the
 * gateway (the auditor console's login), against a real gateway whose hotline node for JPN and KOR
 * is a fake HotlineService: what the guard lets through, re-marked for Japan, coloured by
 * precedence, receipts live, acknowledgements reaching the node.
 */
class HotlinePageIT {

  static Path dir;
  static LocalRedis redis;
  static LocalKeycloak keycloak;
  static FakeHotlineNode jpnNode;
  static GatewayApplication.Running gateway;
  static int gatewayPort;
  WebDriver browser;

  static final String TRILATERAL = "JPN-KOR-USA";

  @BeforeAll
  static void start() throws Exception {
    dir = Files.createTempDirectory("allied-hotline-page-");
    redis = LocalRedis.start(dir.resolve("redis"));
    // picked now, bound after Keycloak's start: from below the outgoing range
    gatewayPort = org.alliedexchange.devservers.LoopbackPorts.free();
    keycloak =
        LocalKeycloak.builder()
            .auditRedis(redis.url())
            .consoleUrl("http://127.0.0.1:" + gatewayPort)
            .start();
    jpnNode = new FakeHotlineNode("JPN");
    jpnNode.conferences.add(
        Conference.newBuilder()
            .setId(TRILATERAL)
            .addAllNations(List.of("JPN", "KOR", "USA"))
            .setCeiling(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET)
            .build());
    jpnNode.links.add(
        PeerLink.newBuilder()
            .setPeer("KOR")
            .setState(LinkState.LINK_STATE_GREEN)
            .setLastRoundTripUs(1_800)
            .build());
    jpnNode.links.add(
        PeerLink.newBuilder().setPeer("USA").setState(LinkState.LINK_STATE_RED).build());
    jpnNode.openAlarms.add(
        Alarm.newBuilder()
            .setId("alarm-usa-red")
            .setKind(AlarmKind.ALARM_KIND_LINK_RED)
            .setPeer("USA")
            .setDetail("USA has not answered probes for 30 s")
            .setLevel(EscalationLevel.ESCALATION_LEVEL_WATCH_OFFICER)
            .setRaisedAt(FakeHotlineNode.now())
            .build());

    Map<String, Object> properties =
        GatewayApplication.localProperties(
            gatewayPort,
            keycloak.issuer(),
            URI.create(keycloak.issuer() + "/protocol/openid-connect/certs"),
            redis.url());
    URI node = URI.create("http://127.0.0.1:" + jpnNode.port());
    for (String nation : List.of("JPN", "KOR")) {
      Path key = dir.resolve(nation.toLowerCase(java.util.Locale.ROOT) + "-key.pem");
      NationalKey.loadOrCreate(key).writePublicKeyBeside(key);
      // this test calls no exchange service: the node's port stands in for the address
      GatewayApplication.addNation(properties, nation, node, NationalKey.publicKeyFile(key));
      properties.put("allied.gateway.nations." + nation + ".hotline-addresses[0]", node.toString());
    }
    // the browser login, without the auditor console's page (no audit service here)
    properties.put("allied.gateway.console.enabled", "true");
    gateway = GatewayApplication.start(properties);
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
    if (jpnNode != null) {
      jpnNode.close();
    }
    if (keycloak != null) {
      keycloak.close();
    }
    redis.close();
  }

  @BeforeEach
  void openBrowser() throws Exception {
    browser = HeadlessChromium.open(dir);
  }

  @AfterEach
  void closeBrowser(org.junit.jupiter.api.TestInfo test) {
    HeadlessChromium.close(browser, test.getDisplayName());
  }

  void logIn(String username) {
    browser.get("http://127.0.0.1:" + gatewayPort + "/hotline/");
    HeadlessChromium.signIn(browser, username, keycloak.password(username));
  }

  WebElement await(By by) {
    return new WebDriverWait(browser, Duration.ofSeconds(30))
        .until(ExpectedConditions.visibilityOfElementLocated(by));
  }

  void awaitText(By by, String text) {
    new WebDriverWait(browser, Duration.ofSeconds(30))
        .until(ExpectedConditions.textToBePresentInElementLocated(by, text));
  }

  static SecurityLabel korLabel(ClassificationLevel level, String marking) {
    return SecurityLabel.newBuilder()
        .setPolicy("KOR")
        .setOriginator("KOR")
        .setLevel(level)
        .setMarking(marking)
        .addAllReleasableTo(List.of("KOR", "JPN", "USA"))
        .setCreatedAt(FakeHotlineNode.now())
        .build();
  }

  static WatchResponse.Builder message(
      String id, Precedence precedence, MessageType type, long serial, String text) {
    return WatchResponse.newBuilder()
        .setMessage(
            HotlineMessage.newBuilder()
                .setId(id)
                .setConference(TRILATERAL)
                .setOrigin("KOR")
                .setSender("kor-principal")
                .setPrecedence(precedence)
                .setType(type)
                .setSerial(serial)
                .setText(text)
                .setAcceptedAt(FakeHotlineNode.now()));
  }

  void receipt(String messageId, String party, ReceiptState state, String by, String reason) {
    jpnNode.publish(
        WatchResponse.newBuilder()
            .setLabel(jpnNode.ownLabel("一般"))
            .setReceipt(
                Receipt.newBuilder()
                    .setMessageId(messageId)
                    .setConference(TRILATERAL)
                    .setParty(party)
                    .setState(state)
                    .setBy(by)
                    .setReason(reason)
                    .setAt(FakeHotlineNode.now())));
  }

  Object script(String script, Object... args) {
    return ((JavascriptExecutor) browser).executeAsyncScript(script, args);
  }

  @Test
  void theWatchOfficerSeesTheFlashInRedReMarkedForJapanWithLiveReceiptsAndAcknowledgesIt() {
    logIn("jpn-watch-officer");
    awaitText(By.id("who"), "jpn-watch-officer · watch officer of JPN");
    assertThat(browser.getCurrentUrl()).isEqualTo("http://127.0.0.1:" + gatewayPort + "/hotline/");
    awaitText(By.id("stream-status"), "Live: " + TRILATERAL);
    assertThat(
            new Select(browser.findElement(By.id("conference"))).getFirstSelectedOption().getText())
        .isEqualTo(TRILATERAL);
    Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> jpnNode.watchers() > 0);

    // above the watch officer's SECRET clearance: the guard withholds it, the page never sees it
    jpnNode.publish(
        message(
                "m-top-secret",
                Precedence.PRECEDENCE_FLASH,
                MessageType.MESSAGE_TYPE_OPERATION,
                1,
                "최고 기밀")
            .setLabel(korLabel(ClassificationLevel.CLASSIFICATION_LEVEL_TOP_SECRET, "군사I급비밀")));
    jpnNode.publish(
        message(
                "m-drill",
                Precedence.PRECEDENCE_ROUTINE,
                MessageType.MESSAGE_TYPE_DRILL,
                2,
                "훈련 메시지")
            .setLabel(korLabel(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET, "군사II급비밀"))
            .setMessage(
                message(
                        "m-drill",
                        Precedence.PRECEDENCE_ROUTINE,
                        MessageType.MESSAGE_TYPE_DRILL,
                        2,
                        "훈련 메시지")
                    .getMessageBuilder()
                    .setDelayed(true)
                    .setDelayMs(12_000)));
    jpnNode.publish(
        message(
                "m-flash",
                Precedence.PRECEDENCE_FLASH,
                MessageType.MESSAGE_TYPE_OPERATION,
                3,
                "북한 탄도미사일 발사 — 즉시 협의 요청")
            .setLabel(korLabel(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET, "군사II급비밀")));

    WebElement flash = await(By.cssSelector("#messages li[data-id='m-flash']"));
    assertThat(flash.getAttribute("class")).contains("precedence-FLASH");
    // red, and the word too
    assertThat(flash.getCssValue("border-left-color")).isEqualTo("rgba(197, 34, 31, 1)");
    assertThat(flash.findElement(By.className("precedence")).getText()).isEqualTo("FLASH");
    // Korea's 군사II급비밀 as released to Japan
    assertThat(flash.findElement(By.className("marking")).getText()).isEqualTo("極秘");
    assertThat(flash.getText()).contains("북한 탄도미사일 발사", "KOR #3", "kor-principal");

    WebElement drill = browser.findElement(By.cssSelector("#messages li[data-id='m-drill']"));
    assertThat(drill.findElement(By.className("banner")).getText()).contains("DRILL");
    assertThat(drill.findElement(By.className("delayed")).getText()).isEqualTo("delayed 12.0 s");
    assertThat(drill.findElement(By.className("precedence")).getText()).isEqualTo("ROUTINE");
    assertThat(browser.findElements(By.cssSelector("#messages li[data-id='m-top-secret']")))
        .isEmpty();

    // the page told the node what it displayed
    Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                jpnNode.read.stream()
                    .flatMap(r -> r.getMessageIdsList().stream())
                    .anyMatch("m-flash"::equals));

    // the other parties' receipts, live
    receipt("m-flash", "KOR", ReceiptState.RECEIPT_STATE_ACCEPTED, "", "");
    receipt("m-flash", "USA", ReceiptState.RECEIPT_STATE_RELAYED, "", "");
    By usa = By.cssSelector("#messages li[data-id='m-flash'] .receipts li[data-party='USA']");
    awaitText(usa, "USA: RELAYED");
    receipt("m-flash", "USA", ReceiptState.RECEIPT_STATE_ACKNOWLEDGED, "usa-watch-officer", "");
    awaitText(usa, "USA: ACKNOWLEDGED by usa-watch-officer");
    receipt("m-drill", "USA", ReceiptState.RECEIPT_STATE_EXPIRED, "", "not relayed within 4 h");
    awaitText(
        By.cssSelector("#messages li[data-id='m-drill'] .receipts li[data-party='USA']"),
        "USA: EXPIRED (not relayed within 4 h)");

    // Acknowledge: an explicit action that reaches the node
    flash.findElement(By.cssSelector("button.ack")).click();
    awaitText(
        By.cssSelector("#messages li[data-id='m-flash'] .receipts li[data-party='JPN']"),
        "JPN: ACKNOWLEDGED by jpn-watch-officer");
    assertThat(jpnNode.acknowledged).extracting(a -> a.getMessageId()).containsExactly("m-flash");
    assertThat(flash.findElement(By.cssSelector("button.ack")).isEnabled()).isFalse();

    // a POST without the session's CSRF token is refused before it reaches the node
    Object forged =
        script(
            "const done = arguments[arguments.length - 1];"
                + " fetch('/hotline/api/ack', {method: 'POST', headers: {'Content-Type': 'application/json'},"
                + " body: JSON.stringify({messageId: 'm-drill'})}).then(r => done(r.status), e => done('failed: ' + e));");
    assertThat(forged).isEqualTo(403L);
    assertThat(jpnNode.acknowledged).hasSize(1);
  }

  @Test
  void theLinksAndAnOpenAlarmAreShownAndTheAlarmIsAcknowledged() {
    logIn("jpn-watch-officer");
    awaitText(By.cssSelector("#links tr[data-peer='KOR']"), "GREEN");
    assertThat(browser.findElement(By.cssSelector("#links tr[data-peer='KOR']")).getText())
        .contains("1.8 ms");
    assertThat(browser.findElement(By.cssSelector("#links tr[data-peer='USA']")).getText())
        .contains("RED");
    WebElement alarm = await(By.cssSelector("#alarms li[data-id='alarm-usa-red']"));
    assertThat(alarm.getText()).contains("LINK RED", "USA has not answered probes");
    // by keyboard: the button takes focus and Enter presses it
    WebElement button = alarm.findElement(By.cssSelector("button.ack-alarm"));
    button.sendKeys(org.openqa.selenium.Keys.ENTER);
    new WebDriverWait(browser, Duration.ofSeconds(30))
        .until(ExpectedConditions.visibilityOfElementLocated(By.id("no-alarms")));
    assertThat(jpnNode.alarmsAcknowledged)
        .extracting(a -> a.getAlarmId())
        .containsExactly("alarm-usa-red");
  }

  @Test
  void aMessageIsSentInJapansMarkingAndARefusalSaysWhy() {
    logIn("jpn-watch-officer");
    awaitText(By.id("who"), "watch officer of JPN");
    new WebDriverWait(browser, Duration.ofSeconds(30))
        .until(d -> !new Select(d.findElement(By.id("s-marking"))).getOptions().isEmpty());
    Select markings = new Select(browser.findElement(By.id("s-marking")));
    // Japan's scheme, up to the conference's SECRET ceiling
    assertThat(markings.getOptions()).extracting(WebElement::getText).contains("極秘 (SECRET)");
    assertThat(markings.getOptions())
        .extracting(WebElement::getText)
        .noneMatch(t -> t.startsWith("機密"));
    assertThat(browser.findElement(By.id("s-flash-override")).isEnabled()).isFalse();
    new Select(browser.findElement(By.id("s-precedence"))).selectByValue("FLASH");
    markings.selectByValue("極秘");
    browser.findElement(By.id("s-text")).sendKeys("受信確認。日本側は協議に参加する。");
    browser.findElement(By.id("s-drill")).click();
    browser.findElement(By.id("s-send")).click();
    awaitText(By.id("send-status"), "Sent FLASH JPN #");
    SendRequest sent = jpnNode.sent.get(jpnNode.sent.size() - 1);
    assertThat(sent.getPrecedence()).isEqualTo(Precedence.PRECEDENCE_FLASH);
    assertThat(sent.getType()).isEqualTo(MessageType.MESSAGE_TYPE_DRILL);
    assertThat(sent.getText()).isEqualTo("受信確認。日本側は協議に参加する。");
    assertThat(sent.getLabel().getOriginator()).isEqualTo("JPN");
    assertThat(sent.getLabel().getMarking()).isEqualTo("極秘");
    assertThat(sent.getLabel().getLevel())
        .isEqualTo(ClassificationLevel.CLASSIFICATION_LEVEL_SECRET);
    assertThat(sent.getLabel().getReleasableToList()).containsExactly("JPN", "KOR", "USA");

    jpnNode.refuseSend =
        Status.FAILED_PRECONDITION.withDescription(
            "KOR may not receive it: kor-nsa's clearance is below SECRET");
    browser.findElement(By.id("s-text")).sendKeys("second");
    browser.findElement(By.id("s-send")).click();
    awaitText(By.id("send-status"), "Refused: KOR may not receive it");
  }

  @Test
  void someoneWithoutHotlineMemberIsRefusedThePageAndTheApi() {
    logIn("jpn-auditor");
    new WebDriverWait(browser, Duration.ofSeconds(60))
        .until(ExpectedConditions.urlContains("/hotline/"));
    awaitText(By.tagName("body"), "lacks");
    assertThat(browser.findElement(By.tagName("body")).getText())
        .contains("jpn-auditor lacks the role hotline-member");
    assertThat(browser.findElements(By.id("messages"))).isEmpty();
    browser.get("http://127.0.0.1:" + gatewayPort + "/hotline/api/conferences");
    assertThat(browser.findElement(By.tagName("body")).getText()).contains("PERMISSION_DENIED");
  }
}
