package org.alliedexchange.images;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;

class RootFilesystemTest {

  @Test
  void theSameTreeGivesTheSameBytesWhateverTheOrderItWasBuiltIn() throws IOException {
    RootFilesystem one = new RootFilesystem();
    one.addFile("etc/passwd", 0644, "a").addDirectory("tmp", 01777, 0, 0);
    one.addSymlink("usr/bin/java", "/usr/lib/jvm/java/bin/java");
    RootFilesystem two = new RootFilesystem();
    two.addSymlink("/usr/bin/java", "/usr/lib/jvm/java/bin/java");
    two.addDirectory("./tmp/", 01777, 0, 0).addFile("/etc/passwd", 0644, "a");

    assertThat(tar(one)).isEqualTo(tar(two));
  }

  @Test
  void entriesAreSortedWithParentsAddedFixedTimesAndNumericOwners() throws IOException {
    RootFilesystem root = new RootFilesystem();
    root.addFile("var/lib/dpkg/status", 0644, "Package: x\n");
    root.addDirectory("var/lib/allied", 0750, 10001, 10001);
    root.addFile("etc/group", 0644, "root:x:0:\n");

    List<TarArchiveEntry> entries = new ArrayList<>();
    try (TarArchiveInputStream in =
        new TarArchiveInputStream(new ByteArrayInputStream(tar(root)))) {
      for (TarArchiveEntry e = in.getNextEntry(); e != null; e = in.getNextEntry()) {
        entries.add(e);
      }
    }
    assertThat(entries)
        .extracting(TarArchiveEntry::getName)
        .containsExactly(
            "etc/",
            "etc/group",
            "var/",
            "var/lib/",
            "var/lib/allied/",
            "var/lib/dpkg/",
            "var/lib/dpkg/status");
    assertThat(entries)
        .allSatisfy(
            e -> {
              assertThat(e.getModTime().toInstant()).isEqualTo(RootFilesystem.MODIFIED);
              assertThat(e.getUserName()).isEmpty();
            });
    TarArchiveEntry state = entries.get(4);
    assertThat(state.getLongUserId()).isEqualTo(10001);
    assertThat(state.getMode() & 07777).isEqualTo(0750);
  }

  private static byte[] tar(RootFilesystem root) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    root.writeTar(out);
    return out.toByteArray();
  }
}
