package org.alliedexchange.images;

/** One binary package as apt resolved it: exactly this version for this architecture. */
public record DebianPackage(String name, String version, String architecture) {

  /** The file name {@code apt-get download} saves it under (an epoch's colon is escaped). */
  public String fileName() {
    return name + "_" + version.replace(":", "%3a") + "_" + architecture + ".deb";
  }

  /** How apt names this exact version on a command line. */
  public String pinned() {
    return name + "=" + version;
  }
}
