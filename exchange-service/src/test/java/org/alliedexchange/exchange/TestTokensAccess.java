package org.alliedexchange.exchange;

import com.nimbusds.jwt.JWTClaimsSet;
import java.net.URI;
import java.util.function.Consumer;

/** The test JWKS and token minter, for tests outside this package. */
public final class TestTokensAccess implements AutoCloseable {
  private final TestTokens tokens;

  public TestTokensAccess() throws Exception {
    tokens = new TestTokens();
  }

  public URI issuer() {
    return tokens.issuer;
  }

  public String tweaked(Consumer<JWTClaimsSet.Builder> change) {
    return tokens.tweaked(change);
  }

  @Override
  public void close() {
    tokens.close();
  }
}
