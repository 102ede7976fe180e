package org.alliedexchange.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's chromium and chromium-driver, headless, for the pages behind the gateway's browser login
 * (the auditor console, the hotline page): one browser per test, cut off from every host but
 * loopback.
 */
final class HeadlessChromium {

  private HeadlessChromium() {}

  /** A new browser whose profile is made under {@code dir}. */
  static WebDriver open(Path dir) throws IOException {
    assertThat(
            Files.isExecutable(Path.of("/usr/bin/chromium"))
                && Files.isExecutable(Path.of("/usr/bin/chromedriver")))
        .as(
            "this test drives Debian's chromium and chromium-driver: apt-get install chromium chromium-driver (.ci/run does)")
        .isTrue();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(new File("/usr/bin/chromium"));
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-quic",
        "--no-default-browser-check",
        "--disable-client-side-phishing-detection",
        "--disable-domain-reliability",
        "--password-store=basic",
        // this machine reaches no outside host: every name but loopback fails at once instead of
        // waiting on DNS
        "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost , EXCLUDE 127.0.0.1",
        // a login form's submit otherwise wakes the password manager and its leak check, which call
        // out to Google
        "--disable-features=PasswordLeakDetection,PasswordManagerOnboarding,AutofillServerCommunication,OptimizationHints,Translate,"
            + "MediaRouter,InterestFeedContentSuggestions",
        "--user-data-dir=" + Files.createTempDirectory(dir, "chromium-"));
    options.setExperimentalOption(
        "prefs",
        Map.of(
            "credentials_enable_service",
            false,
            "profile.password_manager_enabled",
            false,
            "profile.password_manager_leak_detection",
            false));
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File("/usr/bin/chromedriver"))
            .usingAnyFreePort()
            .build();
    WebDriver browser = new ChromeDriver(service, options);
    // a page that never finishes loading fails the step in a minute, with what the browser shows,
    // not in five
    browser
        .manage()
        .timeouts()
        .pageLoadTimeout(Duration.ofSeconds(60))
        .scriptTimeout(Duration.ofSeconds(30));
    return browser;
  }

  /** Waits for Keycloak's login form and signs in there. */
  static void signIn(WebDriver browser, String username, String password) {
    new WebDriverWait(browser, Duration.ofSeconds(30))
        .until(ExpectedConditions.urlContains("/protocol/openid-connect/auth"));
    new WebDriverWait(browser, Duration.ofSeconds(30))
        .until(ExpectedConditions.visibilityOfElementLocated(By.id("username")))
        .sendKeys(username);
    browser.findElement(By.id("password")).sendKeys(password);
    // submitted by the page itself: the steps after wait for what the person sees, not for the
    // driver's navigation bookkeeping
    ((JavascriptExecutor) browser).executeScript("document.getElementById('kc-login').click()");
  }

  /** Closes the browser, printing where it was, for a failed run's report. */
  static void close(WebDriver browser, String test) {
    if (browser == null) {
      return;
    }
    try {
      String page = browser.findElement(org.openqa.selenium.By.tagName("body")).getText();
      System.out.println(
          test
              + " ended at "
              + browser.getCurrentUrl()
              + " showing: "
              + page.substring(0, Math.min(page.length(), 800)));
    } catch (RuntimeException e) {
      System.out.println(test + ": the browser did not answer: " + e.getMessage());
    }
    browser.quit();
  }
}
