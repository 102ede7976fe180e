package org.alliedexchange.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.alliedexchange.api.exchange.v1.GetRequest;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A gateway whose realm's keys are out of reach (Keycloak down, answering 503) refuses calls it
 * cannot check UNAVAILABLE, so national systems retry instead of logging in again, and still
 * refuses tokens at fault UNAUTHENTICATED. A gateway per test, started and closed in it: its keys
 * must never have been fetched.
 */
class GatewayRealmKeysIT {

  @Test
  void aFineTokenIsRefusedUnavailableWhileTheRealmsKeysCannotBeFetchedAndAdmittedOnRetry()
      throws Exception {
    try (GatewayFixture fixture = new GatewayFixture(Map.of())) {
      keycloakAnswering503(fixture);
    }
  }

  @Test
  void aGatewayWhoseKeySetAddressNothingListensOnRefusesFineTokensUnavailable() throws Exception {
    int closedPort;
    try (ServerSocket closed = new ServerSocket(0)) {
      closedPort = closed.getLocalPort();
    }
    try (GatewayFixture fixture =
        new GatewayFixture(
            Map.of(
                "allied.gateway.auth.jwks-uri",
                "http://127.0.0.1:"
                    + closedPort
                    + "/realms/allied/protocol/openid-connect/certs"))) {
      ManagedChannel channel = fixture.channel();
      try {
        String token = fixture.reader("JPN", "SECRET", List.of());
        GetRequest request = GetRequest.newBuilder().setProductId(GatewayFixture.newId()).build();
        // the first call finds the fetch refused, later ones may find the refetch rate-limited
        List<String> told = new java.util.ArrayList<>();
        for (int call = 0; call < 3; call++) {
          assertThatThrownBy(() -> fixture.stub(channel, "KOR", token).get(request))
              .isInstanceOfSatisfying(
                  StatusRuntimeException.class,
                  e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                    told.add(e.getStatus().getDescription());
                  });
        }
        assertThat(told)
            .allSatisfy(
                message ->
                    assertThat(message)
                        .startsWith(
                            "the gateway cannot check tokens now: the realm's signing keys could"
                                + " not be fetched (")
                        .endsWith("; retry later, the token itself was not refused")
                        .doesNotContain(token)
                        .doesNotContain(String.valueOf(closedPort)));
        assertThat(told.get(0)).contains("Connection refused");
        assertThat(fixture.kor.requestsSeen).as("nothing reached the exchange service").isEmpty();
      } finally {
        channel.shutdownNow();
      }
    }
  }

  private static void keycloakAnswering503(GatewayFixture fixture) throws Exception {
    fixture.kor.script("Get", List.of());
    GetRequest request = GetRequest.newBuilder().setProductId(GatewayFixture.newId()).build();
    String token = fixture.reader("JPN", "SECRET", List.of());
    // this gateway has not fetched the realm's keys yet: it holds none
    fixture.tokens.down(true);
    try {
      ManagedChannel channel = fixture.channel();
      try {
        assertThatThrownBy(() -> fixture.stub(channel, "KOR", token).get(request))
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e -> {
                  assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                  assertThat(e.getStatus().getDescription())
                      .startsWith(
                          "the gateway cannot check tokens now: the realm's signing keys could"
                              + " not be fetched (")
                      .contains("HTTP response code: 503")
                      .doesNotContain(token)
                      .doesNotContain("127.0.0.1");
                });
        assertThat(fixture.kor.requestsSeen)
            .as("nothing reached the exchange service")
            .noneMatch(r -> request.toByteString().equals(ByteString.copyFrom(r)));

        // a token at fault is still told so while the keys are out of reach
        assertThatThrownBy(() -> fixture.stub(channel, "KOR", "abc.def.ghi").get(request))
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));

        fixture.tokens.down(false);
        // the client retries, as UNAVAILABLE asks: once a fetch is allowed again, the same token
        // passes the door and the call reaches the exchange service
        Awaitility.await()
            .atMost(Duration.ofSeconds(30))
            .pollInterval(Duration.ofSeconds(1))
            .until(
                () -> {
                  try {
                    fixture.stub(channel, "KOR", token).get(request);
                    return true;
                  } catch (StatusRuntimeException e) {
                    return !String.valueOf(e.getStatus().getDescription())
                        .startsWith("the gateway cannot check tokens now");
                  }
                });
        assertThat(fixture.kor.requestsSeen)
            .anyMatch(r -> request.toByteString().equals(ByteString.copyFrom(r)));
        // with the keys fetched, a token signed by another key is refused as bad
        assertThatThrownBy(() -> fixture.stub(channel, "KOR", fixture.tokens.forged()).get(request))
            .isInstanceOfSatisfying(
                StatusRuntimeException.class,
                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAUTHENTICATED));
      } finally {
        channel.shutdownNow();
      }
    } finally {
      fixture.tokens.down(false);
    }
  }
}
