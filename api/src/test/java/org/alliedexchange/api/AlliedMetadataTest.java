package org.alliedexchange.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.entry;

import io.grpc.Metadata;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AlliedMetadataTest {

  @Test
  void theNamesAreTheOnesCallersSend() {
    assertThat(AlliedMetadata.NATION.name()).isEqualTo("allied-nation");
    assertThat(AlliedMetadata.AUTHORIZATION.name()).isEqualTo("authorization");
    assertThat(AlliedMetadata.WITHHELD.name()).isEqualTo("allied-withheld");
    assertThat(AlliedMetadata.WITHHELD_REASONS.name()).isEqualTo("allied-withheld-reasons");
    assertThat(AlliedMetadata.TRANSFER_ID.name()).isEqualTo("allied-transfer-id");
    assertThat(AlliedMetadata.NEXT_CURSOR.name()).isEqualTo("allied-next-cursor");
  }

  @Test
  void aBearerTokenRoundTrips() {
    Metadata headers = AlliedMetadata.withBearer("eyJ.token");

    assertThat(headers.get(AlliedMetadata.AUTHORIZATION)).isEqualTo("Bearer eyJ.token");
    assertThat(AlliedMetadata.bearerToken(headers.get(AlliedMetadata.AUTHORIZATION)))
        .isEqualTo("eyJ.token");
    assertThat(AlliedMetadata.bearerToken("bearer  eyJ.token ")).isEqualTo("eyJ.token");
  }

  @Test
  void anythingButABearerTokenHasNoToken() {
    assertThat(AlliedMetadata.bearerToken(null)).isNull();
    assertThat(AlliedMetadata.bearerToken("Bearer ")).isNull();
    assertThat(AlliedMetadata.bearerToken("Bearer    ")).isNull();
    assertThat(AlliedMetadata.bearerToken("Basic dXNlcjpwYXNz")).isNull();
    assertThat(AlliedMetadata.bearerToken("Bearer")).isNull();
  }

  @Test
  void theWithheldCountReadsAsZeroWhenItIsNotACount() {
    assertThat(AlliedMetadata.withheldCount(" 6 ")).isEqualTo(6);
    assertThat(AlliedMetadata.withheldCount(null)).isZero();
    assertThat(AlliedMetadata.withheldCount("six")).isZero();
    assertThat(AlliedMetadata.withheldCount("-3")).isZero();
    assertThat(AlliedMetadata.withheldCount("99999999999")).isZero();
  }

  @Test
  void withheldReasonsRoundTripInOrder() {
    Map<String, Integer> counts = new LinkedHashMap<>();
    counts.put("NOT_RELEASABLE_TO_NATION", 2);
    counts.put("NOFORN", 1);
    counts.put("EXCHANGE_SERVICE", 3);

    String value = AlliedMetadata.withheldReasons(counts);

    assertThat(value).isEqualTo("NOT_RELEASABLE_TO_NATION=2,NOFORN=1,EXCHANGE_SERVICE=3");
    assertThat(AlliedMetadata.withheldReasons(value))
        .containsExactly(
            entry("NOT_RELEASABLE_TO_NATION", 2), entry("NOFORN", 1), entry("EXCHANGE_SERVICE", 3));
    assertThat(AlliedMetadata.withheldReasons(Map.of())).isEmpty();
  }

  @Test
  void malformedWithheldReasonsAreSkipped() {
    assertThat(AlliedMetadata.withheldReasons((String) null)).isEmpty();
    assertThat(AlliedMetadata.withheldReasons("")).isEmpty();
    assertThat(AlliedMetadata.withheldReasons("NOFORN,=3,LEVEL_NOT_COVERED=x,NEED_TO_KNOW=2"))
        .containsExactly(entry("NEED_TO_KNOW", 2));
  }
}
