package org.alliedexchange.audit.grpc;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import java.sql.SQLException;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import org.alliedexchange.api.audit.v1.QueryRecordsResponse;
import org.alliedexchange.api.label.v1.SecurityLabel;
import org.alliedexchange.audit.chain.AuditorScope;
import org.alliedexchange.audit.chain.ChainHash;
import org.alliedexchange.audit.query.RecordLabels;
import org.alliedexchange.audit.query.RecordQuery;
import org.alliedexchange.label.WireMapping;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams the records of a query to an auditor from a bounded pool of threads, at the pace the
 * auditor reads, each labelled for the auditor's nation: whole when the auditor's clearance reads
 * it, otherwise as its chain link only.
 */
final class RecordStream {

  private static final Logger LOG = LoggerFactory.getLogger(RecordStream.class);

  private final RecordQuery query;
  private final RecordLabels labels;
  private final ExecutorService streams;
  private final Duration stallLimit;

  RecordStream(
      RecordQuery query, RecordLabels labels, ExecutorService streams, Duration stallLimit) {
    this.query = query;
    this.labels = labels;
    this.streams = streams;
    this.stallLimit = stallLimit;
  }

  /**
   * Sends at most {@code limit} records matching {@code filter}, then completes the call.
   *
   * @param system who asks, for the log when the query fails
   * @throws StatusRuntimeException RESOURCE_EXHAUSTED when every stream thread is busy
   */
  void send(
      RecordQuery.Filter filter,
      AuditorScope auditor,
      String system,
      int limit,
      ServerCallStreamObserver<QueryRecordsResponse> responses) {
    ReadyStream<QueryRecordsResponse> out = new ReadyStream<>(responses, stallLimit);
    try {
      streams.execute(
          () -> {
            try {
              int[] sent = {0};
              query.stream(
                  filter,
                  row -> {
                    SecurityLabel label = labels.forRecord(row.event(), auditor.nation());
                    QueryRecordsResponse.Builder record =
                        QueryRecordsResponse.newBuilder()
                            .setRelationship(row.position().relationship())
                            .setSequence(row.position().sequence())
                            .setHash(ByteString.copyFrom(row.hash()))
                            .setCursor(row.position().cursor())
                            .setEventDigest(ByteString.copyFrom(ChainHash.digest(row.eventBytes())))
                            .setRecordedAt(WireMapping.timestamp(row.recordedAt()));
                    if (auditor.readsWhole(label)) {
                      record
                          .setLabel(label)
                          .setEvent(row.event())
                          .setEventBytes(ByteString.copyFrom(row.eventBytes()));
                    } else {
                      // the link alone: the chain stays checkable, the record stays with those
                      // cleared for it
                      record
                          .setLabel(labels.forAnswer(RecordLabels.CHAIN_LEVEL, auditor.nation()))
                          .setRedacted(true);
                    }
                    return out.send(record.build()) && ++sent[0] < limit;
                  });
              if (!out.cancelled()) {
                responses.onCompleted();
              }
            } catch (StatusRuntimeException e) {
              end(responses, out, e.getStatus());
            } catch (SQLException | RuntimeException e) {
              LOG.error("an audit query for {} failed", system, e);
              end(
                  responses,
                  out,
                  Status.UNAVAILABLE.withDescription(
                      "the audit log could not be read; retry, and report it if it persists"));
            }
          });
    } catch (RejectedExecutionException e) {
      throw Status.RESOURCE_EXHAUSTED
          .withDescription(
              "the audit service is answering as many queries as it can; retry shortly")
          .asRuntimeException();
    }
  }

  private static void end(
      ServerCallStreamObserver<?> responses, ReadyStream<?> out, Status status) {
    if (!out.cancelled()) {
      try {
        responses.onError(status.asRuntimeException());
      } catch (IllegalStateException alreadyClosed) {
        // the call ended meanwhile
      }
    }
  }
}
