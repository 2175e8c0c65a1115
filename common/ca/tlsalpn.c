/*
 * tlsalpn.c: the tls-alpn-01 validator.  See tlsalpn.h.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>

#include "base/fetch.h"
#include "ca/tlsalpn.h"
#include "crypto/crypto.h"

#define ACME_ID_OID "1.3.6.1.5.5.7.1.31"

/* The handshake on the non-blocking fd, each wait against deadline. */
static int
handshake(gnutls_session_t s, int fd, int64_t deadline)
{
	int rc;

	for (;;) {
		rc = gnutls_handshake(s);
		if (rc == GNUTLS_E_SUCCESS)
			return 0;
		if (rc != GNUTLS_E_AGAIN && rc != GNUTLS_E_INTERRUPTED)
			return -1;
		if (!fetch_wait(fd,
		        gnutls_record_get_direction(s) ? POLLOUT : POLLIN,
		        deadline))
			return -1;
	}
}

/* Was acme-tls/1 the protocol agreed on? */
static int
alpn_agreed(gnutls_session_t s)
{
	gnutls_datum_t p;

	if (gnutls_alpn_get_selected_protocol(s, &p) < 0)
		return 0;
	return p.size == strlen(TLSALPN_PROTOCOL) &&
	       !memcmp(p.data, TLSALPN_PROTOCOL, p.size);
}

static int
peer_der(gnutls_session_t s, uint8_t **der, size_t *len)
{
	const gnutls_datum_t *c;
	unsigned n = 0;

	if ((c = gnutls_certificate_get_peers(s, &n)) == NULL || n == 0 ||
	    c[0].size == 0)
		return -1;
	if ((*der = malloc(c[0].size)) == NULL)
		return -1;
	memcpy(*der, c[0].data, c[0].size);
	*len = c[0].size;
	return 0;
}

int
tlsalpn_fetch(
    const char *host, unsigned port, int timeout_ms, uint8_t **der, size_t *len)
{
	int64_t deadline = fetch_now_ms() + timeout_ms;
	gnutls_certificate_credentials_t cred = NULL;
	gnutls_session_t s = NULL;
	gnutls_datum_t proto = {(unsigned char *)TLSALPN_PROTOCOL,
	    (unsigned)strlen(TLSALPN_PROTOCOL)};
	int fd, rc = -1;

	*der = NULL;
	*len = 0;
	if ((fd = fetch_connect(host, port, deadline)) < 0)
		return -1;
	if (gnutls_certificate_allocate_credentials(&cred) < 0 ||
	    gnutls_init(&s, GNUTLS_CLIENT | GNUTLS_NONBLOCK) < 0)
		goto out;
	/* The certificate is checked by what it holds (tlsalpn_cert_ok),
	 * not by a chain: nothing to trust, so no verification here. */
	if (gnutls_set_default_priority(s) < 0 ||
	    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred) < 0 ||
	    gnutls_server_name_set(s, GNUTLS_NAME_DNS, host, strlen(host)) <
	        0 ||
	    gnutls_alpn_set_protocols(s, &proto, 1, GNUTLS_ALPN_MANDATORY) < 0)
		goto out;
	gnutls_transport_set_int(s, fd);
	if (handshake(s, fd, deadline) != 0 || !alpn_agreed(s))
		goto out;
	rc = peer_der(s, der, len);
out:
	if (s != NULL)
		gnutls_deinit(s);
	if (cred != NULL)
		gnutls_certificate_free_credentials(cred);
	close(fd);
	return rc;
}

/* Exactly one subjectAltName, a dNSName equal to name. */
static int
only_name(gnutls_x509_crt_t crt, const char *name)
{
	char buf[256];
	size_t n = sizeof(buf) - 1;
	int type;

	type = gnutls_x509_crt_get_subject_alt_name(crt, 0, buf, &n, NULL);
	if (type != GNUTLS_SAN_DNSNAME || n != strlen(name) ||
	    strncasecmp(buf, name, n) != 0)
		return 0;
	n = sizeof(buf) - 1;
	return gnutls_x509_crt_get_subject_alt_name(crt, 1, buf, &n, NULL) ==
	       GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE;
}

/* The critical acmeIdentifier: an OCTET STRING of SHA-256(keyauth). */
static int
digest_ok(gnutls_x509_crt_t crt, const char *keyauth)
{
	gnutls_datum_t ext = {NULL, 0};
	uint8_t want[32];
	unsigned critical = 0;
	int ok;

	if (crypto_sha256(keyauth, strlen(keyauth), want) != 0)
		return 0;
	if (gnutls_x509_crt_get_extension_by_oid2(
	        crt, ACME_ID_OID, 0, &ext, &critical) < 0)
		return 0;
	ok = critical && ext.size == 34 && ext.data[0] == 0x04 &&
	     ext.data[1] == 32 && !memcmp(ext.data + 2, want, 32);
	gnutls_free(ext.data);
	return ok;
}

int
tlsalpn_cert_ok(
    const uint8_t *der, size_t len, const char *name, const char *keyauth)
{
	gnutls_x509_crt_t crt;
	gnutls_datum_t d = {(unsigned char *)(uintptr_t)der, (unsigned)len};
	int ok = 0;

	if (len == 0 || len > 65536 || gnutls_x509_crt_init(&crt) < 0)
		return 0;
	if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_DER) == 0)
		ok = only_name(crt, name) && digest_ok(crt, keyauth);
	gnutls_x509_crt_deinit(crt);
	return ok;
}
