package org.alliedexchange.images;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Date;
import java.util.HexFormat;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * An image of one layer in the format {@code docker save} writes and {@code docker load}, {@code
 * podman load} and Jib's {@code tar://} base read: {@code manifest.json}, the configuration, and
 * the uncompressed layer, named by their SHA-256.
 */
public final class DockerArchive {

  private DockerArchive() {}

  /**
   * Writes {@code out} from the uncompressed {@code layer} tar; {@code reference} is the name it
   * loads as (e.g. {@code localhost/allied/jre-base:17}). Returns the layer's diff id.
   */
  public static String write(Path out, Path layer, String reference, ImageConfig config)
      throws IOException {
    String diffId = sha256(layer);
    String created = RootFilesystem.MODIFIED.toString();
    String configuration =
        "{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":"
            + Json.string(created)
            + ",\"config\":"
            + config.json()
            + ",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":["
            + Json.string("sha256:" + diffId)
            + "]},\"history\":[{\"created\":"
            + Json.string(created)
            + ",\"created_by\":"
            + Json.string("allied-exchange images: " + reference + " from Debian packages")
            + "}]}";
    byte[] configBytes = configuration.getBytes(StandardCharsets.UTF_8);
    String configName = sha256(configBytes) + ".json";
    String layerName = diffId + "/layer.tar";
    String manifest =
        "[{\"Config\":"
            + Json.string(configName)
            + ",\"RepoTags\":["
            + Json.string(reference)
            + "],\"Layers\":["
            + Json.string(layerName)
            + "]}]";
    try (OutputStream file = Files.newOutputStream(out);
        TarArchiveOutputStream tar = new TarArchiveOutputStream(file)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      // a fixed order: configuration, layer, manifest
      put(tar, configName, configBytes);
      directory(tar, diffId + "/");
      TarArchiveEntry entry = entry(layerName, Files.size(layer));
      tar.putArchiveEntry(entry);
      try (InputStream in = Files.newInputStream(layer)) {
        in.transferTo(tar);
      }
      tar.closeArchiveEntry();
      put(tar, "manifest.json", manifest.getBytes(StandardCharsets.UTF_8));
      tar.finish();
    }
    return "sha256:" + diffId;
  }

  private static void put(TarArchiveOutputStream tar, String name, byte[] content)
      throws IOException {
    tar.putArchiveEntry(entry(name, content.length));
    tar.write(content);
    tar.closeArchiveEntry();
  }

  private static void directory(TarArchiveOutputStream tar, String name) throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setMode(0755 | TarArchiveEntry.DEFAULT_DIR_MODE);
    fixed(entry);
    tar.putArchiveEntry(entry);
    tar.closeArchiveEntry();
  }

  private static TarArchiveEntry entry(String name, long size) {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setSize(size);
    entry.setMode(0644 | TarArchiveEntry.DEFAULT_FILE_MODE);
    fixed(entry);
    return entry;
  }

  private static void fixed(TarArchiveEntry entry) {
    entry.setIds(0, 0);
    entry.setUserName("");
    entry.setGroupName("");
    entry.setModTime(Date.from(RootFilesystem.MODIFIED));
  }

  static String sha256(Path file) throws IOException {
    MessageDigest digest = sha256();
    try (InputStream in = new DigestInputStream(Files.newInputStream(file), digest)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(digest.digest());
  }

  static String sha256(byte[] bytes) {
    return HexFormat.of().formatHex(sha256().digest(bytes));
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
