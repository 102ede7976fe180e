package org.alliedexchange.auditstream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class RedisConnectionsTest {

  @Test
  void credentialsInTheUrlAreReadUrlDecoded() {
    RedisConnections.Target target =
        RedisConnections.parse(URI.create("redis://gateway:p%40ss%3Aw%2Brd@127.0.0.1:6390"));

    assertThat(target.user()).isEqualTo("gateway");
    assertThat(target.password()).isEqualTo("p@ss:w+rd");
    assertThat(target.port()).isEqualTo(6390);
    assertThat(target.tls()).isFalse();
  }

  @Test
  void aTlsUrlNamesTheAuthorityToTrust() {
    RedisConnections.Target target =
        RedisConnections.parse(
            URI.create("rediss://audit:secret@localhost:6391?cacert=%2Ftmp%2Fca%20dir%2Fca.pem"));

    assertThat(target.tls()).isTrue();
    assertThat(target.ca()).isEqualTo(Path.of("/tmp/ca dir/ca.pem"));
  }

  @Test
  void aWrongUrlIsRefusedNamingTheKeyButNeverThePassword() {
    assertThatThrownBy(
            () ->
                RedisConnections.check(
                    URI.create("http://gateway:hunter2@127.0.0.1:6379"),
                    "allied.gateway.audit-redis"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("allied.gateway.audit-redis: ")
        .hasMessageContaining("gateway:***@127.0.0.1")
        .hasMessageNotContaining("hunter2");
    assertThatThrownBy(
            () ->
                RedisConnections.check(
                    URI.create("redis://gateway:hunter2@127.0.0.1:6379?cacert=/ca.pem"), "key"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageNotContaining("hunter2");
  }

  @Test
  void aPrintedUrlOrTargetHidesThePassword() {
    URI url = URI.create("rediss://exchange:hunter2@127.0.0.1:6379?cacert=/ca.pem");

    assertThat(RedisConnections.redacted(url))
        .isEqualTo("rediss://exchange:***@127.0.0.1:6379?cacert=/ca.pem");
    assertThat(RedisConnections.parse(url).toString()).doesNotContain("hunter2");
    assertThat(RedisConnections.redacted(URI.create("redis://127.0.0.1:6379")))
        .isEqualTo("redis://127.0.0.1:6379");
  }
}
