package org.alliedexchange.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;

/**
 * axe-core, the accessibility checker, run in the page under test through the WebDriver. It comes
 * from the npm registry at the version and integrity the root pom names, into target/ (once per
 * clean build), and is never part of the product: the console's own CSP would not let it load.
 */
final class AxeCore {

  private AxeCore() {}

  /** axe.min.js, fetched and checked on first use. */
  static synchronized String script() throws Exception {
    String version = property("axe-core.version");
    String integrity = property("axe-core.integrity");
    Path dir = Path.of(System.getProperty("axe-core.dir", "target/axe-core"));
    Path script = dir.resolve("axe-core-" + version + ".min.js");
    if (!Files.isRegularFile(script)) {
      byte[] tarball = download(version);
      String[] expected = integrity.split("-", 2);
      assertThat(expected[0]).as("axe-core.integrity names its algorithm").isEqualTo("sha512");
      byte[] digest = MessageDigest.getInstance("SHA-512").digest(tarball);
      assertThat(Base64.getEncoder().encodeToString(digest))
          .as("axe-core %s from npm matches the integrity in the root pom", version)
          .isEqualTo(expected[1]);
      byte[] js = entry(tarball, "package/axe.min.js");
      Files.createDirectories(dir);
      Path partial = Files.createTempFile(dir, "axe-", ".partial");
      Files.write(partial, js);
      Files.move(partial, script, StandardCopyOption.REPLACE_EXISTING);
    }
    return Files.readString(script, StandardCharsets.UTF_8);
  }

  /**
   * The WCAG 2.0/2.1 A and AA violations axe finds in the page as it is now, each as "rule: what,
   * where".
   */
  @SuppressWarnings("unchecked")
  static List<String> violations(WebDriver browser) throws Exception {
    JavascriptExecutor js = (JavascriptExecutor) browser;
    // injected by the driver, not by the page: the page's CSP allows no script but its own
    js.executeScript(script() + "\nwindow.__alliedAxe = axe;");
    Object found =
        js.executeAsyncScript(
            "const done = arguments[arguments.length - 1];"
                + "window.__alliedAxe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})"
                + ".then(r => done(r.violations.map(v => v.id + ': ' + v.help + ' at '"
                + " + v.nodes.map(n => n.target.join(' ') + ' (' + (n.failureSummary || '').replace(/\\s+/g, ' ') + ')').join('; '))),"
                + " e => done(['axe failed: ' + e]));");
    return (List<String>) found;
  }

  private static String property(String name) {
    String value = System.getProperty(name);
    assertThat(value)
        .as("%s is set by the root pom's failsafe configuration (run the test through Maven)", name)
        .isNotBlank();
    return value;
  }

  private static byte[] download(String version) throws IOException, InterruptedException {
    URI tarball = URI.create("https://registry.npmjs.org/axe-core/-/axe-core-" + version + ".tgz");
    HttpResponse<byte[]> response =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(20))
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build()
            .send(
                HttpRequest.newBuilder(tarball).timeout(Duration.ofMinutes(2)).GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
    assertThat(response.statusCode()).as("GET %s", tarball).isEqualTo(200);
    return response.body();
  }

  /** One file of a gzipped tar (ustar: 512-byte headers, sizes in octal). */
  private static byte[] entry(byte[] tgz, String name) throws IOException {
    try (InputStream tar = new GZIPInputStream(new ByteArrayInputStream(tgz))) {
      byte[] header = new byte[512];
      while (tar.readNBytes(header, 0, 512) == 512 && header[0] != 0) {
        String entry = text(header, 0, 100);
        String prefix = text(header, 345, 155);
        long size = Long.parseLong(text(header, 124, 12).trim(), 8);
        String full = prefix.isEmpty() ? entry : prefix + "/" + entry;
        byte[] body = tar.readNBytes((int) size);
        tar.readNBytes((int) ((512 - size % 512) % 512));
        if (full.equals(name)) {
          return body;
        }
      }
    }
    throw new IOException(name + " is not in the axe-core package");
  }

  private static String text(byte[] header, int from, int length) {
    int end = from;
    while (end < from + length && header[end] != 0) {
      end++;
    }
    return new String(header, from, end - from, StandardCharsets.US_ASCII);
  }
}
