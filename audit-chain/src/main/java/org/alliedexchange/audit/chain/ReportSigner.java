package org.alliedexchange.audit.chain;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Instant;
import java.util.HexFormat;
import org.alliedexchange.api.audit.v1.GetComplianceReportResponse;
import org.alliedexchange.api.audit.v1.ReportSignature;
import org.alliedexchange.label.NationalKey;
import org.alliedexchange.label.SignatureCheck;

/**
 * Signs a compliance report with the audit service's checkpoint key, so it can be kept as a
 * document and checked by either nation. The signed statement is {@code
 * "allied-compliance-report-v1" 0x00 || the deterministic protobuf encoding of the report with
 * label and signature.value cleared}: every figure, the period, the checkpoint, who asked and when.
 * The label is left out: the gateway's guard adds its release (the copy's marking for the auditor's
 * nation) on the way out, after the audit service signed. The figures' digest leaves out what
 * differs between two auditors' copies of the same report (the checkpoint, the signature), so both
 * sides can compare it.
 */
public final class ReportSigner {

  public static final String FORMAT = "allied-compliance-report-v1";
  private static final byte[] DOMAIN = (FORMAT + "\0").getBytes(StandardCharsets.US_ASCII);

  private final NationalKey key;

  public ReportSigner(NationalKey key) {
    this.key = key;
  }

  /**
   * @param report the report as it will be sent, checkpoint set, signature unset
   * @param requestedBy who asked for this copy, "jpn-auditor (JPN)"
   */
  public GetComplianceReportResponse sign(
      GetComplianceReportResponse report, String requestedBy, Instant at) {
    GetComplianceReportResponse.Builder signed = report.toBuilder();
    signed
        .getSignatureBuilder()
        .clear()
        .setFormat(FORMAT)
        .setSignedAt(Timestamp.newBuilder().setSeconds(at.getEpochSecond()).setNanos(at.getNano()))
        .setRequestedBy(requestedBy)
        .setFiguresDigest(figuresDigest(report))
        .setKeyId(key.keyId())
        .setPublicKeyPem(key.publicKeyPem());
    try {
      Signature signer = Signature.getInstance(NationalKey.ALGORITHM);
      signer.initSign(key.keyPair().getPrivate());
      signer.update(statement(signed.build()));
      signed.getSignatureBuilder().setValue(com.google.protobuf.ByteString.copyFrom(signer.sign()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign a compliance report: " + e.getMessage(), e);
    }
    return signed.build();
  }

  /** Whether {@code report}'s signature was made by {@code publicKey} over exactly this report. */
  public static boolean verifies(GetComplianceReportResponse report, PublicKey publicKey) {
    try {
      return SignatureCheck.verifies(
          publicKey, statement(report), report.getSignature().getValue().toByteArray());
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  /**
   * SHA-256 (hex) of the figures alone: what the KOR and the JPN auditor's copies of one report
   * share.
   */
  public static String figuresDigest(GetComplianceReportResponse report) {
    GetComplianceReportResponse figures =
        report.toBuilder()
            .clearLabel()
            .clearCheckpoint()
            .clearCheckpointSignatureValid()
            .clearSignature()
            .build();
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(deterministic(figures)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] statement(GetComplianceReportResponse report) {
    GetComplianceReportResponse.Builder unsigned = report.toBuilder().clearLabel();
    ReportSignature.Builder signature = unsigned.getSignatureBuilder();
    signature.clearValue();
    byte[] body = deterministic(unsigned.build());
    byte[] statement = new byte[DOMAIN.length + body.length];
    System.arraycopy(DOMAIN, 0, statement, 0, DOMAIN.length);
    System.arraycopy(body, 0, statement, DOMAIN.length, body.length);
    return statement;
  }

  /** Map entries in key order, so the same report always encodes to the same bytes. */
  static byte[] deterministic(Message message) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream(message.getSerializedSize());
      CodedOutputStream out = CodedOutputStream.newInstance(bytes);
      out.useDeterministicSerialization();
      message.writeTo(out);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
