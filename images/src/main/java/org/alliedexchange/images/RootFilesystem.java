package org.alliedexchange.images;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;

/**
 * A root file system assembled in memory from Debian packages and extra files, written as one
 * reproducible tar layer: entries sorted by path, one fixed modification time, numeric owners only,
 * no set-user-id or set-group-id bits. The packages are unpacked, not installed: no maintainer
 * script runs, so whatever a postinst would generate is added as an extra file.
 */
public final class RootFilesystem {

  /** Every entry's modification time (the project's fixed build timestamp). */
  public static final Instant MODIFIED = Instant.parse("2026-01-01T00:00:00Z");

  private sealed interface Node permits Directory, RegularFile, Symlink {
    int mode();

    int uid();

    int gid();
  }

  private record Directory(int mode, int uid, int gid) implements Node {}

  private record RegularFile(int mode, int uid, int gid, byte[] content) implements Node {}

  private record Symlink(int mode, int uid, int gid, String target) implements Node {}

  private final Map<String, Node> nodes = new TreeMap<>();

  /**
   * Unpacks a package's files, leaving out the paths {@code keep} refuses (relative, no leading
   * slash, e.g. {@code usr/share/doc/x/changelog.gz}).
   */
  public RootFilesystem addPackage(Path deb, Predicate<String> keep) throws IOException {
    Process dpkg = DebianPackages.fileSystemTar(deb);
    Map<String, String> hardLinks = new TreeMap<>();
    try (InputStream in = dpkg.getInputStream()) {
      TarArchiveInputStream tar = new TarArchiveInputStream(in);
      TarArchiveEntry entry;
      while ((entry = tar.getNextEntry()) != null) {
        String path = normalize(entry.getName());
        if (path.isEmpty() || !keep.test(path)) {
          continue;
        }
        int mode = entry.getMode() & 0777;
        int uid = (int) entry.getLongUserId();
        int gid = (int) entry.getLongGroupId();
        if (entry.isDirectory()) {
          nodes.merge(path, new Directory(mode, uid, gid), (old, fresh) -> old);
        } else if (entry.isSymbolicLink()) {
          put(path, new Symlink(0777, uid, gid, entry.getLinkName()));
        } else if (entry.isLink()) {
          hardLinks.put(path, normalize(entry.getLinkName()));
        } else if (entry.isFile()) {
          put(path, new RegularFile(mode, uid, gid, tar.readAllBytes()));
        } else {
          throw new IOException(deb + ": unexpected tar entry type for " + entry.getName());
        }
      }
      // hard links become copies: a layer stays readable entry by entry, in any order
      for (Map.Entry<String, String> link : hardLinks.entrySet()) {
        Node target = nodes.get(link.getValue());
        if (target instanceof RegularFile) {
          put(link.getKey(), target);
        }
      }
      // the tar's end-of-archive padding, so dpkg-deb exits cleanly
      in.transferTo(OutputStream.nullOutputStream());
    } finally {
      waitFor(dpkg, deb);
    }
    return this;
  }

  public RootFilesystem addDirectory(String path, int mode, int uid, int gid) {
    nodes.put(normalize(path), new Directory(mode, uid, gid));
    return this;
  }

  public RootFilesystem addFile(String path, int mode, byte[] content) {
    put(normalize(path), new RegularFile(mode, 0, 0, content.clone()));
    return this;
  }

  public RootFilesystem addFile(String path, int mode, String content) {
    return addFile(path, mode, content.getBytes(StandardCharsets.UTF_8));
  }

  public RootFilesystem addSymlink(String path, String target) {
    put(normalize(path), new Symlink(0777, 0, 0, target));
    return this;
  }

  /** The content of a regular file, or null when there is none at {@code path}. */
  public byte[] read(String path) {
    return nodes.get(normalize(path)) instanceof RegularFile file ? file.content().clone() : null;
  }

  /** The paths of regular files under {@code directory}, sorted. */
  public List<String> filesUnder(String directory) {
    String prefix = normalize(directory) + "/";
    List<String> files = new ArrayList<>();
    nodes.forEach(
        (path, node) -> {
          if (path.startsWith(prefix) && node instanceof RegularFile) {
            files.add(path);
          }
        });
    return files;
  }

  /** Writes the tree as a tar; each missing parent directory is added as root's, mode 755. */
  public void writeTar(OutputStream out) throws IOException {
    Map<String, Node> complete = new TreeMap<>(nodes);
    for (String path : nodes.keySet()) {
      for (int slash = path.indexOf('/'); slash > 0; slash = path.indexOf('/', slash + 1)) {
        complete.putIfAbsent(path.substring(0, slash), new Directory(0755, 0, 0));
      }
    }
    try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
      tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      for (Map.Entry<String, Node> e : complete.entrySet()) {
        Node node = e.getValue();
        TarArchiveEntry entry;
        if (node instanceof Directory) {
          entry = new TarArchiveEntry(e.getKey() + "/", TarConstants.LF_DIR);
        } else if (node instanceof Symlink link) {
          entry = new TarArchiveEntry(e.getKey(), TarConstants.LF_SYMLINK);
          entry.setLinkName(link.target());
        } else {
          entry = new TarArchiveEntry(e.getKey(), TarConstants.LF_NORMAL);
          entry.setSize(((RegularFile) node).content().length);
        }
        entry.setMode(node.mode());
        entry.setIds(node.uid(), node.gid());
        entry.setUserName("");
        entry.setGroupName("");
        entry.setModTime(Date.from(MODIFIED));
        tar.putArchiveEntry(entry);
        if (node instanceof RegularFile file) {
          tar.write(file.content());
        }
        tar.closeArchiveEntry();
      }
      tar.finish();
    }
  }

  private void put(String path, Node node) {
    Node old = nodes.put(path, node);
    if (old instanceof Directory) {
      throw new IllegalArgumentException(path + " is a directory");
    }
  }

  /** "./usr/bin/" and "/usr/bin" both become "usr/bin". */
  static String normalize(String name) {
    String path = name;
    while (path.startsWith("./") || path.startsWith("/")) {
      path = path.substring(path.startsWith("./") ? 2 : 1);
    }
    while (path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    return path.equals(".") ? "" : path;
  }

  private static void waitFor(Process dpkg, Path deb) throws IOException {
    try {
      if (!dpkg.waitFor(5, TimeUnit.MINUTES) || dpkg.exitValue() != 0) {
        throw new IOException("dpkg-deb --fsys-tarfile " + deb + " failed");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      dpkg.destroy();
      throw new IOException("interrupted while unpacking " + deb, e);
    }
  }
}
