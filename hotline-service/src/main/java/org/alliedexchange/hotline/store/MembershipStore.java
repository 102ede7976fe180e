package org.alliedexchange.hotline.store;

import com.google.protobuf.InvalidProtocolBufferException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import javax.sql.DataSource;
import org.alliedexchange.api.hotline.v1.MembershipChange;

/**
 * The members of each nation per conference as last announced (table conference_membership): this
 * node's own, compared with its conference file at start-up, and each peer's, which replace that
 * nation's members of the file here.
 */
public final class MembershipStore {

  private final DataSource dataSource;

  public MembershipStore(DataSource dataSource) {
    this.dataSource = dataSource;
  }

  /** One nation's members of a conference as announced by the item {@code sequence} (0: none). */
  public record Recorded(
      String conference, String nation, long sequence, MembershipChange change) {}

  /** Everything recorded. */
  public List<Recorded> all() {
    try (Connection c = dataSource.getConnection();
        PreparedStatement select =
            c.prepareStatement(
                "SELECT conference, nation, sequence, change FROM conference_membership"
                    + " ORDER BY conference, nation");
        ResultSet rows = select.executeQuery()) {
      List<Recorded> recorded = new ArrayList<>();
      while (rows.next()) {
        recorded.add(
            new Recorded(
                rows.getString(1),
                rows.getString(2),
                rows.getLong(3),
                MembershipChange.parseFrom(rows.getBytes(4))));
      }
      return recorded;
    } catch (SQLException e) {
      throw new HotlineStore.StoreException("the hotline database failed: " + e.getMessage(), e);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("a recorded membership does not parse", e);
    }
  }

  /**
   * Records a nation's members, in the caller's transaction, unless an announcement with a higher
   * number is recorded already (items may arrive out of order); true when recorded.
   */
  public boolean record(
      Connection c, String conference, String nation, long sequence, MembershipChange change)
      throws SQLException {
    try (PreparedStatement upsert =
        c.prepareStatement(
            "INSERT INTO conference_membership (conference, nation, sequence, change)"
                + " VALUES (?, ?, ?, ?) ON CONFLICT (conference, nation) DO UPDATE"
                + " SET sequence = EXCLUDED.sequence, change = EXCLUDED.change, recorded_at = now()"
                + " WHERE conference_membership.sequence <= EXCLUDED.sequence")) {
      upsert.setString(1, conference);
      upsert.setString(2, nation);
      upsert.setLong(3, sequence);
      upsert.setBytes(4, change.toByteArray());
      return upsert.executeUpdate() == 1;
    }
  }
}
