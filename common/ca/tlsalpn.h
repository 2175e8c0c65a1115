/*
 * tlsalpn.h: the ACME tls-alpn-01 validator (RFC 8737): the CA opens a
 * TLS connection to a name in an order, offering only the ALPN protocol
 * "acme-tls/1" with the name as SNI, and checks the self-signed
 * certificate it is shown: exactly one subjectAltName, a dNSName that is
 * the name, and a critical acmeIdentifier extension (id-pe-acmeIdentifier,
 * 1.3.6.1.5.5.7.1.31) holding the SHA-256 of the key authorization.
 *
 * The certificate is not verified otherwise: it proves control of the
 * name's TLS endpoint, not an identity.  The whole handshake has one
 * deadline like fetch.h's GET (every wait a poll() against what is left),
 * and nothing but the handshake is sent or read.
 */
#ifndef COFFER_TLSALPN_H
#define COFFER_TLSALPN_H

#include <stddef.h>
#include <stdint.h>

#define TLSALPN_PROTOCOL "acme-tls/1"

/* The certificate (DER, malloc'd) host:port shows in a handshake that
 * negotiated acme-tls/1, within timeout_ms; 0, or -1 (no answer in time,
 * no TLS, another protocol or none). */
int tlsalpn_fetch(const char *host, unsigned port, int timeout_ms,
    uint8_t **der, size_t *len);
/* Does the certificate (DER) answer name with the key authorization
 * keyauth (RFC 8737 3)?  1 yes, 0 no. */
int tlsalpn_cert_ok(
    const uint8_t *der, size_t len, const char *name, const char *keyauth);

#endif
