package org.alliedexchange.imagesit;

import java.security.KeyStore;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/** Run inside an image: prints how many CAs the JRE's default trust store holds. */
public final class TrustStoreProbe {

  private TrustStoreProbe() {}

  public static void main(String[] args) throws Exception {
    TrustManagerFactory factory =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    factory.init((KeyStore) null);
    X509TrustManager trust = (X509TrustManager) factory.getTrustManagers()[0];
    // the default TLS context is what an https client would use
    SSLContext.getDefault().createSSLEngine();
    System.out.println("trusted CAs: " + trust.getAcceptedIssuers().length);
  }
}
