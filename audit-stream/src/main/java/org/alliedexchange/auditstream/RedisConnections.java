package org.alliedexchange.auditstream;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManagerFactory;
import redis.clients.jedis.ClientSetInfoConfig;
import redis.clients.jedis.ConnectionPoolConfig;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.HostAndPort;
import redis.clients.jedis.RedisClient;

/**
 * Jedis clients for the federation's Redis, every one with bounded connect and read timeouts.
 *
 * <p>A URL is {@code redis://[user:password@]host[:port]} or, over TLS, {@code
 * rediss://[user:password@]host[:port][?cacert=/path/ca.pem]}: the user and password are Redis ACL
 * credentials (URL-encoded), {@code cacert} a PEM file of the authorities the server's certificate
 * must chain to (the JDK's trust store when absent), and the server's name or address must match
 * its certificate. A password never appears in a message: print a URL only through {@link
 * #redacted}.
 */
public final class RedisConnections {

  private static final String CA_PARAMETER = "cacert";

  private RedisConnections() {}

  /** What a Redis URL says: where, as whom, and how to trust the server when over TLS. */
  public record Target(String host, int port, String user, String password, boolean tls, Path ca) {

    @Override
    public String toString() {
      return (tls ? "rediss://" : "redis://")
          + (user == null ? "" : user + (password == null ? "" : ":***") + "@")
          + host
          + ":"
          + port;
    }
  }

  /**
   * A client for {@code url} (port 6379 when absent) whose calls fail after {@code timeout} instead
   * of waiting on a Redis that does not answer.
   */
  public static RedisClient connect(URI url, Duration timeout) {
    Target target = parse(url);
    int millis = (int) Math.max(1, timeout.toMillis());
    DefaultJedisClientConfig.Builder config =
        DefaultJedisClientConfig.builder()
            .connectionTimeoutMillis(millis)
            .socketTimeoutMillis(millis)
            // CLIENT SETINFO is a command each ACL user would otherwise need
            .clientSetInfoConfig(ClientSetInfoConfig.DISABLED);
    if (target.user() != null) {
      config.user(target.user());
    }
    if (target.password() != null) {
      config.password(target.password());
    }
    if (target.tls()) {
      SSLParameters parameters = new SSLParameters();
      // the server's certificate must name the host or address connected to
      parameters.setEndpointIdentificationAlgorithm("HTTPS");
      config.ssl(true).sslSocketFactory(socketFactory(target)).sslParameters(parameters);
    }
    // idle connections are checked every second, so a Redis restarted under its clients costs no
    // caller a failed call on a connection the restart broke
    ConnectionPoolConfig pool = new ConnectionPoolConfig();
    pool.setTestWhileIdle(true);
    pool.setTimeBetweenEvictionRuns(Duration.ofSeconds(1));
    // a caller waiting for a pooled connection is bounded too (the pool's default waits forever)
    pool.setMaxWait(Duration.ofMillis(millis));
    return RedisClient.builder()
        .hostAndPort(new HostAndPort(target.host(), target.port()))
        .clientConfig(config.build())
        .poolConfig(pool)
        .build();
  }

  /**
   * Checks {@code url} and says what it names; the exception's message names {@code key} (the
   * configuration property) and never the password.
   */
  public static Target check(URI url, String key) {
    try {
      return parse(url);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(key + ": " + e.getMessage(), e);
    }
  }

  /** {@code url} with its password replaced by {@code ***}, for messages and logs. */
  public static String redacted(URI url) {
    if (url == null) {
      return "null";
    }
    String raw = url.getRawUserInfo();
    if (raw == null || !raw.contains(":")) {
      return url.toString();
    }
    String user = raw.substring(0, raw.indexOf(':'));
    return url.toString().replace(raw + "@", user + ":***@");
  }

  /** As {@link #redacted(URI)}, for a URL given as text (e.g. an environment variable). */
  public static String redacted(String url) {
    try {
      return redacted(URI.create(url));
    } catch (IllegalArgumentException e) {
      return "(a URL that cannot be read)";
    }
  }

  static Target parse(URI url) {
    if (url == null) {
      throw new IllegalArgumentException("Redis needs a redis:// or rediss:// URL, not none");
    }
    String scheme = url.getScheme();
    if (url.getHost() == null || !("redis".equals(scheme) || "rediss".equals(scheme))) {
      throw new IllegalArgumentException(
          "Redis needs a redis://[user:password@]host:port or rediss:// URL, not " + redacted(url));
    }
    boolean tls = "rediss".equals(scheme);
    String user = null;
    String password = null;
    String raw = url.getRawUserInfo();
    if (raw != null) {
      int colon = raw.indexOf(':');
      user = decode(colon < 0 ? raw : raw.substring(0, colon));
      password = colon < 0 ? null : decode(raw.substring(colon + 1));
      if (user.isEmpty()) {
        // redis://:password@host, the pre-ACL form: the "default" user
        user = null;
      }
    }
    Path ca = null;
    String query = url.getRawQuery();
    if (query != null) {
      for (String parameter : query.split("&")) {
        int equals = parameter.indexOf('=');
        String name = equals < 0 ? parameter : parameter.substring(0, equals);
        if (!CA_PARAMETER.equals(name) || equals < 0) {
          throw new IllegalArgumentException(
              "a Redis URL takes only ?" + CA_PARAMETER + "=<PEM file>, not ?" + name);
        }
        if (!tls) {
          throw new IllegalArgumentException(
              CA_PARAMETER + " is for rediss:// (TLS), not " + redacted(url));
        }
        ca = Path.of(decode(parameter.substring(equals + 1)));
      }
    }
    return new Target(
        url.getHost(), url.getPort() < 0 ? 6379 : url.getPort(), user, password, tls, ca);
  }

  private static String decode(String text) {
    return URLDecoder.decode(text.replace("+", "%2B"), StandardCharsets.UTF_8);
  }

  private static SSLSocketFactory socketFactory(Target target) {
    if (target.ca() == null) {
      return (SSLSocketFactory) SSLSocketFactory.getDefault();
    }
    try (InputStream in = Files.newInputStream(target.ca())) {
      KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
      trusted.load(null, null);
      int n = 0;
      for (Certificate certificate :
          CertificateFactory.getInstance("X.509").generateCertificates(in)) {
        trusted.setCertificateEntry("ca-" + n++, certificate);
      }
      if (n == 0) {
        throw new IllegalArgumentException(
            CA_PARAMETER + " " + target.ca() + " holds no certificate");
      }
      TrustManagerFactory trust =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(trusted);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context.getSocketFactory();
    } catch (IOException e) {
      throw new IllegalArgumentException(
          CA_PARAMETER + " " + target.ca() + " cannot be read: " + e.getMessage(), e);
    } catch (GeneralSecurityException e) {
      throw new IllegalArgumentException(
          CA_PARAMETER + " " + target.ca() + " is not a PEM certificate: " + e.getMessage(), e);
    }
  }
}
