package org.alliedexchange.imagesit;

/**
 * Run inside a service image with its class path: prints whether the native epoll transports of
 * grpc-netty-shaded and of Netty load (each extracts its .so to java.io.tmpdir first).
 */
public final class NativeTransportProbe {

  private NativeTransportProbe() {}

  public static void main(String[] args) throws Exception {
    for (String epoll : args) {
      Class<?> type = Class.forName(epoll);
      boolean available = (Boolean) type.getMethod("isAvailable").invoke(null);
      Object cause = type.getMethod("unavailabilityCause").invoke(null);
      System.out.println(epoll + " available: " + available + (cause == null ? "" : " " + cause));
    }
  }
}
