package org.alliedexchange.gateway.guard;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import java.io.IOException;
import org.alliedexchange.api.audit.v1.AuditEvent;
import org.alliedexchange.api.audit.v1.AuditServiceGrpc;
import org.alliedexchange.api.audit.v1.QueryRecordsResponse;
import org.alliedexchange.api.audit.v1.TransferRecord;

/**
 * Tells an audit record that itself records an auditor's read (a transfer whose method is one of
 * the audit service's) from any other. An auditor's read of such a record is not recorded again:
 * otherwise every look at one's own chain would add a record per record read, and the log would
 * grow with each look.
 */
final class ReadRecords {

  /** How the gateway names the audit service's methods in its records, e.g. "AuditService/". */
  private static final String AUDIT_METHOD_PREFIX =
      AuditServiceGrpc.SERVICE_NAME.substring(AuditServiceGrpc.SERVICE_NAME.lastIndexOf('.') + 1)
          + "/";

  private ReadRecords() {}

  /**
   * True when {@code message}, a {@link QueryRecordsResponse}, carries a transfer record of an
   * audit service method; false for anything else, a redacted record included (it cannot be told).
   */
  static boolean isReadRecord(byte[] message) {
    try {
      CodedInputStream response = CodedInputStream.newInstance(message);
      CodedInputStream event = field(response, QueryRecordsResponse.EVENT_FIELD_NUMBER);
      CodedInputStream transfer =
          event == null ? null : field(event, AuditEvent.TRANSFER_FIELD_NUMBER);
      if (transfer == null) {
        return false;
      }
      String method = null;
      for (int tag; (tag = transfer.readTag()) != 0; ) {
        if (tag == lengthDelimited(TransferRecord.METHOD_FIELD_NUMBER)) {
          // the last occurrence wins, as when protobuf parses it
          method = transfer.readStringRequireUtf8();
        } else {
          transfer.skipField(tag);
        }
      }
      return method != null && method.startsWith(AUDIT_METHOD_PREFIX);
    } catch (IOException e) {
      return false;
    }
  }

  private static int lengthDelimited(int number) {
    return number << 3 | WireFormat.WIRETYPE_LENGTH_DELIMITED;
  }

  /** The last occurrence of a length-delimited field, as a stream of its own; null when none. */
  private static CodedInputStream field(CodedInputStream in, int number) throws IOException {
    byte[] found = null;
    int wanted = lengthDelimited(number);
    for (int tag; (tag = in.readTag()) != 0; ) {
      if (tag == wanted) {
        found = in.readByteArray();
      } else {
        in.skipField(tag);
      }
    }
    return found == null ? null : CodedInputStream.newInstance(found);
  }
}
