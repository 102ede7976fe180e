package org.alliedexchange.serviceruntime;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import org.alliedexchange.accesstoken.TokenSettings;
import org.alliedexchange.auditstream.AuditWriter;
import org.junit.jupiter.api.Test;

/** A backend appends to its own stream under the federation's configured base key. */
class ServiceSettingsTest {

  @Test
  void aBackendsStreamIsItsOwnUnderTheConfiguredBaseKey() {
    assertThat(
            ServiceSettings.of(
                    "exchange service",
                    "exchange-service",
                    "allied.exchange",
                    of("test:audit"),
                    AuditWriter.Kind.EXCHANGE)
                .auditStream())
        .isEqualTo("test:audit:exchange:KOR");
    assertThat(
            ServiceSettings.of(
                    "hotline node",
                    "hotline-service",
                    "allied.hotline",
                    of("test:audit"),
                    AuditWriter.Kind.HOTLINE)
                .auditStream())
        .isEqualTo("test:audit:hotline:KOR");
    // unset, the federation's default
    assertThat(
            ServiceSettings.of(
                    "exchange service",
                    "exchange-service",
                    "allied.exchange",
                    of(null),
                    AuditWriter.Kind.EXCHANGE)
                .auditStream())
        .isEqualTo("allied:audit:exchange:KOR");
    assertThat("allied:audit").matches(ServiceProperties.STREAM_KEY);
    assertThat("allied:audit\nx").doesNotMatch(ServiceProperties.STREAM_KEY);
    assertThat("").doesNotMatch(ServiceProperties.STREAM_KEY);
  }

  /** The configuration of KOR's backend with this base key. */
  private static ServiceProperties of(String auditStream) {
    return new ServiceProperties() {
      @Override
      public String nation() {
        return "KOR";
      }

      @Override
      public String host() {
        return "127.0.0.1";
      }

      @Override
      public int port() {
        return 0;
      }

      @Override
      public Limits limits() {
        return new Limits() {
          @Override
          public int maxMessageBytes() {
            return 1 << 20;
          }

          @Override
          public Duration shutdownGrace() {
            return Duration.ofSeconds(1);
          }
        };
      }

      @Override
      public boolean reflection() {
        return false;
      }

      @Override
      public TlsSettings tls() {
        return null;
      }

      @Override
      public TokenSettings auth() {
        return null;
      }

      @Override
      public URI auditRedis() {
        return URI.create("redis://exchange-kor:secret@127.0.0.1:6379");
      }

      @Override
      public String auditStream() {
        return auditStream;
      }

      @Override
      public AuditDurabilitySettings auditDurability() {
        return null;
      }
    };
  }
}
