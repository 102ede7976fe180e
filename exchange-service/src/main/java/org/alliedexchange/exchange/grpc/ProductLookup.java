package org.alliedexchange.exchange.grpc;

import io.grpc.Status;
import java.sql.SQLException;
import java.util.Optional;
import java.util.UUID;
import org.alliedexchange.exchange.store.StoredProduct;

/** Finds one stored product by id: the product store, or a fake of it in tests. */
@FunctionalInterface
interface ProductLookup {

  Optional<StoredProduct> get(UUID id) throws SQLException;

  /**
   * The product, or NOT_FOUND naming the nation searched; UNAVAILABLE when the store cannot be
   * read.
   */
  default StoredProduct load(UUID id, String nation) {
    try {
      return get(id)
          .orElseThrow(
              () ->
                  Status.NOT_FOUND
                      .withDescription("no product " + id + " at " + nation)
                      .asRuntimeException());
    } catch (SQLException e) {
      throw Statuses.unavailable(e);
    }
  }
}
