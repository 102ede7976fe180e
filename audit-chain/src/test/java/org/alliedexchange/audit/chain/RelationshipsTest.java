package org.alliedexchange.audit.chain;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.ReleasabilityAmended;
import org.junit.jupiter.api.Test;

/** Relationship names are made only from well-formed nations. */
class RelationshipsTest {

  private static AuditEvent amendment(String... releasableTo) {
    return AuditEvent.newBuilder()
        .setReleasabilityAmended(
            ReleasabilityAmended.newBuilder()
                .setOriginator("KOR")
                .addPreviousReleasableTo("JPN")
                .addAllReleasableTo(java.util.List.of(releasableTo)))
        .build();
  }

  @Test
  void aNulNationMakesNoRelationshipName() {
    assertThatThrownBy(() -> Relationships.of(amendment("JPN", "\u0000")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage(
            "a relationship is made of ISO 3166-1 alpha-3 nations in upper case, not \"\\u0000\"");
    assertThatThrownBy(() -> Relationships.between("KOR", "usa"))
        .isInstanceOf(IllegalArgumentException.class);
    // what can still be attributed, for the dead letter
    assertThat(Relationships.attributable(amendment("JPN", "\u0000")))
        .containsExactly("JPN-KOR", "KOR");
  }

  @Test
  void wellFormedEventsKeepTheirRelationships() {
    assertThat(Relationships.of(amendment("JPN", "USA")))
        .containsExactly("JPN-KOR", "KOR", "KOR-USA");
    // an amendment that touches no nation is still its originator's, never UNKNOWN
    AuditEvent touchesNone =
        AuditEvent.newBuilder()
            .setReleasabilityAmended(ReleasabilityAmended.newBuilder().setOriginator("KOR"))
            .build();
    assertThat(Relationships.of(touchesNone)).containsExactly("KOR");
    assertThat(Relationships.of(AuditEvent.getDefaultInstance())).containsExactly("UNKNOWN");
    assertThat(Relationships.isValid("JPN-KOR")).isTrue();
    assertThat(Relationships.isValid("KOR")).isTrue();
    assertThat(Relationships.isValid("KOR-JPN")).isFalse();
    assertThat(Relationships.isValid("\u0000-KOR")).isFalse();
  }

  @Test
  void aRealmWideIdentityChangeGoesToTheFederationChainNotUnknown() {
    AuditEvent clientScopeAdded =
        AuditEvent.newBuilder()
            .setIdentityChanged(
                org.alliedexchange.api.audit.v1.IdentityChanged.newBuilder()
                    .setRealm("allied")
                    .setOperation("CREATE")
                    .setResourceType("CLIENT_SCOPE")
                    .setResourcePath("client-scopes/0f1e")
                    .setChangedBy("admin@master"))
            .build();

    assertThat(Relationships.of(clientScopeAdded)).containsExactly(Relationships.FEDERATION);
    assertThat(Relationships.attributable(clientScopeAdded))
        .containsExactly(Relationships.FEDERATION);
    assertThat(Relationships.isValid("FEDERATION")).isTrue();
  }

  private static AuditEvent hotlineStep(String node, String... parties) {
    return AuditEvent.newBuilder()
        .setHotline(
            org.alliedexchange.api.audit.v1.HotlineEvent.newBuilder()
                .setNode(node)
                .addAllParties(java.util.List.of(parties)))
        .build();
  }

  @Test
  void aHotlineNodesStepIsChainedOnlyInThePairsOfItsOwnNation() {
    // KOR's node records a step of the trilateral conference: the JPN-USA chain is written by
    // JPN's and USA's nodes only, so a KOR node can never put anything there
    assertThat(Relationships.of(hotlineStep("KOR", "JPN", "KOR", "USA")))
        .containsExactly("JPN-KOR", "KOR-USA");
    assertThat(Relationships.of(hotlineStep("USA", "JPN", "KOR", "USA")))
        .containsExactly("JPN-USA", "KOR-USA");
    // a step of its nation alone goes to its own chain
    assertThat(Relationships.of(hotlineStep("KOR", "KOR"))).containsExactly("KOR");
    assertThat(Relationships.of(hotlineStep("KOR", "KOR", "KOR"))).containsExactly("KOR");
    // and a step naming no node makes no relationship at all
    assertThatThrownBy(() -> Relationships.of(hotlineStep("", "JPN", "USA")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(Relationships.attributable(hotlineStep("", "JPN", "USA"))).isEmpty();
  }
}
