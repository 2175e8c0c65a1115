/*
 * certfacts.c: what a certificate says (subject, issuer, serial, SANs,
 * validity, signature algorithm, key ids), as CFSSL's JSON, for certinfo,
 * the DC/OS certificates list and bundle.  See certfacts.h.
 */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <json-c/json.h>

#include "base/jbuild.h"
#include "ca/cadefs.h"
#include "ca/certfacts.h"

int
certfacts_serial_decimal(const uint8_t *b, size_t n, char *out, size_t outlen)
{
	uint8_t num[64];
	char tmp[160];
	size_t i, start = 0, nd = 0;
	unsigned rem;

	if (n > sizeof(num))
		return -1;
	memcpy(num, b, n);
	while (start < n && num[start] == 0)
		start++;
	while (start < n) {
		rem = 0;
		for (i = start; i < n; i++) {
			rem = rem * 256 + num[i];
			num[i] = (uint8_t)(rem / 10);
			rem %= 10;
		}
		tmp[nd++] = (char)('0' + rem);
		while (start < n && num[start] == 0)
			start++;
	}
	if (nd == 0)
		tmp[nd++] = '0';
	if (nd + 1 > outlen)
		return -1;
	for (i = 0; i < nd; i++)
		out[i] = tmp[nd - 1 - i];
	out[nd] = '\0';
	return 0;
}

static char *
hex_colons(const uint8_t *b, size_t n)
{
	static const char digits[] = "0123456789ABCDEF";
	char *s = malloc(n ? 3 * n : 1);
	size_t i;

	if (s == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		s[3 * i] = digits[b[i] >> 4];
		s[3 * i + 1] = digits[b[i] & 15];
		s[3 * i + 2] = i + 1 < n ? ':' : '\0';
	}
	if (n == 0)
		s[0] = '\0';
	return s;
}

const char *
certfacts_sigalg(int alg)
{
	switch (alg) {
	case GNUTLS_SIGN_ECDSA_SHA256:
		return "ECDSAWithSHA256";
	case GNUTLS_SIGN_ECDSA_SHA384:
		return "ECDSAWithSHA384";
	case GNUTLS_SIGN_ECDSA_SHA512:
		return "ECDSAWithSHA512";
	case GNUTLS_SIGN_RSA_SHA256:
		return "SHA256WithRSA";
	case GNUTLS_SIGN_RSA_SHA384:
		return "SHA384WithRSA";
	case GNUTLS_SIGN_RSA_SHA512:
		return "SHA512WithRSA";
	case GNUTLS_SIGN_EDDSA_ED25519:
		return "Ed25519";
	default:
		return "Unknown";
	}
}

struct json_object *
certfacts_name(gnutls_x509_crt_t crt, int issuer)
{
	static const struct {
		const char *key, *oid;
	} parts[] = {
	    {"common_name", GNUTLS_OID_X520_COMMON_NAME},
	    {"serial_number", "2.5.4.5"},
	    {"country", GNUTLS_OID_X520_COUNTRY_NAME},
	    {"organization", GNUTLS_OID_X520_ORGANIZATION_NAME},
	    {"organizational_unit", GNUTLS_OID_X520_ORGANIZATIONAL_UNIT_NAME},
	    {"locality", GNUTLS_OID_X520_LOCALITY_NAME},
	    {"province", GNUTLS_OID_X520_STATE_OR_PROVINCE_NAME},
	};
	struct json_object *o = jb_object();
	char buf[256];
	size_t i, len;
	int rc;

	for (i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
		len = sizeof(buf);
		rc = issuer ? gnutls_x509_crt_get_issuer_dn_by_oid(
		                  crt, parts[i].oid, 0, 0, buf, &len)
		            : gnutls_x509_crt_get_dn_by_oid(
		                  crt, parts[i].oid, 0, 0, buf, &len);
		if (rc >= 0)
			jb_set(o, parts[i].key, jb_strn(buf, len));
	}
	return o;
}

struct json_object *
certfacts_sans(gnutls_x509_crt_t crt)
{
	struct json_object *a = jb_array();
	char buf[PKI_MAX_HOST + 1], ip[INET6_ADDRSTRLEN];
	unsigned i, type;
	size_t len;
	int rc;

	for (i = 0; i < PKI_MAX_HOSTS; i++) {
		len = sizeof(buf) - 1;
		rc = gnutls_x509_crt_get_subject_alt_name2(
		    crt, i, buf, &len, &type, NULL);
		if (rc == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (rc < 0)
			continue;
		if (type == GNUTLS_SAN_IPADDRESS) {
			if (inet_ntop(len == 4 ? AF_INET : AF_INET6, buf, ip,
			        sizeof(ip)) != NULL)
				jb_push(a, jb_str(ip));
		} else if (type == GNUTLS_SAN_DNSNAME ||
		           type == GNUTLS_SAN_RFC822NAME ||
		           type == GNUTLS_SAN_URI)
			jb_push(a, jb_strn(buf, len));
	}
	return a;
}

enum cf_status
certfacts_import(
    const char *pem, size_t len, gnutls_x509_crt_t *out, const char **detail)
{
	gnutls_datum_t d = {(unsigned char *)pem, (unsigned)len};
	gnutls_x509_crt_t crt = NULL;

	if (len > PKI_MAX_PEM ||
	    strstr(pem, "-----BEGIN CERTIFICATE") == NULL) {
		*detail = "1002 Failed to decode certificate";
		return CF_E_BAD_REQUEST;
	}
	if (gnutls_x509_crt_init(&crt) < 0)
		return CF_E_INTERNAL;
	if (gnutls_x509_crt_import(crt, &d, GNUTLS_X509_FMT_PEM) < 0) {
		gnutls_x509_crt_deinit(crt);
		*detail = "1003 Failed to parse certificate";
		return CF_E_BAD_REQUEST;
	}
	*out = crt;
	return CF_OK;
}

struct json_object *
certfacts_json(gnutls_x509_crt_t crt, const char *pem)
{
	struct json_object *o = jb_object();
	uint8_t b[64];
	char dec[160], *hex;
	size_t len;
	unsigned crit;

	jb_set(o, "subject", certfacts_name(crt, 0));
	jb_set(o, "issuer", certfacts_name(crt, 1));
	len = sizeof(b);
	if (gnutls_x509_crt_get_serial(crt, b, &len) >= 0 &&
	    certfacts_serial_decimal(b, len, dec, sizeof(dec)) == 0)
		add_str(o, "serial_number", dec);
	jb_set(o, "sans", certfacts_sans(crt));
	add_time(o, "not_before", gnutls_x509_crt_get_activation_time(crt));
	add_time(o, "not_after", gnutls_x509_crt_get_expiration_time(crt));
	add_str(o, "sigalg",
	    certfacts_sigalg(gnutls_x509_crt_get_signature_algorithm(crt)));
	len = sizeof(b);
	if (gnutls_x509_crt_get_authority_key_id(crt, b, &len, &crit) >= 0 &&
	    (hex = hex_colons(b, len)) != NULL) {
		add_str(o, "authority_key_id", hex);
		free(hex);
	}
	len = sizeof(b);
	if (gnutls_x509_crt_get_subject_key_id(crt, b, &len, &crit) >= 0 &&
	    (hex = hex_colons(b, len)) != NULL) {
		add_str(o, "subject_key_id", hex);
		free(hex);
	}
	add_str(o, "pem", pem);
	return o;
}
