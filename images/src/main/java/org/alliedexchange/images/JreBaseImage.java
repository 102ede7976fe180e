package org.alliedexchange.images;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The base of every service image: Debian's OpenJDK 17 headless JRE and what it depends on, the
 * user {@code allied} (10001:10001), {@code /tmp} and the state volume {@code /var/lib/allied}; no
 * shell. Run with the output path: {@code JreBaseImage images/target/jre-base.tar}.
 */
public final class JreBaseImage {

  public static final String REFERENCE = "localhost/allied/jre-base:17";
  public static final String JAVA_HOME = "/usr/lib/jvm/java-17-openjdk-amd64";
  public static final int UID = 10001;
  public static final int GID = 10001;

  private JreBaseImage() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 1) {
      throw new IllegalArgumentException("usage: JreBaseImage <output.tar>");
    }
    recipe().build(Path.of(args[0]));
  }

  public static DebianImage recipe() {
    return DebianImage.named(REFERENCE)
        .packages("openjdk-17-jre-headless")
        // used only by maintainer scripts, which never run here (cacerts is built below)
        .leaveOut("ca-certificates-java", "debconf", "util-linux", "util-linux-extra", "openssl")
        .extras(JreBaseImage.class, JreBaseImage::addFiles)
        .config(
            new ImageConfig(
                UID + ":" + GID,
                List.of(
                    "PATH=" + JAVA_HOME + "/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin",
                    "JAVA_HOME=" + JAVA_HOME,
                    "LANG=C.UTF-8"),
                List.of(JAVA_HOME + "/bin/java"),
                List.of("-version"),
                "/var/lib/allied",
                List.of(),
                List.of("/var/lib/allied")));
  }

  private static void addFiles(RootFilesystem root) throws IOException {
    addUsers(root, UID, GID);
    addTrustStores(root);
  }

  /** root, nobody and allied, with no login shell (there is none). */
  public static void addUsers(RootFilesystem root, int uid, int gid) {
    root.addFile(
        "etc/passwd",
        0644,
        "root:x:0:0:root:/root:/sbin/nologin\n"
            + "allied:x:"
            + uid
            + ":"
            + gid
            + ":Allied Exchange:/var/lib/allied:/sbin/nologin\n"
            + "nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n");
    root.addFile(
        "etc/group", 0644, "root:x:0:\n" + "allied:x:" + gid + ":\n" + "nogroup:x:65534:\n");
    // files first: no name service daemon runs in a container
    root.addFile(
        "etc/nsswitch.conf",
        0644,
        "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\nnetworks: files\n"
            + "protocols: files\nservices: files\n");
    root.addDirectory("tmp", 01777, 0, 0);
    root.addDirectory("var/lib/allied", 0750, uid, gid);
  }

  /**
   * What ca-certificates' and ca-certificates-java's postinst scripts would generate: the PEM
   * bundle and the JRE's {@code cacerts}, from every certificate Debian ships (its default).
   */
  public static void addTrustStores(RootFilesystem root) throws IOException {
    SortedMap<String, X509Certificate> certificates = new TreeMap<>();
    StringBuilder bundle = new StringBuilder();
    for (String path : root.filesUnder("usr/share/ca-certificates")) {
      if (!path.endsWith(".crt")) {
        continue;
      }
      byte[] pem = root.read(path);
      String name = path.substring(path.lastIndexOf('/') + 1).replaceAll("\\.crt$", "");
      certificates.put(
          ("debian:" + name + ".pem").toLowerCase(java.util.Locale.ROOT),
          JavaTrustStore.certificate(pem));
      String text = new String(pem, StandardCharsets.US_ASCII);
      bundle.append(text.endsWith("\n") ? text : text + "\n");
    }
    if (certificates.size() < 50) {
      throw new IOException(
          "only " + certificates.size() + " CA certificates in the ca-certificates package");
    }
    root.addFile("etc/ssl/certs/ca-certificates.crt", 0644, bundle.toString());
    root.addFile(
        "etc/ssl/certs/java/cacerts",
        0644,
        JavaTrustStore.jks(certificates, RootFilesystem.MODIFIED.toEpochMilli()));
  }
}
