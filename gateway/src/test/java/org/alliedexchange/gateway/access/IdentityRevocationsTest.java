package org.alliedexchange.gateway.access;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.Status;
import io.opentelemetry.api.trace.Span;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.alliedexchange.accesstoken.Caller;
import org.alliedexchange.api.access.Roles;
import org.alliedexchange.auditstream.IdentityChangeNotices;
import org.alliedexchange.gateway.guard.GuardedCall;
import org.junit.jupiter.api.Test;
import reactor.core.scheduler.Schedulers;

/** Which open streams an identity-change notice, a token's expiry or stale notices end. */
class IdentityRevocationsTest {

  private static final String SUBSCRIBE = "/" + GuardedMethods.EXCHANGE_SERVICE + "/Subscribe";
  private final AtomicLong nanos = new AtomicLong(1_000_000_000_000L);
  private final IdentityRevocations revocations =
      new IdentityRevocations(nanos::get, Schedulers.parallel());

  private static GuardedCall stream(String system, Instant issuedAt, Instant expiresAt) {
    Caller caller =
        Caller.of(
            system, "JPN", "TOP_SECRET", List.of("MISSILE_WARNING"), List.of(Roles.EXCHANGE_READ));
    return new GuardedCall(
        caller,
        GuardedMethods.fromApi().at(SUBSCRIBE),
        "KOR",
        Span.getInvalid(),
        issuedAt,
        expiresAt);
  }

  private static IdentityChangeNotices.Notice notice(String principal, Instant at) {
    return new IdentityChangeNotices.Notice("1-0", principal, "JPN", at.toEpochMilli());
  }

  @Test
  void aNoticeEndsTheOpenStreamsOfItsPrincipalWhoseTokensPredateItAndNoOthers() {
    revocations.followed();
    Instant issued = Instant.now().minusSeconds(10);
    GuardedCall reader = stream("jpn-mod-reader", issued, issued.plusSeconds(300));
    GuardedCall renewed =
        stream("jpn-mod-reader", Instant.now().plusSeconds(2), Instant.now().plusSeconds(300));
    GuardedCall other = stream("jpn-js-publisher", issued, issued.plusSeconds(300));
    IdentityRevocations.OpenStream readerStream = revocations.open(reader);
    IdentityRevocations.OpenStream renewedStream = revocations.open(renewed);
    IdentityRevocations.OpenStream otherStream = revocations.open(other);

    revocations.apply(notice("jpn-mod-reader", Instant.now()));

    assertThat(readerStream.ending()).isTrue();
    assertThat(reader.endCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(reader.endMessage())
        .isEqualTo(
            "the identity of jpn-mod-reader changed (disabled, or its clearance, communities or"
                + " roles changed); resume with a fresh token from your cursor");
    assertThat(renewedStream.ending()).as("a token issued after the change").isFalse();
    assertThat(otherStream.ending()).isFalse();
    assertThat(revocations.revoked("jpn-mod-reader", issued)).isNotNull();
    assertThat(revocations.revoked("jpn-js-publisher", issued)).isNull();

    readerStream.close();
    renewedStream.close();
    otherStream.close();
    assertThat(revocations.openStreams()).isZero();
  }

  @Test
  void aNoticeAboutEveryoneEndsEveryStreamAndAStreamOpenedWithARevokedTokenEndsAtOnce() {
    revocations.followed();
    Instant issued = Instant.now().minusSeconds(10);
    GuardedCall first = stream("jpn-mod-reader", issued, issued.plusSeconds(300));
    IdentityRevocations.OpenStream firstStream = revocations.open(first);

    revocations.apply(notice(IdentityChangeNotices.EVERYONE, Instant.now()));
    GuardedCall late = stream("usa-reader", issued, issued.plusSeconds(300));
    IdentityRevocations.OpenStream lateStream = revocations.open(late);

    assertThat(firstStream.ending()).isTrue();
    assertThat(lateStream.ending()).isTrue();
    assertThat(late.endCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
  }

  @Test
  void aStreamWhoseTokenHasExpiredEndsUnauthenticated() {
    revocations.followed();
    GuardedCall expired =
        stream("jpn-mod-reader", Instant.now().minusSeconds(300), Instant.now().minusMillis(1));

    IdentityRevocations.OpenStream stream = revocations.open(expired);

    assertThat(stream.ending()).isTrue();
    assertThat(expired.endCode()).isEqualTo(Status.Code.UNAUTHENTICATED);
    assertThat(expired.endMessage())
        .isEqualTo("token expired; resume with a fresh token from your cursor");
  }

  @Test
  void noticesUnreadForTooLongEndEveryStreamUnavailableAndRefuseCalls() {
    revocations.followed();
    GuardedCall call = stream("jpn-mod-reader", Instant.now(), Instant.now().plusSeconds(300));
    IdentityRevocations.OpenStream stream = revocations.open(call);
    revocations.endAllIfStale();
    assertThat(stream.ending()).isFalse();
    assertThat(revocations.problem()).isNull();

    nanos.addAndGet(IdentityRevocations.MAX_STALENESS.toNanos() + 1);
    revocations.endAllIfStale();

    assertThat(stream.ending()).isTrue();
    assertThat(call.endCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(call.endMessage()).startsWith("identity changes could not be read from Redis for ");
    assertThat(revocations.problem()).startsWith("identity changes could not be read from Redis");
  }
}
