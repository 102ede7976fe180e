package org.alliedexchange.exchange.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.Date;
import org.alliedexchange.exchange.TestTokens;
import org.alliedexchange.policy.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A validated token is remembered, but only until it expires. */
class TokenValidatorTest {

  static TestTokens tokens;

  @BeforeAll
  static void start() throws Exception {
    tokens = new TestTokens();
  }

  @AfterAll
  static void stop() {
    tokens.close();
  }

  /** A clock the test moves. */
  static final class MovableClock extends Clock {
    Instant now = Instant.now();

    @Override
    public ZoneId getZone() {
      return ZoneId.of("UTC");
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void aRememberedTokenStillExpires() {
    MovableClock clock = new MovableClock();
    URI issuer = tokens.issuer;
    TokenValidator validator = new TokenValidator(issuer, URI.create(issuer + "/protocol/openid-connect/certs"), "allied-gateway",
        Duration.ZERO, clock);
    String token = tokens.tweaked(c -> c.expirationTime(Date.from(clock.now.plusSeconds(60))));

    Caller caller = validator.validate(token);
    assertThat(caller.nation()).isEqualTo("KOR");
    assertThat(caller.clearance()).isEqualTo(Level.TOP_SECRET);
    assertThat(validator.validate(token)).isEqualTo(caller);

    clock.now = clock.now.plusSeconds(61);
    assertThatThrownBy(() -> validator.validate(token))
        .isInstanceOf(TokenValidator.InvalidTokenException.class).hasMessageContaining("expired");
  }

  @Test
  void aClockSkewAboveThirtySecondsIsRefused() {
    URI issuer = tokens.issuer;
    assertThatThrownBy(() -> new TokenValidator(issuer, issuer, "allied-gateway", Duration.ofMinutes(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("between 0 and 30s");
  }

}
