package org.alliedexchange.serviceruntime;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import java.nio.file.Path;
import java.util.List;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How a backend's ports hear only the gateway: mutual TLS, the {@code tls} block of the exchange
 * service's and the audit service's configuration ({@code allied.<service>.tls.*}), checked at
 * start-up by {@link GatewayOnlyTls#open}. The services only read PEM files, so a real PKI's
 * certificates fit as they are.
 *
 * @param certificate the service's certificate chain (PEM), leaf first
 * @param privateKey its private key (PEM, PKCS#8 {@code PRIVATE KEY})
 * @param clientAuthority the CA certificate(s) (PEM) that issue the gateways' client certificates
 * @param allowedClients the names a caller's certificate must carry (subject CN or a DNS subject
 *     alternative name) for the service to answer it: the gateways'
 * @param insecurePlaintext serve h2c with no TLS, to anyone who reaches the port: only behind a
 *     service mesh that does mutual TLS itself; never the default
 */
public record TlsSettings(
    Path certificate,
    Path privateKey,
    Path clientAuthority,
    @DefaultValue("allied-gateway") @NotEmpty List<@NotBlank String> allowedClients,
    @DefaultValue("false") boolean insecurePlaintext) {}
