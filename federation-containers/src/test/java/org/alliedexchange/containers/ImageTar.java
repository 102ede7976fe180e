package org.alliedexchange.containers;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An image tar (Docker archive, as Jib's {@code buildTar} writes it) read without an engine: its
 * image id is the SHA-256 of the configuration file its {@code manifest.json} names.
 */
final class ImageTar {

  private static final Pattern CONFIG = Pattern.compile("\"Config\"\\s*:\\s*\"([^\"]+)\"");

  private ImageTar() {}

  /** The image id, 64 hex digits, of the (first) image in {@code tar}. */
  static String imageId(Path tar) {
    Map<String, byte[]> small = smallEntries(tar);
    byte[] manifest = small.get("manifest.json");
    if (manifest == null) {
      throw new IllegalStateException(tar + " is not an image tar: it has no manifest.json");
    }
    Matcher config = CONFIG.matcher(new String(manifest, StandardCharsets.UTF_8));
    if (!config.find() || !small.containsKey(config.group(1))) {
      throw new IllegalStateException(tar + "'s manifest.json names no configuration it holds");
    }
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(small.get(config.group(1))));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Every entry of at most 1 MiB (manifest, configuration) by name; layers are skipped. */
  private static Map<String, byte[]> smallEntries(Path tar) {
    Map<String, byte[]> entries = new HashMap<>();
    try (InputStream in = new BufferedInputStream(Files.newInputStream(tar))) {
      byte[] header = new byte[512];
      while (in.readNBytes(header, 0, 512) == 512 && header[0] != 0) {
        String name = field(header, 0, 100);
        long size =
            Long.parseLong(
                field(header, 124, 12).trim().isEmpty() ? "0" : field(header, 124, 12).trim(), 8);
        long padded = (size + 511) / 512 * 512;
        if (size <= 1 << 20) {
          byte[] data = in.readNBytes((int) padded);
          byte[] content = new byte[(int) size];
          System.arraycopy(data, 0, content, 0, (int) size);
          entries.put(name.startsWith("./") ? name.substring(2) : name, content);
        } else {
          in.skipNBytes(padded);
        }
      }
      return entries;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the image tar " + tar, e);
    }
  }

  private static String field(byte[] header, int offset, int length) {
    int end = offset;
    while (end < offset + length && header[end] != 0) {
      end++;
    }
    return new String(header, offset, end - offset, StandardCharsets.US_ASCII);
  }
}
